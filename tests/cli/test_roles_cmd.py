"""The command line: the register needs manage_regcert whichever command reads it (SQLite and
PostgreSQL), every role is refused before any file is written, and a SQLite workspace that
other people can read is reported (a warning, not an error)."""

from __future__ import annotations

import getpass
import os

import pytest

from tests.paths import ROOT
from tests.roles_helpers import shared_workspace, user_url
from usikit.cli import main
from usikit.store import grants
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace

SAMPLES = ROOT / "data" / "samples"
LEARNERS = str(SAMPLES / "regcert_register.xlsx")
FIRST = str(SAMPLES / "regcert_import_first.csv")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


@pytest.fixture
def register(tmp_path, capsys) -> str:
    """A SQLite register holding the sample learners and the first import."""
    db = str(tmp_path / "register.db")
    assert (
        run(capsys, "regcert", "learners", "import", LEARNERS, "--apply", "--workspace", db)[0] == 0
    )
    assert run(capsys, "regcert", "import", FIRST, "--apply", "--workspace", db)[0] == 0
    return db


def holding(db: str, *held: str) -> None:
    workspace = open_workspace(db)
    grants.grant(workspace, "someone_else", "manage_regcert")  # roles are now in force
    for role in held:
        grants.grant(workspace, getpass.getuser(), role)
    workspace.close()


REGISTER_COMMANDS = {
    "validate": ("validate", "regcert", FIRST, "--workspace"),
    "import": ("regcert", "import", FIRST, "--workspace"),
    "import --apply": ("regcert", "import", FIRST, "--apply", "--workspace"),
    "learners --apply": ("regcert", "learners", "import", LEARNERS, "--apply", "--workspace"),
    "export": ("regcert", "export", "OUT/register.csv", "--all", "--workspace"),
}


@pytest.mark.parametrize("command", REGISTER_COMMANDS)
def test_sqlite_commands_reading_the_register_need_manage_regcert(
    register, tmp_path, capsys, command
):
    holding(register, "bulk_upload", "data_export", "usi_batches", "audit")
    out = tmp_path / "out"
    out.mkdir()
    args = [a.replace("OUT", str(out)) for a in REGISTER_COMMANDS[command]]
    before = len(audit_records(open_workspace(register)))
    code, _, err = run(capsys, *args, register)
    assert code == 2
    assert "error: you need the manage_regcert role to " in err
    assert "usikit roles grant YOUR_USER manage_regcert" in err
    assert list(out.iterdir()) == []
    assert len(audit_records(open_workspace(register))) == before


def test_the_import_roles_are_refused_before_the_error_report_is_written(
    register, tmp_path, capsys
):
    holding(register, "data_export")
    errors = tmp_path / "errors.csv"
    code, _, err = run(capsys, "regcert", "learners", "import", LEARNERS, "--apply",
                       "--errors", str(errors), "--workspace", register)  # fmt: skip
    assert code == 2 and "you need the bulk_upload and manage_regcert roles" in err
    assert not errors.exists()


def test_with_manage_regcert_the_register_is_read(register, tmp_path, capsys):
    holding(register, "manage_regcert")
    code, out, err = run(capsys, "validate", "regcert", FIRST, "--workspace", register)
    assert code in (0, 1) and "record" in out and err == ""
    code, _, err = run(capsys, "regcert", "export", str(tmp_path / "r.csv"), "--all",
                       "--workspace", register)  # fmt: skip
    assert code == 2 and "you need the data_export role to export the register" in err


def test_postgresql_validate_with_the_register_needs_manage_regcert(postgres_server, capsys):
    url, owner, _ = shared_workspace(
        postgres_server, {"alice": ("bulk_upload", "data_export"), "carol": ("manage_regcert",)}
    )
    code, _, err = run(capsys, "validate", "regcert", FIRST, "--workspace", user_url(url, "alice"))
    assert code == 2 and "you need the manage_regcert role to check a file against" in err
    code, _, err = run(capsys, "regcert", "import", FIRST, "--workspace", user_url(url, "alice"))
    assert code == 2 and "you need the manage_regcert role to check a Registration" in err
    code, out, err = run(
        capsys, "validate", "regcert", FIRST, "--workspace", user_url(url, "carol")
    )
    assert code == 1 and "records" in out and err == ""  # an empty register: unknown learners
    owner.close()


def test_a_workspace_others_can_read_is_reported(register, tmp_path, capsys):
    os.chmod(register, 0o644)
    for args in (
        ("regcert", "export", str(tmp_path / "r.csv"), "--all", "--workspace", register),
        ("validate", "regcert", FIRST, "--workspace", register),
        ("roles", "list", "--workspace", register),
    ):
        code, _, err = run(capsys, *args)
        assert code in (0, 1), args  # a warning, not an error: the work is done
        assert err.startswith(
            f"warning: the workspace {register} can be read by its group and other users (mode 644)"
        ), args
        assert f"chmod 600 {register}" in err
    assert (tmp_path / "r.csv").exists()
    os.chmod(register, 0o640)
    code, _, err = run(capsys, "roles", "list", "--workspace", register)
    assert "can be read by its group (mode 640)" in err
    os.chmod(register, 0o600)
    code, _, err = run(capsys, "roles", "list", "--workspace", register)
    assert code == 0 and err == ""


def test_the_warning_is_for_sqlite_files_only(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    assert grants.shared_file_warning(workspace) is None  # usikit makes it owner-only
    os.chmod(tmp_path / "w.db", 0o604)
    assert "can be read by other users (mode 604)" in grants.shared_file_warning(workspace)
