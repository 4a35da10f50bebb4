"""`usikit demo`: prepare a folder with the sample files and a workspace for the notebooks."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import func, select

from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.samples import write_demo_files
from usikit.bulk_usi.tables import clients
from usikit.errors import InputError
from usikit.io import read_table
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.register import import_learners
from usikit.regcert.samples import write_regcert_samples
from usikit.workspace import open_workspace

WORKSPACE_FILE = "usikit.db"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        description="Write the synthetic sample files (the same as data/samples) into a "
        "folder, and a workspace (usikit.db) holding the demo clients and the sample "
        "register. Nothing outside that folder is touched; an existing demo workspace is "
        "kept as it is.",
    )
    parser.add_argument("--into", type=Path, default=Path("demo"), help="folder (default: demo)")
    parser.set_defaults(run=run)


def prepare_demo(folder: Path) -> Path:
    """The sample files, and a workspace with the demo clients (kept if it exists)."""
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder; choose another name", path=folder)
    written = write_demo_files(folder)
    register_files = write_regcert_samples(folder)
    workspace = open_workspace(str(folder / WORKSPACE_FILE))
    with workspace.begin() as connection:
        empty = connection.execute(select(func.count()).select_from(clients)).scalar_one() == 0
    if empty:
        import_clients(workspace, read_table(written[0]), include_invalid=True)
        learners = read_table(next(p for p in register_files if p.suffix == ".xlsx"))
        import_learners(workspace, validate_learners(learners))
    workspace.close()
    return folder / WORKSPACE_FILE


def run(args: argparse.Namespace) -> int:
    workspace = prepare_demo(args.into)
    print(f"Demo ready in {args.into}: sample files and the workspace {workspace}")
    print(f"Use it with: USIKIT_WORKSPACE={workspace} usikit batch list --all")
    return 0
