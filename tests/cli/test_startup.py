"""The command starts at once: `usikit --help` and `--version` load none of the heavy
libraries, and each command loads only what it uses (how fast is measured in benchmarks/)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

import pytest

from usikit.cli import COMMANDS, Commands, build_parser

HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "pandera",
    "sqlalchemy",
    "openpyxl",
    "lxml",
    "python_calamine",
    "cryptography",
    "ipywidgets",
)
NOT_FOR_VALIDATING = ("sqlalchemy", "openpyxl", "lxml", "cryptography", "ipywidgets")


def imported_by(*argv: str) -> tuple[int, set[str]]:
    """Run `usikit ARGV` in a fresh interpreter through the installed entry point's function;
    its exit status and the heavy libraries it imported."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from usikit.cli import main
        try:
            status = main({list(argv)!r})
        except SystemExit as exit:
            status = exit.code
        loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
        print(json.dumps([status, loaded]), file=sys.stderr)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    status, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    return status, set(loaded)


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_load_no_heavy_library(option):
    status, loaded = imported_by(option)
    assert status == 0
    assert loaded == set()


def test_importing_the_package_loads_no_heavy_library():
    code = "import json, sys, usikit, usikit.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert loaded & set(HEAVY) == set()
    assert "usikit.validators" not in json.loads(done.stdout)  # the public names load on use


@pytest.mark.parametrize("report", [None, "errors.csv"])
def test_validating_a_small_file_loads_no_database_workbook_or_registry_library(tmp_path, report):
    """Nor does writing its errors as CSV: the workbook writers (openpyxl) load for XLSX."""
    path = tmp_path / "clients.csv"
    path.write_text("Client ID,First Name,Family Name\nC1,Ann,Lee\n", encoding="utf-8")
    written = () if report is None else ("--errors", str(tmp_path / report))
    status, loaded = imported_by("validate", "clients", str(path), *written)
    assert status == 1  # the records lack required columns: the check did run
    assert "pandas" in loaded  # the checker sees the heavy libraries the command does load
    assert loaded & set(NOT_FOR_VALIDATING) == set()
    if report is not None:
        assert "missing_column" in (tmp_path / report).read_text(encoding="utf-8-sig")


def test_writing_the_errors_as_xlsx_loads_the_workbook_writers(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("Client ID,First Name,Family Name\nC1,Ann,Lee\n", encoding="utf-8")
    status, loaded = imported_by(
        "validate", "clients", str(path), "--errors", str(tmp_path / "e.xlsx")
    )
    assert status == 1
    assert "openpyxl" in loaded and (tmp_path / "e.xlsx").exists()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_command_builds_its_own_parser(name):
    """The list `usikit --help` shows and the modules that build the commands agree."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert isinstance(commands, Commands)
    built = commands.build(name)
    assert built.prog == f"usikit {name}"
    assert len(built._actions) > 1  # more than its --help
    assert [a.dest for a in commands._choices_actions] == list(COMMANDS)


def test_a_command_is_built_when_chosen_and_parses_its_options():
    args = build_parser().parse_args(["audit", "--since", "01/01/2026"])
    assert args.command == "audit" and args.since == "01/01/2026" and callable(args.run)
