"""LLM access: litellm behind the small interface in `api`.

Modules: `router` picks the model, `client` makes the calls (budget, retries, re-asks, ledger),
`cache` replays answers already paid for, `errors` says which litellm exceptions are worth a
retry, `ledger` reads and writes the ledger files. Importing this package does not import
litellm (about 2 s); only the functions that call it do, through `loader.litellm_ready`.
It does make sure that litellm, whoever imports it later, uses the price list it ships instead
of fetching one at import (set LITELLM_LOCAL_MODEL_COST_MAP=False to fetch).
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
