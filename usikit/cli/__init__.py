"""The `usikit` command: a thin layer over the library that never shows a traceback."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from usikit import __version__
from usikit.cli import (
    app_cmd,
    audit_cmd,
    batch_cmd,
    clients_cmd,
    create_cmd,
    demo_cmd,
    locate_cmd,
    regcert_cmd,
    registry_cmd,
    roles_cmd,
    template_cmd,
    validate_cmd,
    verify_cmd,
)
from usikit.cli.wording import CLI_WORDING
from usikit.errors import EXIT_INPUT, UsikitError
from usikit.outcomes import explain
from usikit.privacy import scrub_traceback
from usikit.settings import debugging

BUG_HINT = "Run again with USIKIT_DEBUG=1 to see the details and report them"
COMMANDS = (
    validate_cmd,
    clients_cmd,
    batch_cmd,
    verify_cmd,
    locate_cmd,
    create_cmd,
    registry_cmd,
    regcert_cmd,
    template_cmd,
    demo_cmd,
    app_cmd,
    roles_cmd,
    audit_cmd,
)


class Parser(argparse.ArgumentParser):
    """An argument parser that reports a mistake in one `error:` line, not the usage block.

    Subcommand parsers are made with the class of their parent, so every level uses this.
    Options must be spelt out: `--show-s` is not taken for `--show-sensitive`, which
    unmasks personal data.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"error: {' '.join(message.split())}", file=sys.stderr)
        print(f"run `{self.prog} --help` to see what it takes", file=sys.stderr)
        self.exit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="usikit",
        description="Check student-record spreadsheets and run USI and "
        "Registration & Certification workflows.",
    )
    parser.add_argument("--version", action="version", version=f"usikit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 0 ok, 1 records with errors, 2 unusable input, 3 a
    registry fault, 70 a bug (see `usikit.errors`)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # as parse_args does, but the hint names the command they were given to
        chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        # Not `required=True`: an unknown option then is named as such, not as a missing command.
        parser.error("the following arguments are required: COMMAND")
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("error: interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to `head` or similar, which has had enough
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        return report(exc)
    except BaseException as exc:
        # A Rust panic inside a compiled reader (pyo3's PanicException) is a BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        return report(exc)


def report(exc: BaseException) -> int:
    """Print `exc` as one `error:` line; its exit status. A bug shows its traceback instead
    when USIKIT_DEBUG is set, without the personal data an error can quote (a database
    error's failing row, dates and document numbers: `usikit.privacy.scrub_traceback`)."""
    outcome = explain(exc, CLI_WORDING, bug_hint=BUG_HINT)
    if outcome.bug and debugging():
        print(scrub_traceback(exc), file=sys.stderr)
        return outcome.status
    print(f"error: {outcome.message}", file=sys.stderr)
    return outcome.status


def error_line(exc: UsikitError) -> str:
    """An error the command goes on after (a retrieval's unusable answers), as printed."""
    return explain(exc, CLI_WORDING, bug_hint=BUG_HINT).message


def chosen_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the (sub)command `args` were parsed for, e.g. `usikit batch submit`'s."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(str(getattr(args, action.dest, "")))
            if chosen is not None:
                return chosen_parser(chosen, args)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
