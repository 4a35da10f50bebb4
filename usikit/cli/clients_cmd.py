"""`usikit clients import|export`: clients in and out of the workspace."""

from __future__ import annotations

import argparse
from pathlib import Path

from usikit.bulk_usi.clients import HAS_ERRORS, export_clients, import_clients
from usikit.cli.options import add_limits, add_workspace, limits_of, workspace_of
from usikit.cli.validate_cmd import check_report_path
from usikit.cli.wording import CLI_WORDING
from usikit.io import read_table
from usikit.outcomes import next_step_text
from usikit.store.access import require
from usikit.store.exports import export_error_report
from usikit.store.roles import Role


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("clients")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import",
        help="add or update clients from a spreadsheet (validated first)",
        description="Add or update clients by Client ID. Rows with errors are reported and "
        "left out unless --include-invalid.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--sheet", help="sheet of a workbook (default: the first)")
    load.add_argument("--sep", help="CSV separator (default: detected)")
    add_limits(load)
    load.add_argument("--include-invalid", action="store_true", help="import rows with errors too")
    load.add_argument("--errors", type=Path, metavar="OUT", help="write the report to OUT.csv|xlsx")
    add_workspace(load)
    load.set_defaults(run=run_import)
    dump = actions.add_parser(
        "export",
        help="write every client with their USI, in the template's columns",
        description="Dates of birth and identity-document numbers are masked unless "
        "--show-sensitive.",
    )
    dump.add_argument("out", type=Path, metavar="OUT", help="OUT.xlsx or OUT.csv")
    dump.add_argument("--show-sensitive", action="store_true", help="write them unmasked")
    add_workspace(dump)
    dump.set_defaults(run=run_export)


SHOWN_ROWS = 20  # rows listed on screen; the error report has them all


def run_import(args: argparse.Namespace) -> int:
    if args.errors is not None:
        check_report_path(args.errors)
    frame = read_table(args.file, sep=args.sep, sheet=args.sheet, limits=limits_of(args))
    workspace = workspace_of(args)
    if args.errors is not None:  # refused before the import, not after it
        require(workspace, Role.DATA_EXPORT, "write the error report")
    result = import_clients(workspace, frame, include_invalid=args.include_invalid)
    print(result.report.summary_line())
    print(result.summary_line())
    errors = result.report.errors
    first = errors[errors["severity"] == "error"].dropna(subset=["row"]).groupby("row")["message"]
    first_error = first.first()  # a row left out for its errors: the first one says why
    skipped = sorted(result.skipped.items())
    for row, reason in skipped[:SHOWN_ROWS]:
        if reason == HAS_ERRORS and row in first_error.index:
            reason = f"not imported: {first_error[row]}"
        advice = next_step_text(result.next_steps.get(row), CLI_WORDING)
        if advice:
            reason = f"{reason}; {advice}"
        print(f"  row {row}: {reason}")
    if len(skipped) > SHOWN_ROWS:
        more = len(skipped) - SHOWN_ROWS
        where = "the error report has" if args.errors else "--errors OUT.xlsx writes"
        print(f"  ... and {more} more rows not imported; {where} every problem")
    if args.errors is not None:
        export_error_report(workspace, result.report, args.errors)
        print(f"Wrote {len(result.report.errors)} problems to {args.errors}")
    return 1 if result.skipped else 0


def run_export(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    path = export_clients(workspace, args.out, show_sensitive=args.show_sensitive)
    note = "" if args.show_sensitive else " (dates of birth and document numbers masked)"
    print(f"Wrote the clients to {path}{note}")
    return 0
