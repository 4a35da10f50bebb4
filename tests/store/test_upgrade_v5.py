"""A version 3 workspace (made before one-at-a-time verification, location and creation, and
before the permission columns) is brought to version 5 on SQLite and PostgreSQL, losing
nothing, and the new work runs on it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select

from tests.batch_helpers import TODAY, sent_demo_batch
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.verify import verify_clients
from usikit.errors import RecordsInError
from usikit.store.tables import schema_info
from usikit.workspace import SCHEMA_VERSION, open_workspace

NEW_TABLES = ("verifications", "usi_requests", "registry_lists")
NEW_COLUMNS = {"clients": ("usi_permission", "privacy_notice_date"),
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


def test_a_version_3_workspace_is_brought_to_version_5(workspace_url):
    workspace, simulator, batch_id = sent_demo_batch(workspace_url)
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    with workspace.begin() as connection:
        before = clients_frame(connection).drop(columns=["USI Permission", "Privacy Notice Date"])
    as_version_3(workspace)
    upgraded = open_workspace(workspace_url)
    assert SCHEMA_VERSION == 5
    with upgraded.begin() as connection:
        assert connection.execute(select(schema_info.c.value)).scalar_one() == "5"
        names = set(inspect(connection).get_table_names())
        after = clients_frame(connection)
        for table, columns in NEW_COLUMNS.items():
            present = {c["name"] for c in inspect(connection).get_columns(table)}
            assert set(columns) <= present
    assert set(NEW_TABLES) <= names
    assert after.drop(columns=["USI Permission", "Privacy Notice Date"]).equals(before)
    assert set(after["USI Permission"]) == {""}  # nobody's permission is known yet
    simulator = OfflineRegistry(upgraded, delay=dt.timedelta(0))
    outcome = verify_clients(upgraded, simulator, all_unverified=True, org_code="DEMO1")
    assert outcome.summary_line() == "29 records: 28 verified, 1 not"
    with pytest.raises(RecordsInError, match="USI Permission is not Yes"):
        create_usi_now(upgraded, simulator, "S0000008", org_code="DEMO1", user_reference="t",
                       permission_elsewhere=False, today=TODAY)  # fmt: skip
    upgraded.close()
    open_workspace(workspace_url).close()  # opening again changes nothing
