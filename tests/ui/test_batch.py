"""The create-USI batch screen, driven as a person would: values set, buttons clicked."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import stat

import ipywidgets as widgets
import pytest
from openpyxl import load_workbook

from tests.batch_helpers import BAD_DATE, BAD_POSTCODE, DEMO, IN_ERROR, NO_CARD, Clock
from tests.ui_helpers import click_record, link_bytes, uploaded
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.samples import synthetic_clients
from usikit.errors import RegistryFault
from usikit.io import read_table
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


def test_the_grid_s_row_is_the_row_of_the_file_the_client_came_from(screen, demo_folder):
    file = read_table(demo_folder / DEMO_FILE)
    loaded(screen)
    frame = screen.grid.frame
    assert list(frame.columns[:2]) == ["Row", "Name"] and frame.index.name == "Client ID"
    for client_id in (BAD_POSTCODE, NO_CARD, frame.index[-1]):
        in_file = str(file.index[file["Client ID"] == client_id][0])  # the row Excel shows
        assert frame.loc[client_id, "Row"] == in_file
    assert frame.loc[BAD_POSTCODE, "Row"] == "9"  # not 7, its place in the batch
    assert "#" not in frame.columns and "key" not in frame.columns


def test_the_rows_outlast_the_screen_that_loaded_the_file(demo_folder):
    """The demo's clients were imported from its file before this screen opened: the grid
    still shows each one's row there (the workspace keeps it)."""
    file = read_table(demo_folder / DEMO_FILE)
    screen = BatchScreen(demo_folder / "usikit.db")
    screen.add_all.click()
    frame = screen.grid.frame
    assert len(frame) == 36
    in_file = str(file.index[file["Client ID"] == BAD_POSTCODE][0])
    assert frame.loc[BAD_POSTCODE, "Row"] == in_file
    screen.close()


def test_clients_made_in_code_have_no_row_to_show(tmp_path):
    """Clients imported from a frame that is no file have no row: no Row column at all."""
    workspace = open_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    frame = read_table(DEMO).reset_index(drop=True)
    frame.attrs.clear()
    import_clients(workspace, frame, include_invalid=True)
    workspace.close()
    screen = BatchScreen(tmp_path / "w.db")
    screen.add_all.click()
    assert "Row" not in screen.grid.frame.columns and len(screen.grid.frame) == 36
    screen.close()


def test_the_chart_names_the_checks_in_words(screen):
    loaded(screen)
    labels = [label for label, _, _ in screen.chart.bars]
    assert labels and not [label for label in labels if "_" in label]  # never a check id
    assert "Client ID: the same person twice" in labels  # not same_person
    assert "Document Type: no identity document" in labels  # not non_dvs


def test_the_client_template_is_offered_without_saving_a_file(screen, demo_folder):
    screen.template.click()
    content = link_bytes(screen.downloads.widget.value)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[:1] == ["Clients"] and "Data dictionary" in workbook.sheetnames
    header = [cell.value for cell in next(workbook["Clients"].iter_rows(max_row=1))]
    assert header[:3] == ["Client ID", "USI", "First Name"]
    assert 'download="usi_clients_template.xlsx"' in screen.downloads.widget.value
    assert not (demo_folder / "exports").exists()  # offered, not saved


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


def test_the_form_offers_drop_downs_and_highlights_the_field_in_error(screen):
    loaded(screen)
    click_record(screen.grid, BAD_POSTCODE)
    screen.edit_person.click()
    form = screen.form
    assert isinstance(form.boxes["Gender"], widgets.Dropdown)
    assert [value for _, value in form.boxes["Gender"].options] == ["", "M", "F", "X"]
    state = form.boxes["State"]
    assert isinstance(state, widgets.Dropdown) and state.value == "NT"
    country = form.boxes["Country of Birth"]
    assert isinstance(country, widgets.Dropdown) and country.value == "1101"
    assert country.label == "Australia"  # shown by name, kept as its code
    assert ("New Zealand", "1201") in country.options
    assert isinstance(form.boxes["Postcode"], widgets.Text)
    assert list(form.flagged) == ["Postcode"] and "is not 4 digits" in form.flagged["Postcode"]
    assert form.boxes["Postcode"].layout.border.startswith("2px solid")
    assert "usikit-field-flagged" in form.rows_by_name["Postcode"]._dom_classes
    assert "usikit-field-plain" in form.rows_by_name["Suburb/Town/City"]._dom_classes
    form.fill({"Country of Birth": "1201"})
    assert form.changes() == {"Country of Birth": "1201"}


