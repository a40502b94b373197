"""What the model is sent, and how its answer is read. Pure functions, no litellm.

The user's text is followed by the JSON schema of the expected answer and an instruction to
answer with one JSON object. The answer is validated with pydantic; a ```json fence around it is
tolerated. When it does not validate, the model is shown its answer and the errors, and asked
again.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
Message = dict[str, str]

_FENCE = re.compile(r"^```[A-Za-z0-9_-]*\s*\n(?P<body>.*?)\n?```$", re.DOTALL)
_MAX_ERRORS = 10


def schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


def build_messages(system: str, user: str, schema: dict[str, Any]) -> list[Message]:
    instruction = (
        "Answer with one JSON object only: no prose before or after it, no code fence. "
        "It must validate against this JSON schema:\n" + json.dumps(schema, ensure_ascii=False)
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"{user.rstrip()}\n\n{instruction}"},
    ]


def parse_answer(text: str, schema: type[T]) -> T:
    """The answer as `schema`; raises pydantic's ValidationError (invalid JSON included)."""
    return schema.model_validate_json(unfence(text))


def unfence(text: str) -> str:
    stripped = text.strip()
    match = _FENCE.match(stripped)
    return match.group("body").strip() if match else stripped


def reask(messages: list[Message], answer: str, error: ValidationError) -> list[Message]:
    """The conversation so far, the invalid answer, and a request to correct it."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": "That answer is not valid:\n"
            + describe_errors(error)
            + "\nAnswer again with one corrected JSON object only.",
        },
    ]


def describe_errors(error: ValidationError) -> str:
    problems = error.errors(include_url=False)
    lines = [f"- {_where(p['loc'])}: {p['msg']}" for p in problems[:_MAX_ERRORS]]
    if len(problems) > _MAX_ERRORS:
        lines.append(f"- and {len(problems) - _MAX_ERRORS} more")
    return "\n".join(lines)


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(the whole answer)"
