"""Shared output helpers: JSON for machines, steps on stderr for people at a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    # swarm.gates loads every gate (settings, task models) when only `merge` prints findings
    from swarm.gates.model import Finding


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def stepper(enabled: bool | None = None) -> Callable[[str], None]:
    """A callback that shows each long step as it starts, with the time since the command
    began; silent when stderr is not a terminal (CI logs, pipes) unless forced."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return lambda _label: None
    began = time.monotonic()

    def step(label: str) -> None:
        click.echo(f"  [{time.monotonic() - began:5.2f} s] {label}", err=True)

    return step


def print_findings(findings: Sequence[Finding]) -> None:
    for f in findings:
        where = f" {f.path}:" if f.path else ""
        click.echo(f"{f.severity:<7} [{f.rule}]{where} {f.message}")
