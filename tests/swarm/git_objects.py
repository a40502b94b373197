"""Git objects made with git itself, exactly as given: what a damaged or hostile repository
(or a branch pushed by hand) can hold, for tests that must see plan-swarm meet them."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_bytes(*args: str, cwd: Path, input: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True)
    return done.stdout


def hand_made_object(repo: Path, kind: str, raw: bytes) -> str:
    """The id of an object of `kind` with exactly these bytes, well-formed or not
    (`git hash-object --literally`, which anyone can run and push)."""
    made = git_bytes("hash-object", "-t", kind, "--literally", "-w", "--stdin", input=raw, cwd=repo)
    return made.decode().strip()
