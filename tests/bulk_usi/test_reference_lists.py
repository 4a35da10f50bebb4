"""The registry's evidence types and countries: kept with their date, an evidence type named
by its id or its name, and the registry's countries compared with the SACC table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.batch_helpers import TODAY, demo_workspace
from usikit.bulk_usi import batches
from usikit.bulk_usi.reference_lists import (
    compare_countries,
    evidence_type_id,
    kept_lists,
    refresh_lists,
)
from usikit.bulk_usi.registry.base import Country, NonDvsType
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.tables import submissions
from usikit.errors import Do, InputError
from usikit.store.audit import audit_records

NON_DVS_CLIENT = "S0000034"  # the demo's record without an identity document


class Lists:
    """The simulator with lists of the test's choosing, counting the fetches."""

    def __init__(self, inner, types=None, countries=None):
        self.inner, self.fetches = inner, 0
        self.name, self.label = inner.name, inner.label
        self.types, self.countries = types, countries

    def get_non_dvs_document_types(self, org_code):
        self.fetches += 1
        return self.types if self.types is not None else self.inner.get_non_dvs_document_types(
            org_code)  # fmt: skip

    def get_countries(self, org_code):
        return self.countries if self.countries is not None else self.inner.get_countries(
            org_code)  # fmt: skip

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def registry(tmp_path):
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    return workspace, Lists(OfflineRegistry(workspace, delay=dt.timedelta(0)))


def test_the_lists_are_kept_with_their_date(registry):
    workspace, lists = registry
    assert kept_lists(workspace, lists.name).fetched_at is None
    kept = refresh_lists(workspace, lists, org_code="DEMO1")
    again = kept_lists(workspace, lists.name)
    assert again.evidence_types == kept.evidence_types and len(again.countries) == 255
    assert again.fetched_at is not None and again.fetched_at.date() == dt.date.today()
    assert kept_lists(workspace, "USI Registry").fetched_at is None  # one copy per registry
    assert audit_records(workspace)["Action"].tolist()[-1] == "registry lists"


def test_an_evidence_type_is_named_by_its_id_or_its_name(registry):
    workspace, lists = registry
    assert evidence_type_id(workspace, lists, None, org_code="DEMO1") is None
    assert evidence_type_id(workspace, lists, "3", org_code="DEMO1") == 3
    assert lists.fetches == 0  # an id needs no list
    assert evidence_type_id(workspace, lists, "statutory  DECLARATION", org_code="DEMO1") == 1
    assert evidence_type_id(workspace, lists, "letter", org_code="DEMO1") == 2  # one holds it
    assert lists.fetches == 1  # fetched once, then kept
    with pytest.raises(InputError, match="no evidence type named 'of'") as refused:
        evidence_type_id(workspace, lists, "of", org_code="DEMO1")  # two hold it
    assert "1 Statutory declaration; 2 Letter" in str(refused.value)
    assert refused.value.next_step.do == Do.CHOOSE_EVIDENCE_TYPE


def test_a_name_not_kept_fetches_the_list_again(registry):
    workspace, lists = registry
    refresh_lists(workspace, lists, org_code="DEMO1")
    lists.types = [NonDvsType(9, "Letter from a school principal", 1)]
    assert evidence_type_id(workspace, lists, "school principal", org_code="DEMO1") == 9
    assert [t.id for t in kept_lists(workspace, lists.name).evidence_types] == [9]


def test_a_batch_is_submitted_with_the_type_named(registry):
    workspace, lists = registry
    batches.add_to_batch(workspace, [NON_DVS_CLIENT])
    evidence = evidence_type_id(workspace, lists, "Statutory declaration", org_code="DEMO1")
    batches.submit_batch(workspace, lists.inner, org_code="DEMO1", user_reference="t",
                         non_dvs_document_type_id=evidence, today=TODAY)  # fmt: skip
    with workspace.begin() as connection:
        sent = json.loads(connection.execute(select(submissions.c.payload)).scalar_one())
    assert sent[0]["non_dvs_document_type_id"] == 1 and sent[0]["document"] is None


def test_the_simulators_countries_are_the_sacc_tables(registry):
    workspace, lists = registry
    assert compare_countries(refresh_lists(workspace, lists, org_code="DEMO1").countries).none


def test_differences_with_the_sacc_table_are_reported():
    found = [
        Country("1101", "Australia"),
        Country("1201", "Aotearoa New Zealand"),  # renamed
        Country("9999", "Atlantis"),  # not in SACC
        Country("2102", "England", is_current=False),  # no longer current
    ]
    differences = compare_countries(found)
    assert not differences.none
    assert [c.code for c in differences.only_registry] == ["9999"]
    assert ("1201", "New Zealand", "Aotearoa New Zealand") in differences.renamed
    assert ("2102", "England") in differences.only_sacc
    lines = differences.lines()
    assert "9999 Atlantis: the registry's, not in the SACC table (usikit refuses it)" in lines
    assert "1201: 'New Zealand' in the SACC table, 'Aotearoa New Zealand' at the registry" in lines
