"""`swarm schema`: the JSON Schema of a task file."""

from __future__ import annotations

import click

from swarm.task import json_schema_text


@click.command("schema")
def command() -> None:
    """Print the JSON Schema that every task file validates against."""
    click.echo(json_schema_text(), nl=False)
