"""The screens offer only what the officer's roles allow, and say which role is missing.

Roles are granted on a copy of the demo workspace (SQLite records them) to the user running
the tests, as `usikit roles grant` does; a workspace where no role was ever granted lets its
one officer do everything.
"""

from __future__ import annotations

import getpass

import psycopg
import pytest

from tests import postgres
from tests.ui_helpers import uploaded
from usikit.io import read_table
from usikit.regcert.matching import import_file
from usikit.store import grants
from usikit.store.roles import Role
from usikit.ui import (
    AuditScreen,
    BatchScreen,
    RegcertExportScreen,
    RegcertImportScreen,
    RegcertLearnersScreen,
    ResultsScreen,
    StartScreen,
)
from usikit.ui.permissions import buttons_of, grid_of, needs_note, part
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

SCREENS = {
    "RegcertLearnersScreen": RegcertLearnersScreen,
    "BatchScreen": BatchScreen,
    "ResultsScreen": ResultsScreen,
    "RegcertImportScreen": RegcertImportScreen,
    "RegcertExportScreen": RegcertExportScreen,
}
BULK, REGISTER, BATCHES, EXPORT = "bulk_upload", "manage_regcert", "usi_batches", "data_export"
OWNER, OFFICER = "records_admin", "ui_officer"


@pytest.fixture
def folder(demo_folder):
    """The demo workspace with the first sample imported into the register."""
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    first = read_table(demo_folder / "regcert_import_first.csv", sep=",")
    import_file(workspace, first, apply=True)
    workspace.close()
    return demo_folder


def holding(folder, *held: str):
    """Grant the test's user exactly these roles (none: another user gets one)."""
    workspace = open_workspace(str(folder / "usikit.db"))
    grants.grant(workspace, "someone_else", BULK)  # roles are now in force for everyone
    for role in held:
        grants.grant(workspace, getpass.getuser(), role)
    workspace.close()
    return folder / "usikit.db"


@pytest.fixture
def opened():
    made = []

    def open_screen(kind, *args, **kwargs):
        screen = kind(*args, **kwargs)
        made.append(screen)
        return screen

    yield open_screen
    for screen in made:
        screen.close()


def refused_with(screen, path: str, *missing: str) -> bool:
    control = part(screen, path)
    return control.disabled and control.tooltip == needs_note(missing)


def not_refused(screen, path: str) -> bool:
    return not (part(screen, path).tooltip or "").startswith("Needs the")


def test_the_table_names_real_controls_and_roles(folder, opened):
    for name, kind in SCREENS.items():
        screen = opened(kind, folder / "usikit.db")
        for path, needed in buttons_of(screen).items():
            assert hasattr(part(screen, path), "disabled"), f"{name}.{path}"
            assert set(needed) <= set(Role)
        if grid_of(kind) is not None:
            assert hasattr(screen.grid, "widget")


def test_with_every_role_nothing_is_disabled_for_roles(folder, opened):
    path = holding(folder, *Role)
    batch = opened(BatchScreen, path)
    assert not batch.load.disabled and not batch.add_all.disabled
    assert all(not_refused(batch, p) for p in buttons_of(batch))
    assert batch.roles_note.value == "" and batch.message.text == ""
    assert "No open batch yet" in batch.summary.value
    results = opened(ResultsScreen, path)
    assert not results.export_clients.disabled and not results.reload.disabled
    assert results.roles_note.value == ""
    importer = opened(RegcertImportScreen, path)
    assert not importer.validate.disabled and not importer.files.upload.disabled
    exporter = opened(RegcertExportScreen, path)
    assert len(exporter.records) == 46 and exporter.grid.widget.children[0] is exporter.grid.grid
    exporter.select_all.click()
    assert not exporter.export.disabled


def test_a_workspace_without_roles_lets_its_one_officer_do_everything(folder, opened):
    batch = opened(BatchScreen, folder / "usikit.db")
    assert batch.roles_note.value == ""
    assert all(not_refused(batch, p) for p in buttons_of(batch))


