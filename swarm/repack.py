"""Keeping a repository's objects packed, as `git gc --auto` would.

libgit2 writes every object it makes as a file of its own ("loose"), and a swarm makes some
fifteen a stage: a 10,000-task run leaves about 450,000 files, 1.8 GB of disk blocks for 150 MB
of data. Reading them back (verify, a clone, fsck) then costs a file look-up per object in
directories of thousands of entries. Git packs loose objects once there are 6,700 of them
(`gc.auto`); so does a swarm, at the end of a run, with git's own `repack`, which is safe
while other processes write (it deletes a loose object only once it is in the new pack) and
after a crash (the pack is written aside and renamed). Only objects are packed: the refs stay
loose files, which plan-swarm's compare-and-swap updates guard.
"""

from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOOSE_OBJECTS_TO_PACK = 6700  # git's gc.auto default
PACKS_TO_MERGE = 50  # git's gc.autoPackLimit default: this many packs are merged into one
_REPACK_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class Packed:
    loose_before: int
    loose_after: int

    @property
    def objects(self) -> int:
        return self.loose_before - self.loose_after


def loose_objects(gitdir: Path) -> int:
    """How many objects `gitdir` holds as files of their own."""
    objects = gitdir / "objects"
    total = 0
    with os.scandir(objects) as folders:
        for folder in folders:
            if len(folder.name) == 2 and folder.is_dir():
                with os.scandir(folder.path) as files:
                    total += sum(1 for _ in files)
    return total


def pack_count(gitdir: Path) -> int:
    return len(list((gitdir / "objects" / "pack").glob("*.pack")))


def keep_packed(gitdir: Path, at_least: int = LOOSE_OBJECTS_TO_PACK) -> Packed | None:
    """Pack the loose objects when there are `at_least` of them (None when there were fewer,
    or git could not do it: packing saves space and time, a run does not depend on it)."""
    before = loose_objects(gitdir)
    if before < at_least:
        return None
    command = ["git", "--git-dir", str(gitdir), "repack", "-d", "-q"]
    if pack_count(gitdir) >= PACKS_TO_MERGE:
        command.append("-a")
    try:
        subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=_REPACK_TIMEOUT_S
        )
    except FileNotFoundError:
        log.warning("git is not installed: %d loose objects left unpacked in %s", before, gitdir)
        return None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        why = exc.stderr.strip() if isinstance(exc.stderr, str) else str(exc)
        log.warning("git repack failed in %s (objects left loose): %s", gitdir, why)
        return None
    return Packed(before, loose_objects(gitdir))
