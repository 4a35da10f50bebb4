"""A USI the offline simulator issued is labelled as such in every export and is never taken
for a real one: a batch for the USI Registry itself creates those clients' USIs anew."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.batch_helpers import (
    BAD_DATE,
    TODAY,
    sent_demo_batch,
)
from usikit import InputError
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame, export_clients
from usikit.bulk_usi.registry.base import LIVE_NAME, TEST_NAME, UNCERTAIN_NAME, may_finish
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.tables import batches as batches_table
from usikit.bulk_usi.tables import clients
from usikit.cli import main
from usikit.identifiers import usi
from usikit.store.tables import schema_info
from usikit.ui import BatchScreen
from usikit.workspace import SCHEMA_VERSION, open_workspace

ISSUED, HAD_USI, NO_USI = "S0000004", "S0000002", BAD_DATE
SIMULATED = "offline simulator (not the USI Registry)"
PRODUCTION = "https://portal.usi.gov.au/Service/v5/UsiService.svc"


class LiveRegistry:
    """Stands for the USI Registry itself: a second simulator (with its own people) that
    carries the live registry's name."""

    name = LIVE_NAME
    label = "USI Registry (a stand-in for the tests)"
    is_simulator = False

    def __init__(self, inner):
        self.inner = inner

    def bulk_upload(self, *args):
        return self.inner.bulk_upload(*args)

    def bulk_upload_retrieve(self, *args):
        return self.inner.bulk_upload_retrieve(*args)


def processed(url: str):
    """The demo clients; the valid ones sent to the simulator and their USIs retrieved."""
    workspace, simulator, batch_id = sent_demo_batch(url)
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    return workspace, simulator


def sources(workspace) -> dict[str, str]:
    with workspace.begin() as connection:
        return dict(connection.execute(select(clients.c.client_id, clients.c.usi_source)).all())


def usi_of(workspace, client_id: str) -> str:
    with workspace.begin() as connection:
        return clients_frame(connection).set_index("Client ID").loc[client_id, "USI"]


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_the_exports_say_which_registry_issued_each_usi(tmp_path):
    workspace, _ = processed(f"sqlite:///{tmp_path / 'w.db'}")
    exported = read_csv(export_clients(workspace, tmp_path / "clients.csv")).set_index("Client ID")
    assert exported.columns[-1] == "USI Source"
    assert exported.loc[ISSUED, "USI Source"] == SIMULATED
    assert exported.loc[HAD_USI, "USI Source"] == "imported from a spreadsheet"
    assert exported.loc[NO_USI, "USI Source"] == ""
    workbook = load_workbook(export_clients(workspace, tmp_path / "clients.xlsx"))
    header = [cell.value for cell in workbook["Clients"][1]]
    assert header[-1] == "USI Source"
    results = read_csv(batches.export_results(workspace, 1, tmp_path / "results.csv"))
    assert results.columns[-1] == "Registry" and set(results["Registry"]) == {SIMULATED}
    sheet = load_workbook(batches.export_results(workspace, 1, tmp_path / "results.xlsx"))
    rows = list(sheet["Results"].iter_rows(values_only=True))
    assert rows[0][-1] == "Registry" and {row[-1] for row in rows[1:]} == {SIMULATED}


def test_for_the_usi_registry_a_simulated_usi_counts_as_none(workspace_url, tmp_path):
    workspace, simulator = processed(workspace_url)
    fake = usi_of(workspace, ISSUED)
    refused = batches.add_to_batch(workspace, [ISSUED, HAD_USI])
    assert refused.added == []
    assert refused.refused[ISSUED].startswith(f"already has the USI {fake} from the {SIMULATED}")
    assert refused.refused[HAD_USI] == "already has the USI BNGH7C75FN"
    live = LiveRegistry(
        OfflineRegistry(open_workspace(str(tmp_path / "live.db")), delay=dt.timedelta(0))
    )
    added = batches.add_to_batch(workspace, [ISSUED, HAD_USI], registry=live)
    assert added.added == [ISSUED] and list(added.refused) == [HAD_USI]
    everyone = batches.add_to_batch(workspace, all_without_usi=True, registry=live)
    assert len(everyone.added) == 27 + 2 + 6  # the other simulated USIs, failures, in error
    batches.remove_from_batch(workspace, everyone.added)
    with pytest.raises(InputError, match="need no new USI"):  # for the simulator it is a USI
        batches.submit_batch(
            workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
        )
    sent = batches.submit_batch(workspace, live, org_code="DEMO1", user_reference="t", today=TODAY)
    done = batches.retrieve_batch(workspace, live, sent.batch_id, org_code="DEMO1")
    assert done.processed and done.usis_written == 1
    real = usi_of(workspace, ISSUED)
    assert usi.is_valid(real) and real != fake
    assert sources(workspace)[ISSUED] == LIVE_NAME
    grid = batches.batch_results(workspace, sent.batch_id).set_index("Client ID")
    assert grid.loc[ISSUED, "Note"] == f"replaced the USI {fake} from the {SIMULATED}"
    exported = read_csv(export_clients(workspace, tmp_path / "c.csv")).set_index("Client ID")
    assert exported.loc[ISSUED, "USI Source"] == "USI Registry"
    results = read_csv(batches.export_results(workspace, sent.batch_id, tmp_path / "r.csv"))
    assert set(results["Registry"]) == {"USI Registry"}


