"""Progress on stderr only for a person at a terminal; JSON on stdout for machines."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from swarm.cli.demo import example_plan_path
from swarm.cli.output import emit_json, stepper
from tests.swarm.cli.cli_helpers import run_swarm, swarm_env

STEPS = ["reading plan", "deriving tasks", "rendering files", "writing git objects"]
STEP_LINE = re.compile(r"^  \[ *\d+\.\d\d s\] (.+)$")


def run_with_tty_stderr(*args) -> tuple[int, str, str]:
    """`swarm ARGS` with stderr on a pseudo-terminal (stdout stays a pipe)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarm", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=swarm_env(),
        text=True,
    )
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode().replace("\r\n", "\n")


def test_materialize_prints_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    ran = run_swarm("materialize", example_plan_path(), "--out", tmp_path / "repo")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    assert ran.out.startswith("Materialized ")


def test_materialize_shows_its_steps_at_a_terminal(tmp_path):
    code, out, err = run_with_tty_stderr(
        "materialize", example_plan_path(), "--out", tmp_path / "r"
    )
    assert code == 0, err
    labels = [m.group(1) for line in err.splitlines() if (m := STEP_LINE.match(line))]
    assert labels[: len(STEPS)] == STEPS
    assert "creating issues" in labels
    assert out.startswith("Materialized ")  # the steps never go to stdout


def test_materialize_json_shows_no_steps_even_at_a_terminal(tmp_path):
    code, out, err = run_with_tty_stderr(
        "materialize", example_plan_path(), "--out", tmp_path / "r", "--json"
    )
    assert code == 0, err
    assert err == ""
    assert json.loads(out)["fresh"] is True


def test_stepper_prints_elapsed_time_and_label_when_enabled(capsys):
    step = stepper(enabled=True)
    step("first")
    step("second")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert [STEP_LINE.match(line).group(1) for line in captured.err.splitlines()] == [
        "first",
        "second",
    ]


def test_stepper_is_silent_when_disabled_or_not_at_a_terminal(capsys):
    stepper(enabled=False)("hidden")
    stepper()("hidden too")  # capsys's stderr is not a terminal
    assert capsys.readouterr() == ("", "")


def test_emit_json_is_readable_and_keeps_non_ascii(capsys):
    emit_json({"title": "Fahrradwerkstatt Köln", "when": __import__("datetime").date(2025, 1, 2)})
    out = capsys.readouterr().out
    assert "Köln" in out
    assert json.loads(out) == {"title": "Fahrradwerkstatt Köln", "when": "2025-01-02"}
