"""Importing the clients' spreadsheet again never wipes the USIs the registry issued, reports a
USI that differs from the stored one, and leaves records that are with the registry alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.batch_helpers import (
    BAD_DATE,
    BAD_EMAIL,
    DEMO,
    TODAY,
    demo_workspace,
    sent_demo_batch,
)
from usikit import InputError, read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame, export_clients, import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.tables import clients
from usikit.cli import main
from usikit.identifiers import usi
from usikit.workspace import open_workspace

HAD_USI = "S0000002"  # the demo file gives this client a USI
ISSUED = "S0000004"  # a client the simulator gives a USI


def stored(workspace, column: str = "USI"):
    with workspace.begin() as connection:
        return clients_frame(connection).set_index("Client ID")[column]


def sources(workspace) -> dict[str, str]:
    with workspace.begin() as connection:
        return dict(connection.execute(select(clients.c.client_id, clients.c.usi_source)).all())


def submitted(workspace_url):
    """The demo clients, their valid records sent to the simulator (results ready at once)."""
    return sent_demo_batch(workspace_url)


def test_importing_the_original_file_again_keeps_the_issued_usis(workspace_url):
    workspace, simulator, batch_id = submitted(workspace_url)
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    before = stored(workspace)
    issued = before[before != ""]
    # The new ones (S0000040, the same person as S0000039, gets none), the file's USI and its
    # INTOFF.
    assert len(issued) == 27 + 2
    again = import_clients(workspace, read_table(DEMO), include_invalid=True, today=TODAY)
    after = stored(workspace)
    assert (after[issued.index] == issued).all()  # the file's blank cells wiped nothing
    assert again.updated == [] and again.conflicts == [] and again.in_flight == []
    assert all(usi.is_valid(value) for value in issued.drop("S0000006"))
    kinds = sources(workspace)
    assert kinds[ISSUED] == "offline simulator" and kinds[HAD_USI] == "imported"
    assert kinds["S0000006"] == "imported" and kinds[BAD_DATE] == ""


def test_a_different_usi_in_the_file_is_a_conflict_and_nothing_of_the_row_is_applied(
    workspace_url,
):
    workspace, simulator, batch_id = submitted(workspace_url)
    batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    held = stored(workspace)[ISSUED]
    other = "223456789N"
    assert usi.is_valid(other) and other != held
    frame = read_table(DEMO)
    chosen = frame["Client ID"] == ISSUED
    frame.loc[chosen, ["USI", "Email"]] = [other, "changed@example.com"]
    frame.loc[frame["Client ID"] == "S0000005", "Email"] = "lucas@example.com"  # no conflict
    done = import_clients(workspace, frame, include_invalid=True, today=TODAY)
    row = int(frame.index[chosen][0])
    assert done.conflicts == [row] and row in done.skipped
    assert f"the file has {other} but the workspace holds {held}" in done.skipped[row]
    assert "offline simulator" in done.skipped[row]
    assert "1 with a USI that differs from the workspace's" in done.summary_line()
    assert stored(workspace)[ISSUED] == held
    assert stored(workspace, "Email")[ISSUED] == "arjun.kaur23@example.com"
    assert done.updated == ["S0000005"]
    assert stored(workspace, "Email")["S0000005"] == "lucas@example.com"


def test_a_usi_for_a_client_without_one_is_taken_from_the_file(workspace_url):
    workspace = demo_workspace(workspace_url)
    frame = read_table(DEMO)
    frame.loc[frame["Client ID"] == ISSUED, "USI"] = "223456789N"
    done = import_clients(workspace, frame, include_invalid=True, today=TODAY)
    assert done.updated == [ISSUED] and done.conflicts == []
    assert stored(workspace)[ISSUED] == "223456789N"
    assert sources(workspace)[ISSUED] == "imported"


@pytest.mark.parametrize("retrieved", [False, True])
def test_a_client_sent_to_the_registry_is_not_changed_by_an_import(workspace_url, retrieved):
    workspace, simulator, batch_id = submitted(workspace_url)
    if retrieved:
        batches.retrieve_batch(workspace, simulator, batch_id, org_code="DEMO1")
    frame = read_table(DEMO)
    frame.loc[frame["Client ID"] == ISSUED, "Email"] = "changed@example.com"
    frame.loc[frame["Client ID"] == BAD_EMAIL, "Email"] = "fixed@example.com"  # not sent
    done = import_clients(workspace, frame, include_invalid=True, today=TODAY)
    email = stored(workspace, "Email")
    assert email[BAD_EMAIL] == "fixed@example.com"
    row = int(frame.index[frame["Client ID"] == ISSUED][0])
    if retrieved:  # the batch is processed: the client can change again
        assert email[ISSUED] == "changed@example.com" and done.in_flight == []
        return
    assert email[ISSUED] == "arjun.kaur23@example.com"
    assert done.in_flight == [row] and "S0000005" in done.unchanged  # sent, but no change
    assert done.skipped[row] == (
        f"client {ISSUED} was sent in batch {batch_id} (submitted); its details cannot "
        "change until the results are retrieved"
    )
    assert "(1 in a batch sent to the registry)" in done.summary_line()


def test_the_command_line_reports_conflicts_and_clients_with_the_registry(
    tmp_path, capsys, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    workspace, _, batch_id = submitted(url)
    frame = read_table(DEMO)
    frame.loc[frame["Client ID"] == HAD_USI, "USI"] = "223456789N"
    frame.loc[frame["Client ID"] == "S0000004", "Email"] = "changed@example.com"
    path = tmp_path / "again.csv"
    frame.to_csv(path, index=False)
    monkeypatch.setenv("USIKIT_WORKSPACE", url)
    assert main(["clients", "import", str(path), "--include-invalid"]) == 1
    out = capsys.readouterr().out
    assert "(1 with a USI that differs from the workspace's, 1 in a batch sent" in out
    assert "USI conflict: the file has 223456789N but the workspace holds BNGH7C75FN" in out
    assert f"was sent in batch {batch_id} (submitted)" in out
    assert stored(workspace)[HAD_USI] == "BNGH7C75FN"


def test_a_file_that_is_not_a_client_file_is_refused_in_words(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    frame = read_table(DEMO.parent / "regcert_import_first.csv", sep=",")
    with pytest.raises(InputError, match="is not a client file: it has no 'Client ID'"):
        import_clients(workspace, frame, today=TODAY)


def test_a_masked_export_imported_again_never_overwrites_the_real_values(tmp_path):
    workspace, _, batch_id = sent_demo_batch(str(tmp_path / "w.db"))
    batches.retrieve_batch(workspace, OfflineRegistry(workspace), batch_id, org_code="DEMO1")
    with workspace.begin() as connection:
        before = clients_frame(connection).set_index("Client ID")
    exported = export_clients(workspace, tmp_path / "clients.csv")  # masked: the default
    again = import_clients(workspace, read_table(exported), include_invalid=True, today=TODAY)
    with workspace.begin() as connection:
        after = clients_frame(connection).set_index("Client ID")
    for column in ("Date of Birth", "Document Number", "Document Date"):
        assert not after[column].str.contains("*", regex=False).any(), column
        assert after[column].equals(before[column]), column
    assert again.masked and "masked dates of birth" in again.summary_line()


def test_an_edit_stores_the_values_as_validation_tidies_them(workspace_url):
    workspace = demo_workspace(workspace_url)
    changes = {"Gender": "female", "Date of Birth": "1992-05-25", "Country of Birth": "Australia"}
    report = batches.edit_client(workspace, "S0000003", changes, today=TODAY)
    assert report.status.tolist() == ["ok"]
    with workspace.begin() as connection:
        stored = clients_frame(connection).set_index("Client ID").loc["S0000003"]
    assert (stored["Gender"], stored["Date of Birth"], stored["Country of Birth"]) == (
        "F",
        "25/05/1992",
        "1101",
    )


def test_an_edit_cannot_give_one_persons_usi_to_another(workspace_url):
    workspace = demo_workspace(workspace_url)
    with pytest.raises(InputError, match="already belongs to client S0000002"):
        batches.edit_client(workspace, "S0000004", {"USI": "BNGH7C75FN"}, today=TODAY)
