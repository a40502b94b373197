"""Where a GitHub-backed repository lives: owner/name, the API URL, the git URL, the pacing.

Kept in `DIR/plan-swarm/github.json` beside the mirror so later commands (`spawn`, `human`,
`approve`) find it. The token is never kept: it comes from the environment each time
(`GITHUB_TOKEN`, as GitHub Actions sets it, or `GH_TOKEN`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from swarm.errors import SwarmError

DEFAULT_API_URL = "https://api.github.com"
CONFIG_NAME = "github.json"
DEFAULT_WRITES_PER_MINUTE = 80.0
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class GitHubTarget:
    repo: str  # owner/name
    api_url: str = DEFAULT_API_URL
    git_url: str = ""  # the clone URL GitHub reports; derived from api_url until known
    writes_per_minute: float = DEFAULT_WRITES_PER_MINUTE
    private: bool = True
    # this mirror's own name among the machines working on the repository: agents' names
    # carry it, so two machines' `research-1` are not taken for one agent by the claims
    mirror: str = ""

    @property
    def owner(self) -> str:
        return self.repo.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repo.split("/", 1)[1]

    def clone_url(self) -> str:
        if self.git_url:
            return self.git_url
        if self.api_url.rstrip("/") == DEFAULT_API_URL:
            return f"https://github.com/{self.repo}.git"
        host = self.api_url.split("/api/", 1)[0].rstrip("/")  # GitHub Enterprise: /api/v3
        return f"{host}/{self.repo}.git"


def parse_repo(text: str) -> str:
    if not _REPO.match(text) or text.endswith((".git", ".")):
        raise SwarmError(f"--repo {text!r}: expected OWNER/NAME, e.g. acme/bike-workshop")
    return text


def api_url(flag: str | None = None, stored: str | None = None) -> str:
    """The flag, else GITHUB_API_URL (GitHub Actions sets it; Enterprise included), else what
    the repository was made with, else api.github.com."""
    url = flag or os.environ.get("GITHUB_API_URL") or stored or DEFAULT_API_URL
    if not url.startswith(("https://", "http://")):
        raise SwarmError(f"GitHub API URL {url!r}: expected http(s)://HOST[/api/v3]")
    return url.rstrip("/")


def token() -> str:
    found = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not found:
        raise SwarmError(
            "the GitHub forge needs a token: set GITHUB_TOKEN (in GitHub Actions: "
            "`env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)"
        )
    return found


def config_path(forge_dir: Path) -> Path:
    return forge_dir / CONFIG_NAME


def save(forge_dir: Path, target: GitHubTarget) -> None:
    forge_dir.mkdir(parents=True, exist_ok=True)
    if not target.mirror:
        target = replace(target, mirror=secrets.token_hex(3))
    path = config_path(forge_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(target), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def load(forge_dir: Path) -> GitHubTarget | None:
    path = config_path(forge_dir)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        target = GitHubTarget(**data)
    except (ValueError, TypeError) as exc:
        raise SwarmError(f"{path}: not a valid GitHub target ({exc})", 1) from None
    return replace(target, api_url=api_url(None, target.api_url))
