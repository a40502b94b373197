"""What a call will cost (before it is made) and what it did cost, from litellm's price list.

Prices are looked up with the call's `custom_llm_provider`, then with the model name alone.
A model missing from the list costs 0.0: the budget cannot hold back what it cannot price, and
a warning says so once per model. `litellm.register_model` adds a price for such a model.
litellm's price lookups raise many unrelated types for an unknown model (ModelNotMappedError,
BadRequestError for an unknown provider prefix, plain Exception), hence the broad catches below:
each wraps one lookup and its only effect is "no price".
"""

from __future__ import annotations

import json
import logging
from typing import Any

from swarm.llm.loader import litellm_ready

log = logging.getLogger(__name__)
_warned: set[str] = set()

MIN_ANSWER_TOKENS = 256


def estimate_cost(
    model: str,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    provider: str | None = None,
    max_tokens: int | None = None,
) -> float:
    """The price of sending `messages` and getting an answer of the expected size.

    The answer is guessed at `max_tokens` when the call sets it, else twice the schema's own
    size (at least MIN_ANSWER_TOKENS): a guess to stop a call that would plainly overspend.
    """
    litellm_ready()
    import litellm

    prompt_tokens = litellm.token_counter(model=model, messages=messages)
    schema_tokens = litellm.token_counter(model=model, text=json.dumps(schema))
    answer_tokens = max_tokens or max(MIN_ANSWER_TOKENS, 2 * schema_tokens)
    for where in _providers(provider):
        try:
            cost_in, cost_out = litellm.cost_per_token(
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=answer_tokens,
                custom_llm_provider=where,
            )
        except Exception:  # no price this way: see the module's docstring
            continue
        return float(cost_in) + float(cost_out)
    _warn_unpriced(model)
    return 0.0


def response_cost(response: Any, model: str, provider: str | None = None) -> float:
    """What litellm says `response` cost; the response's own model name wins over `model`."""
    litellm_ready()
    import litellm

    for where in _providers(provider):
        try:
            cost = litellm.completion_cost(
                completion_response=response, model=model, custom_llm_provider=where
            )
        except Exception:  # no price this way: see the module's docstring
            continue
        return float(cost)
    _warn_unpriced(model)
    return 0.0


def _providers(provider: str | None) -> tuple[str | None, ...]:
    """The provider given to the call first, then none (a custom provider that serves a known
    model, e.g. a gateway, has no prices of its own)."""
    return (provider, None) if provider else (None,)


def _warn_unpriced(model: str) -> None:
    if model not in _warned:
        _warned.add(model)
        log.warning(
            "model %s is not in litellm's price list: its calls are recorded at $0.00 and the "
            "budget cannot limit them (add a price with litellm.register_model)",
            model,
        )
