"""The Verify USIs screen, driven as an officer would: choose a spreadsheet or the unverified
clients, verify, read the green and red grid, export, find a student's USI and write it."""

from __future__ import annotations

import datetime as dt
import getpass

import pytest

from tests.batch_helpers import SAME_PERSON
from tests.ui_helpers import link_bytes, uploaded
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame, export_clients
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.store import grants
from usikit.store.roles import Role
from usikit.ui.permissions import needs_note
from usikit.ui.verify import VerifyScreen
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

KNOWN, RETURNING = SAME_PERSON


@pytest.fixture
def folder(demo_folder, monkeypatch):
    """The demo workspace: its valid records' USIs retrieved, one client's created alone, and
    an export of every client (unmasked) to verify as a spreadsheet."""
    monkeypatch.delenv("USIKIT_PERMISSION_RECORDED_ELSEWHERE", raising=False)
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    create_usi_now(workspace, simulator, KNOWN, org_code="DEMO1", user_reference="t",
                   permission_elsewhere=False)  # fmt: skip
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, [*batches.batch_view(workspace).in_error(), RETURNING])
    batches.submit_batch(workspace, simulator, org_code="DEMO1", user_reference="t")
    batches.retrieve_batch(workspace, simulator, 1, org_code="DEMO1")
    export_clients(workspace, demo_folder / "everyone.xlsx", show_sensitive=True)
    workspace.close()
    return demo_folder


@pytest.fixture
def screen(folder):
    made = VerifyScreen(folder / "usikit.db", delay=0)
    yield made
    made.close()


def test_it_says_where_it_goes_and_offers_a_tab(screen):
    assert "offline simulator (not the USI Registry" in screen.header.value
    assert (VerifyScreen.tab, VerifyScreen.notebook) == ("Verify USIs", "07_verify_usis.ipynb")
    assert VerifyScreen.what.startswith("verify students' USIs")
    assert screen.export.disabled and screen.write.disabled and not screen.verify.disabled
    assert screen.status_line() == "choose what to verify"


def test_a_spreadsheet_is_verified_green_and_red(screen):
    screen.files.pick("everyone.xlsx")
    screen.verify.click()
    assert screen.message.kind == "warning"
    assert screen.message.text.startswith("38 records: 27 verified, 1 not, 10 without a USI")
    grid = screen.grid.frame
    assert grid.loc["S0000002", ["Outcome", "Details"]].tolist() == [
        "not verified", "the registry does not know this USI (Invalid)"]  # fmt: skip
    assert grid.loc[KNOWN, "Outcome"] == "verified"
    assert grid.loc["S0000003", "Outcome"] == "not checked"
    assert screen.grid.grid.header_visibility == "all"  # the Client ID is shown, as a key
    assert {label for label, _, _ in screen.chart.bars} == {"verified", "not verified",
                                                            "not checked"}  # fmt: skip
    assert not grid["Date of Birth"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()
    assert not screen.export.disabled
    screen.export.click()
    assert screen.message.kind == "success" and screen.downloads.paths
    assert link_bytes(screen.downloads.widget.value)[:2] == b"PK"  # an XLSX workbook


def test_an_uploaded_spreadsheet_is_verified(screen, folder):
    screen.files.upload.value = uploaded(folder / "everyone.xlsx")
    screen.verify.click()
    assert screen.outcome is not None and screen.outcome.count("verified") == 27


def test_the_unverified_clients_are_verified_and_then_stay_so(screen, folder):
    screen.source.value = "clients"
    assert screen.files.widget.layout.display == "none"
    screen.verify.click()
    assert screen.message.text.startswith("28 records: 27 verified, 1 not")
    screen.verify.click()  # only the one not verified is asked again
    assert screen.grid.frame.index.tolist() == ["S0000002"]
    workspace = open_workspace(str(folder / "usikit.db"))
    batches.edit_client(workspace, KNOWN, {"Family Name": "Smyth"})
    workspace.close()
    screen.verify.click()
    assert screen.grid.frame.loc[KNOWN, "Details"] == (
        "the USI is valid, but the family name does not match the registry's"
    )


def test_a_students_usi_is_found_and_written_when_confirmed(screen, folder):
    workspace = open_workspace(str(folder / "usikit.db"))
    with workspace.begin() as connection:
        known = clients_frame(connection).set_index("Client ID").loc[KNOWN, "USI"]
    batches.edit_client(workspace, KNOWN, {"USI": ""})  # the USI lost from the record
    workspace.close()
    screen.client_id.value = KNOWN
    screen.find.click()
    assert "found: one student matches" in screen.found.value and known in screen.found.value
    assert not screen.write.disabled
    screen.write.click()
    assert screen.message.text == f"Wrote the USI {known} to client {KNOWN}'s record"
    assert "the client already holds it" in screen.found.value and screen.write.disabled
    screen.client_id.value = "S0000003"
    screen.find.click()
    assert "not found: no student matches" in screen.found.value and screen.write.disabled


def test_a_usi_another_client_holds_is_not_offered_for_writing(screen):
    screen.client_id.value = RETURNING
    screen.find.click()
    assert f"client {KNOWN} holds it: the same student twice?" in screen.found.value
    assert screen.write.disabled
    screen.write.click()  # as if the browser let it through: the library still refuses
    assert screen.message.kind == "error"
    assert f"already belongs to client {KNOWN}" in screen.message.text


def test_a_problem_is_a_red_line(screen):
    screen.verify.click()  # no file chosen
    assert screen.message.kind == "error" and "choose a file first" in screen.message.text
    screen.find.click()  # no client typed
    assert screen.message.kind == "warning" and "type the client's Client ID" in screen.message.text


def test_without_usi_batches_only_the_export_is_offered(folder):
    workspace = open_workspace(str(folder / "usikit.db"))
    grants.grant(workspace, "someone_else", Role.BULK_UPLOAD)
    grants.grant(workspace, getpass.getuser(), Role.DATA_EXPORT)
    workspace.close()
    screen = VerifyScreen(folder / "usikit.db", delay=0)
    try:
        for control in (screen.verify, screen.find, screen.write):
            assert control.disabled and control.tooltip == needs_note([Role.USI_BATCHES])
        assert "Needs the usi_batches role" in screen.roles_note.value
    finally:
        screen.close()
