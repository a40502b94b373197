"""GitHub's official REST description, fetched once and cached under ``.cache/``.

The description is the npm package ``@octokit/openapi``; only its
``generated/api.github.com.json`` (13 MB, OpenAPI 3.0.3) is needed, so the package is
fetched as a tarball with ``npm pack`` and that one member is extracted. The 385 MB
package is never installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
# `npm view @octokit/openapi@23.0.2 dist.shasum`: checked after `npm pack` as a second line
# of defence (npm already verifies the registry's sha512 integrity).
TARBALL_SHA1 = "743435033357133786d56271b48a67991a614b0a"
MEMBER = "package/generated/api.github.com.json"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SpecFetchError(RuntimeError):
    """The description could not be fetched from the npm registry."""


def cache_dir(version: str = VERSION) -> Path:
    return PROJECT_ROOT / ".cache" / "octokit-openapi" / version


def spec_file(version: str = VERSION) -> Path:
    """Path of ``api.github.com.json``, fetching it first when it is not cached yet.

    Safe when several processes (pytest-xdist workers) call it at once: the first one takes an
    exclusive lock and fetches, the others wait on the lock and then find the file.
    """
    target = cache_dir(version) / "api.github.com.json"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / ".fetch.lock"):
        if not target.is_file():
            _fetch(version, target)
    return target


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch(version: str, target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SpecFetchError("npm is needed to fetch GitHub's REST description; install Node/npm")
    with tempfile.TemporaryDirectory(prefix="octokit-openapi-", dir=target.parent) as tmp:
        proc = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{version}", "--pack-destination", tmp, "--silent"],
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or len(tarballs) != 1:
            raise SpecFetchError(
                f"`npm pack {PACKAGE}@{version}` failed (exit {proc.returncode}): "
                f"{proc.stderr.strip() or proc.stdout.strip()}{_registry_hint(npm, version)}"
            )
        tarball = tarballs[0]
        if version == VERSION:
            digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
            if digest != TARBALL_SHA1:
                raise SpecFetchError(f"{tarball.name}: sha1 {digest}, expected {TARBALL_SHA1}")
        partial = Path(tmp) / "api.github.com.json.part"
        with tarfile.open(tarball, "r:gz") as archive:
            member = archive.getmember(MEMBER)
            source = archive.extractfile(member)
            if source is None:
                raise SpecFetchError(f"{MEMBER} is not a regular file in {tarball.name}")
            with source, partial.open("wb") as out:
                shutil.copyfileobj(source, out)
        tarball.unlink()
        json.loads(partial.read_bytes())  # a truncated file must never be published
        os.replace(partial, target)


def _registry_hint(npm: str, version: str) -> str:
    """Whether the registry knows the version, to tell a typo from a network problem."""
    proc = subprocess.run(
        [npm, "view", f"{PACKAGE}@{version}", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0 and proc.stdout.strip() == version:
        return f"\n(the registry has {PACKAGE}@{version}: a network or npm problem)"
    if proc.returncode == 0:
        return f"\n(the registry has no {PACKAGE}@{version}; pin an existing version)"
    return f"\n(`npm view` failed too: {proc.stderr.strip()[:200]})"


@cache
def spec_dict(version: str = VERSION) -> dict[str, Any]:
    """The parsed description (cached per process; treat it as read-only)."""
    data: dict[str, Any] = json.loads(spec_file(version).read_bytes())
    return data


@cache
def openapi(version: str = VERSION) -> Any:
    """The description loaded with openapi-core, servers pointed at the loopback host.

    Requests carry their own host, so the single server entry only has to let
    openapi-core's server matching pass; ``ghcontract.validate`` supplies the matched
    path and server itself.
    """
    from openapi_core import Config, OpenAPI

    spec = dict(spec_dict(version))
    spec["servers"] = [{"url": "http://127.0.0.1"}]
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
