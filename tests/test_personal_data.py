"""Every output of the end-to-end flows: no unmasked date of birth or document number, no
formula cell, owner-only files, and servers on the loopback interface only."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from openpyxl import load_workbook

from tests.batch_helpers import (
    BAD_DATE,
    BAD_EMAIL,
    BAD_MEDICARE,
    BAD_POSTCODE,
    DEMO,
    NO_CARD,
    NO_FAMILY,
)
from usikit.cli import main
from usikit.io.safety import FORMULA_TRIGGERS
from usikit.regcert_samples import sample_register
from usikit.registry.offline import OfflineRegistry
from usikit.registry.server import LocalEndpoint
from usikit.samples import demo_clients
from usikit.workspace import open_workspace

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "data" / "samples"


REGISTER_OUTPUTS = ("learner_errors", "regcert_", "register")


def client_secrets() -> set[str]:
    """Every date of birth and document number of the demo clients."""
    clients = demo_clients()
    values = set(clients["Date of Birth"]) | set(clients["Document Number"])
    values |= set(clients["Document Card Number"]) | {"31/02/1988"}  # the edit below
    return {v for v in values if len(v) >= 6}


def register_secrets() -> set[str]:
    """Every date of birth in the sample register."""
    return set(sample_register()["Date of Birth"])


def run_flows(tmp_path: Path, capsys) -> str:
    """The client, batch and Registration & Certification flows; all they printed."""
    printed = []

    def usikit(*args: str) -> None:
        main(list(args))
        captured = capsys.readouterr()
        printed.append(captured.out + captured.err)

    usikit("validate", "clients", str(DEMO), "--errors", "validate_errors.xlsx")
    usikit("validate", "clients", str(DEMO), "--errors", "validate_errors.csv")
    usikit("clients", "import", str(DEMO), "--include-invalid", "--errors", "import_errors.csv")
    usikit("batch", "add", "--all-without-usi")
    usikit("batch", "show", "--errors")
    usikit("batch", "export", "grid.xlsx")
    usikit("batch", "export", "grid.csv")
    usikit("batch", "edit", BAD_DATE, "Date of Birth=31/02/1988")  # still wrong: echoed masked
    usikit("batch", "remove", BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL)
    usikit("batch", "submit", "--registry-delay", "0")
    usikit("batch", "retrieve", "1", "--registry-delay", "0")
    usikit("batch", "results", "1", "results.xlsx")
    usikit("batch", "results", "1", "results.csv")
    usikit("clients", "export", "clients.xlsx")
    usikit("clients", "export", "clients.csv")
    usikit("regcert", "learners", "import", str(SAMPLES / "regcert_register.xlsx"), "--apply",
           "--errors", "learner_errors.xlsx")  # fmt: skip
    usikit("regcert", "import", str(SAMPLES / "regcert_import_errors.csv"), "--errors",
           "regcert_errors.csv", "--apply", "--results", "regcert_results.csv")  # fmt: skip
    usikit("regcert", "export", "register.csv", "--all")
    usikit("regcert", "export", "register.xlsx", "--all")
    return "\n".join(printed)


def cells_of(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [cell for row in csv.reader(handle) for cell in row]
    workbook = load_workbook(path)
    formulas = [c.coordinate for ws in workbook for row in ws.iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip
    assert formulas == [], f"{path.name} has formula cells {formulas[:5]}"
    return [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row
            if c.value is not None]  # fmt: skip


def test_every_output_is_masked_formula_free_and_owner_only(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "usikit.db"))
    printed = run_flows(tmp_path, capsys)
    leaks = sorted(v for v in client_secrets() | register_secrets() if v in printed)
    assert leaks == [], f"printed unmasked: {leaks[:5]}"
    exports = sorted(p for p in tmp_path.iterdir() if p.suffix in (".csv", ".xlsx"))
    assert len(exports) == 14
    for path in exports:
        cells = cells_of(path)
        register = path.name.startswith(REGISTER_OUTPUTS)
        secrets = register_secrets() if register else client_secrets()
        assert not [c for c in cells if c in secrets], f"{path.name} shows unmasked values"
        if path.suffix == ".csv":
            assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)], path.name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name
    for store in tmp_path.glob("usikit.db*"):  # the database and its WAL files
        assert stat.S_IMODE(os.stat(store).st_mode) & 0o077 == 0, store.name


def test_sensitive_values_appear_only_when_asked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "usikit.db"))
    main(["clients", "import", str(DEMO), "--include-invalid"])
    main(["clients", "export", "shown.csv", "--show-sensitive"])
    capsys.readouterr()
    cells = set(cells_of(tmp_path / "shown.csv"))
    assert set(demo_clients().loc[1:5, "Date of Birth"]) <= cells


def test_servers_listen_on_the_loopback_interface_only(tmp_path):
    endpoint = LocalEndpoint(OfflineRegistry(open_workspace(str(tmp_path / "s.db"))))
    try:
        assert endpoint.server.server_address[0] == "127.0.0.1"
    finally:
        endpoint.server.server_close()


def test_error_messages_do_not_carry_sensitive_values(tmp_path, capsys):
    workspace = str(tmp_path / "w.db")
    main(["clients", "import", str(DEMO), "--include-invalid", "--workspace", workspace])
    main(["batch", "edit", "S0000404", "Date of Birth=14/03/1990", "--workspace", workspace])
    main(["batch", "edit", BAD_DATE, "Date of Birth=14/13/1990", "--workspace", workspace])
    printed = capsys.readouterr()
    assert "14/03/1990" not in printed.err and "14/13/1990" not in printed.out + printed.err
