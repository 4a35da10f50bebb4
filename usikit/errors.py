"""The one exception usikit raises for input a person supplied and can fix."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A file or value that cannot be used; the message names it and says what to do."""

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class RecordsInError(InputError):
    """Work refused because some records still have errors (the message lists them)."""
