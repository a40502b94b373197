"""Prompts kept as files: agents/prompts/<role>.md holds a system prompt and a user template.

File format: a `# System` section and a `# User` section (everything before `# System` is a
comment for maintainers). The user template names its inputs as `{{name}}`; `fill` refuses a
template with a placeholder it has no value for, or a value the template never uses, so a prompt
and the code that fills it cannot drift apart silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from swarm.errors import EXIT_BUG, SwarmError

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


@dataclass(frozen=True)
class Prompt:
    role: str
    system: str
    user: str

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.user))

    def fill(self, values: Mapping[str, str]) -> str:
        missing = self.placeholders - values.keys()
        unused = values.keys() - self.placeholders
        if missing or unused:
            raise SwarmError(
                f"prompt {self.role}: placeholders without values {sorted(missing)}, "
                f"values without placeholders {sorted(unused)}",
                EXIT_BUG,
            )
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.user)


@functools.cache
def load(role: str) -> Prompt:
    text = resources.files("agents").joinpath("prompts", f"{role}.md").read_text("utf-8")
    return parse(role, text)


def parse(role: str, text: str) -> Prompt:
    parts = re.split(r"^# (System|User)\s*$", text, flags=re.MULTILINE)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"System", "User"}:
        raise SwarmError(f"prompt {role}: needs a '# System' and a '# User' section", EXIT_BUG)
    return Prompt(role, sections["System"], sections["User"])
