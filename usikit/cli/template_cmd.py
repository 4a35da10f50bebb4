"""`usikit template clients OUT`: write an empty client template to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path

from usikit.bulk_usi.template import write_client_template


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "template",
        description="Write the client template as XLSX (text columns, drop-down lists and "
        "a data dictionary sheet) or as a CSV header.",
    )
    parser.add_argument("kind", choices=["clients"], help="which template")
    parser.add_argument("out", metavar="OUT", type=Path, help="OUT.xlsx or OUT.csv")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = write_client_template(args.out)
    print(f"Wrote the {args.kind} template to {path}")
    return 0
