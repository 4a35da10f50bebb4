"""The create-USI batch screen, driven as a person would: values set, buttons clicked."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat

import pytest
from openpyxl import load_workbook

from tests.batch_helpers import BAD_DATE, BAD_POSTCODE, NO_CARD, Clock
from tests.ui_helpers import click_record, link_bytes, uploaded
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.samples import synthetic_clients
from usikit.errors import RegistryFault
from usikit.store.audit import audit_records
from usikit.ui import BatchScreen
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

DEMO_FILE = "clients_demo.xlsx"


@pytest.fixture
def screen(demo_folder):
    made = BatchScreen(demo_folder / "usikit.db", page_size=10)
    yield made
    made.close()


def loaded(screen: BatchScreen) -> BatchScreen:
    screen.files.pick(DEMO_FILE)
    screen.load.click()
    return screen


def statuses(screen: BatchScreen) -> dict[str, str]:
    return screen.grid.frame["Status"].to_dict()


def test_it_names_the_workspace_and_says_the_registry_is_a_simulator(screen, demo_folder):
    assert str(demo_folder / "usikit.db") in screen.header.value
    assert "offline simulator (not the USI Registry" in screen.header.value
    assert "No open batch yet" in screen.summary.value
    assert screen.submit.disabled
    assert DEMO_FILE in [value for _, value in screen.files.path.options]


def test_loading_the_demo_file_shows_red_and_green_records(screen):
    loaded(screen)
    assert screen.message.kind == "warning"  # two rows not imported, two clients refused
    assert "Batch 1: 36 clients added, 2 refused" in screen.message.text
    assert "appears more than once" in screen.message.text
    assert "36 records: 30 valid, 6 with errors" in screen.summary.value
    assert set(statuses(screen).values()) == {"ok", "error"}
    assert statuses(screen)[BAD_POSTCODE] == "error"
    assert screen.grid.grid.default_renderer.background_color.value.count("#f8d7da") == 1
    assert screen.grid.pages == 4 and len(screen.grid.page_frame()) == 10  # a page at a time
    assert ("Postcode: not a 4-digit postcode", 1, "#dc3545") in screen.chart.bars
    assert screen.progress.steps[0].startswith("Reading clients_demo.xlsx")
    assert not screen.progress.running
    assert screen.submit.disabled and "6 records are red" in screen.submit.tooltip


def test_dates_of_birth_stay_masked_in_the_grid(screen):
    loaded(screen)
    assert screen.grid.frame["Date of Birth"].str.startswith("**/**/**").all()


def test_selecting_a_red_record_shows_its_errors_in_words(screen):
    loaded(screen)
    click_record(screen.grid, BAD_POSTCODE)
    assert screen.grid.chosen == [BAD_POSTCODE]
    assert "is not 4 digits" in screen.details.value
    assert "1 record selected" in screen.chosen_count.value
    assert not screen.edit_person.disabled and not screen.remove.disabled


def test_editing_in_the_form_checks_the_record_again(screen):
    loaded(screen)
    click_record(screen.grid, BAD_POSTCODE)
    screen.edit_person.click()
    assert screen.form.is_open and screen.form.boxes["Postcode"].value == "800"
    born = screen.form.boxes["Date of Birth"]
    assert born.value == "" and born.placeholder.startswith("**/**/**")  # never shown
    screen.form.fill({"Postcode": "0800"})
    screen.form.save.click()
    assert screen.message.kind == "success"
    assert f"{BAD_POSTCODE}: saved; the record is now ok" in screen.message.text
    assert statuses(screen)[BAD_POSTCODE] == "ok"
    assert "5 with errors" in screen.summary.value
    assert not screen.form.is_open


def test_editing_the_identity_document(screen):
    loaded(screen)
    click_record(screen.grid, NO_CARD)
    screen.edit_document.click()
    assert next(iter(screen.form.boxes)) == "Document Type"
    assert "Postcode" not in screen.form.boxes
    screen.form.fill({"Document Card Number": "P7654321"})
    screen.form.save.click()
    assert statuses(screen)[NO_CARD] == "ok"


def test_a_save_that_leaves_errors_says_which(screen):
    loaded(screen)
    click_record(screen.grid, BAD_DATE)
    screen.edit_person.click()
    screen.form.fill({"Date of Birth": "31/02/1990"})
    screen.form.save.click()
    assert screen.message.kind == "warning"
    assert "still has errors" in screen.message.text and "not a real date" in screen.message.text
    assert "31/02/1990" not in screen.message.text  # masked in messages too


def test_saving_an_unchanged_form_changes_nothing(screen):
    loaded(screen)
    click_record(screen.grid, BAD_POSTCODE)
    screen.edit_person.click()
    screen.form.save.click()
    assert screen.message.text == f"{BAD_POSTCODE}: nothing was changed"


def test_removing_the_red_records_enables_submit(screen):
    loaded(screen)
    screen.select_red.click()
    assert len(screen.grid.chosen) == 6
    assert screen.grid.page == screen.grid.page_of(screen.grid.chosen[0])
    screen.remove.click()
    assert "6 records removed" in screen.message.text
    assert "30 records: 30 valid, 0 with errors" in screen.summary.value
    assert screen.grid.chosen == [] and screen.select_red.disabled
    assert not screen.submit.disabled


def test_export_writes_the_grid_and_offers_a_link(screen, demo_folder):
    loaded(screen)
    screen.export.click()
    xlsx = screen.downloads.paths[-1]
    assert xlsx.parent == demo_folder / "exports" and xlsx.suffix == ".xlsx"
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600
    assert load_workbook(xlsx).sheetnames == ["Records", "Errors", "Summary"]
    assert 'href="data:application/vnd.openxmlformats' in screen.downloads.widget.value
    screen.export_format.value = ".csv"
    screen.export.click()
    csv = screen.downloads.paths[-1]
    assert csv.suffix == ".csv" and csv.read_bytes() == link_bytes(screen.downloads.widget.value)
    assert "Client ID" in csv.read_text(encoding="utf-8-sig").splitlines()[0]


def test_submit_confirms_with_the_batch_id(screen):
    loaded(screen)
    screen.select_red.click()
    screen.remove.click()
    screen.submit.click()
    assert screen.message.kind == "success"
    assert screen.message.text.startswith("Batch 1 submitted to the offline simulator")
    assert "30 applications in 1 request" in screen.message.text
    assert "02_retrieve_usi_results.ipynb" in screen.next_step.value
    assert screen.progress.steps == ["Sending 30 applications in 1 request(s)…", "Request sent"]
    assert "No open batch yet" in screen.summary.value and screen.submit.disabled
    assert batches.list_batches(screen.workspace)["status"].tolist() == ["submitted"]


class Unreachable:
    """A registry that cannot be reached, as a SOAP client reports it after its retries."""

    name, label = "SOAP endpoint", "SOAP endpoint at http://127.0.0.1:9 (not the USI Registry)"

    def bulk_upload(self, org_code, request_id, applications):
        raise RegistryFault(1001, "Service Unavailable", "could not reach it", transient=True)


def test_an_unreachable_registry_is_a_message_to_try_later_not_a_bug(screen):
    loaded(screen)
    screen.select_red.click()
    screen.remove.click()
    screen.registry = Unreachable()
    screen.submit.click()
    assert screen.message.kind == "error"
    assert "Service Unavailable [1001]" in screen.message.text
    assert screen.message.text.endswith("nothing was half-done: try again in a few minutes")
    assert "bug" not in screen.message.text and "usikit " not in screen.message.text
    assert not screen.progress.running
    assert batches.list_batches(screen.workspace)["status"].tolist() == ["submitting"]


def test_a_submitted_batch_can_be_retrieved_with_the_simulator(screen):
    clock = Clock()
    screen.registry = OfflineRegistry(screen.workspace, delay=dt.timedelta(seconds=5), clock=clock)
    loaded(screen)
    screen.select_red.click()
    screen.remove.click()
    screen.submit.click()
    clock.advance(6)
    outcome = batches.retrieve_batch(screen.workspace, screen.registry, 1, org_code="DEMO1")
    assert outcome.processed and outcome.usis_written == 27  # not S0000040's


def test_uploading_a_spreadsheet_works_like_picking_it(screen, demo_folder):
    screen.files.upload.value = uploaded(demo_folder / DEMO_FILE, "my clients.xlsx")
    assert screen.files.path.value == "" and screen.files.chosen == "my clients.xlsx"
    screen.load.click()
    assert "my clients.xlsx: 40 records" in screen.message.text
    assert "36 records" in screen.summary.value
    assert screen.files.upload.value == ()
    trail = audit_records(screen.workspace)  # the upload is gone; its fingerprint is kept
    digest = hashlib.sha256((demo_folder / DEMO_FILE).read_bytes()).hexdigest()
    assert trail[["Action", "File", "SHA-256"]].values.tolist()[-1] == [
        "clients import", "my clients.xlsx", digest
    ]  # fmt: skip


def test_an_unusable_upload_is_a_red_message_naming_the_file(screen, tmp_path):
    photo = tmp_path / "photo.csv"
    photo.write_bytes(b"\x00\x01\x02binary")
    screen.files.upload.value = uploaded(photo)
    screen.load.click()
    assert screen.message.kind == "error"
    assert screen.message.text.startswith("photo.csv: ")  # the name the officer knows
    assert "usikit-upload" not in screen.message.text  # not the private copy's folder


def test_load_without_a_file_says_what_to_do(screen):
    screen.load.click()
    assert screen.message.kind == "error" and "choose a file first" in screen.message.text


def test_choosing_clients_from_the_workspace(screen):
    assert len(screen.clients.options) == 38
    screen.search.value = "s000000"
    assert [value for _, value in screen.clients.options] == [f"S000000{i}" for i in range(2, 10)]
    screen.clients.value = ("S0000002", "S0000003")
    screen.add_chosen.click()
    assert "1 client added, 1 refused" in screen.message.text
    assert "already has the USI" in screen.message.text
    assert list(screen.grid.frame.index) == ["S0000003"]
    screen.add_all.click()
    assert "35 clients added" in screen.message.text
    assert "36 records" in screen.summary.value


def test_a_bad_setting_is_shown_not_raised(demo_folder, monkeypatch):
    monkeypatch.setenv("USIKIT_OFFLINE_DELAY", "soon")
    screen = BatchScreen(demo_folder / "usikit.db")
    assert screen.message.kind == "error"
    assert "USIKIT_OFFLINE_DELAY must be a number of seconds" in screen.message.text
    assert screen.load.disabled and screen.submit.disabled


def test_the_workspace_comes_from_the_environment(demo_folder, monkeypatch):
    monkeypatch.setenv("USIKIT_WORKSPACE", str(demo_folder / "usikit.db"))
    screen = BatchScreen()
    assert str(demo_folder / "usikit.db") in screen.header.value
    assert len(screen.clients.options) == 38
    screen.close()


def test_a_bug_is_one_red_line_without_debug(screen, monkeypatch):
    monkeypatch.delenv("USIKIT_DEBUG")

    def broken(*_args, **_kwargs):
        raise KeyError("oops")

    monkeypatch.setattr("usikit.ui.batch.add_to_batch", broken)
    screen.add_all.click()
    assert screen.message.kind == "error"
    assert screen.message.text.startswith("usikit hit an unexpected problem (KeyError)")


def test_the_notebook_output_says_what_the_screen_shows(screen):
    loaded(screen)
    bundle = screen._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == (
        "Create USIs: the batch: batch 1: 36 records: 30 valid, 6 with errors"
    )


def test_thousands_of_records_are_shown_a_page_at_a_time(tmp_path):
    workspace = open_workspace(str(tmp_path / "usikit.db"))
    import_clients(workspace, synthetic_clients(3_000, seed=7).astype("str"))
    batches.add_to_batch(workspace, all_without_usi=True)
    workspace.close()
    screen = BatchScreen(tmp_path / "usikit.db")
    assert "3000 records" in screen.summary.value
    assert screen.grid.pages == 15 and len(screen.grid.grid.get_visible_data()) == 200
    screen.grid.next.click()
    assert screen.grid.page_frame().index[0] == screen.grid.frame.index[200]
    screen.close()


def test_submit_or_export_of_an_empty_batch_says_so_plainly(screen):
    screen._submit()  # as a double click on a button being disabled would
    assert screen.message.kind == "warning" and "nothing to submit" in screen.message.text
    screen._export()
    assert screen.message.kind == "warning" and "the batch is empty" in screen.message.text
    assert screen.downloads.paths == []


def test_removing_the_record_being_edited_closes_its_form(screen):
    loaded(screen)
    click_record(screen.grid, BAD_POSTCODE)
    screen.edit_person.click()
    assert screen.form.is_open
    screen.remove.click()
    assert not screen.form.is_open


def test_a_workspace_made_because_none_was_there_is_announced(tmp_path):
    screen = BatchScreen(tmp_path / "mistyped.db")
    assert screen.message.kind == "warning"
    assert f"There was no workspace at {tmp_path / 'mistyped.db'}" in screen.message.text
    screen.close()
    again = BatchScreen(tmp_path / "mistyped.db")
    assert again.message.text == ""  # it is there now
    again.close()
