"""Shared fixtures: small files written the way real spreadsheets are saved."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from tests import postgres
from usikit.rules import checks
from usikit.rules.engine import Field, Rule, Schema
from usikit.validators import VALIDATORS, Validator


@pytest.fixture
def write_text(tmp_path: Path):
    """Write text to a file in a given encoding and return its path."""

    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path):
    """Write rows (first = header) to one or more sheets of a workbook."""

    def write(name: str, sheets: dict[str, list[list[object]]], formats=None) -> Path:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
            for cell, number_format in (formats or {}).get(title, {}).items():
                sheet[cell].number_format = number_format
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


DEMO = Schema(
    "demo",
    (
        Field("Name", required=True),
        Field("Born", required=True, sensitive=True),
        Field("Code"),
    ),
    (
        checks.required("Name"),
        checks.max_length("Name", 12),
        checks.required("Born"),
        checks.date("Born"),
        checks.pattern("Code", r"[A-Z]{3}", "code_shape", "{column} {value} must be 3 capitals"),
        Rule(
            "Code",
            "code_for_named",
            lambda frame: (frame["Code"] != "") | (frame["Name"] == ""),
            "{column} is empty; a named person should have a code",
            severity="warning",
            uses=("Name",),
        ),
    ),
)


def validate_demo(frame: pd.DataFrame, *, show_sensitive: bool = False):
    """A small validator used to test the core without any domain rules."""
    from usikit.rules.engine import as_records, reader_problems, source_of

    records = as_records(frame)
    return DEMO.validate(
        records,
        problems=reader_problems(frame),
        show_sensitive=show_sensitive,
        source=source_of(frame),
    )


@pytest.fixture
def demo_kind():
    """Register the demo validator as `usikit validate demo` for the duration of a test."""
    VALIDATORS["demo"] = Validator("demo", "test records", validate_demo)
    yield "demo"
    VALIDATORS.pop("demo", None)


@pytest.fixture(scope="session")
def postgres_server():
    """The admin URL of a PostgreSQL server for this test session (skips when none can run)."""
    existing = os.environ.get("USIKIT_TEST_POSTGRES")
    if existing:
        yield existing
        return
    try:
        with postgres.temporary_server() as url:
            yield url
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"no PostgreSQL server could be started: {exc} {detail.decode()[-300:]}")


@pytest.fixture
def screens_raise_bugs(monkeypatch):
    """A bug in a screen's handler fails the test instead of becoming a red message, and the
    screens' registry settings are the defaults whatever this machine's environment holds."""
    monkeypatch.setenv("USIKIT_DEBUG", "1")
    for name in ("USIKIT_OFFLINE_DELAY", "USIKIT_REGISTRY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def workspace_url(request, tmp_path):
    """A fresh, empty workspace URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'usikit.db'}"
    return postgres.create_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo folder made once per session by `prepare_demo`; tests use copies of it."""
    from usikit.cli.demo_cmd import prepare_demo

    folder = tmp_path_factory.mktemp("demo-template") / "demo"
    prepare_demo(folder)
    return folder


@pytest.fixture
def demo_folder(demo_template, tmp_path) -> Path:
    """A fresh copy of the demo folder: sample files and a workspace with the demo clients."""
    import shutil

    return Path(shutil.copytree(demo_template, tmp_path / "demo"))
