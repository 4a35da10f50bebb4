"""A version 3 workspace (made before one-at-a-time verification, location and creation,
before the permission columns and the clients' spreadsheet rows) is brought to the current
version on SQLite and PostgreSQL, losing nothing, and the new work runs on it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select

from tests.batch_helpers import DEMO, TODAY, sent_demo_batch
from usikit import read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame, import_clients, spreadsheet_rows
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.verify import verify_clients
from usikit.errors import RecordsInError
from usikit.store.tables import schema_info
from usikit.workspace import SCHEMA_VERSION, open_workspace

NEW_TABLES = ("verifications", "usi_requests", "registry_lists")
NEW_COLUMNS = {"clients": ("usi_permission", "privacy_notice_date", "source_file", "source_row"),
               "simulator_people": ("email", "mobile")}  # fmt: skip


def as_version_3(workspace) -> None:
    """Take away what version 5 added: the workspace as a version 3 usikit left it."""
    with workspace.begin() as connection:
        for table in NEW_TABLES:
            connection.exec_driver_sql(f"DROP TABLE {table}")
        for table, columns in NEW_COLUMNS.items():
            for column in columns:
                connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        connection.execute(schema_info.update().values(value="3"))
    workspace.close()


def test_a_version_3_workspace_is_brought_to_the_current_version(workspace_url):
    workspace, simulator, batch_id = sent_demo_batch(workspace_url)
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    with workspace.begin() as connection:
        before = clients_frame(connection).drop(columns=["USI Permission", "Privacy Notice Date"])
    as_version_3(workspace)
    upgraded = open_workspace(workspace_url)
    with upgraded.begin() as connection:
        assert connection.execute(select(schema_info.c.value)).scalar_one() == str(SCHEMA_VERSION)
        names = set(inspect(connection).get_table_names())
        after = clients_frame(connection)
        rows = spreadsheet_rows(connection, after["Client ID"])
        for table, columns in NEW_COLUMNS.items():
            present = {c["name"] for c in inspect(connection).get_columns(table)}
            assert set(columns) <= present
    assert set(NEW_TABLES) <= names
    assert after.drop(columns=["USI Permission", "Privacy Notice Date"]).equals(before)
    assert set(after["USI Permission"]) == {""}  # nobody's permission is known yet
    assert set(rows["Row"]) == {""}  # nor where the clients came from, until their next import
    simulator = OfflineRegistry(upgraded, delay=dt.timedelta(0))
    outcome = verify_clients(upgraded, simulator, all_unverified=True, org_code="DEMO1")
    assert outcome.summary_line() == "28 records: 27 verified, 1 not"
    with pytest.raises(RecordsInError, match="USI Permission is not Yes"):
        create_usi_now(upgraded, simulator, "S0000008", org_code="DEMO1", user_reference="t",
                       permission_elsewhere=False, today=TODAY)  # fmt: skip
    upgraded.close()
    open_workspace(workspace_url).close()  # opening again changes nothing


def test_a_version_5_workspace_learns_each_client_s_row_at_the_next_import(workspace_url):
    workspace = open_workspace(workspace_url)
    first = import_clients(workspace, read_table(DEMO), include_invalid=True, today=TODAY)
    with workspace.begin() as connection:
        for column in ("source_file", "source_row"):
            connection.exec_driver_sql(f"ALTER TABLE clients DROP COLUMN {column}")
        connection.execute(schema_info.update().values(value="5"))
    workspace.close()
    upgraded = open_workspace(workspace_url)
    with upgraded.begin() as connection:
        assert set(spreadsheet_rows(connection, first.created)["File"]) == {""}
    import_clients(upgraded, read_table(DEMO), include_invalid=True, today=TODAY)  # unchanged
    with upgraded.begin() as connection:
        rows = spreadsheet_rows(connection, ["S0000002", "S0000008"])
    assert rows["File"].tolist() == [DEMO.name] * 2
    demo = read_table(DEMO)
    expected = [str(demo.index[demo["Client ID"] == c][0]) for c in ("S0000002", "S0000008")]
    assert rows["Row"].tolist() == expected
    upgraded.close()
