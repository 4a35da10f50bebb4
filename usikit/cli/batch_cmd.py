"""`usikit batch ...`: the create-USI batch, from adding clients to retrieving USIs."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import pandas as pd

from usikit.bulk_usi import batches
from usikit.bulk_usi.client_status import batch_shared_usis, shared_line
from usikit.bulk_usi.reference_lists import evidence_type_id
from usikit.bulk_usi.registry.base import FAILURE
from usikit.bulk_usi.registry.connect import open_registry
from usikit.bulk_usi.validation import STATUS_WORDS
from usikit.cli.options import (
    add_non_dvs_type,
    add_permission,
    add_registry,
    add_workspace,
    registry_of,
    workspace_of,
)
from usikit.errors import EXIT_RECORDS, EXIT_REGISTRY, InputError
from usikit.privacy import mask_by_look
from usikit.settings import registry_setting, user_reference
from usikit.store.engine import Workspace
from usikit.wording import counted


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("batch")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add clients to the open batch")
    add.add_argument("client_ids", nargs="*", metavar="CLIENT_ID")
    add.add_argument("--all-without-usi", action="store_true", help="every client without a USI")
    add.add_argument(
        "--registry",
        default=registry_setting(),
        help="where the batch will go: 'offline' (default) or a URL; for the USI Registry's "
        "own address, a USI from the offline simulator counts as no USI",
    )
    add.set_defaults(run=run_add)

    show = actions.add_parser("show", help="the batch grid: a status per record")
    show.add_argument(
        "batch_id", type=int, nargs="?", metavar="BATCH_ID", help="default: the open batch"
    )
    show.add_argument("--errors", action="store_true", help="list every problem too")
    add_permission(show)
    show.set_defaults(run=run_show)

    edit = actions.add_parser(
        "edit",
        help="change a client's details and check the record again",
        description='FIELD is a template column, e.g. Postcode=0800 or "Document Number=...". '
        "Values given on the command line can be read by other users of this computer while "
        "the command runs: give personal details (a date of birth, a document number) with "
        "--prompt FIELD or --stdin instead.",
    )
    edit.add_argument("client_id", metavar="CLIENT_ID")
    edit.add_argument("changes", nargs="*", metavar="FIELD=VALUE")
    edit.add_argument(
        "--prompt",
        nargs="+",
        default=[],
        metavar="FIELD",
        help="ask for each FIELD's value at a prompt that does not show what is typed",
    )
    edit.add_argument(
        "--stdin",
        action="store_true",
        help="read FIELD=VALUE lines from standard input (a file, or a pipe)",
    )
    edit.set_defaults(run=run_edit)

    remove = actions.add_parser("remove", help="take records out of the open batch")
    remove.add_argument("client_ids", nargs="+", metavar="CLIENT_ID")
    remove.set_defaults(run=run_remove)

    export = actions.add_parser("export", help="the grid with statuses and every problem")
    export.add_argument("out", type=Path, metavar="OUT", help="OUT.xlsx or OUT.csv")
    export.add_argument("--show-sensitive", action="store_true", help="do not mask")
    export.set_defaults(run=run_export)

    submit = actions.add_parser("submit", help="send the batch to the registry")
    add_non_dvs_type(submit)
    add_permission(submit)
    add_registry(submit)
    submit.set_defaults(run=run_submit)

    listing = actions.add_parser("list", help="batches not processed yet")
    listing.add_argument("--all", action="store_true", help="processed batches too")
    listing.set_defaults(run=run_list)

    retrieve = actions.add_parser("retrieve", help="download the results and write the USIs")
    retrieve.add_argument("batch_id", type=int, metavar="BATCH_ID")
    add_registry(retrieve)
    retrieve.set_defaults(run=run_retrieve)

    result = actions.add_parser("results", help="export a batch's result grid")
    result.add_argument("batch_id", type=int, metavar="BATCH_ID")
    result.add_argument("out", type=Path, metavar="OUT", help="OUT.xlsx or OUT.csv")
    result.set_defaults(run=run_results)

    for action in (add, show, edit, remove, export, submit, listing, retrieve, result):
        add_workspace(action)


def run_add(args: argparse.Namespace) -> int:
    if not args.client_ids and not args.all_without_usi:
        raise InputError("name the clients to add, or use --all-without-usi")
    workspace = workspace_of(args)
    destination = open_registry(workspace, args.registry, delay=0.0)  # only its name is used
    result = batches.add_to_batch(
        workspace, args.client_ids, all_without_usi=args.all_without_usi, registry=destination
    )
    print(f"Batch {result.batch_id}: {counted(len(result.added), 'client')} added, "
          f"{len(result.refused)} refused")  # fmt: skip
    for client_id, reason in result.refused.items():
        print(f"  {client_id}: {reason}")
    return 1 if result.refused else 0


def run_show(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    view = batches.batch_view(
        workspace, args.batch_id, permission_elsewhere=args.permission_recorded_elsewhere
    )
    grid = batches.batch_grid(view)
    print(f"Batch {view.batch_id} ({view.status}): {view.report.summary_line()}")
    if not grid.empty:
        print(grid.drop(columns=["Problems", "Last Application Failed"]).to_string(index=False))
    _print_shared(workspace, view.batch_id)
    if args.errors:
        problems = view.report.errors
        ids = view.report.records["Client ID"]
        for row in problems.itertuples(index=False):
            who = f"{ids.get(row.row, '')}: " if pd.notna(row.row) else ""
            print(f"  [{row.severity}] {who}{row.message}")
    return 0 if view.report.ok else 1


def run_edit(args: argparse.Namespace) -> int:
    given = list(args.changes)
    if args.stdin:  # kept off the command line, which other users can read while it runs
        given += [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    changes = {}
    for change in given:
        field, separator, value = change.partition("=")
        if not separator:
            shown = mask_by_look(change[:40])  # a value typed without its FIELD= is masked
            raise InputError(f"{shown!r} is not FIELD=VALUE")
        changes[field.strip()] = value
    for field in args.prompt:
        changes[field.strip()] = getpass.getpass(f"{field.strip()}: ")
    if not changes:
        raise InputError("give the changes as FIELD=VALUE, with --prompt FIELD, or with --stdin")
    report = batches.edit_client(workspace_of(args, create=False), args.client_id, changes)
    status = report.status.iloc[0] if len(report.status) else "ok"
    print(f"{args.client_id}: saved; the record is now {STATUS_WORDS.get(status, status)}")
    for message in report.errors["message"]:
        print(f"  {message}")
    return 0 if report.ok else 1


def run_remove(args: argparse.Namespace) -> int:
    removed = batches.remove_from_batch(workspace_of(args, create=False), args.client_ids)
    missing = [c for c in args.client_ids if c not in removed]
    print(f"{counted(len(removed), 'record')} removed from the open batch")
    for client_id in missing:
        print(f"  {client_id}: was not in the open batch")
    return 1 if missing else 0


def run_export(args: argparse.Namespace) -> int:
    path = batches.export_batch(
        workspace_of(args, create=False), args.out, show_sensitive=args.show_sensitive
    )
    print(f"Wrote the batch grid to {path}")
    return 0


def run_submit(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    registry = registry_of(args, workspace)
    evidence = evidence_type_id(workspace, registry, args.non_dvs_type, org_code=args.org_code)
    done = batches.submit_batch(
        workspace,
        registry,
        org_code=args.org_code,
        user_reference=user_reference(),
        non_dvs_document_type_id=evidence,
        permission_elsewhere=args.permission_recorded_elsewhere,
    )
    requests = len(done.receipts)
    print(
        f"Batch {done.batch_id} submitted to the {done.registry}: {done.applications} "
        f"applications in {requests} request{'s' if requests != 1 else ''}."
    )
    for request_id, receipt in done.receipts:
        print(f"  request {request_id}: receipt {receipt}")
    print(f"Retrieve the USIs later with: usikit batch retrieve {done.batch_id}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    table = batches.list_batches(workspace_of(args, create=False), include_processed=args.all)
    if table.empty:
        print("No batches" + ("" if args.all else " waiting (use --all for processed ones)"))
        return 0
    for column in ("created_at", "submitted_at", "processed_at"):
        table[column] = pd.to_datetime(table[column]).dt.strftime("%d/%m/%Y %H:%M").fillna("")
    print(table.fillna("").to_string(index=False))
    return 0


def run_retrieve(args: argparse.Namespace) -> int:
    workspace = workspace_of(args, create=False)
    registry = registry_of(args, workspace)
    outcome = batches.retrieve_batch(workspace, registry, args.batch_id, org_code=args.org_code)
    results = batches.batch_results(workspace, args.batch_id)
    failed = int((results["Result"] == FAILURE).sum())
    print(f"Batch {args.batch_id}, results from the {registry.label}:")
    print(
        f"{counted(outcome.new_results, 'new result')}; "
        f"{counted(outcome.usis_written, 'USI')} written to the clients' records."
    )
    if outcome.processed:
        issued = int(results["USI"].ne("").sum())
        print(f"Every result is in: {counted(issued, 'USI')}, {failed:,} failed.")
        print(f"Export the grid with: usikit batch results {args.batch_id} results.xlsx")
    elif outcome.waiting:
        waiting = outcome.waiting
        verb = "request is" if waiting == 1 else "requests are"
        print(f"{waiting} {verb} not processed yet; retrieve again later.")
    _print_shared(workspace, args.batch_id)
    for problem in outcome.problems:
        print(f"error: {problem}", file=sys.stderr)
    for note in outcome.withheld:  # a USI for several clients: written to none of them
        print(f"error: {note}", file=sys.stderr)
    for note in outcome.noted:  # written to the client it was created for, not its double
        print(f"warning: {note}", file=sys.stderr)
    if outcome.problems:
        return EXIT_REGISTRY
    return EXIT_RECORDS if outcome.withheld else 0


def _print_shared(workspace: Workspace, batch_id: int) -> None:
    """The USIs given to more than one client, among this batch's."""
    for usi, client_ids in batch_shared_usis(workspace, batch_id).itertuples(index=False):
        print(f"Note: {shared_line(usi, client_ids)}")


def run_results(args: argparse.Namespace) -> int:
    path = batches.export_results(workspace_of(args, create=False), args.batch_id, args.out)
    print(f"Wrote the results of batch {args.batch_id} to {path}")
    return 0
