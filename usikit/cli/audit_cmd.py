"""`usikit audit`: the audit trail of imports, applies, exports, submissions, retrievals."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd

from usikit.cli.options import add_workspace, workspace_of
from usikit.errors import InputError
from usikit.io import write_csv
from usikit.store.audit import ACTIONS, audit_records
from usikit.workspace import WORKSPACE_SCHEMA  # noqa: F401 (its parts declare ACTIONS)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "audit",
        description="Who did what and when, with the file's name and SHA-256 and the counts. "
        "Records are only ever added.",
    )
    parser.add_argument("--since", metavar="DATE", help="from this day on (dd/mm/yyyy)")
    parser.add_argument(
        "--action",
        nargs="+",
        choices=ACTIONS,
        metavar="ACTION",
        help="only these actions: " + ", ".join(repr(a) for a in ACTIONS),
    )
    parser.add_argument("--export", type=Path, metavar="OUT.csv", help="write the list as CSV")
    add_workspace(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = dt.datetime.strptime(args.since, "%d/%m/%Y").date()
        except ValueError:
            raise InputError(f"--since {args.since!r} is not a date; use dd/mm/yyyy") from None
    table = audit_records(workspace_of(args, create=False), since=since, actions=args.action or ())
    if args.export is not None:
        if args.export.suffix.lower() != ".csv":
            raise InputError("the audit export must end in .csv", path=args.export)
        write_csv(_printable(table), args.export)
        print(f"Wrote {len(table)} audit records to {args.export}")
        return 0
    if table.empty:
        print("No audit records" + (" for that choice" if since or args.action else ""))
        return 0
    shown = _printable(table.drop(columns=["SHA-256"]))
    shown["When"] = table["When"].map(lambda t: t.strftime("%d/%m/%Y %H:%M"))
    print(shown.to_string(index=False))
    return 0


def _printable(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells; a count an action does not keep is blank."""
    text = table.astype("object")
    text["When"] = table["When"].map(lambda t: t.isoformat(timespec="seconds"))
    return text.where(text.notna(), "").astype(str)
