"""One translation, shared by the command line and the screens, from an exception to what
the officer reads and to the command line's exit status.

A `UsikitError` is shown with its next step in the face's own words (a `Wording`: the
command line names commands, the screens name buttons); a workspace that cannot be written is
named as such; anything else is a bug, and only then is it called one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from usikit.errors import (
    EXIT_BUG,
    EXIT_INPUT,
    Do,
    NextStep,
    OutOfTurn,
    UsikitError,
    WorkspaceUnavailable,
)

Wording = Mapping[Do, str | Callable[[NextStep], str]]
READ_ONLY = (
    "the workspace is read-only for you (its file, or the folder holding it); ask its owner, "
    "or use a workspace of your own"
)


@dataclass(frozen=True)
class Outcome:
    """What to tell the officer (`message`), how (`kind`: error, warning or bug) and the
    command line's exit status."""

    message: str
    kind: str
    status: int

    @property
    def bug(self) -> bool:
        return self.kind == "bug"


def next_step_text(next_step: NextStep | None, wording: Wording) -> str:
    """A next step in a face's words ("" for none)."""
    if next_step is None:
        return ""
    words = wording.get(next_step.do)
    if words is None:
        return next_step.plain
    if callable(words):
        return words(next_step)
    return words.format_map(_Blank(next_step.values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def message(exc: UsikitError, wording: Wording) -> str:
    """The exception's message with its next step worded for the face."""
    return exc.text(next_step_text(exc.next_step, wording) or None)


def explain(exc: BaseException, wording: Wording, *, bug_hint: str) -> Outcome:
    """What a face shows for `exc`; `bug_hint` says how to see a bug's details there."""
    if isinstance(exc, UsikitError):
        kind = "warning" if isinstance(exc, OutOfTurn) else "error"
        return Outcome(message(exc, wording), kind, exc.exit_status)
    if _read_only(exc):
        return Outcome(message(WorkspaceUnavailable(READ_ONLY), wording), "error", EXIT_INPUT)
    return Outcome(
        f"usikit hit an unexpected problem ({type(exc).__name__}); this is a bug. {bug_hint}",
        "bug",
        EXIT_BUG,
    )


def _read_only(exc: BaseException) -> bool:
    """Whether the database refused to write because its file (or folder) is read-only."""
    from sqlalchemy.exc import OperationalError  # only once something went wrong

    if not isinstance(exc, OperationalError):
        return False
    return "readonly" in str(exc.orig).replace("-", "").lower()
