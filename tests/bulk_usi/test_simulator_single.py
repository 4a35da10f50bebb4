"""The offline simulator answers CreateUSI, VerifyUSI, LocateUSI and GetNonDvsDocumentTypes
deterministically, with the documented case of each outcome."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import Clock
from tests.bulk_usi.test_simulator import MEDICARE, person
from usikit.bulk_usi.registry.base import (
    DEACTIVATED,
    EXACT,
    INVALID,
    MATCH,
    MULTIPLE_EXACT,
    MULTIPLE_NO_CONTACT_MATCH,
    NO_IDENTICAL_STRONG_PARTIAL,
    NO_LOCATE_MATCH,
    NO_MATCH,
    SINGLE_NO_CONTACT_MATCH,
    VALID,
    Document,
    Locate,
    Verification,
)
from usikit.bulk_usi.registry.simulator import DEACTIVATED_PREFIX, OfflineRegistry, _derived_usi
from usikit.bulk_usi.registry.simulator_tables import simulator_people
from usikit.errors import RegistryFault
from usikit.identifiers import usi
from usikit.workspace import open_workspace


@pytest.fixture
def simulator(tmp_path):
    return OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0),
                           clock=Clock())  # fmt: skip


def reached(application, email: str = "mia@example.com", mobile: str = "0412345678"):
    contact = (("CountryOfResidenceCode", "1101"), ("EmailAddress", email),
               ("Phone", (("Mobile", mobile),)))  # fmt: skip
    return dataclasses.replace(application, contact=contact)


def locate(first="Mia", family="Nguyen", born="2004-04-23", email="", mobile="", single=""):
    names = (("SingleName", single),) if single else (("FirstName", first), ("FamilyName", family))
    contact = (("EmailAddress", email),) if email else ()
    if mobile:
        contact += (("Phone", (("Mobile", mobile),)),)
    return Locate("officer", (("Gender", "F"), *names, ("DateOfBirth", born)), contact)


def people(simulator) -> int:
    with simulator.workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(simulator_people)).scalar()


# CreateUSI.


def test_create_answers_at_once_with_a_usi_derived_from_the_student(simulator, tmp_path):
    made = simulator.create_usi("DEMO1", "R1", person("A1", document=MEDICARE))
    assert (made.application_id, made.result, made.identity_document_verified) == (
        "A1", "Success", "True")  # fmt: skip
    assert usi.is_valid(made.usi)
    elsewhere = OfflineRegistry(open_workspace(str(tmp_path / "other.db")))
    again = elsewhere.create_usi("DEMO1", "R9", person("B7", document=MEDICARE))
    assert again.usi == made.usi  # the same student, the same USI in a new workspace


def test_create_repeated_is_answered_once_and_never_creates_twice(simulator):
    first = simulator.create_usi("DEMO1", "R1", person("A1"))
    assert simulator.create_usi("DEMO1", "R1", person("A1")) == first
    assert people(simulator) == 1
    with pytest.raises(RegistryFault, match="already used for another application"):
        simulator.create_usi("DEMO1", "R1", person("A2", first="Ann"))
    known = simulator.create_usi("DEMO1", "R2", person("A3"))  # the same student again
    assert (known.result, known.usi) == ("MatchFound", first.usi)
    assert people(simulator) == 1


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (dataclasses.replace(MEDICARE, fields=(("MedicareCardNumber", "2123456711"),)), "E101"),
        (Document("PassportDocumentType", (("DocumentNumber", "PA1230000"),)), "E102"),
        (dataclasses.replace(MEDICARE, fields=(*MEDICARE.fields[:4], ("NameLine1", "MIA SMITH"))),
         "E103"),
    ],
)  # fmt: skip
def test_create_fails_the_documented_cases(simulator, document, code):
    failed = simulator.create_usi("DEMO1", "R1", person("A1", document=document))
    assert (failed.result, failed.identity_document_verified, failed.usi) == ("Failure", "False",
                                                                              "")  # fmt: skip
    assert [e.code for e in failed.errors] == [code]


def test_create_refuses_a_bad_organisation_code(simulator):
    with pytest.raises(RegistryFault, match="OrgCode") as raised:
        simulator.create_usi("TOO-LONG-CODE", "R1", person("A1"))
    assert raised.value.code == 1002


# VerifyUSI.


def test_verify_compares_each_detail_of_a_usi_it_issued(simulator):
    issued = simulator.create_usi("DEMO1", "R1", person("A1")).usi
    exact = simulator.verify_usi("DEMO1", Verification(1, issued, "mia ", "NGUYEN", "",
                                                       "2004-04-23"))  # fmt: skip
    assert (exact.usi_status, exact.matches) == (
        VALID, {"FirstName": MATCH, "FamilyName": MATCH, "DateOfBirth": MATCH})  # fmt: skip
    wrong = simulator.verify_usi("DEMO1", Verification(1, issued, "Ann", "Nguyen", "",
                                                       "2004-04-24"))  # fmt: skip
    assert wrong.matches == {"FirstName": NO_MATCH, "FamilyName": MATCH, "DateOfBirth": NO_MATCH}


def test_verify_a_single_name(simulator):
    single = dataclasses.replace(person("A1"), personal=(
        ("Gender", "X"), ("SingleName", "Ngata"), ("DateOfBirth", "1990-01-02"),
        ("CountryOfBirthCode", "1101"), ("TownCityOfBirth", "Cairns"),
        ("IsPreferredName", "false")))  # fmt: skip
    issued = simulator.create_usi("DEMO1", "R1", single).usi
    answer = simulator.verify_usi("DEMO1", Verification(1, issued, "", "", "Ngata", "1990-01-02"))
    assert answer.matches == {"SingleName": MATCH, "DateOfBirth": MATCH}


def test_a_usi_it_did_not_issue_is_invalid_or_deactivated(simulator):
    stem = DEACTIVATED_PREFIX + "23456"
    deactivated = stem + usi.check_character(stem)
    answers = simulator.bulk_verify_usi("DEMO1", [
        Verification(1, "BNGH7C75FN", "Mia", "Nguyen", "", "2004-04-23"),
        Verification(2, deactivated, "Mia", "Nguyen", "", "2004-04-23"),
    ])  # fmt: skip
    assert [(a.record_id, a.usi_status, a.matches) for a in answers] == [
        (1, INVALID, {}), (2, DEACTIVATED, {})]  # fmt: skip


def test_it_never_issues_a_usi_that_reads_as_deactivated():
    drawn = _derived_usi("seed:889759")  # its digest spells the deactivated prefix
    assert usi.is_valid(drawn) and not drawn.startswith(DEACTIVATED_PREFIX)
    assert drawn[1:4] == DEACTIVATED_PREFIX[1:]


# LocateUSI.


@pytest.fixture
def known(simulator):
    """Mia Nguyen, born 23/04/2004, reached at mia@example.com and 0412 345 678."""
    return simulator.create_usi("DEMO1", "R1", reached(person("A1"))).usi


@pytest.mark.parametrize(
    ("asked", "result"),
    [
        (locate(email="MIA@example.com"), EXACT),
        (locate(mobile="0412 345 678"), EXACT),
        (locate(email="someone@example.com"), SINGLE_NO_CONTACT_MATCH),
        (locate(), SINGLE_NO_CONTACT_MATCH),
        (locate(first="Ann", email="mia@example.com"), NO_IDENTICAL_STRONG_PARTIAL),
        (locate(family="Tran"), NO_IDENTICAL_STRONG_PARTIAL),
        (locate(first="Ann", family="Tran"), NO_LOCATE_MATCH),
        (locate(born="2004-04-24", email="mia@example.com"), NO_LOCATE_MATCH),
    ],
    ids=["email", "mobile", "other email", "no contact", "other first name", "other family",
         "other names", "other birthday"],
)  # fmt: skip
def test_locate_answers_each_documented_case(simulator, known, asked, result):
    answer = simulator.locate_usi("DEMO1", asked)
    assert answer.result == result
    assert answer.usi == (known if result == EXACT else "")
    assert bool(answer.contact_message) == (result != EXACT and result != NO_LOCATE_MATCH)


def test_namesakes_make_multiple_answers(simulator, known):
    twin = simulator.add_person("Mia", "Nguyen", "", "2004-04-23", email="twin@example.com")
    assert usi.is_valid(twin) and twin != known
    assert simulator.locate_usi("DEMO1", locate(email="twin@example.com")).usi == twin
    assert simulator.locate_usi("DEMO1", locate()).result == MULTIPLE_NO_CONTACT_MATCH
    simulator.add_person("Mia", "Nguyen", "", "2004-04-23", email="twin@example.com")
    assert simulator.locate_usi("DEMO1", locate(email="twin@example.com")).result == MULTIPLE_EXACT


def test_locate_needs_a_date_of_birth(simulator):
    with pytest.raises(RegistryFault, match="DateOfBirth") as raised:
        simulator.locate_usi("DEMO1", locate(born=""))
    assert raised.value.code == 1002


# GetNonDvsDocumentTypes.


def test_evidence_types_are_listed_in_order(simulator):
    types = simulator.get_non_dvs_document_types("DEMO1")
    assert [(t.id, t.sort_order) for t in types] == [(1, 1), (2, 2), (3, 3)]
    assert types[0].name == "Statutory declaration"
