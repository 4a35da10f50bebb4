"""Every gated library function and the role it needs, refused on SQLite and on PostgreSQL.

One table lists each function that checks a role (`usikit.store.access.acting`) with each
role it needs; a function needing two roles has a line for each. Every line is run twice:
on SQLite, where roles are recorded in the workspace (advisory) and the officer holds the
other roles; and on a real PostgreSQL server, as a database user holding the other
roles, where the database itself refuses. Either way the refusal is a
`PermissionRefused` naming the missing role, and nothing is written. The screens' table of
buttons (`usikit.ui.permissions.BUTTONS`) is held to the same table.
"""

from __future__ import annotations

import ast
import functools
import getpass
import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests import postgres
from tests.batch_helpers import DEMO, TODAY
from usikit import read_table
from usikit.bulk_usi import (
    batches,
    client_status,
    clients,
    create_now,
    locate,
    reference_lists,
    verify,
)
from usikit.bulk_usi.batches import membership, results, retrieve, submit, view
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.cli.wording import CLI_WORDING
from usikit.errors import PermissionRefused
from usikit.outcomes import message
from usikit.regcert import edit as regcert_edit
from usikit.regcert import export as regcert_export
from usikit.regcert import matching, register
from usikit.regcert.import_rules import validate_regcert
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.tables import REGISTER_TABLES
from usikit.store import access, audit, grants
from usikit.store import exports as error_reports
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
from usikit.ui.permissions import buttons_of
from usikit.ui.verify import VerifyScreen
from usikit.ui.wording import SCREEN_WORDING
from usikit.workspace import open_workspace

SAMPLES = DEMO.parent
BULK, REGISTER, BATCHES, EXPORT = "bulk_upload", "manage_regcert", "usi_batches", "data_export"
AUDIT = "audit"
OWNER = "records_admin"
GATED_MODULES: tuple[ModuleType, ...] = (
    clients, membership, view, submit, retrieve, results, error_reports, register, matching,
    regcert_export, regcert_edit, audit, verify, locate, create_now, reference_lists,
    client_status,
)  # fmt: skip
GATES = {"acting", "audited_export"}  # the calls that check a role


@functools.cache
def client_file():
    return read_table(DEMO)


@functools.cache
def import_file_frame():
    return read_table(SAMPLES / "regcert_import_first.csv", sep=",")


@functools.cache
def learners_report():
    return validate_learners(read_table(SAMPLES / "regcert_register.xlsx"))


def registry(workspace):
    return OfflineRegistry(workspace)


