"""The offline simulator behaves like the registry's bulk service, deterministically."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import Clock
from usikit.bulk_usi.registry.base import Application, Document, Verification
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_people
from usikit.errors import NotProcessedYet, RegistryFault
from usikit.identifiers import usi
from usikit.workspace import open_workspace


def person(
    application_id: str,
    first: str = "Mia",
    family: str = "Nguyen",
    born: str = "2004-04-23",
    document: Document | None = None,
) -> Application:
    return Application(
        application_id=application_id,
        user_reference="officer",
        contact=(("CountryOfResidenceCode", "1101"),),
        personal=(
            ("Gender", "F"),
            ("FirstName", first),
            ("FamilyName", family),
            ("DateOfBirth", born),
            ("CountryOfBirthCode", "1101"),
            ("TownCityOfBirth", "Cairns"),
            ("IsPreferredName", "false"),
        ),
        document=document,
    )


MEDICARE = Document(
    "MedicareDocumentType",
    (
        ("MedicareCardNumber", "2123456701"),
        ("IndividualRefNumber", "1"),
        ("ExpiryDate", "2029-11"),
        ("CardColour", "Green"),
        ("NameLine1", "MIA NGUYEN"),
    ),
)


@pytest.fixture
def simulator(tmp_path):
    clock = Clock()
    return OfflineRegistry(
        open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(seconds=30), clock=clock
    ), clock


def test_receipt_then_results_after_the_delay(simulator):
    registry, clock = simulator
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1", document=MEDICARE)])
    assert len(receipt) == 36
    with pytest.raises(NotProcessedYet):
        registry.bulk_upload_retrieve("DEMO1", receipt)
    clock.advance(30)
    results = registry.bulk_upload_retrieve("DEMO1", receipt)
    (only,) = results.applications
    assert (only.application_id, only.result, only.identity_document_verified) == (
        "A1",
        "Success",
        "True",
    )
    assert usi.is_valid(only.usi)


def test_same_request_id_is_answered_once_and_never_creates_twice(simulator):
    registry, _ = simulator
    first = registry.bulk_upload("DEMO1", "R1", [person("A1"), person("A2", first="Bo")])
    again = registry.bulk_upload("DEMO1", "R1", [person("A1"), person("A2", first="Bo")])
    assert first == again
    with registry.workspace.begin() as connection:
        assert connection.execute(select(func.count()).select_from(simulator_people)).scalar() == 2
    with pytest.raises(RegistryFault, match="already used"):
        registry.bulk_upload("DEMO1", "R1", [person("A9", first="Cy")])


def test_same_person_gets_match_found_with_the_existing_usi(simulator):
    registry, clock = simulator
    clock.advance(0)
    one = registry.bulk_upload("DEMO1", "R1", [person("A1")])
    two = registry.bulk_upload("DEMO1", "R2", [person("B7", first="MIA", family="nguyen")])
    clock.advance(60)
    created = registry.bulk_upload_retrieve("DEMO1", one).applications[0]
    matched = registry.bulk_upload_retrieve("DEMO1", two).applications[0]
    assert (matched.result, matched.usi) == ("MatchFound", created.usi)
    assert matched.identity_document_verified == "NotRequired"


@pytest.mark.parametrize(
    ("document", "family", "code"),
    [
        (
            Document(
                "MedicareDocumentType",
                (("MedicareCardNumber", "2123456711"), ("NameLine1", "MIA NGUYEN")),
            ),
            "Nguyen",
            "E101",
        ),
        (Document("PassportDocumentType", (("DocumentNumber", "PA1230000"),)), "Nguyen", "E102"),
        (MEDICARE, "Smith", "E103"),
    ],
)
def test_documented_document_failures(simulator, document, family, code):
    registry, clock = simulator
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1", family=family, document=document)])
    clock.advance(60)
    (result,) = registry.bulk_upload_retrieve("DEMO1", receipt).applications
    assert (result.result, result.identity_document_verified, result.usi) == (
        "Failure",
        "False",
        "",
    )
    assert [e.code for e in result.errors] == [code]


def test_bad_requests_are_faults(simulator):
    registry, _ = simulator
    with pytest.raises(RegistryFault, match="OrgCode"):
        registry.bulk_upload("not a code!", "R1", [person("A1")])
    with pytest.raises(RegistryFault, match="unique"):
        registry.bulk_upload("DEMO1", "R2", [person("A1"), person("A1", first="Bo")])
    with pytest.raises(RegistryFault, match="1 to 500"):
        registry.bulk_upload("DEMO1", "R3", [person(f"A{i}", first=f"N{i}") for i in range(501)])
    with pytest.raises(RegistryFault, match="not found"):
        registry.bulk_upload_retrieve("DEMO1", "x" * 36)


def test_verify_usi_checks_names_and_date_of_birth(simulator):
    registry, clock = simulator
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1")])
    clock.advance(60)
    issued = registry.bulk_upload_retrieve("DEMO1", receipt).applications[0].usi
    good = registry.verify_usi("DEMO1", Verification(1, issued, "mia", "NGUYEN", "", "2004-04-23"))
    assert good.usi_status == "Valid"
    assert set(good.matches.values()) == {"Match"}
    wrong, unknown = registry.bulk_verify_usi(
        "DEMO1",
        [
            Verification(1, issued, "Mia", "Smith", "", "2004-04-23"),
            Verification(2, "223456789N", "Mia", "Nguyen", "", "2004-04-23"),
        ],
    )
    assert wrong.matches["FamilyName"] == "NoMatch"
    assert unknown.usi_status == "Invalid"


def test_countries_and_labels(simulator):
    registry, _ = simulator
    codes = {c.code for c in registry.get_countries("DEMO1")}
    assert {"1101", "1201", "2102"} <= codes and "@@@@" not in codes
    assert "not the USI Registry" in registry.label