def test_without_usi_batches_the_batch_screen_says_what_is_missing(folder, opened):
    batch = opened(BatchScreen, holding(folder, BULK, EXPORT))
    assert batch.message.text == ""  # no red message: nothing was tried and refused
    for path in ("add_chosen", "add_all", "edit_person", "edit_document", "remove", "submit"):
        assert refused_with(batch, path, BATCHES), path
    assert refused_with(batch, "load", BATCHES)  # it has bulk_upload, not usi_batches
    assert batch.load.tooltip == "Needs the usi_batches role; ask your administrator"
    [note] = batch.grid.widget.children
    assert "You cannot see the open batch: it needs the usi_batches role" in note.value
    assert "Your roles in this workspace: <b>bulk_upload</b>, <b>data_export</b>" in (
        batch.roles_note.value
    )
    assert "<i>Submit to the registry</i>" in batch.roles_note.value


def test_without_data_export_the_exports_stay_disabled_after_work(folder, opened):
    batch = opened(BatchScreen, holding(folder, BULK, BATCHES))
    batch.files.pick("clients_demo.xlsx")
    batch.load.click()
    assert "36 records: 30 valid, 6 with errors" in batch.summary.value  # loading worked
    assert refused_with(batch, "export", EXPORT)
    assert batch.export.tooltip == "Needs the data_export role; ask your administrator"
    batch.grid.select_rows(0)
    assert not batch.remove.disabled and not batch.edit_person.disabled
    batch.export.click()  # as if the browser let it through: the library still refuses
    assert batch.message.kind == "error"
    assert "you need the data_export role to export the batch grid" in batch.message.text
    assert not (folder / "exports").exists() or not list((folder / "exports").glob("batch-*"))


def test_the_import_screen_without_data_export(folder, opened):
    importer = opened(RegcertImportScreen, holding(folder, BULK, REGISTER))
    importer.files.upload.value = uploaded(folder / "regcert_import_errors.csv")
    importer.validate.click()
    assert "6 can be imported, 20 with errors" in importer.summary.value
    assert refused_with(importer, "export_errors", EXPORT)  # errors to export, but no role
    assert not importer.upload.disabled
    importer.export_errors.click()
    assert "you need the data_export role" in importer.message.text
    importer.upload.click()
    importer.confirm.yes.click()
    assert importer.results is not None
    assert refused_with(importer, "export_results", EXPORT)


def test_the_import_screen_without_bulk_upload(folder, opened):
    importer = opened(RegcertImportScreen, holding(folder, EXPORT, REGISTER))
    assert refused_with(importer, "validate", BULK)
    assert refused_with(importer, "files.upload", BULK)
    assert "Needs the bulk_upload role: <i>Upload a CSV (at most 2 MB)</i>, <i>Validate</i>" in (
        importer.roles_note.value
    )


def test_the_import_screen_without_manage_regcert(folder, opened):
    """Checking a file reads the register, and uploading changes it: both need
    manage_regcert, as the library says (bulk_upload alone imports nothing)."""
    importer = opened(RegcertImportScreen, holding(folder, BULK, EXPORT))
    for path in ("validate", "files.upload"):
        assert refused_with(importer, path, REGISTER), path
    assert (
        "Needs the manage_regcert role: <i>Upload a CSV (at most 2 MB)</i>, <i>Validate</i>, "
        "<i>Upload accepted records</i>"
    ) in importer.roles_note.value
    importer.files.upload.value = uploaded(folder / "regcert_import_errors.csv")
    importer.validate.click()  # as if the browser let it through: the library still refuses
    assert importer.report is None and importer.message.kind == "error"
    assert "you need the manage_regcert role to check a Registration" in importer.message.text


def test_the_export_screen_with_data_export_alone_exports_nothing(folder, opened):
    exporter = opened(RegcertExportScreen, holding(folder, EXPORT))
    assert refused_with(exporter, "export", REGISTER)
    assert exporter.export.tooltip == "Needs the manage_regcert role; ask your administrator"


def test_the_register_grid_needs_manage_regcert(folder, opened):
    exporter = opened(RegcertExportScreen, holding(folder, EXPORT))
    assert exporter.message.text == "" and exporter.records.empty
    [note] = exporter.grid.widget.children
    assert (
        "You cannot see the Registration &amp; Certification register: it needs the "
        "manage_regcert role"
    ) in note.value
    assert "ask your administrator" in note.value.lower()
    assert refused_with(exporter, "reload", REGISTER)
    assert exporter.export.disabled and not exporter.chart.bars
    exporter.status.value = "Registered"  # the filters read nothing either
    assert exporter.records.empty and exporter.message.text == ""