Call = Callable[[object, Path], object]
# (function, role it needs, a call of it): every role of every gated function.
GATED: list[tuple[str, str, Call]] = [
    ("import_clients", BULK, lambda w, out: clients.import_clients(w, client_file(), today=TODAY)),
    ("export_clients", EXPORT, lambda w, out: clients.export_clients(w, out / "clients.csv")),
    ("add_to_batch", BATCHES, lambda w, out: batches.add_to_batch(w, ["S0000001"])),
    ("remove_from_batch", BATCHES, lambda w, out: batches.remove_from_batch(w, ["S0000001"])),
    ("edit_client", BATCHES,
     lambda w, out: batches.edit_client(w, "S0000001", {"First Name": "Ann"}, today=TODAY)),
    ("batch_view", BATCHES, lambda w, out: batches.batch_view(w, today=TODAY)),
    ("export_batch", EXPORT, lambda w, out: batches.export_batch(w, out / "grid.xlsx")),
    ("submit_batch", BATCHES,
     lambda w, out: batches.submit_batch(w, registry(w), org_code="DEMO1", user_reference="t",
                                         today=TODAY)),
    ("retrieve_batch", BATCHES,
     lambda w, out: batches.retrieve_batch(w, registry(w), 1, org_code="DEMO1")),
    ("list_batches", BATCHES, lambda w, out: batches.list_batches(w)),
    ("batch_results", BATCHES, lambda w, out: batches.batch_results(w, 1)),
    ("export_results", EXPORT, lambda w, out: batches.export_results(w, 1, out / "results.csv")),
    ("export_error_report", EXPORT,
     lambda w, out: error_reports.export_error_report(w, learners_report(), out / "errors.csv")),
    ("export_import_results", EXPORT,
     lambda w, out: error_reports.export_import_results(
         w, learners_report().errors, out / "results.csv")),
    ("select_records", REGISTER, lambda w, out: regcert_export.select_records(w)),
    ("register_enrolments", REGISTER,
     lambda w, out: register.register_enrolments(w, for_file=import_file_frame())),
    ("import_learners", BULK, lambda w, out: register.import_learners(w, learners_report())),
    ("import_learners", REGISTER, lambda w, out: register.import_learners(w, learners_report())),
    ("import_file", BULK, lambda w, out: matching.import_file(w, import_file_frame())),
    ("import_file", REGISTER, lambda w, out: matching.import_file(w, import_file_frame())),
    ("import_file(apply=True)", BULK,
     lambda w, out: matching.import_file(w, import_file_frame(), apply=True)),
    ("import_file(apply=True)", REGISTER,
     lambda w, out: matching.import_file(w, import_file_frame(), apply=True)),
    ("apply_import", BULK,
     lambda w, out: matching.apply_import(w, validate_regcert(import_file_frame()))),
    ("apply_import", REGISTER,
     lambda w, out: matching.apply_import(w, validate_regcert(import_file_frame()))),
    ("export_records", REGISTER,
     lambda w, out: regcert_export.export_records(w, out / "register.csv")),
    ("export_records", EXPORT,
     lambda w, out: regcert_export.export_records(w, out / "register.csv")),
    ("record_values", REGISTER, lambda w, out: regcert_edit.record_values(w, 1)),
    ("edit_record", REGISTER,
     lambda w, out: regcert_edit.edit_record(w, 1, {"Status": "Exempt"}, today=TODAY)),
    ("audit_records", AUDIT, lambda w, out: audit.audit_records(w)),
    ("activity", AUDIT, lambda w, out: audit.activity(w)),
    ("verify_clients", BATCHES,
     lambda w, out: verify.verify_clients(w, registry(w), ["S0000002"], org_code="DEMO1")),
    ("export_results", EXPORT,
     lambda w, out: verify.export_results(w, no_verification(), out / "verified.csv")),
    ("locate_client", BATCHES,
     lambda w, out: locate.locate_client(w, registry(w), "S0000004", org_code="DEMO1",
                                         user_reference="t", permission_elsewhere=True)),
    ("write_located_usi", BATCHES, lambda w, out: locate.write_located_usi(w, located())),
    ("create_usi_now", BATCHES,
     lambda w, out: create_now.create_usi_now(w, registry(w), "S0000004", org_code="DEMO1",
                                              user_reference="t", permission_elsewhere=True,
                                              today=TODAY)),
    ("refresh_lists", BATCHES,
     lambda w, out: reference_lists.refresh_lists(w, registry(w), org_code="DEMO1")),
    ("kept_lists", BATCHES, lambda w, out: reference_lists.kept_lists(w, "offline simulator")),
    ("batch_shared_usis", BATCHES, lambda w, out: client_status.batch_shared_usis(w, 1)),
]  # fmt: skip


def no_verification():
    return verify.VerifyOutcome(pd.DataFrame(columns=verify.RESULT_COLUMNS), "a registry")


def located():
    return locate.LocateOutcome("S0000004", "a registry", "offline simulator", "Exact",
                                "BNGH7C75FN")  # fmt: skip


IDS = [f"{name}-needs-{role}" for name, role, _ in GATED]


def needed_by(name: str) -> set[str]:
    return {role for function, role, _ in GATED if function.split("(")[0] == name}


def acting_functions() -> set[str]:
    """The public functions of the library that check a role through `acting`."""
    found = set()
    for module in GATED_MODULES:
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                calls = {
                    n.func.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                }
                if calls & GATES:
                    found.add(node.name)
    return found - {"audited_export"}  # the recipe itself: its callers name the role


