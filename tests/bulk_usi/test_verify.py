"""Verifying USIs: a spreadsheet's records, or the workspace's clients, whose verified status
is kept and cleared by any change to the USI, the names or the date of birth."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.batch_helpers import TODAY, sent_demo_batch
from usikit import read_table
from usikit.bulk_usi import batches, verify
from usikit.bulk_usi.client_status import client_status
from usikit.bulk_usi.clients import clients_frame, export_clients, import_clients
from usikit.bulk_usi.registry.base import LIVE_NAME
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.verify import (
    NOT_CHECKED,
    NOT_VERIFIED,
    VERIFIED,
    verify_clients,
    verify_frame,
    write_results,
)
from usikit.errors import InputError
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace

ISSUED, OTHER_ISSUED, HAD_USI, NO_USI = "S0000004", "S0000005", "S0000002", "S0000003"


class Counting:
    """The simulator, counting the requests of each kind it is sent."""

    def __init__(self, inner, *, name: str | None = None):
        self.inner, self.calls = inner, []
        self.name, self.label = name or inner.name, inner.label

    def verify_usi(self, org_code, verification):
        self.calls.append(("VerifyUSI", 1))
        return self.inner.verify_usi(org_code, verification)

    def bulk_verify_usi(self, org_code, verifications):
        self.calls.append(("BulkVerifyUSI", len(verifications)))
        return self.inner.bulk_verify_usi(org_code, verifications)


@pytest.fixture
def processed(tmp_path):
    """The demo clients with the USIs of their batch retrieved from the simulator."""
    workspace, simulator, batch_id = sent_demo_batch(f"sqlite:///{tmp_path / 'w.db'}")
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    return workspace, simulator


def the_clients(workspace) -> pd.DataFrame:
    with workspace.begin() as connection:
        return clients_frame(connection).set_index("Client ID")


def verified(workspace) -> pd.Series:
    """Each client's "USI Verified", by Client ID."""
    with workspace.begin() as connection:
        frame = clients_frame(connection)
        status = client_status(connection, frame)
    return status["USI Verified"].set_axis(frame["Client ID"])


