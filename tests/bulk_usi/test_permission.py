"""The student's permission: a record without it is not sent for creation, unless the
organisation records permission elsewhere, which it says when sending and the audit trail
keeps."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.batch_helpers import IN_ERROR, TODAY, demo_workspace
from usikit.bulk_usi import batches
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.errors import Do, RecordsInError
from usikit.store.audit import audit_records

NO_PERMISSION = "S0000004"


@pytest.fixture
def ready(tmp_path):
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    batches.edit_client(workspace, NO_PERMISSION, {"USI Permission": ""})
    return workspace, OfflineRegistry(workspace, delay=dt.timedelta(0))


def submit(workspace, registry, **options):
    return batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t",
                                today=TODAY, **options)  # fmt: skip


def test_a_record_without_permission_is_red_and_stops_the_batch(ready, monkeypatch):
    workspace, registry = ready
    monkeypatch.delenv("USIKIT_PERMISSION_RECORDED_ELSEWHERE", raising=False)
    view = batches.batch_view(workspace, today=TODAY)
    assert view.in_error() == [NO_PERMISSION]
    assert "USI Permission is not Yes" in batches.batch_grid(view)["Problems"].str.cat()
    with pytest.raises(RecordsInError, match="permission is not recorded") as refused:
        submit(workspace, registry)
    assert refused.value.next_step.do == Do.RECORD_PERMISSION
    assert batches.list_batches(workspace)["status"].tolist() == ["open"]


def test_permission_recorded_elsewhere_is_said_and_audited(ready, monkeypatch):
    workspace, registry = ready
    assert batches.batch_view(workspace, today=TODAY, permission_elsewhere=True).in_error() == []
    sent = submit(workspace, registry, permission_elsewhere=True)
    assert sent.applications == 30
    trail = audit_records(workspace)
    assert trail["Action"].tolist()[-2:] == ["permission elsewhere", "batch submit"]
    assert trail["applications"].iloc[-2] == 30


def test_the_organisations_setting_says_it_once_for_every_face(ready, monkeypatch):
    workspace, registry = ready
    monkeypatch.setenv("USIKIT_PERMISSION_RECORDED_ELSEWHERE", "yes")
    assert batches.batch_view(workspace, today=TODAY).in_error() == []
    submit(workspace, registry)
    assert "permission elsewhere" in audit_records(workspace)["Action"].tolist()