def test_the_table_lists_every_gated_function():
    listed = {name.split("(")[0] for name, _, _ in GATED}
    assert acting_functions() == listed
    assert {role for _, role, _ in GATED} == set(Role)


# The screens' controls and the library functions behind them: a control needs exactly the
# roles its functions need, so a screen disables exactly what the library would refuse.
CONTROLS = {
    "RegcertImportScreen.files.upload": ("import_file",),
    "RegcertImportScreen.validate": ("import_file",),
    "RegcertImportScreen.upload": ("import_file",),
    "RegcertImportScreen.export_errors": ("export_error_report",),
    "RegcertImportScreen.export_results": ("export_import_results",),
    "RegcertExportScreen.reload": ("select_records",),
    "RegcertExportScreen.export": ("select_records", "export_records"),
    "RegcertExportScreen.edit": ("record_values", "edit_record"),
    "RegcertLearnersScreen.load": ("import_learners",),
    "BatchScreen.files.upload": ("import_clients", "add_to_batch"),
    "BatchScreen.load": ("import_clients", "add_to_batch"),
    "BatchScreen.add_chosen": ("add_to_batch",),
    "BatchScreen.add_all": ("add_to_batch",),
    "BatchScreen.edit_person": ("edit_client",),
    "BatchScreen.edit_document": ("edit_client",),
    "BatchScreen.remove": ("remove_from_batch",),
    "BatchScreen.submit": ("submit_batch",),
    "BatchScreen.export": ("export_batch",),
    "ResultsScreen.reload": ("list_batches", "batch_results"),
    "ResultsScreen.download": ("retrieve_batch",),
    "ResultsScreen.export": ("export_results",),
    "ResultsScreen.export_clients": ("export_clients",),
    "VerifyScreen.verify": ("verify_clients",),
    "VerifyScreen.export": ("export_results",),
    "VerifyScreen.find": ("locate_client",),
    "VerifyScreen.write": ("write_located_usi",),
    **{
        f"AuditScreen.{control}": ("audit_records",)
        for control in ("reload", "everything", "since", "actions", "export")
    },
}


def test_the_screens_disable_exactly_what_the_library_refuses():
    screens = (
        BatchScreen, ResultsScreen, RegcertImportScreen, RegcertExportScreen,
        RegcertLearnersScreen, AuditScreen, StartScreen, VerifyScreen,
    )  # fmt: skip
    buttons = {  # the table the screens declare, next to each action
        f"{screen.__name__}.{path}": roles
        for screen in screens
        for path, roles in buttons_of(screen).items()
    }
    assert set(CONTROLS) == set(buttons)
    for control, functions in CONTROLS.items():
        wanted = set().union(*(needed_by(f) for f in functions))
        assert set(buttons[control]) == wanted, control


def refused(call: Call, workspace, out: Path, role: str) -> PermissionRefused:
    with pytest.raises(PermissionRefused) as caught:
        call(workspace, out)
    assert caught.value.roles == (role,)
    assert f"you need the {role} role to " in str(caught.value)
    assert "ask your administrator to grant it" in str(caught.value)
    # Each face says how: the command line names the command, a screen does not.
    assert f"usikit roles grant YOUR_USER {role}" in message(caught.value, CLI_WORDING)
    assert "usikit roles" not in message(caught.value, SCREEN_WORDING)
    assert list(out.iterdir()) == []  # no file written
    return caught.value


# SQLite: roles recorded in the workspace, checked by usikit (advisory).


@pytest.fixture(scope="module")
def sqlite_folder(tmp_path_factory):
    """A SQLite workspace where the test's user holds every role but one (per file)."""
    return tmp_path_factory.mktemp("sqlite-roles")


def sqlite_lacking(folder: Path, role: str):
    path = folder / f"lacks_{role}.db"
    known = path.exists()
    workspace = open_workspace(str(path))
    if not known:
        for other in Role:
            if other != role:
                grants.grant(workspace, getpass.getuser(), other)
    return workspace


@pytest.mark.parametrize(("name", "role", "call"), GATED, ids=IDS)
def test_sqlite_refuses_without_the_role(sqlite_folder, tmp_path, name, role, call):
    workspace = sqlite_lacking(sqlite_folder, role)
    try:
        refused(call, workspace, tmp_path, role)
        assert access.held_roles(workspace) == set(Role) - {role}
    finally:
        workspace.close()


