"""The identity rules, measured against the registry's schema and public references: values
that look alike are one value, good values are not refused, and what is sent is what the
registry takes."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import select

from tests.batch_helpers import TODAY
from tests.bulk_usi.test_validation import BASE, client, found
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.base import LIVE_NAME, TEST_NAME
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.tables import submissions
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import InputError
from usikit.workspace import open_workspace

ZWJ, WORD_JOINER, ZWNJ = "\u200d", "\u2060", "\u200c"


def check(*records: dict[str, str]):
    return validate_clients(pd.DataFrame(list(records)), today=TODAY)


def test_client_ids_that_look_the_same_are_one_client_id():
    """Joiners and full-width digits no person can tell apart make no new client."""
    same = ["S0000001", "S0000001" + WORD_JOINER, "S000" + ZWJ + "0001", "S\uff10000001"]
    report = check(*(client(Client_ID=value) for value in same))
    assert report.records["Client ID"].tolist() == ["S0000001"] * 4
    errors = report.errors[report.errors["check"] == "duplicate_client_id"]
    assert errors["row"].tolist() == [2, 3, 4, 5]
    look_alike = check(client(Client_ID="\u0405000001"))  # a Cyrillic S
    assert ("Client ID", "client_id_characters") in found(look_alike, "error")


def test_the_same_person_is_found_through_look_alike_letters_and_accents():
    anna = {"First_Name": "Anna", "Family_Name": "Renee"}
    twin = {"First_Name": "\u0410nna", "Family_Name": "REN\u00c9E"}  # Cyrillic A, an accent
    report = check(client(Client_ID="S1", **anna), client(Client_ID="S2", **twin))
    warnings = report.errors[report.errors["severity"] == "warning"]
    assert set(warnings["check"]) >= {"same_person", "mixed_alphabets"}
    assert warnings.loc[warnings["check"] == "same_person", "row"].tolist() == [2, 3]


@pytest.mark.parametrize(
    "name",
    [
        "Zahra Nik" + ZWNJ + "nam",  # Persian: a ZWNJ between letters
        "Jose\u0301 Mari\u0301a Gonza\u0301lez-Rodri\u0301guez Lo\u0301pez",  # decomposed
    ],
)
def test_names_scripts_spell_are_accepted(name):
    report = check(client(Middle_Name=name))
    assert found(report, "error") == set()
    assert ZWNJ not in name or ZWNJ in report.records.loc[2, "Middle Name"]


def test_a_name_of_40_letters_with_decomposed_accents_fits():
    """NFC first: 40 letters are 40 characters, whatever combining accents typed them."""
    name = "Jose\u0301" * 10  # 40 letters, 50 code points as typed
    report = check(client(First_Name=name))
    assert ("First Name", "max_length") not in found(report)
    assert report.records.loc[2, "First Name"] == "Jos\u00e9" * 10


@pytest.mark.parametrize(
    "email", ["jos\u00e9@example.com", '"john doe"@example.com', "mia@m\u00fcller.de"]
)
def test_international_and_quoted_email_addresses_are_accepted(email):
    assert found(check(client(Email=email)), "error") == set()


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("+61 (0)4 1234 5678", "+61 4 1234 5678"),
        ("+61 0412 345 678", "+61 412 345 678"),
        ("0011 44 20 7946 0958", "+44 20 7946 0958"),
        ("61412345678", "+61412345678"),
        ("+61 (0) 412 - 345 - 678", "+61 412 - 345 - 678"),  # 23 typed, 12 sent
    ],
)
def test_phone_numbers_are_taken_as_dialled_and_measured_as_sent(typed, sent):
    report = check(client(Mobile_Phone=typed))
    assert found(report, "error") == set()
    assert report.records.loc[2, "Mobile Phone"] == sent


ABROAD = {"Country_of_Residence": "2201", "State": "California", "Postcode": "90210"}


def test_an_address_abroad_takes_the_international_length():
    long_line = "Apartment 1204, The Residences at Ocean Boulevard"  # 51 characters
    abroad = check(client(Address_Line_1=long_line + " North", **ABROAD))
    assert found(abroad, "error") == set()
    assert abroad.records.loc[2, "State"] == "California"  # not upper-cased
    home = check(client(Address_Line_1=long_line + " North"))
    assert ("Address Line 1", "max_length") in found(home, "error")
    lowered = check(client(State="qld"))
    assert lowered.records.loc[2, "State"] == "QLD"
    too_long = check(client(Address_Line_1="A" * 120, Address_Line_2="B" * 140, **ABROAD))
    assert ("Address Line 1", "international_address") in found(too_long, "error")


@pytest.mark.parametrize(
    ("expiry", "stored"), [("01/11/2029", "01/11/2029"), ("2029-11", "11/2029")]
)
def test_a_green_cards_expiry_from_a_date_cell_or_in_iso_form_is_accepted(expiry, stored):
    report = check(client(Document_Expiry=expiry))
    assert found(report, "error") == set()
    assert report.records.loc[2, "Document Expiry"] == stored


def test_a_green_card_read_from_an_excel_date_cell_is_sent_as_its_month(tmp_path, write_xlsx):
    record = dict(BASE)
    record["Document Expiry"] = dt.datetime(2029, 11, 30)  # a date cell, as Excel keeps one
    path = write_xlsx("clients.xlsx", {"Clients": [list(record), list(record.values())]})
    workspace = open_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    from usikit import read_table

    import_clients(workspace, read_table(path), today=TODAY)
    batches.add_to_batch(workspace, ["S0001"])
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    batches.submit_batch(workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY)
    fields = dict(sent_applications(workspace)[0]["document"]["fields"])
    assert fields["ExpiryDate"] == "2029-11"  # xs:gYearMonth, as a green card shows it


def sent_applications(workspace) -> list[dict]:
    with workspace.begin() as connection:
        payload = connection.execute(select(submissions.c.payload)).scalar_one()
    return json.loads(payload)


class Named(OfflineRegistry):
    """The simulator under another registry's name (what the batch is sent to decides)."""

    def __init__(self, workspace, name: str) -> None:
        super().__init__(workspace, delay=dt.timedelta(0))
        self.name = name


NO_DOCUMENT = {"Document_Type": "", "Document_Number": "", "Document_Expiry": "",
               "Medicare_IRN": "", "Medicare_Card_Colour": "", "Name_on_Document": ""}  # fmt: skip


@pytest.mark.parametrize("registry", [LIVE_NAME, TEST_NAME])
def test_the_usi_registry_gets_no_record_without_its_evidence_type(tmp_path, registry, monkeypatch):
    monkeypatch.delenv("USIKIT_NON_DVS_TYPE", raising=False)
    workspace = open_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    frame = pd.DataFrame([client(**NO_DOCUMENT)])
    import_clients(workspace, frame, today=TODAY)
    batches.add_to_batch(workspace, ["S0001"])
    named = Named(workspace, registry)
    with pytest.raises(
        InputError, match="1 record\\(s\\) without an identity document \\(S0001\\)"
    ):
        batches.submit_batch(workspace, named, org_code="DEMO1", user_reference="t", today=TODAY)
    assert batches.list_batches(workspace)["status"].tolist() == ["open"]
    monkeypatch.setenv("USIKIT_NON_DVS_TYPE", "3")
    batches.submit_batch(workspace, named, org_code="DEMO1", user_reference="t", today=TODAY)
    (sent,) = sent_applications(workspace)
    assert sent["document"] is None and sent["non_dvs_document_type_id"] == 3