def test_the_document_form_shows_only_the_fields_of_the_document_type(screen):
    loaded(screen)
    click_record(screen.grid, NO_CARD)  # a driver licence without its card number
    screen.edit_document.click()
    form = screen.form
    assert isinstance(form.boxes["Document Type"], widgets.Dropdown)
    assert form.boxes["Document Type"].value == "Driver Licence"
    assert form.shown_fields == [
        "Document Type", "Document Number", "Document State", "Document Card Number"
    ]  # fmt: skip
    assert isinstance(form.boxes["Document State"], widgets.Dropdown)
    assert list(form.flagged) == ["Document Card Number"]
    form.fill({"Document Type": "Medicare"})
    shown = set(form.shown_fields)
    assert {"Medicare IRN", "Medicare Card Colour", "Document Expiry"} <= shown
    assert "Document State" in shown  # not a Medicare field, but it holds a value: empty it
    assert "Date Printed" not in shown
    form.fill({"Document Type": "Driver Licence"})
    assert "Medicare IRN" not in form.shown_fields


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


def test_the_red_records_are_selected_and_shown_alone_so_all_are_in_view(screen):
    loaded(screen)
    screen.grid.go(3)  # the officer was looking at the last page
    screen.select_red.click()
    assert list(screen.grid.frame.index) == IN_ERROR == screen.grid.chosen
    assert screen.grid.page == 0 and screen.grid.pages == 1  # every one of them in view
    assert screen.show_all.layout.display != "none"
    assert "Showing the 6 records that were red when selected" in screen.summary.value
    click_record(screen.grid, BAD_POSTCODE)
    screen.edit_person.click()
    screen.form.fill({"Postcode": "0800"})
    screen.form.save.click()
    assert statuses(screen)[BAD_POSTCODE] == "ok" and len(screen.grid.frame) == 6  # still here
    screen.show_all.click()
    assert len(screen.grid.frame) == 36 and screen.show_all.layout.display == "none"


def test_removing_the_red_records_enables_submit(screen):
    loaded(screen)
    screen.select_red.click()
    assert len(screen.grid.chosen) == 6
    assert screen.grid.page == screen.grid.page_of(screen.grid.chosen[0])
    screen.remove.click()
    assert screen.show_all.layout.display == "none" and len(screen.grid.frame) == 30
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


def submitted(screen: BatchScreen) -> BatchScreen:
    """Submit (the red records removed first), answering yes to the question."""
    screen.submit.click()
    screen.confirm.yes.click()
    return screen


def test_submit_asks_first_and_nothing_is_sent_on_cancel(screen):
    loaded(screen)
    screen.select_red.click()
    screen.remove.click()
    screen.submit.click()
    assert screen.confirm.is_open
    assert screen.confirm.text.startswith(
        "Send batch 1 to the offline simulator (not the USI Registry"
    )
    assert "30 applications in 1 request?" in screen.confirm.text
    assert screen.confirm.yes.description == "Yes, send the batch"
    assert batches.list_batches(screen.workspace)["status"].tolist() == ["open"]  # not yet
    screen.confirm.no.click()
    assert not screen.confirm.is_open
    assert batches.list_batches(screen.workspace)["status"].tolist() == ["open"]


def test_submit_confirms_with_the_batch_id(screen):
    loaded(screen)
    screen.select_red.click()
    screen.remove.click()
    submitted(screen)
    assert screen.message.kind == "success"
    assert screen.message.text.startswith("Batch 1 submitted to the offline simulator")
    assert "30 applications in 1 request" in screen.message.text
    assert "on the USI results screen" in screen.next_step.value
    assert screen.open_results.layout.display == "none"  # alone, not in the app: no tab to open
    assert screen.progress.steps == ["Sending 30 applications in 1 request…", "Request sent"]
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
    submitted(screen)
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
    submitted(screen)
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
    assert "3,000 records" in screen.summary.value
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


def test_a_missing_workspace_is_named_and_made_only_by_loading_a_file(tmp_path, demo_folder):
    screen = BatchScreen(tmp_path / "usikit.db")
    assert screen.message.kind == "info"
    assert f"There is no workspace at {tmp_path / 'usikit.db'} yet" in screen.message.text
    assert "loading a client spreadsheet below starts it" in screen.message.text
    assert not (tmp_path / "usikit.db").exists()  # looking at the screen makes nothing
    assert not screen.load.disabled and screen.add_all.disabled
    screen.files.upload.value = uploaded(demo_folder / DEMO_FILE)
    screen.load.click()
    assert (tmp_path / "usikit.db").exists() and "36 records" in screen.summary.value
    assert "There is no workspace" not in screen.message.text
    screen.close()
