"""The README's examples print what the README says they print, so the two cannot drift.

Each checked section's ```console blocks are run command by command (`$ usikit ...`) in an
empty folder holding copies of the repository files the commands name, and the output must be
the lines the README shows. In its ```python blocks, a line `expression  # value` (a quoted
text, True, False or a list) must evaluate to that value.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.paths import ROOT

README = ROOT / "README.md"
CHECKED_SECTIONS = ["Checking a client file"]
WROTE = re.compile(r"Wrote ([\d,]+) problems to (\S+)")
SHOWN_VALUE = re.compile(r"^(?P<expression>\S.*?)\s+# (?P<shown>'.*'|True|False|\[.*\])$")


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"README.md has no section '## {title}'"
    return found.group(1)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def console_runs(block: str) -> list[tuple[str, list[str]]]:
    """(command, the lines the README shows it printing) for each `$ ` line of a block."""
    runs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            runs.append((line[2:], []))
        else:
            assert runs, f"output before any command in a console block: {line!r}"
            runs[-1][1].append(line)
    return runs


def copy_named_files(argv: list[str], into: Path) -> None:
    """Copy the repository files a command names (data/samples/...) to the same place."""
    for word in argv:
        source = ROOT / word
        if not word.startswith("-") and source.is_file():
            (into / word).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, into / word)


def run_usikit(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    assert argv[0] == "usikit", f"README console commands run usikit, not {argv[0]!r}"
    copy_named_files(argv[1:], cwd)
    # The user's own settings (a workspace, a registry) must not change what the demo prints.
    env = {k: v for k, v in os.environ.items() if not k.startswith("USIKIT_")}
    return subprocess.run(
        [sys.executable, "-m", "usikit", *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def demo_documents_are_current() -> None:
    """The demo's records are made relative to a fixed day; expired cards change the output."""
    from usikit import read_table

    clients = read_table(ROOT / "data/samples/clients_demo.xlsx")
    expiries = clients["Document Expiry"][clients["Document Expiry"] != ""]
    soonest = min(dt.datetime.strptime(v[-7:], "%m/%Y").date() for v in expiries)
    assert soonest > dt.date.today(), (
        "a Medicare card in data/samples/clients_demo.xlsx has expired, so the demo now prints "
        "more problems: regenerate the samples (usikit.bulk_usi.samples.DEMO_DATE) and the README"
    )


@pytest.mark.parametrize("title", CHECKED_SECTIONS)
def test_console_examples_print_what_the_readme_shows(title, tmp_path):
    runs = [run for block in blocks(section(title), "console") for run in console_runs(block)]
    assert runs, f"'{title}' has no console example"
    for command, shown in runs:
        done = run_usikit(command, tmp_path)
        if done.stdout.splitlines() != shown:
            demo_documents_are_current()
        assert done.stdout.splitlines() == shown, f"$ {command}\n{done.stderr}"
        assert done.stderr == "" and done.returncode in (0, 1), done.stderr
        for line in shown:  # the report written holds as many problems as the line says
            wrote = WROTE.fullmatch(line)
            if wrote and wrote.group(2).endswith(".xlsx"):
                book = load_workbook(tmp_path / wrote.group(2), read_only=True)
                lists = [book[t] for t in book.sheetnames if re.fullmatch(r"Errors( \(\d+\))?", t)]
                rows = [r for sheet in lists for r in sheet.iter_rows(min_row=2, values_only=True)]
                assert sum(any(row) for row in rows) == int(wrote.group(1).replace(",", ""))


@pytest.mark.parametrize("title", CHECKED_SECTIONS)
def test_python_examples_give_the_values_the_readme_shows(title, tmp_path, monkeypatch):
    code = blocks(section(title), "python")
    shown = [m for block in code for m in map(SHOWN_VALUE.match, block.splitlines()) if m]
    if not shown:
        pytest.skip(f"'{title}' shows no values in Python")
    monkeypatch.chdir(tmp_path)
    for block in code:
        copy_named_files(re.findall(r"[\"']([\w./-]+)[\"']", block), tmp_path)
        namespace: dict[str, object] = {}
        exec(compile(block, str(README), "exec"), namespace)
        for found in (m for m in map(SHOWN_VALUE.match, block.splitlines()) if m):
            value = eval(found["expression"], namespace)
            assert repr(value) == found["shown"], found["expression"]
