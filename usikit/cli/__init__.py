"""The `usikit` command: a thin layer over the library that never shows a traceback.

It starts at once: building the parsers imports only light modules (the settings, the
errors, the wording), and each command imports the library it uses when it runs, so
`usikit --help` never loads pandas, SQLAlchemy or the registry's client.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from usikit import __version__
from usikit.cli.wording import CLI_WORDING
from usikit.errors import EXIT_INPUT, UsikitError
from usikit.outcomes import explain
from usikit.settings import debugging

BUG_HINT = "Run again with USIKIT_DEBUG=1 to see the details and report them"
# Each command, what `usikit --help` says of it, and the module that builds its parser and
# runs it (imported only when the command is chosen).
COMMANDS = {
    "validate": ("check a spreadsheet and report every problem", "validate_cmd"),
    "clients": ("import clients into the workspace, or export them", "clients_cmd"),
    "batch": ("build, check, submit and retrieve a USI batch", "batch_cmd"),
    "verify": (
        "verify students' USIs with the registry (a spreadsheet, or the workspace's clients)",
        "verify_cmd",
    ),
    "locate": ("find a client's USI with the registry (LocateUSI)", "locate_cmd"),
    "create": ("create one client's USI now, without a batch (CreateUSI)", "create_cmd"),
    "registry": (
        "the connection to the USI Registry, and a local endpoint to try it on",
        "registry_cmd",
    ),
    "regcert": (
        "Registration & Certification: load learners, import and export records",
        "regcert_cmd",
    ),
    "template": ("write an empty template to fill in", "template_cmd"),
    "demo": ("prepare a demo folder with synthetic sample files and a workspace", "demo_cmd"),
    "app": ("serve the screens as one web app on this computer", "app_cmd"),
    "roles": ("grant and revoke the roles (administrators)", "roles_cmd"),
    "audit": ("list the audit trail", "audit_cmd"),
}


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", action=Commands)
    for name, (summary, _module) in COMMANDS.items():
        commands.add_parser(name, help=summary)
    return parser


class Commands(argparse._SubParsersAction):
    """The commands, each listed by `usikit --help` with its summary but built (its module
    imported, its parser filled) only when it is chosen: a command's options may need the
    library (the kinds of file, the audit's actions), and the others need not wait for it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.built: set[str] = set()

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if values and values[0] in COMMANDS and values[0] not in self.built:
            self.build(values[0])
        super().__call__(parser, namespace, values, option_string)

    def build(self, name: str) -> argparse.ArgumentParser:
        """The parser of command `name`, made by its module's `add_parser` in place of the
        empty one listed."""
        listed = list(self._choices_actions)
        del self._name_parser_map[name]
        importlib.import_module(f"usikit.cli.{COMMANDS[name][1]}").add_parser(self)
        self._choices_actions = listed
        self.built.add(name)
        return self._name_parser_map[name]


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
        from usikit.privacy import scrub_traceback

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
