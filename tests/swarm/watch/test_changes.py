"""The observer glue: real inotify events through watchdog, counted, filtered, debounced."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from swarm.watch.changes import Changes


def only_txt(kind: str, path: str) -> bool:
    return path.endswith(".txt") and kind in {"created", "modified", "moved", "deleted"}


def settle(changes: Changes, after: int) -> int:
    """Wait until events beyond `after` arrived and stopped coming; how many there are now."""
    assert changes.wait_settled(after, 0.2, lambda: False, timeout=5), changes.seen()
    return changes.seen()


def test_accepted_events_are_counted_others_not(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    with Changes(only_txt).watch(tmp_path, recursive=True) as changes:
        (tmp_path / "ignored.bin").write_bytes(b"x")
        (tmp_path / "sub" / "a.txt").write_text("a")
        seen = settle(changes, 0)
        os.replace(tmp_path / "ignored.bin", tmp_path / "b.txt")  # counted by its destination
        seen = settle(changes, seen)
        (tmp_path / "ignored.bin").write_bytes(b"y")
        (tmp_path / "c.log").write_text("not counted either")
        time.sleep(0.3)
        assert changes.seen() == seen
        assert changes.last() > 0


def test_wait_settled_waits_for_a_quiet_window(tmp_path: Path) -> None:
    stop_writing = time.monotonic() + 0.6
    last_write = [0.0]

    def writer() -> None:
        while time.monotonic() < stop_writing:
            (tmp_path / "a.txt").write_text(str(time.monotonic()))
            last_write[0] = time.monotonic()
            time.sleep(0.05)

    with Changes(only_txt).watch(tmp_path, recursive=False) as changes:
        thread = threading.Thread(target=writer)
        thread.start()
        assert changes.wait_settled(0, 0.3, lambda: False, timeout=10)
        settled = time.monotonic()
        thread.join()
    assert settled - last_write[0] >= 0.3 - 0.01


def test_wait_settled_gives_up_on_stop_or_timeout(tmp_path: Path) -> None:
    with Changes(only_txt).watch(tmp_path, recursive=False) as changes:
        started = time.monotonic()
        assert not changes.wait_settled(0, 0.1, lambda: False, timeout=0.3)
        assert 0.3 <= time.monotonic() - started < 2
        assert not changes.wait_settled(0, 0.1, lambda: True)
        assert not changes.wait_event(0, 0.2, lambda: False)
