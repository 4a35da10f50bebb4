"""Finding a student's USI: the registry's answer in words, the USI written only when the
officer confirms it, and never over another USI or into another student's record."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.batch_helpers import NO_CARD, SAME_PERSON, TODAY, demo_workspace
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.locate import locate_client, write_located_usi
from usikit.bulk_usi.registry.base import EXACT, NO_LOCATE_MATCH, SINGLE_NO_CONTACT_MATCH
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.errors import Do, InputError, RecordsInError
from usikit.store.audit import audit_records

KNOWN, RETURNING = SAME_PERSON  # one student under two Client IDs, with the same contacts


@pytest.fixture
def known(tmp_path):
    """The demo clients; the registry knows KNOWN's student (created one at a time)."""
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    registry = OfflineRegistry(workspace, delay=dt.timedelta(0))
    made = create_usi_now(workspace, registry, KNOWN, org_code="DEMO1", user_reference="t",
                          permission_elsewhere=False, today=TODAY)  # fmt: skip
    return workspace, registry, made.usi


def find(workspace, registry, client_id, **options):
    options.setdefault("permission_elsewhere", False)
    return locate_client(workspace, registry, client_id, org_code="DEMO1", user_reference="t",
                         today=TODAY, **options)  # fmt: skip


def usi_of(workspace, client_id):
    with workspace.begin() as connection:
        return clients_frame(connection).set_index("Client ID").loc[client_id, "USI"]


def test_a_student_is_found_and_the_usi_written_only_when_confirmed(known):
    workspace, registry, issued = known
    batches.edit_client(workspace, KNOWN, {"USI": ""})  # the USI lost from the record
    found = find(workspace, registry, KNOWN)
    assert (found.result, found.usi, found.found, found.already_held) == (EXACT, issued, True,
                                                                          False)  # fmt: skip
    assert found.words.startswith("found: one student matches")
    assert usi_of(workspace, KNOWN) == ""  # nothing written by asking
    written = write_located_usi(workspace, found)
    assert written.written and usi_of(workspace, KNOWN) == issued
    assert audit_records(workspace)["Action"].tolist()[-2:] == ["usi locate", "usi locate write"]
    assert find(workspace, registry, KNOWN).already_held


def test_a_student_entered_twice_is_found_but_the_usi_stays_with_the_first(known):
    workspace, registry, issued = known
    found = find(workspace, registry, RETURNING)
    assert found.usi == issued
    with pytest.raises(InputError, match=f"already belongs to client {KNOWN}"):
        write_located_usi(workspace, found)
    assert usi_of(workspace, RETURNING) == ""


def test_a_student_it_does_not_know_is_not_found(known):
    workspace, registry, _ = known
    missing = find(workspace, registry, "S0000004")
    assert (missing.result, missing.found, missing.usi) == (NO_LOCATE_MATCH, False, "")
    with pytest.raises(InputError, match="no USI was found"):
        write_located_usi(workspace, missing)


def test_other_contact_details_give_no_usi(known):
    workspace, registry, _ = known
    batches.edit_client(workspace, RETURNING, {"Email": "other@example.com",
                                               "Mobile Phone": "0499 999 999"})  # fmt: skip
    answer = find(workspace, registry, RETURNING)
    assert (answer.result, answer.usi) == (SINGLE_NO_CONTACT_MATCH, "")
    assert "contact the USI Office" in answer.contact_message


def test_a_found_usi_is_never_written_over_another_or_into_a_batch(known):
    workspace, registry, _ = known
    batches.edit_client(workspace, KNOWN, {"USI": "223456789N"})
    found = find(workspace, registry, KNOWN)
    assert found.found and not found.already_held
    with pytest.raises(InputError, match="already holds the USI 223456789N"):
        write_located_usi(workspace, found)
    batches.edit_client(workspace, KNOWN, {"USI": ""})
    batches.add_to_batch(workspace, [KNOWN])
    with pytest.raises(InputError, match="is in batch 1") as refused:
        write_located_usi(workspace, found)
    assert refused.value.next_step.do == Do.REMOVE_FROM_BATCH
    batches.remove_from_batch(workspace, [KNOWN])
    assert write_located_usi(workspace, found).written


def test_asking_needs_permission_and_the_details_a_search_uses(known):
    workspace, registry, _ = known
    batches.edit_client(workspace, RETURNING, {"Privacy Notice Date": ""})
    with pytest.raises(RecordsInError, match="Privacy Notice Date is empty") as refused:
        find(workspace, registry, RETURNING)
    assert refused.value.next_step.do == Do.RECORD_PERMISSION
    assert find(workspace, registry, RETURNING, permission_elsewhere=True).found
    assert audit_records(workspace)["Action"].tolist()[-2:] == ["permission elsewhere",
                                                                "usi locate"]  # fmt: skip
    # A problem with the identity document does not stop a search; one with a name does.
    assert find(workspace, registry, NO_CARD).result == NO_LOCATE_MATCH
    batches.edit_client(workspace, RETURNING, {"Privacy Notice Date": "01/01/2026",
                                               "First Name": "Ava2"})  # fmt: skip
    with pytest.raises(RecordsInError, match="First Name 'Ava2'") as refused:
        find(workspace, registry, RETURNING)
    assert refused.value.next_step.do == Do.FIX_CLIENT


def test_a_client_with_a_usi_is_still_held_to_the_rules_of_a_search(known):
    workspace, registry, _ = known
    batches.edit_client(workspace, KNOWN, {"Gender": ""})  # labelled 'has USI': not blocking
    with pytest.raises(RecordsInError, match="Gender is empty"):
        find(workspace, registry, KNOWN)
