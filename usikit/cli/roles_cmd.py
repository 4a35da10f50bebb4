"""`usikit roles setup|grant|revoke|list`: who may import, manage, submit and export."""

from __future__ import annotations

import argparse

from usikit.cli.options import add_workspace, workspace_of
from usikit.store import grants
from usikit.store.roles import Role


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "roles",
        description="Roles: "
        + "; ".join(f"{role}: {role.description}" for role in Role)
        + ". On PostgreSQL the database enforces them; on SQLite they are recorded but "
        "advisory (the file's owner-only permissions are the protection).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setup = actions.add_parser(
        "setup", help="create the database roles and their grants (PostgreSQL, as the owner)"
    )
    setup.set_defaults(run=run_setup)
    for name, verb in (("grant", "give"), ("revoke", "take back")):
        action = actions.add_parser(name, help=f"{verb} a role")
        action.add_argument("user", metavar="USER", help="database user (PostgreSQL) or login")
        action.add_argument("role", metavar="ROLE", choices=sorted(Role))
        action.set_defaults(run=run_grant if name == "grant" else run_revoke)
    listing = actions.add_parser("list", help="who holds which role")
    listing.set_defaults(run=run_list)
    for action in (setup, *actions.choices.values()):
        if not any(a.dest == "workspace" for a in action._actions):
            add_workspace(action)


def run_setup(args: argparse.Namespace) -> int:
    done = grants.setup(workspace_of(args))
    if not done:
        print("Nothing to set up: on SQLite roles are recorded with `usikit roles grant`.")
    for line in done:
        print(line)
    return 0


def run_grant(args: argparse.Namespace) -> int:
    workspace = workspace_of(args)  # a new SQLite workspace may start with its roles
    grants.grant(workspace, args.user, args.role)
    note = "" if not workspace.is_sqlite else " (recorded; advisory on SQLite)"
    print(f"{args.user} now holds {args.role}{note}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    grants.revoke(workspace_of(args, create=False), args.user, args.role)
    print(f"{args.user} no longer holds {args.role}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    table = grants.list_roles(workspace_of(args, create=False))
    if table.empty:
        print("No roles granted (on SQLite: the one officer may do everything)")
    else:
        print(table.to_string(index=False))
    return 0
