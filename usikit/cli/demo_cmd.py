"""`usikit demo`: prepare a folder with the sample files the notebooks open."""

from __future__ import annotations

import argparse
from pathlib import Path

from usikit.errors import InputError
from usikit.samples import write_demo_files


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="prepare a demo folder with synthetic sample files",
        description="Write the synthetic sample files (the same as data/samples) into a "
        "folder for the notebooks. Nothing outside that folder is touched.",
    )
    parser.add_argument("--into", type=Path, default=Path("demo"), help="folder (default: demo)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder: Path = args.into
    if folder.exists() and not folder.is_dir():
        raise InputError("exists and is not a folder; choose another name", path=folder)
    written = write_demo_files(folder)
    print(f"Demo files ready in {folder}: " + ", ".join(p.name for p in written))
    return 0
