"""The README walkthrough, run through the command line: import, add, show errors, edit one
record, remove others, export, submit, retrieve after the delay, export the clients.

Once with the offline simulator in process and once through SoapRegistry and the local SOAP
endpoint; each on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.batch_helpers import (
    BAD_DATE,
    BAD_EMAIL,
    BAD_MEDICARE,
    BAD_POSTCODE,
    DEMO,
    NO_CARD,
    NO_FAMILY,
    NOT_VERIFIABLE,
)
from usikit import read_table
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.cli import main
from usikit.identifiers import usi
from usikit.workspace import open_workspace

DELAY = 1.0


@pytest.fixture(params=["offline", "soap"])
def registry_options(request, tmp_path):
    if request.param == "offline":
        yield ["--registry", "offline", "--registry-delay", str(DELAY)], "offline simulator"
        return
    simulator = OfflineRegistry(
        open_workspace(str(tmp_path / "simulator.db")), delay=dt.timedelta(seconds=DELAY)
    )
    endpoint = LocalEndpoint(simulator)
    with endpoint.serving():
        yield ["--registry", endpoint.url], "SOAP endpoint"


def usikit(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def test_walkthrough(workspace_url, registry_options, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("USIKIT_WORKSPACE", workspace_url)
    registry, label = registry_options

    code, out = usikit(capsys, "clients", "import", str(DEMO), "--include-invalid")
    assert code == 1 and "38 clients added" in out and "appears more than once" in out

    code, out = usikit(capsys, "batch", "add", "--all-without-usi")
    assert code == 0 and "36 clients added" in out

    code, out = usikit(capsys, "batch", "show", "--errors")
    assert code == 1 and "36 records: 30 valid, 6 with errors" in out
    for client_id in (BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL):
        assert f"[error] {client_id}:" in out

    code, out = usikit(capsys, "batch", "submit", *registry)
    assert code == 1 and "cannot be submitted: 6 records have errors" in out

    code, out = usikit(capsys, "batch", "edit", BAD_POSTCODE, "Postcode=0800")
    assert code == 0 and "the record is now ok" in out

    code, out = usikit(
        capsys, "batch", "remove", BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL
    )
    assert code == 0 and "5 records removed" in out

    grid = tmp_path / "grid.xlsx"
    assert usikit(capsys, "batch", "export", str(grid))[0] == 0
    assert {row[1].value for row in load_workbook(grid)["Records"].iter_rows(min_row=2)} == {"ok"}

    code, out = usikit(capsys, "batch", "submit", *registry)
    assert code == 0 and "Batch 1 submitted" in out and label in out
    assert "31 applications in 1 request" in out

    code, out = usikit(capsys, "batch", "list")
    assert code == 0 and "submitted" in out

    code, out = usikit(capsys, "batch", "retrieve", "1", *registry)
    assert code == 0 and "not processed yet" in out

    time.sleep(DELAY + 0.2)
    code, out = usikit(capsys, "batch", "retrieve", "1", *registry)
    assert code == 0 and "Every result is in: 29 USIs, 2 failed." in out

    results = tmp_path / "results.xlsx"
    assert usikit(capsys, "batch", "results", "1", str(results))[0] == 0
    grid = read_table(results)
    assert grid.set_index("Client ID").loc[NOT_VERIFIABLE, "Result"] == "Failure"

    exported = tmp_path / "clients.csv"
    assert usikit(capsys, "clients", "export", str(exported))[0] == 0
    clients = pd.read_csv(exported, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    issued = clients.loc[~clients["USI"].isin(["", "INTOFF"]), "USI"]
    # The new ones and the one the demo file already had; S0000040, the same person as
    # S0000039, is not given S0000039's USI (a USI is one person's).
    assert len(issued) == 28 + 1
    assert all(usi.is_valid(value) for value in issued)
    assert not clients["Date of Birth"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()

    code, out = usikit(capsys, "batch", "list", "--all")
    assert "processed" in out


def test_an_edit_says_in_words_what_the_record_is_now(workspace_url, monkeypatch, capsys):
    monkeypatch.setenv("USIKIT_WORKSPACE", workspace_url)
    usikit(capsys, "clients", "import", str(DEMO), "--include-invalid")
    code, out = usikit(capsys, "batch", "edit", "S0000002", "Middle Name=Jo")  # it has a USI
    assert code == 0
    assert "S0000002: saved; the record is now one with a USI (not sent for creation)" in out


def test_a_mistyped_field_is_refused_with_the_field_it_may_mean(workspace_url, monkeypatch, capsys):
    monkeypatch.setenv("USIKIT_WORKSPACE", workspace_url)
    usikit(capsys, "clients", "import", str(DEMO), "--include-invalid")
    code, out = usikit(capsys, "batch", "edit", "S0000002", "first name=Jo")
    assert code == 2 and "did you mean 'First Name'?" in out
    code, out = usikit(capsys, "batch", "edit", "S0000002", "Postcod=3000")
    assert code == 2 and "did you mean 'Postcode'?" in out
