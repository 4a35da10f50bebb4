"""`usikit roles` and `usikit audit`: granting, refusing and listing through the command line."""

from __future__ import annotations

import datetime as dt
import getpass

import pandas as pd
import pytest

from tests.batch_helpers import DEMO
from usikit.cli import main
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace


def usikit(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    url = str(tmp_path / "usikit.db")
    monkeypatch.setenv("USIKIT_WORKSPACE", url)
    return url


def test_roles_are_granted_listed_and_refusals_name_the_role(workspace, tmp_path, capsys):
    me = getpass.getuser()
    assert usikit(capsys, "clients", "import", str(DEMO))[0] == 1  # some rows have errors
    code, out = usikit(capsys, "roles", "grant", me, "bulk_upload")
    assert code == 0 and "advisory on SQLite" in out
    code, out = usikit(capsys, "roles", "list")
    assert code == 0 and me in out and "bulk_upload" in out and "data_export" not in out
    code, out = usikit(capsys, "clients", "export", str(tmp_path / "out.csv"))
    assert code == 2
    assert "you need the data_export role to export clients" in out
    assert "usikit roles grant YOUR_USER data_export" in out
    assert not (tmp_path / "out.csv").exists()
    assert usikit(capsys, "roles", "grant", me, "data_export")[0] == 0
    assert usikit(capsys, "clients", "export", str(tmp_path / "out.csv"))[0] == 0
    code, out = usikit(capsys, "roles", "revoke", me, "data_export")
    assert code == 0 and "no longer holds data_export" in out
    assert usikit(capsys, "clients", "export", str(tmp_path / "again.csv"))[0] == 2


def test_an_unknown_role_is_refused_with_the_list(workspace, capsys):
    usikit(capsys, "clients", "import", str(DEMO))
    with pytest.raises(SystemExit) as exited:
        main(["roles", "grant", "someone", "superuser"])
    assert exited.value.code == 2
    assert "bulk_upload" in capsys.readouterr().err


def test_setup_on_sqlite_explains_there_is_nothing_to_create(workspace, capsys):
    code, out = usikit(capsys, "roles", "setup")
    assert code == 0 and "Nothing to set up" in out


def test_audit_lists_filters_and_exports(workspace, tmp_path, capsys):
    usikit(capsys, "clients", "import", str(DEMO))
    usikit(capsys, "clients", "export", str(tmp_path / "clients.xlsx"))
    code, out = usikit(capsys, "audit")
    assert code == 0
    assert "clients import" in out and "clients export" in out and "clients_demo.xlsx" in out
    assert "SHA-256" not in out  # the listing stays readable; the export has the digests
    code, out = usikit(capsys, "audit", "--action", "clients export")
    assert "clients export" in out and "clients import" not in out
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).strftime("%d/%m/%Y")
    code, out = usikit(capsys, "audit", "--since", tomorrow)
    assert code == 0 and "No audit records for that choice" in out
    code, out = usikit(capsys, "audit", "--since", "31/02/2026")
    assert code == 2 and "dd/mm/yyyy" in out
    code, out = usikit(capsys, "audit", "--export", str(tmp_path / "audit.csv"))
    assert code == 0 and "Wrote 2 audit records" in out
    exported = pd.read_csv(
        tmp_path / "audit.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    trail = audit_records(open_workspace(workspace))
    assert exported["SHA-256"].tolist() == trail["SHA-256"].tolist()
    assert exported["accepted"][0] == str(trail["accepted"][0])
    assert exported["exported"].tolist() == ["", str(trail["exported"][1])]  # kept or blank
    code, out = usikit(capsys, "audit", "--export", str(tmp_path / "audit.xlsx"))
    assert code == 2 and "must end in .csv" in out


def test_audit_of_a_missing_workspace_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "none.db"))
    code, out = usikit(capsys, "audit")
    assert code == 2 and "none.db" in out
    assert not (tmp_path / "none.db").exists()


def test_an_error_report_is_an_export_refused_before_the_import(workspace, tmp_path, capsys):
    me = getpass.getuser()
    usikit(capsys, "roles", "grant", me, "bulk_upload")
    usikit(capsys, "roles", "grant", me, "audit")  # to read the trail below
    code, out = usikit(capsys, "clients", "import", str(DEMO), "--errors", str(tmp_path / "e.csv"))
    assert code == 2 and "you need the data_export role to write the error report" in out
    assert not (tmp_path / "e.csv").exists()
    assert audit_records(open_workspace(workspace)).empty  # nothing was imported either
    usikit(capsys, "roles", "grant", me, "data_export")
    code, out = usikit(capsys, "clients", "import", str(DEMO), "--errors", str(tmp_path / "e.csv"))
    assert code == 1 and (tmp_path / "e.csv").exists()
    trail = audit_records(open_workspace(workspace))
    assert trail["Action"].tolist() == ["clients import", "error report export"]
    assert trail["File"].tolist() == ["clients_demo.xlsx", "e.csv"]
