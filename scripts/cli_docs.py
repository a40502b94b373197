"""Print the `swarm` CLI reference (docs/cli.md): `swarm --help` and every command's `--help`.

    python scripts/cli_docs.py > docs/cli.md

The help is rendered at a fixed width, so the output does not depend on the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import click

from swarm.cli import cli

WIDTH = 78  # what click uses on any terminal of 80 columns or more (and when piped)
HEADER = """\
# `swarm` command reference

Generated from the commands' own help by `python scripts/cli_docs.py > docs/cli.md`;
do not edit it by hand.
"""


def _helps(
    command: click.Command, name: str, parent: click.Context | None
) -> Iterator[tuple[str, str]]:
    ctx = command.make_context(
        name,
        [],
        parent=parent,
        resilient_parsing=True,  # no complaint about the arguments help does not need
        terminal_width=WIDTH,
    )
    yield ctx.command_path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for sub in command.list_commands(ctx):
            child = command.get_command(ctx, sub)
            if child is not None and not child.hidden:
                yield from _helps(child, sub, ctx)


def render() -> str:
    parts = [HEADER]
    helps = list(_helps(cli, "swarm", None))
    parts.append("".join(f"- [`{path}`](#{path.replace(' ', '-')})\n" for path, _ in helps))
    for path, text in helps:
        parts.append(f"## {path}\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
