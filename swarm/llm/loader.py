"""The one place that prepares litellm before it is first imported.

litellm fetches its price list from the network at import unless told to use the copy it ships;
we use the shipped copy (set LITELLM_LOCAL_MODEL_COST_MAP=False to fetch), so prices are those
of the installed version. Call `litellm_ready()` and then `import litellm` in any function that
needs it: the import stays lazy, so commands that never call a model stay fast.
"""

from __future__ import annotations

import functools
import os


@functools.cache
def litellm_ready() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
    litellm.disable_hf_tokenizer_download = True  # estimates use tiktoken: no download
