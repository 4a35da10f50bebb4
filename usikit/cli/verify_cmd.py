"""`usikit verify`: students' USIs verified with the registry, from a spreadsheet or the
workspace's clients."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from usikit import settings
from usikit.bulk_usi.verify import (
    VerifyOutcome,
    export_results,
    verify_clients,
    verify_frame,
    write_results,
)
from usikit.cli.options import add_registry, add_workspace, registry_of, warn_if_shared
from usikit.errors import InputError
from usikit.io import read_table
from usikit.store.engine import Workspace
from usikit.workspace import open_workspace

SHOWN = 20  # records not verified listed on screen; the results file has them all


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify",
        description="Verify each record's USI against its names and date of birth "
        "(BulkVerifyUSI, 500 at a time). FILE is a spreadsheet with Client ID, USI, the names "
        "and Date of Birth (a client file or a student system's export): no workspace is "
        "needed. --clients or --all-unverified verify the workspace's clients and keep each "
        "one's verified status. Exit status: 0 every USI verified, 1 some not, 2 unusable "
        "input, 3 a registry fault.",
    )
    parser.add_argument("file", type=Path, nargs="?", metavar="FILE")
    parser.add_argument("--clients", nargs="+", metavar="CLIENT_ID", help="these clients")
    parser.add_argument(
        "--all-unverified", action="store_true", help="every client whose USI is not verified"
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="OUT",
        help="write every record's outcome to OUT.xlsx or OUT.csv (for FILE, by default "
        "FILE's name ending in -verified.xlsx, here)",
    )
    parser.add_argument("--sheet", help="sheet of a workbook (default: the first)")
    parser.add_argument("--sep", help="CSV separator (default: detected)")
    parser.add_argument(
        "--show-sensitive", action="store_true", help="do not mask dates of birth in the results"
    )
    add_registry(parser)
    add_workspace(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    chosen = [bool(args.file), bool(args.clients), args.all_unverified]
    if sum(chosen) != 1:
        raise InputError("give a FILE to verify, or --clients ID ..., or --all-unverified")
    written: Path | None
    if args.file:
        outcome, written = _verify_file(args)
    else:
        workspace = warn_if_shared(open_workspace(args.workspace, create=False))
        outcome = verify_clients(
            workspace,
            registry_of(args, workspace),
            args.clients or (),
            org_code=args.org_code,
            all_unverified=args.all_unverified,
            show_sensitive=args.show_sensitive,
        )
        written = export_results(workspace, outcome, args.results) if args.results else None
    print(f"Verified with the {outcome.registry}:")
    print(outcome.summary_line())
    failed = outcome.not_verified()
    listing = failed[["Client ID", "USI", "Details"]].head(SHOWN)
    for client_id, usi, details in listing.itertuples(index=False):
        print(f"  {client_id}: {f'{usi}: ' if usi else ''}{details}")
    if len(failed) > SHOWN:
        print(f"  ... and {len(failed) - SHOWN} more; the results file has them all")
    if written is not None:
        print(f"Wrote the results to {written}")
    return 0 if outcome.all_verified else 1


def _verify_file(args: argparse.Namespace) -> tuple[VerifyOutcome, Path]:
    target = args.results or Path(f"{args.file.stem}-verified.xlsx")
    frame = read_table(args.file, sep=args.sep, sheet=args.sheet)
    with _simulator_state(args) as workspace:
        outcome = verify_frame(
            frame,
            registry_of(args, workspace),
            org_code=args.org_code,
            show_sensitive=args.show_sensitive,
        )
    return outcome, write_results(outcome, target)


@contextlib.contextmanager
def _simulator_state(args: argparse.Namespace) -> Iterator[Workspace]:
    """Where the offline simulator keeps the USIs it issued: the workspace, when there is
    one; else an empty one for this run only (no USI is then known to it). The registry
    itself needs none."""
    if args.registry == settings.OFFLINE:
        url = settings.workspace_url(args.workspace)
        file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
        if file is None or file.exists():
            workspace = warn_if_shared(open_workspace(args.workspace, create=False))
            try:
                yield workspace
            finally:
                workspace.close()
            return
    with tempfile.TemporaryDirectory(prefix="usikit-verify-") as folder:
        workspace = open_workspace(str(Path(folder) / "scratch.db"))
        try:
            yield workspace
        finally:
            workspace.close()
