"""The engine's one error type for expected failures, and the documented exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED_CHECK = 1  # a check ran and said no (gate findings, verify violations, stages failed)
EXIT_BAD_INPUT = 2  # bad input or usage: nothing was changed
EXIT_BUG = 3  # an unexpected error: a bug in plan-swarm
EXIT_INTERRUPTED = 130


class SwarmError(Exception):
    """An expected failure: the message says what failed, on which object, and what to do."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        self.message = message
        self.exit_code = exit_code
        super().__init__(message)