def test_viewing_the_register_without_data_export(folder, opened):
    exporter = opened(RegcertExportScreen, holding(folder, REGISTER))
    assert len(exporter.records) == 46
    exporter.grid.select_rows(0)
    assert not exporter.edit.disabled  # correcting a record needs manage_regcert alone
    exporter.select_all.click()
    assert "46 records selected" in exporter.banner.value
    assert refused_with(exporter, "export", EXPORT)  # chosen records, but no export role
    exporter.export.click()
    assert "you need the data_export role to export the register" in exporter.message.text


def test_the_results_screen_without_usi_batches(folder, opened):
    results = opened(ResultsScreen, holding(folder, EXPORT))
    assert results.message.text == "" and results.batches.options == ()
    assert refused_with(results, "download", BATCHES) and refused_with(results, "reload", BATCHES)
    assert not results.export_clients.disabled  # exporting the clients needs data_export only
    assert "You cannot see the batches and their results" in (results.grid.widget.children[0].value)
    results.export_clients.click()
    assert results.message.kind == "success" and results.downloads.paths


def test_nothing_but_manage_regcert(folder, opened):
    path = holding(folder, REGISTER)
    batch = opened(BatchScreen, path)
    assert refused_with(batch, "load", BULK, BATCHES)
    assert batch.load.tooltip == (
        "Needs the bulk_upload and usi_batches roles; ask your administrator"
    )
    assert refused_with(batch, "export", EXPORT)


def test_the_start_screen_names_the_roles_held_and_missing(folder, opened):
    start = opened(StartScreen, holding(folder, BULK, EXPORT))
    assert "Your roles in this workspace: <b>bulk_upload</b>, <b>data_export</b>" in (
        start.roles.value
    )
    assert "<b>usi_batches</b>: build, submit and retrieve USI batches" in start.roles.value
    assert "needs usi_batches, which you do not hold" in start.notes[BatchScreen].value
    assert "needs manage_regcert" in start.notes[RegcertLearnersScreen].value
    assert "needs audit, which you do not hold" in start.notes[AuditScreen].value


def test_the_learners_screen_needs_both_import_roles_to_load(folder, opened):
    learners = opened(RegcertLearnersScreen, holding(folder, BULK, EXPORT))
    learners.files.upload.value = uploaded(folder / "regcert_register.xlsx")
    learners.check.click()  # checking a file reads nothing: no role needed
    assert "482 rows: 482 can be loaded" in learners.summary.value
    assert refused_with(learners, "load", REGISTER)
    learners._ask_load()
    learners.confirm.yes.click()  # as if the browser let it through: the library refuses
    assert "you need the manage_regcert role" in learners.message.text


def test_correcting_a_record_needs_manage_regcert(folder, opened):
    without = opened(RegcertExportScreen, holding(folder, EXPORT))
    assert refused_with(without, "edit", REGISTER)
    assert "<i>Correct the selected record</i>" in without.roles_note.value


@pytest.fixture
def officer_on_postgres(postgres_server, tmp_path, monkeypatch):
    """A shared PostgreSQL workspace, and the URL of an officer holding manage_regcert only."""
    monkeypatch.chdir(tmp_path)  # exports of a server workspace go next to the notebook
    url = postgres.create_database(postgres_server, owner=OWNER)
    owner = open_workspace(url)
    grants.setup(owner)
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        known = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OFFICER,))
        if known.fetchone() is None:
            connection.execute(f"CREATE ROLE {OFFICER} LOGIN")
        for role in Role:
            connection.execute(f"REVOKE usikit_{role} FROM {OFFICER}")
    grants.grant(owner, OFFICER, REGISTER)
    owner.close()
    return url.replace(f"{OWNER}@", f"{OFFICER}@")


def test_on_postgresql_the_roles_are_the_database_roles(officer_on_postgres, opened):
    start = opened(StartScreen, officer_on_postgres)
    assert start.permissions.held == {REGISTER}
    assert start.message.kind == "info" and "not counted here" in start.message.text
    exporter = opened(RegcertExportScreen, officer_on_postgres)
    assert exporter.message.text == "" and exporter.grid.widget.children[0] is exporter.grid.grid
    assert refused_with(exporter, "export", EXPORT)
    batch = opened(BatchScreen, officer_on_postgres)
    assert batch.message.text == "" and refused_with(batch, "load", BULK, BATCHES)
    assert "You cannot see the open batch" in batch.grid.widget.children[0].value
