"""Personal data the command line handles: values for `batch edit` kept off the command line
(which any user of the computer can read while it runs), and a bug's traceback under
USIKIT_DEBUG without the dates of birth and document numbers a database error quotes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from tests.batch_helpers import BAD_DATE, demo_workspace
from usikit.bulk_usi.tables import clients
from usikit.cli import main
from usikit.workspace import open_workspace


def stored(url: str, client_id: str, column: str) -> str:
    from usikit.bulk_usi.clients import clients_frame

    workspace = open_workspace(url)
    with workspace.begin() as connection:
        frame = clients_frame(connection).set_index("Client ID")
    workspace.close()
    return str(frame.loc[client_id, column])


@pytest.fixture
def demo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    demo_workspace(url).close()
    monkeypatch.setenv("USIKIT_WORKSPACE", url)
    return url


def test_edit_reads_values_from_standard_input(demo, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Date of Birth=14/03/1990\r\n\nPostcode=0800\n"))
    argv = ["batch", "edit", BAD_DATE, "--stdin"]
    assert main(argv) in (0, 1)
    assert "14/03/1990" not in " ".join(argv)
    assert stored(demo, BAD_DATE, "Date of Birth") == "14/03/1990"
    assert stored(demo, BAD_DATE, "Postcode") == "0800"
    assert f"{BAD_DATE}: saved" in capsys.readouterr().out


def test_edit_asks_for_values_at_a_prompt_that_does_not_show_them(demo, monkeypatch):
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "14/03/1990")
    assert main(["batch", "edit", BAD_DATE, "--prompt", "Date of Birth"]) in (0, 1)
    assert asked == ["Date of Birth: "]
    assert stored(demo, BAD_DATE, "Date of Birth") == "14/03/1990"


def test_edit_without_changes_or_with_a_bare_value_says_how(demo, capsys):
    assert main(["batch", "edit", BAD_DATE]) == 2
    assert "give the changes as FIELD=VALUE, with --prompt FIELD" in capsys.readouterr().err
    assert main(["batch", "edit", BAD_DATE, "14/03/1990"]) == 2
    err = capsys.readouterr().err
    assert "'**/**/**90' is not FIELD=VALUE" in err and "14/03/1990" not in err


def test_a_bug_traceback_under_debug_hides_what_the_database_quoted(monkeypatch, capsys):
    """A database error quotes the failing row (DETAIL) and the statement's parameters."""
    orig = Exception(
        'null value in column "client_id" violates not-null constraint\n'
        "DETAIL:  Failing row contains (7, 14/03/1990, 2123456701, Mia)."
    )
    error = IntegrityError("INSERT INTO clients ...", ("14/03/1990", "2123456701"), orig)

    def broken(args):
        raise error

    monkeypatch.setattr("usikit.cli.audit_cmd.run", broken)
    monkeypatch.setenv("USIKIT_DEBUG", "1")
    parser_run = main(["audit"])
    err = capsys.readouterr().err
    assert parser_run == 70
    assert "Traceback" in err and "IntegrityError" in err
    assert "1990" not in err and "2123456701" not in err and "DETAIL: (hidden)" in err


def test_the_workspace_never_quotes_statement_parameters(tmp_path):
    workspace = open_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    row = {"client_id": "S1", "date_of_birth": "14/03/1990", "created_at": None}
    with pytest.raises(IntegrityError) as caught, workspace.begin() as connection:
        connection.execute(insert(clients), [row])
    assert "14/03/1990" not in str(caught.value)
    assert "hidden" in str(caught.value)
