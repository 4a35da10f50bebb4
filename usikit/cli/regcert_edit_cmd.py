"""`usikit regcert edit RECORD FIELD=VALUE ...`: correct one registration record by hand.

What an import cannot do (change a registration number a record has, empty a stored date),
an officer with the manage_regcert role does here; the values are checked by the import's
rules and the change is recorded in the audit trail.
"""

from __future__ import annotations

import argparse

from usikit.cli.options import add_workspace, register_of
from usikit.errors import InputError
from usikit.regcert.edit import EDITABLE, edit_record, record_values


def add_parser(actions: argparse._SubParsersAction) -> None:
    edit = actions.add_parser(
        "edit",
        help="correct one registration record by hand (checked, audited)",
        description="Set fields of one registration record, e.g. "
        '"Registration number=RN10000001" Status=Registered; an empty value (Field=) '
        "empties the field. Editable fields: " + ", ".join(EDITABLE) + ". RECORD is the "
        "record's id, as the import's result table and the export show it. Without "
        "FIELD=VALUE, the record is shown.",
    )
    edit.add_argument("record", type=int, metavar="RECORD", help="the record's id")
    edit.add_argument("changes", nargs="*", metavar="FIELD=VALUE")
    add_workspace(edit)
    edit.set_defaults(run=run_edit)


def parse_changes(given: list[str]) -> dict[str, str]:
    changes = {}
    for change in given:
        name, separator, value = change.partition("=")
        if not separator:
            raise InputError(f"{change!r} is not FIELD=VALUE (for example Status=Registered)")
        changes[name.strip()] = value
    return changes


def run_edit(args: argparse.Namespace) -> int:
    changes = parse_changes(args.changes)
    workspace = register_of(args)
    try:
        if not changes:
            for name, value in record_values(workspace, args.record).items():
                print(f"{name}: {value}")
            return 0
        outcome = edit_record(workspace, args.record, changes)
    finally:
        workspace.close()
    print(outcome.summary_line())
    for warning in outcome.warnings:
        print(f"  warning: {warning}")
    return 0