def test_a_file_is_verified_record_by_record(processed):
    workspace, simulator = processed
    frame = the_clients(workspace).reset_index()
    frame.loc[frame["Client ID"] == OTHER_ISSUED, "Family Name"] = "Smyth"
    frame.loc[frame["Client ID"] == "S0000007", "Date of Birth"] = "31/02/2001"
    outcome = verify_frame(frame, simulator, org_code="DEMO1", today=TODAY)
    results = outcome.results.set_index("Client ID")
    assert results.loc[ISSUED, ["Outcome", "USI Status", "Not Matching"]].tolist() == [
        VERIFIED, "Valid", ""]  # fmt: skip
    assert results.loc[OTHER_ISSUED, "Outcome"] == NOT_VERIFIED
    assert results.loc[OTHER_ISSUED, "Not Matching"] == "Family Name"
    assert results.loc[OTHER_ISSUED, "Details"] == (
        "the USI is valid, but the family name does not match the registry's"
    )
    assert results.loc[HAD_USI, "Details"] == "the registry does not know this USI (Invalid)"
    assert results.loc["S0000007", "Details"].startswith("not sent: Date of Birth")
    assert results.loc[NO_USI, ["Outcome", "Details"]].tolist() == [NOT_CHECKED, "no USI to verify"]
    assert results.loc["S0000006", "Details"] == "an exemption code, not a USI"
    assert not results["Date of Birth"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()  # masked
    assert outcome.summary_line() == "38 records: 25 verified, 3 not, 10 without a USI to verify"
    assert not outcome.all_verified
    assert the_clients(workspace).loc[OTHER_ISSUED, "Family Name"] != "Smyth"  # nothing kept


def test_a_file_without_a_usi_column_cannot_be_verified(processed):
    workspace, simulator = processed
    frame = the_clients(workspace).reset_index().drop(columns=["USI"])
    with pytest.raises(InputError, match=r"cannot be verified: .*USI"):
        verify_frame(frame, simulator, org_code="DEMO1")


def test_records_go_in_requests_of_the_schemas_size_and_one_alone(processed, monkeypatch):
    workspace, simulator = processed
    counting = Counting(simulator)
    monkeypatch.setattr(verify, "MAX_VERIFICATIONS", 10)
    outcome = verify_frame(the_clients(workspace).reset_index(), counting, org_code="DEMO1")
    assert counting.calls == [("BulkVerifyUSI", 10), ("BulkVerifyUSI", 10), ("BulkVerifyUSI", 8)]
    assert outcome.count(VERIFIED) == 27
    counting.calls.clear()
    one = the_clients(workspace).reset_index()
    verify_frame(one[one["Client ID"] == ISSUED], counting, org_code="DEMO1")
    assert counting.calls == [("VerifyUSI", 1)]


def test_results_are_written_green_and_red(processed, tmp_path):
    workspace, simulator = processed
    outcome = verify_frame(the_clients(workspace).reset_index(), simulator, org_code="DEMO1")
    sheet = load_workbook(write_results(outcome, tmp_path / "r.xlsx"))["Verification"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Outcome")
    fills = {row[column].value: row[column].fill.fgColor.rgb for row in sheet.iter_rows(min_row=2)}
    assert fills[VERIFIED] != fills[NOT_VERIFIED]
    csv = pd.read_csv(write_results(outcome, tmp_path / "r.csv"), dtype=str, keep_default_na=False)
    assert list(csv.columns) == verify.RESULT_COLUMNS
    with pytest.raises(InputError, match=r"must end in \.csv or \.xlsx"):
        write_results(outcome, tmp_path / "r.txt")


def test_verifying_clients_keeps_their_status_until_the_details_change(processed, tmp_path):
    workspace, simulator = processed
    outcome = verify_clients(workspace, simulator, all_unverified=True, org_code="DEMO1")
    assert outcome.summary_line() == "28 records: 27 verified, 1 not"
    status = verified(workspace)
    assert status[ISSUED] == "only by the offline simulator (not the USI Registry)"
    assert status[HAD_USI] == "no" and status[NO_USI] == ""
    again = verify_clients(workspace, simulator, all_unverified=True, org_code="DEMO1")
    assert again.results["Client ID"].tolist() == [HAD_USI]  # the verified ones stay verified
    assert audit_records(workspace)["Action"].tolist()[-2:] == ["usi verify", "usi verify"]
    # An edit of the names clears it; an edit of another detail does not.
    batches.edit_client(workspace, ISSUED, {"Email": "new@example.com"})
    assert verified(workspace)[ISSUED].startswith("only by")
    batches.edit_client(workspace, ISSUED, {"First Name": "Arjuna"})
    assert verified(workspace)[ISSUED] == ""
    # An import changing the date of birth clears it.
    changed = the_clients(workspace).reset_index()
    changed = changed[changed["Client ID"] == OTHER_ISSUED].copy()
    changed["Date of Birth"] = "01/01/2001"
    import_clients(workspace, changed, today=TODAY)
    assert verified(workspace)[OTHER_ISSUED] == ""
    # Verified again: it holds for the new details.
    verify_clients(workspace, simulator, [OTHER_ISSUED], org_code="DEMO1")
    assert verified(workspace)[OTHER_ISSUED] == "no"  # the registry has the old birthday


def test_a_usi_written_by_a_batch_clears_the_status(processed, tmp_path):
    workspace, simulator = processed
    verify_clients(workspace, simulator, [ISSUED], org_code="DEMO1")
    assert verified(workspace)[ISSUED].startswith("only by the offline simulator")
    # The USI Registry (a second simulator with people of its own) issues the real USI.
    live = LiveBatches(OfflineRegistry(open_workspace(str(tmp_path / "live.db")),
                                       delay=dt.timedelta(0)))  # fmt: skip
    batches.add_to_batch(workspace, [ISSUED], registry=live)
    batches.submit_batch(workspace, live, org_code="DEMO1", user_reference="t", today=TODAY)
    before = the_clients(workspace).loc[ISSUED, "USI"]
    batches.retrieve_batch(workspace, live, 2, org_code="DEMO1")
    assert the_clients(workspace).loc[ISSUED, "USI"] != before
    assert verified(workspace)[ISSUED] == ""  # the USI changed: the old verdict is gone


class LiveBatches(Counting):
    """The simulator standing for the USI Registry itself, for batches."""

    def __init__(self, inner):
        super().__init__(inner, name=LIVE_NAME)

    def bulk_upload(self, *args):
        return self.inner.bulk_upload(*args)

    def bulk_upload_retrieve(self, *args):
        return self.inner.bulk_upload_retrieve(*args)


def test_for_the_usi_registry_a_simulated_usi_is_never_verified(processed):
    workspace, simulator = processed
    verify_clients(workspace, simulator, all_unverified=True, org_code="DEMO1")
    live = Counting(simulator, name=LIVE_NAME)
    outcome = verify_clients(workspace, live, all_unverified=True, org_code="DEMO1")
    results = outcome.results.set_index("Client ID")
    assert len(results) == 28  # verified by the simulator only: not verified for the registry
    assert results.loc[ISSUED, "Outcome"] == NOT_VERIFIED
    assert results.loc[ISSUED, "Details"] == (
        "not sent: the USI came from the offline simulator (not the USI Registry): it is not a "
        "real USI")  # fmt: skip
    assert live.calls == [("VerifyUSI", 1)]  # only the imported USI was sent
    assert verified(workspace)[ISSUED].startswith("only by the offline simulator")


def test_the_client_export_shows_the_status(processed, tmp_path):
    workspace, simulator = processed
    verify_clients(workspace, simulator, [ISSUED, HAD_USI], org_code="DEMO1")
    path = export_clients(workspace, tmp_path / "c.csv")
    exported = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    exported = exported.set_index("Client ID")
    assert exported.columns[-1] == "USI Source"
    assert exported.loc[HAD_USI, ["USI Verified", "Verification"]].tolist() == [
        "no", "the registry does not know this USI (Invalid)"]  # fmt: skip
    assert exported.loc[ISSUED, "Verified By"] == "offline simulator (not the USI Registry)"
    assert exported.loc[ISSUED, "Verified On"].count("/") == 2


def test_clients_to_verify_must_exist(processed):
    workspace, simulator = processed
    with pytest.raises(InputError, match="no client with Client ID S9"):
        verify_clients(workspace, simulator, ["S9"], org_code="DEMO1")
    with pytest.raises(InputError, match="name the clients"):
        verify_clients(workspace, simulator, org_code="DEMO1")


def test_the_file_as_read_from_disk(processed, tmp_path):
    workspace, simulator = processed
    path = export_clients(workspace, tmp_path / "c.xlsx", show_sensitive=True)
    outcome = verify_frame(read_table(path), simulator, org_code="DEMO1")
    assert outcome.count(VERIFIED) == 27 and outcome.results.index[0] == 2  # spreadsheet rows


def test_a_masked_export_is_refused_saying_which_file_to_use(processed, tmp_path):
    workspace, simulator = processed
    path = export_clients(workspace, tmp_path / "c.xlsx")  # dates of birth masked
    with pytest.raises(InputError, match=r"38 rows have their dates of birth masked \(row 2") as e:
        verify_frame(read_table(path), simulator, org_code="DEMO1")
    assert "the original file" in e.value.next_step.plain