def test_the_command_line_adds_for_the_registry_named(tmp_path, capsys):
    path = str(tmp_path / "w.db")
    processed(f"sqlite:///{path}")
    assert main(["batch", "add", ISSUED, "--workspace", path]) == 1
    assert "from the offline simulator (not the USI Registry)" in capsys.readouterr().out
    assert main(["batch", "add", ISSUED, "--workspace", path, "--registry", PRODUCTION]) == 0
    assert "1 client added, 0 refused" in capsys.readouterr().out


def test_an_edited_usi_is_labelled_so(tmp_path):
    workspace, _ = processed(f"sqlite:///{tmp_path / 'w.db'}")
    batches.edit_client(workspace, NO_USI, {"USI": "223456789N"})
    batches.edit_client(workspace, ISSUED, {"Email": "new@example.com"})  # the USI stays
    assert sources(workspace)[NO_USI] == "edited"
    assert sources(workspace)[ISSUED] == "offline simulator"


def test_a_version_2_workspace_learns_where_its_usis_came_from(workspace_url):
    """Version 3 adds clients.usi_source; the upgrade credits each USI a batch wrote to that
    batch's registry and any other to an import."""
    workspace, _ = processed(workspace_url)
    before = sources(workspace)
    with workspace.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE clients DROP COLUMN usi_source")
        connection.execute(schema_info.update().values(value="2"))
    workspace.close()
    upgraded = open_workspace(workspace_url)
    with upgraded.begin() as connection:
        assert connection.execute(select(schema_info.c.value)).scalar_one() == str(SCHEMA_VERSION)
    after = sources(upgraded)
    assert after == before
    assert after[ISSUED] == "offline simulator" and after[HAD_USI] == "imported"
    assert after[NO_USI] == "" and list(after.values()).count("offline simulator") == 27
    open_workspace(workspace_url).close()  # opening again changes nothing


@pytest.mark.usefixtures("screens_raise_bugs")
def test_the_batch_screen_adds_for_the_registry_it_submits_to(tmp_path):
    path = tmp_path / "w.db"
    workspace, _ = processed(f"sqlite:///{path}")
    workspace.close()
    screen = BatchScreen(path)
    try:
        screen.add_all.click()  # for the simulator its own USIs are USIs
        assert ISSUED not in batches.batch_view(screen.workspace).client_ids
        screen.registry = LiveRegistry(
            OfflineRegistry(open_workspace(str(tmp_path / "live.db")), delay=dt.timedelta(0))
        )
        screen.add_all.click()
        assert ISSUED in batches.batch_view(screen.workspace).client_ids
    finally:
        screen.close()


def test_usis_from_before_version_3_credited_to_the_usi_registry_are_uncertain(workspace_url):
    """Before version 3 the 3PT test address was called the USI Registry too: what it issued
    then is not taken for a real USI, and a batch still with it finishes through either."""
    workspace, _ = processed(workspace_url)
    with workspace.begin() as connection:
        connection.execute(batches_table.update().values(registry=LIVE_NAME))
        connection.exec_driver_sql("ALTER TABLE clients DROP COLUMN usi_source")
        connection.execute(schema_info.update().values(value="2"))
    workspace.close()
    upgraded = open_workspace(workspace_url)
    after = sources(upgraded)
    assert after[ISSUED] == UNCERTAIN_NAME and after[HAD_USI] == "imported"
    with upgraded.begin() as connection:
        assert set(connection.execute(select(batches_table.c.registry)).scalars()) == {
            UNCERTAIN_NAME
        }
    assert may_finish(UNCERTAIN_NAME, LIVE_NAME) and may_finish(UNCERTAIN_NAME, TEST_NAME)
    assert not may_finish(UNCERTAIN_NAME, "offline simulator")
    live = LiveRegistry(OfflineRegistry(upgraded, delay=dt.timedelta(0)))
    assert batches.add_to_batch(upgraded, [ISSUED], registry=live).added == [ISSUED]


def test_a_batch_is_finished_only_through_the_registry_it_was_sent_to(workspace_url, tmp_path):
    workspace, simulator, batch_id = sent_demo_batch(workspace_url)
    live = LiveRegistry(
        OfflineRegistry(open_workspace(str(tmp_path / "live.db")), delay=dt.timedelta(0))
    )
    with pytest.raises(InputError, match="was sent to the offline simulator"):
        batches.retrieve_batch(workspace, live, batch_id, org_code="DEMO1")
    assert sources(workspace)[ISSUED] == ""  # nothing written, nothing credited
    done = batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    assert done.processed and sources(workspace)[ISSUED] == "offline simulator"
