"""`usikit verify`, `usikit locate`, `usikit create` and `usikit registry lists` on the
command line: each outcome and its exit status, with the offline simulator in process and
through the SOAP client and the local endpoint."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.batch_helpers import DEMO, SAME_PERSON
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.cli import main
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace

KNOWN, RETURNING = SAME_PERSON


@pytest.fixture(params=["offline", "soap"])
def registry(request, tmp_path):
    """The options naming the registry: the simulator in the workspace, or one behind the
    local SOAP endpoint (with a simulator of its own)."""
    if request.param == "offline":
        yield ["--registry", "offline", "--registry-delay", "0"]
        return
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "endpoint.db")),
                                delay=dt.timedelta(0))  # fmt: skip
    endpoint = LocalEndpoint(simulator)
    with endpoint.serving():
        yield ["--registry", endpoint.url]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "usikit.db"))
    monkeypatch.delenv("USIKIT_PERMISSION_RECORDED_ELSEWHERE", raising=False)
    assert main(["clients", "import", str(DEMO), "--include-invalid"]) == 1
    return tmp_path


def usikit(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def test_create_locate_and_verify(folder, registry, capsys):
    code, out, _ = usikit(capsys, "create", KNOWN, *registry)
    assert code == 0 and "created the USI: " in out and "Written to the client's record." in out
    issued = out.split("created the USI: ")[1].split()[0]
    code, out, err = usikit(capsys, "create", KNOWN, *registry)
    assert code == 2 and f"already has the USI {issued}" in err
    code, out, _ = usikit(capsys, "locate", RETURNING, *registry)
    assert code == 0 and f"USI: {issued}" in out
    assert f"Not written: client {KNOWN} holds this USI" in out
    code, _, err = usikit(capsys, "locate", RETURNING, "--write", *registry)
    assert code == 2 and f"already belongs to client {KNOWN}" in err
    code, out, _ = usikit(capsys, "verify", "--clients", KNOWN, *registry)
    assert (code, out.splitlines()[1]) == (0, "1 record: 1 verified, 0 not")
    code, out, _ = usikit(capsys, "batch", "edit", KNOWN, "Family Name=Smyth")
    code, out, _ = usikit(capsys, "verify", "--all-unverified", "--results", "v.xlsx", *registry)
    assert code == 1
    assert f"  {KNOWN}: {issued}: the USI is valid, but the family name does not match" in out
    assert "Wrote the results to v.xlsx" in out and (folder / "v.xlsx").exists()


def test_verify_a_file_without_a_workspace(tmp_path, registry, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "none.db"))
    code, out, _ = usikit(capsys, "verify", str(DEMO), *registry)
    assert code == 1
    assert out.splitlines()[1] == "40 records: 0 verified, 1 not, 39 without a USI to verify"
    assert "S0000002: BNGH7C75FN: the registry does not know this USI (Invalid)" in out
    assert not (tmp_path / "none.db").exists()  # no workspace was made
    book = load_workbook(tmp_path / "clients_demo-verified.xlsx")
    assert book["Verification"].max_row == 41


def test_verify_exit_statuses(folder, registry, capsys, monkeypatch):
    code, _, _ = usikit(capsys, "create", "S0000004", *registry)
    assert code == 0
    code, out, _ = usikit(capsys, "clients", "export", "all.csv", "--show-sensitive")
    everyone = pd.read_csv("all.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    everyone[everyone["Client ID"] == "S0000004"].to_csv("one.csv", index=False)
    code, out, _ = usikit(capsys, "verify", "one.csv", "--results", "one.xlsx", *registry)
    assert (code, out.splitlines()[1]) == (0, "1 record: 1 verified, 0 not")
    everyone.loc[everyone["Client ID"] == "S0000004", "First Name"] = "Someone"
    everyone[everyone["Client ID"] == "S0000004"].to_csv("one.csv", index=False)
    code, out, _ = usikit(capsys, "verify", "one.csv", "--results", "one.xlsx", *registry)
    assert (code, out.splitlines()[1]) == (1, "1 record: 0 verified, 1 not")
    code, _, err = usikit(capsys, "verify", "missing.csv", *registry)
    assert code == 2 and "missing.csv" in err
    everyone.drop(columns=["USI"]).to_csv("no_usi.csv", index=False)
    code, _, err = usikit(capsys, "verify", "no_usi.csv", *registry)
    assert code == 2 and "cannot be verified" in err
    code, _, err = usikit(capsys, "verify", "one.csv", "--clients", "S1", *registry)
    assert code == 2 and "give a FILE to verify" in err


def test_a_registry_fault_is_exit_status_3(folder, capsys):
    simulator = OfflineRegistry(open_workspace(str(folder / "endpoint.db")))
    endpoint = LocalEndpoint(simulator)
    endpoint.fail_next("unavailable", times=4)
    with endpoint.serving():
        code, _, err = usikit(capsys, "verify", "--clients", "S0000002", "--registry",
                              endpoint.url, "--registry-delay", "0")  # fmt: skip
    assert code == 3 and "Service Unavailable" in err


def test_create_a_refused_record_and_one_without_permission(folder, registry, capsys):
    code, out, _ = usikit(capsys, "create", "S0000003", *registry)
    assert code == 1 and "refused the application" in out and "E102" in out
    code, _, err = usikit(capsys, "batch", "edit", "S0000005", "USI Permission=No")
    code, _, err = usikit(capsys, "create", "S0000005", *registry)
    assert code == 1 and "USI Permission is not Yes" in err
    assert "--permission-recorded-elsewhere" in err
    code, out, _ = usikit(capsys, "create", "S0000005", "--permission-recorded-elsewhere",
                          *registry)  # fmt: skip
    assert code == 0
    actions = audit_records(open_workspace(str(folder / "usikit.db")))["Action"].tolist()
    assert "permission elsewhere" in actions


def test_locate_not_found_is_exit_status_1(folder, registry, capsys):
    code, out, _ = usikit(capsys, "locate", "S0000004", *registry)
    assert code == 1 and "not found: no student matches these details" in out


def test_registry_lists_and_a_type_named_on_submit(folder, registry, capsys):
    code, out, _ = usikit(capsys, "registry", "lists", *registry)
    assert code == 0
    assert "  1: Statutory declaration" in out
    assert "the SACC table usikit checks against has the same codes and names" in out
    code, _, _ = usikit(capsys, "batch", "add", "S0000034")
    code, out, err = usikit(capsys, "batch", "submit", "--non-dvs-type", "Statutory "
                            "declaration", *registry)  # fmt: skip
    assert code == 0, err
    code, _, err = usikit(capsys, "create", "S0000004", "--non-dvs-type", "passport", *registry)
    assert code == 2 and "no evidence type named 'passport'" in err
    assert "`usikit registry lists` shows the registry's evidence types" in err


def test_shared_usis_are_named_after_retrieval_and_in_batch_show(folder, registry, capsys):
    assert usikit(capsys, "create", KNOWN, *registry)[0] == 0
    usikit(capsys, "batch", "add", RETURNING)
    assert usikit(capsys, "batch", "submit", *registry)[0] == 0
    code, out, err = usikit(capsys, "batch", "retrieve", "1", *registry)
    note = f"({KNOWN}, {RETURNING}): the registry took them for one student"
    assert code == 1 and note in out  # a USI is one person's: written to no second client
    assert f"{RETURNING}: the registry's USI" in err and f"belongs to client {KNOWN}" in err
    code, out, _ = usikit(capsys, "batch", "show", "1")
    assert out.startswith("Batch 1 (processed)") and note in out
