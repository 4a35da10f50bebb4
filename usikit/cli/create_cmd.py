"""`usikit create CLIENT_ID`: one student's USI created at once (CreateUSI)."""

from __future__ import annotations

import argparse

from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.reference_lists import evidence_type_id
from usikit.bulk_usi.registry.base import FAILURE, MATCH_FOUND
from usikit.cli.options import (
    add_non_dvs_type,
    add_permission,
    add_registry,
    add_workspace,
    registry_of,
    workspace_of,
)
from usikit.settings import user_reference


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "create",
        description="For an urgent record: the client is checked as a batch's records are "
        "(its permission included), the request is recorded before it is sent, and the USI "
        "is written to the client's record. If the answer does not arrive, running the "
        "same command again sends the same request: nothing is created twice. Exit status: "
        "0 a USI, 1 the registry refused the application or the record has errors, 2 "
        "unusable input, 3 a registry fault.",
    )
    parser.add_argument("client_id", metavar="CLIENT_ID")
    add_non_dvs_type(parser)
    add_permission(parser)
    add_registry(parser)
    add_workspace(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    registry = registry_of(args, workspace)
    evidence = evidence_type_id(workspace, registry, args.non_dvs_type, org_code=args.org_code)
    outcome = create_usi_now(
        workspace,
        registry,
        args.client_id,
        org_code=args.org_code,
        user_reference=user_reference(),
        non_dvs_document_type_id=evidence,
        permission_elsewhere=args.permission_recorded_elsewhere,
    )
    again = " (an earlier request, sent again)" if outcome.resent else ""
    if outcome.result == FAILURE:
        print(f"{args.client_id}: the {outcome.registry} refused the application{again}:")
        for error in outcome.errors or ["no reason given"]:
            print(f"  {error}")
        return 1
    how = "already knew this student" if outcome.result == MATCH_FOUND else "created the USI"
    print(f"{args.client_id}: the {outcome.registry} {how}{again}: {outcome.usi}")
    if outcome.written:
        print("Written to the client's record.")
    else:
        print(outcome.note.capitalize())
    return 0
