"""`usikit validate KIND FILE`: check a file and optionally write the error report."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

import pandas as pd

from usikit.cli.options import add_limits, limits_of
from usikit.errors import InputError
from usikit.io.limits import CHUNK_RECORDS, STREAM_FROM, human_size
from usikit.report import ValidationReport
from usikit.rules.streamed import FileReport
from usikit.validators import VALIDATORS, Validator, read_input

REPORT_SUFFIXES = (".csv", ".xlsx")


def add_parser(commands: argparse._SubParsersAction) -> None:
    kinds = ", ".join(f"{v.name} ({v.summary})" for v in VALIDATORS.values())
    parser = commands.add_parser(
        "validate",
        description=f"Check a spreadsheet against a kind of file. Kinds: {kinds}.",
    )
    parser.add_argument("kind", metavar="KIND", choices=sorted(VALIDATORS), help="kind of file")
    parser.add_argument("file", metavar="FILE", type=Path, help="CSV, TSV, TXT or workbook")
    parser.add_argument("--sheet", help="sheet to read from a workbook (default: the first)")
    parser.add_argument(
        "--sep", help="CSV separator: , ; | tab (default: detected; a comma for regcert)"
    )
    parser.add_argument(
        "--errors", metavar="OUT", type=Path, help="write the error report to OUT.csv or OUT.xlsx"
    )
    parser.epilog = (
        f"A client CSV (or TSV/TXT) file larger than {human_size(STREAM_FROM)} is read "
        f"{CHUNK_RECORDS:,} records at a time, twice (the first pass indexes Client IDs and "
        "people, so that repeats are found across the whole file), and the error report is "
        "written as it goes: memory stays bounded whatever the file's size, and the report "
        "is the one reading the whole file at once gives."
    )
    parser.add_argument("--max-bytes", type=int, help="refuse files larger than this")
    add_limits(parser)
    parser.add_argument(
        "--show-sensitive",
        action="store_true",
        help="show identity-document numbers and dates of birth unmasked in the report",
    )
    parser.add_argument(
        "--allow-temporary-uln",
        action="store_true",
        help="regcert: accept the temporary ULN 9999999999",
    )
    parser.add_argument(
        "--workspace",
        metavar="URL",
        help="regcert: also check the file against the register in this workspace (SQLite "
        "file or SQLAlchemy URL; without it the file is checked on its own)",
    )
    parser.set_defaults(run=run)


SHOWN_FILE_ERRORS = 3  # a problem with the whole file is shown: no record can pass
SHOWN_KINDS = 10  # kinds of problem (column and check) printed, errors first
HEADINGS = {"error": "Errors, by column and check:", "warning": "Warnings (they block no record):"}


def run(args: argparse.Namespace) -> int:
    validator = VALIDATORS[args.kind]
    if args.errors is not None:
        check_report_path(args.errors)
    options = _options(validator, args)
    size = args.max_bytes if args.max_bytes is not None else validator.max_bytes
    limits = limits_of(args, max_bytes=size)
    if validator.file_function is not None and args.workspace is None:
        report = validator.file_function(
            args.file,
            errors=args.errors,
            sep=args.sep,
            sheet=args.sheet,
            limits=limits,
            show_sensitive=args.show_sensitive,
            **options,
        )
    else:
        frame = read_input(validator, args.file, sep=args.sep, sheet=args.sheet, limits=limits)
        if args.workspace is not None:
            options["enrolments"] = _register_enrolments(args.workspace, frame)
        whole = validator.function(frame, show_sensitive=args.show_sensitive, **options)
        report = FileReport.of(whole, args.errors)
    print(report.summary_line())
    whole_file = report.file_problems[report.file_problems["severity"] == "error"]
    for message in whole_file["message"].head(SHOWN_FILE_ERRORS):  # every record fails for it
        print(f"File: {message}")
    print_kinds(report, args.errors)
    if args.errors is not None:
        print(f"Wrote {report.n_problems:,} problems to {args.errors}")
        for note in report.notes:
            print(f"  {note}")
    elif report.n_invalid:
        print("Add --errors errors.xlsx to get every problem with its row and column.")
    return 0 if report.ok else 1


def print_kinds(report: ValidationReport | FileReport, errors: Path | None) -> None:
    """The problems counted by column and check in words, with their first rows: a million
    identical warnings read as one line (the report lists each)."""
    lines = report.summary_lines()
    heading = None
    for severity, sentence in lines[:SHOWN_KINDS]:
        if severity != heading:
            heading = severity
            print(HEADINGS.get(severity, f"{severity.capitalize()}:"))
        print(f"  {sentence}")
    if len(lines) > SHOWN_KINDS:
        where = ""
        if errors is not None:
            where = ", in the Summary sheet" if _is_xlsx(errors) else " (the CSV lists every one)"
        print(f"  ... and {len(lines) - SHOWN_KINDS} more kinds of problem{where}")


def _options(validator: Validator, args: argparse.Namespace) -> dict[str, object]:
    """The validator-specific options given, refused when this kind of file has no use for them."""
    accepted = inspect.signature(validator.function).parameters
    options: dict[str, object] = {}
    for flag, name, given in (
        ("--allow-temporary-uln", "allow_temporary_uln", args.allow_temporary_uln),
        ("--workspace", "enrolments", args.workspace is not None),
    ):
        if not given:
            continue
        if name not in accepted:
            raise InputError(f"{flag} does not apply to {validator.name} files; leave it out")
        if name != "enrolments":
            options[name] = True
    return options


def _register_enrolments(url: str, frame: pd.DataFrame) -> pd.DataFrame:
    from usikit.cli.options import warn_if_shared
    from usikit.regcert.register import register_enrolments
    from usikit.workspace import open_register

    workspace = warn_if_shared(open_register(url))  # reading the register: manage_regcert
    try:
        return register_enrolments(workspace, for_file=frame)
    finally:
        workspace.close()


def check_report_path(path: Path) -> None:
    """Refuse an unknown report format, or a place it cannot be written, before any work."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError("the error report must end in .csv or .xlsx", path=path)
    from usikit.io.atomic import check_target

    check_target(path)


def write_report(report: ValidationReport, path: Path) -> list[str]:
    """Write the report as CSV or XLSX; what Excel's limits changed in the workbook (a list
    continued on further sheets, texts cut), in words."""
    if not _is_xlsx(path):
        report.to_csv(path)
        return []
    return report.to_workbook(path).notes()


def _is_xlsx(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() == ".xlsx"