# PostgreSQL: one database user per missing role, holding the others.


@pytest.fixture(scope="module")
def shared(postgres_server):
    """A shared workspace set up by its owner; lacking(role) opens it as a user without it."""
    url = postgres.create_database(postgres_server, owner=OWNER)
    owner = open_workspace(url)
    grants.setup(owner)
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        for role in Role:
            user = f"lacks_{role}"
            if not connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)
            ).fetchone():
                connection.execute(f"CREATE ROLE {user} LOGIN")
            for other in Role:
                verb = "REVOKE" if other == role else "GRANT"
                connection.execute(
                    f"{verb} usikit_{other} {'FROM' if verb == 'REVOKE' else 'TO'} {user}"
                )
    opened = {}

    def lacking(role: str):
        if role not in opened:
            opened[role] = open_workspace(url.replace(f"{OWNER}@", f"lacks_{role}@"))
        return opened[role]

    yield owner, lacking
    for workspace in (owner, *opened.values()):
        workspace.close()


@pytest.mark.parametrize(("name", "role", "call"), GATED, ids=IDS)
def test_postgresql_refuses_without_the_role(shared, tmp_path, name, role, call):
    owner, lacking = shared
    workspace = lacking(role)
    refused(call, workspace, tmp_path, role)
    assert access.held_roles(workspace) == set(Role) - {role}
    assert access.held_roles(owner, f"lacks_{role}") == set(Role) - {role}


def test_postgresql_itself_keeps_the_register_to_manage_regcert(shared):
    """Past usikit's own check, the grants refuse the register to every other role."""
    owner, lacking = shared
    statements = {
        "SELECT count(*) FROM learners",
        "SELECT count(*) FROM registrations",
        "SELECT count(*) FROM enrolments",
        "INSERT INTO qualifications (number_key, number, name, awarding_organisation, "
        "created_at, updated_at) VALUES ('60312345', '603/1234/5', 'Q', 'A', now(), now())",
        "UPDATE registrations SET status = 'Exempt'",
        "DELETE FROM programmes",
    }
    for statement in sorted(statements):
        with pytest.raises(DBAPIError) as caught, lacking(REGISTER).begin() as connection:
            connection.exec_driver_sql(statement)
        assert caught.value.orig.sqlstate == access.REFUSED, statement
    with lacking(BULK).begin() as connection:  # holds manage_regcert: the register is theirs
        for statement in sorted(statements):
            connection.exec_driver_sql(statement)
        connection.rollback()
    with owner.begin() as connection:
        privilege = "SELECT has_table_privilege(:role, :table, :what)"
        for table in (t.name for t in REGISTER_TABLES):
            for role in (BULK, BATCHES, EXPORT):
                for what in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                    assert not connection.execute(
                        text(privilege), {"role": f"usikit_{role}", "table": table, "what": what}
                    ).scalar_one(), (role, table, what)
            assert connection.execute(
                text(privilege), {"role": "usikit_manage_regcert", "table": table, "what": "DELETE"}
            ).scalar_one()


def test_setup_takes_back_what_an_older_usikit_granted(shared):
    owner, _ = shared
    with owner.begin() as connection:  # as version 2's setup did
        connection.exec_driver_sql("GRANT SELECT, INSERT, UPDATE ON learners TO usikit_bulk_upload")
        connection.exec_driver_sql("GRANT SELECT ON registrations TO usikit_data_export")
    grants.setup(owner)
    with owner.begin() as connection:
        for role, table in (("bulk_upload", "learners"), ("data_export", "registrations")):
            assert not connection.execute(
                text("SELECT has_table_privilege(:role, :table, 'SELECT')"),
                {"role": f"usikit_{role}", "table": table},
            ).scalar_one()
        assert connection.execute(  # what the role needs stays
            text("SELECT has_table_privilege('usikit_bulk_upload', 'clients', 'INSERT')")
        ).scalar_one()
