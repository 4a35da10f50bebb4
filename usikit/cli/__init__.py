"""The `usikit` command: a thin layer over the library that never shows a traceback."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from sqlalchemy.exc import OperationalError

from usikit import __version__
from usikit.cli import (
    app_cmd,
    audit_cmd,
    batch_cmd,
    clients_cmd,
    demo_cmd,
    regcert_cmd,
    registry_cmd,
    roles_cmd,
    template_cmd,
    validate_cmd,
)
from usikit.errors import InputError, RecordsInError
from usikit.registry.base import RegistryFault

EXIT_INPUT = 2
EXIT_REGISTRY = 3
EXIT_BUG = 70  # sysexits EX_SOFTWARE
COMMANDS = (
    validate_cmd,
    clients_cmd,
    batch_cmd,
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
    """Run one command; exit status 0 ok, 1 records with errors, 2 unusable input."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # as parse_args does, but the hint names the command they were given to
        chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        # Not `required=True`: an unknown option then is named as such, not as a missing command.
        parser.error("the following arguments are required: COMMAND")
    try:
        return int(args.run(args))
    except RecordsInError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except RegistryFault as exc:
        print(
            f"error: the registry answered with a fault: {exc}. Nothing was half-done: run the "
            "same command again later",
            file=sys.stderr,
        )
        return EXIT_REGISTRY
    except KeyboardInterrupt:
        print("error: interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to `head` or similar, which has had enough
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OperationalError as exc:
        if "readonly" not in str(exc.orig).replace("-", "").lower():
            if os.environ.get("USIKIT_DEBUG"):
                raise
            return _bug(exc)
        print(
            "error: the workspace is read-only for you (its file, or the folder holding it); "
            "ask its owner, or use a workspace of your own (--workspace)",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except Exception as exc:  # a bug: say so in one line, details only on request
        if os.environ.get("USIKIT_DEBUG"):
            raise
        return _bug(exc)
    except BaseException as exc:
        # A Rust panic inside a compiled reader (pyo3's PanicException) is a BaseException.
        if type(exc).__name__ != "PanicException" or os.environ.get("USIKIT_DEBUG"):
            raise
        return _bug(exc)


def chosen_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the (sub)command `args` were parsed for, e.g. `usikit batch submit`'s."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None))
            if chosen is not None:
                return chosen_parser(chosen, args)
    return parser


def _bug(exc: BaseException) -> int:
    print(
        f"error: usikit hit an unexpected problem ({type(exc).__name__}); this is a bug. "
        "Run again with USIKIT_DEBUG=1 to see the details and report them",
        file=sys.stderr,
    )
    return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
