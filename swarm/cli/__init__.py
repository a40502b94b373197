"""The `swarm` command: a click group, one module per command, and the one top-level handler
that turns expected failures into a message and an exit code (see swarm.errors)."""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch at import

from planexe.errors import PlanError
from swarm import __version__
from swarm.errors import EXIT_BAD_INPUT, EXIT_BUG, EXIT_INTERRUPTED, SwarmError

# command name -> (module under swarm.cli, attribute). Modules are imported only when their
# command runs (or --help lists them): `swarm status` need not load luigi or the agents.
COMMANDS: dict[str, tuple[str, str]] = {
    "inspect": ("inspect", "command"),
    "materialize": ("materialize", "command"),
    "status": ("status", "command"),
    "issues": ("issues", "command"),
    "schema": ("schema", "command"),
    "demo": ("demo", "command"),
    "gate": ("gate", "command"),
    "merge": ("merge", "command"),
    "approve": ("approve", "command"),
    "prs": ("prs", "command"),
    "claims": ("claims", "command"),
    "release": ("claims", "release_command"),
    "verify": ("verify", "command"),
    "spawn": ("spawn", "command"),
    "human": ("human", "group"),
    "watch": ("watch", "command"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"swarm.cli.{module}"), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plan-swarm")
def cli() -> None:
    """Execute a finished PlanExe plan as a Git repository worked by a swarm of agents.

    Exit codes: 0 ok, 1 a check failed, 2 bad input or usage (nothing changed),
    3 a bug in plan-swarm, 130 interrupted.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every way out of it is an exit code, never a traceback for expected errors."""
    try:
        # Outside standalone mode click catches a command's `Exit(code)` itself and returns
        # the code, so a failed check (exit 1) must be taken from the return value.
        code = cli.main(args=argv, prog_name="swarm", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except click.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except PlanError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except SwarmError as exc:
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception:  # a bug: keep the trace for the report, show the user where it is
        return _report_bug()
    return code if isinstance(code, int) else 0


def _report_bug() -> int:
    import tempfile  # only on the way out of a crash: every command would pay for them
    import time
    import traceback

    fd, path = tempfile.mkstemp(prefix=f"plan-swarm-crash-{int(time.time())}-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        log.write(f"plan-swarm {__version__}, python {sys.version.split()[0]}\n")
        log.write(f"argv: {sys.argv}\n\n")
        traceback.print_exc(file=log)
    exc = sys.exc_info()[1]
    click.echo(
        f"plan-swarm hit a bug: {type(exc).__name__}: {exc}\n"
        f"The full report is in {path}; please attach it to a bug report.",
        err=True,
    )
    return EXIT_BUG


def entry() -> None:
    code = main()
    # The process ends here. Left to the collector, shutdown would scan every object still
    # alive (after `status` on 10,000 tasks: some 80 ms of a 0.5 s command) to free memory
    # the OS frees anyway; what must happen at exit is in context managers and atexit.
    gc.freeze()
    sys.exit(code)
