"""Suite-wide settings: offline litellm, a git identity that never reads the user's config."""

from __future__ import annotations

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
for key, value in {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}.items():
    os.environ[key] = value

pytest_plugins = ["ghcontract.pytest_plugin"]
