"""The reader's one error type."""

from __future__ import annotations


class PlanError(Exception):
    """A plan that cannot be read. The message names the file (when there is one) and the problem,
    in words a user can act on; the CLI prints it and exits 2 without a traceback."""

    def __init__(self, message: str, file: str = "") -> None:
        self.message = message
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)
