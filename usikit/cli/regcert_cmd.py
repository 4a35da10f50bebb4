"""`usikit regcert ...`: the Registration & Certification register, its import and export.

    usikit regcert learners import FILE [--apply]   fill the register from a learner file
    usikit regcert import FILE [--apply]            validate, then apply an import file
    usikit regcert export OUT.csv|OUT.xlsx          the 32-column export of chosen records
    usikit regcert edit RECORD FIELD=VALUE ...      correct one record by hand

Nothing changes without --apply; with it, the accepted records are written in one
transaction.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from usikit.cli import regcert_edit_cmd
from usikit.cli.options import add_limits, add_workspace, limits_of, warn_if_shared
from usikit.cli.validate_cmd import check_report_path, write_report
from usikit.errors import InputError
from usikit.io import read_table
from usikit.io.atomic import check_target
from usikit.regcert.export import check_export_path, export_records
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import APPLYING, CHECKING, RESULTS, import_file
from usikit.regcert.register import LEARNERS_IMPORT, import_learners
from usikit.report import ValidationReport
from usikit.store.access import require
from usikit.store.exports import export_error_report, export_import_results
from usikit.store.roles import IMPORT_TO_REGISTER, Role
from usikit.validators import VALIDATORS, read_input
from usikit.workspace import Workspace, open_register

SHOWN_PROBLEMS = 20  # problems printed; --errors writes them all
SHOWN_RESULTS = 20


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "regcert",
        description="Keep the Registration & Certification register: load learners, "
        "validate and import awarding organisations' records, export them.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    _learners_parser(actions)
    _import_parser(actions)
    _export_parser(actions)
    regcert_edit_cmd.add_parser(actions)


def _learners_parser(actions: argparse._SubParsersAction) -> None:
    learners = actions.add_parser("learners", help="the learners in the register")
    steps = learners.add_subparsers(dest="step", metavar="STEP", required=True)
    load = steps.add_parser(
        "import",
        help="validate a learner file and, with --apply, load it into the register",
        description="Validate a learner file (CSV or XLSX, one row per learner and "
        "qualification; see docs/regcert.md) and, with --apply, add or update its "
        "learners, programmes, qualifications and enrolments in one transaction. Rows with "
        "errors are left out.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help="CSV or workbook")
    load.add_argument("--sheet", help="sheet to read from a workbook (default: the first)")
    load.add_argument("--sep", help="CSV separator: , ; | tab (default: detected)")
    load.add_argument("--max-bytes", type=int, help="refuse files larger than this")
    add_limits(load)
    load.add_argument("--errors", type=Path, metavar="OUT", help="write every problem to OUT")
    load.add_argument("--apply", action="store_true", help="write the accepted rows")
    load.add_argument(
        "--allow-temporary-uln", action="store_true", help="accept the temporary ULN 9999999999"
    )
    load.add_argument("--show-sensitive", action="store_true", help="show dates of birth unmasked")
    add_workspace(load)
    load.set_defaults(run=run_learners_import)


def _import_parser(actions: argparse._SubParsersAction) -> None:
    load = actions.add_parser(
        "import",
        help="validate an import file against the register and, with --apply, apply it",
        description="Validate a Registration & Certification import file (CSV, the ten "
        "columns of the template in order, at most 2 MB) against the register. With "
        "--apply, the accepted records are created or updated in one transaction by the "
        "matching rules, and a result table says what happened to each.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help="the CSV file")
    load.add_argument(
        "--sep", default=",", help="separator: , ; | or tab (default: a comma, as the seed)"
    )
    load.add_argument(
        "--max-bytes",
        type=int,
        default=VALIDATORS["regcert"].max_bytes,
        help="refuse files larger than this (default: %(default)s, 2 MB)",
    )
    add_limits(load)
    load.add_argument(
        "--errors", type=Path, metavar="OUT", help="write the error list to OUT.csv (or .xlsx)"
    )
    load.add_argument("--apply", action="store_true", help="write the accepted records")
    load.add_argument(
        "--results", type=Path, metavar="OUT.csv", help="with --apply, write the result table"
    )
    load.add_argument(
        "--allow-temporary-uln", action="store_true", help="accept the temporary ULN 9999999999"
    )
    add_workspace(load)
    load.set_defaults(run=run_import)


def _export_parser(actions: argparse._SubParsersAction) -> None:
    dump = actions.add_parser(
        "export",
        help="write chosen records in the 32 columns awarding organisations receive",
        description="Write registration records in the seed's 32 columns (current names, "
        "its order). Choose records by id, by status and qualification, or all of them. "
        "Dates of birth are masked unless --show-sensitive.",
    )
    dump.add_argument("out", type=Path, metavar="OUT", help="OUT.csv or OUT.xlsx")
    dump.add_argument("--ids", nargs="+", metavar="ID", help="record ids (e.g. 3 7 12, or 3,7,12)")
    dump.add_argument("--status", nargs="+", metavar="STATUS", help="only these statuses")
    dump.add_argument(
        "--qualification", nargs="+", metavar="NUMBER", help="only these qualification numbers"
    )
    dump.add_argument("--all", action="store_true", help="every record")
    dump.add_argument("--show-sensitive", action="store_true", help="write dates of birth unmasked")
    add_workspace(dump)
    dump.set_defaults(run=run_export)


def run_learners_import(args: argparse.Namespace) -> int:
    if args.errors is not None:
        check_report_path(args.errors)
    limits = limits_of(args, max_bytes=args.max_bytes)
    frame = read_table(args.file, sep=args.sep, sheet=args.sheet, limits=limits)
    report = validate_learners(
        frame, allow_temporary_uln=args.allow_temporary_uln, show_sensitive=args.show_sensitive
    )
    if not args.apply:
        _print_report(report, args.errors)
        _nothing_changed(report)
        return _exit_status(report)
    workspace = warn_if_shared(open_register(args.workspace, create=True))
    try:  # every role refused before any file is written
        require(workspace, IMPORT_TO_REGISTER, LEARNERS_IMPORT)
        if args.errors is not None:
            require(workspace, Role.DATA_EXPORT, "write the error report")
        _print_report(report, args.errors, workspace)
        result = import_learners(workspace, report)
    finally:
        workspace.close()
    print(f"Register updated in one transaction: {result.summary_line()}")
    return _exit_status(report)


def run_import(args: argparse.Namespace) -> int:
    if args.errors is not None:
        check_report_path(args.errors)
    if args.results is not None and args.results.suffix.lower() != ".csv":
        raise InputError("the result table must end in .csv", path=args.results)
    if args.results is not None and not args.apply:
        raise InputError("--results needs --apply: without it nothing is imported")
    if args.results is not None:
        check_target(args.results)  # before the register changes, not after
    limits = limits_of(args, max_bytes=args.max_bytes)
    frame = read_input(VALIDATORS["regcert"], args.file, sep=args.sep, limits=limits)
    workspace = warn_if_shared(open_register(args.workspace))
    try:  # every role refused before, not after, the work
        require(workspace, IMPORT_TO_REGISTER, APPLYING if args.apply else CHECKING)
        if args.errors is not None or args.results is not None:
            require(workspace, Role.DATA_EXPORT, "write the error report or the result table")
        outcome = import_file(
            workspace, frame, apply=args.apply, allow_temporary_uln=args.allow_temporary_uln
        )
        _print_report(outcome.report, args.errors, workspace)
        if outcome.results is None:
            _nothing_changed(outcome.report)
            return _exit_status(outcome.report)
        _print_results(outcome.results)
        if args.results is not None:
            export_import_results(workspace, outcome.results, args.results)
            print(f"Wrote the result table to {args.results}")
    finally:
        workspace.close()
    return _exit_status(outcome.report)


def run_export(args: argparse.Namespace) -> int:
    check_export_path(args.out)
    ids = _ids(args.ids)
    chosen = ids is not None or args.status is not None or args.qualification is not None
    if args.all and chosen:
        raise InputError(
            "--all exports every record; leave out --ids, --status and --qualification"
        )
    if not args.all and not chosen:
        raise InputError(
            "choose the records to export: --ids, --status and/or --qualification, or --all"
        )
    workspace = warn_if_shared(open_register(args.workspace))
    try:
        frame = export_records(
            workspace,
            args.out,
            ids=ids,
            statuses=args.status,
            qualifications=args.qualification,
            show_sensitive=args.show_sensitive,
        )
    finally:
        workspace.close()
    noun = "record" if len(frame) == 1 else "records"
    print(f"Wrote {len(frame)} {noun} to {args.out}")
    if not args.show_sensitive and len(frame):
        print("Dates of birth are masked; add --show-sensitive for the file you send on.")
    return 0


def _ids(given: list[str] | None) -> list[int] | None:
    if given is None:
        return None
    parts = [part.strip() for value in given for part in value.split(",") if part.strip()]
    bad = [part for part in parts if not part.isascii() or not part.isdigit()]
    if bad or not parts:
        raise InputError(f"record ids are whole numbers such as 3 7 12; not {' '.join(bad)!r}")
    return sorted({int(part) for part in parts})


def _print_report(
    report: ValidationReport, errors: Path | None, workspace: Workspace | None = None
) -> None:
    """The validation report: what can be imported, and the error table.

    With a workspace, the error file is an export from it: it needs data_export and is audited.
    """
    problems = report.errors
    blocking = int((problems["severity"] == "error").sum())
    print(
        f"{_count(report.n_records, 'record')}: {report.n_valid} can be imported, "
        f"{report.n_invalid} with errors ({_count(blocking, 'error')}, "
        f"{_count(report.n_warnings, 'warning')})"
    )
    if not problems.empty:
        shown = problems.head(SHOWN_PROBLEMS)
        rows = shown["row"].astype(object).where(shown["row"].notna(), "file").astype(str)
        width = max(len("Row"), rows.str.len().max())
        print(f"  {'Row':<{width}}  Severity  Message")
        for row, severity, message in zip(rows, shown["severity"], shown["message"], strict=True):
            print(f"  {row:<{width}}  {severity:<8}  {message}")
        if len(problems) > SHOWN_PROBLEMS:
            print(f"  ... and {len(problems) - SHOWN_PROBLEMS} more")
    if errors is not None:
        if workspace is None:
            write_report(report, errors)
        else:
            export_error_report(workspace, report, errors)
        print(f"Wrote {len(problems)} problems to {errors}")
    elif len(problems) > SHOWN_PROBLEMS:
        print("Add --errors errors.csv to get every problem with its row and column.")


def _nothing_changed(report: ValidationReport) -> None:
    if report.n_valid:
        print(f"Nothing was changed. Run again with --apply to import the {report.n_valid} "
              "accepted records.")  # fmt: skip
    else:
        print("Nothing was changed: no record can be imported.")


def _print_results(results: pd.DataFrame) -> None:
    counts = results["Result"].value_counts()
    listing = ", ".join(f"{int(counts.get(r, 0))} {r}" for r in RESULTS)
    print(f"Applied {_count(len(results), 'record')} in one transaction: {listing}")
    notable = results[results["Result"] == "status reverted"]
    for line in notable.head(SHOWN_RESULTS).itertuples(index=False):
        print(f"  row {line.Row} (record {line.Record}): {line.Details}")
    if len(notable) > SHOWN_RESULTS:
        print(f"  ... and {len(notable) - SHOWN_RESULTS} more; --results OUT.csv has them all")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _exit_status(report: ValidationReport) -> int:
    return 0 if report.ok else 1
