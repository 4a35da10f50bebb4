"""`usikit validate KIND FILE`: check a file and optionally write the error report."""

from __future__ import annotations

import argparse
from pathlib import Path

from usikit.errors import InputError
from usikit.io import read_table
from usikit.report import ValidationReport
from usikit.validators import VALIDATORS

REPORT_SUFFIXES = (".csv", ".xlsx")


def add_parser(commands: argparse._SubParsersAction) -> None:
    kinds = ", ".join(f"{v.name} ({v.summary})" for v in VALIDATORS.values())
    parser = commands.add_parser(
        "validate",
        help="check a spreadsheet and report every problem",
        description=f"Check a spreadsheet against a kind of file. Kinds: {kinds}.",
    )
    parser.add_argument("kind", metavar="KIND", choices=sorted(VALIDATORS), help="kind of file")
    parser.add_argument("file", metavar="FILE", type=Path, help="CSV, TSV, TXT or workbook")
    parser.add_argument("--sheet", help="sheet to read from a workbook (default: the first)")
    parser.add_argument("--sep", help="CSV separator: , ; | tab (default: detected)")
    parser.add_argument(
        "--errors", metavar="OUT", type=Path, help="write the error report to OUT.csv or OUT.xlsx"
    )
    parser.add_argument("--max-bytes", type=int, help="refuse files larger than this")
    parser.add_argument(
        "--show-sensitive",
        action="store_true",
        help="show identity-document numbers and dates of birth unmasked in the report",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    validator = VALIDATORS[args.kind]
    if args.errors is not None:
        check_report_path(args.errors)
    limit = args.max_bytes if args.max_bytes is not None else validator.max_bytes
    frame = read_table(args.file, sep=args.sep, sheet=args.sheet, max_bytes=limit)
    report = validator.function(frame, show_sensitive=args.show_sensitive)
    print(report.summary_line())
    if args.errors is not None:
        write_report(report, args.errors)
        print(f"Wrote {len(report.errors)} problems to {args.errors}")
    elif report.n_invalid:
        print("Add --errors errors.xlsx to get every problem with its row and column.")
    return 0 if report.ok else 1


def check_report_path(path: Path) -> None:
    """Refuse an unknown report format before any work is done."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError("the error report must end in .csv or .xlsx", path=path)


def write_report(report: ValidationReport, path: Path) -> Path:
    if path.suffix.lower() == ".csv":
        return report.to_csv(path)
    return report.to_excel(path)
