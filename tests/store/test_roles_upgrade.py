"""Upgrading a shared PostgreSQL workspace re-grants the roles for what the new version
needs; grants left out of date are reported as such, not as a missing role."""

from __future__ import annotations

import pytest

from tests.batch_helpers import DEMO, TODAY
from tests.roles_helpers import shared_workspace
from usikit import read_table
from usikit.bulk_usi.clients import import_clients
from usikit.cli.wording import CLI_WORDING
from usikit.errors import Refused
from usikit.outcomes import message
from usikit.store.tables import schema_info
from usikit.workspace import open_workspace

STALE = "REVOKE SELECT ON batches, batch_records FROM usikit_bulk_upload"


@pytest.fixture
def team(postgres_server):
    return shared_workspace(postgres_server, {"alice": ("bulk_upload",)})


def test_grants_out_of_date_are_named_as_such(team):
    _url, owner, as_user = team
    with owner.begin() as connection:  # as an older usikit granted them
        connection.exec_driver_sql(STALE)
    with pytest.raises(Refused, match="grants are out of date") as refused:
        import_clients(as_user("alice"), read_table(DEMO), today=TODAY)
    assert "usikit roles setup" in message(refused.value, CLI_WORDING)
    assert "you need the bulk_upload role" not in str(refused.value)


def test_the_upgrade_grants_what_the_new_version_needs(team):
    url, owner, as_user = team
    with owner.begin() as connection:  # a version 2 workspace, set up by a version 2 usikit
        connection.exec_driver_sql(STALE)
        connection.exec_driver_sql("ALTER TABLE clients DROP COLUMN usi_source")
        connection.execute(schema_info.update().values(value="2"))
    owner.close()
    open_workspace(url).close()  # the owner opens it first: the upgrade
    imported = import_clients(as_user("alice"), read_table(DEMO), today=TODAY)
    assert len(imported.created) > 30
