"""`usikit locate CLIENT_ID`: find the USI of a student who has one but does not remember it."""

from __future__ import annotations

import argparse

from usikit.bulk_usi.locate import locate_client, write_located_usi
from usikit.cli.options import (
    add_permission,
    add_registry,
    add_workspace,
    registry_of,
    workspace_of,
)
from usikit.settings import user_reference


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "locate",
        description="Ask the registry for the USI of a student who has one, with the "
        "client's names, date of birth, gender, town of birth and contact details. The USI "
        "found is shown; it is written to the client's record only with --write, once you "
        "have checked it is theirs. Exit status: 0 a USI found, 1 none.",
    )
    parser.add_argument("client_id", metavar="CLIENT_ID")
    parser.add_argument(
        "--write", action="store_true", help="write the USI found to the client's record"
    )
    add_permission(parser)
    add_registry(parser)
    add_workspace(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    outcome = locate_client(
        workspace,
        registry_of(args, workspace),
        args.client_id,
        org_code=args.org_code,
        user_reference=user_reference(),
        permission_elsewhere=args.permission_recorded_elsewhere,
    )
    print(f"{args.client_id}: {outcome.words} ({outcome.result})")
    print(f"  asked of the {outcome.registry}")
    if outcome.contact_message:
        print(f"  it says: {outcome.contact_message}")
    if not outcome.found:
        return 1
    print(f"USI: {outcome.usi}")
    if outcome.already_held:
        print("The client already holds this USI.")
    elif args.write:  # refused, saying why, when another client holds it
        write_located_usi(workspace, outcome)
        print("Written to the client's record.")
    elif outcome.held_by:
        print(
            f"Not written: client {outcome.held_by} holds this USI, and a USI is one person's; "
            "check whether the two records are the same student."
        )
    else:
        print(
            "Not written: check it is the student's, then run again with --write to write it "
            "to the client's record."
        )
    return 0
