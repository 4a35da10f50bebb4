"""A client who already has a USI (or an exemption code) is never created, so what creation
needs cannot block the record; what makes the record itself (Client ID, USI) still can."""

from __future__ import annotations

from tests.bulk_usi.test_validation import check, client
from usikit.bulk_usi.validation import records_to_create


def test_creation_errors_of_a_record_with_a_usi_are_warnings_it_still_shows():
    report = check(
        {**client(USI="BNGH7C75FN", Email="not an email"), "Town/City of Birth": ""},
        client(Client_ID="S2", USI="INDIV", Date_of_Birth="31/02/1990"),
        {**client(Client_ID="S3"), "Town/City of Birth": ""},
    )
    assert report.status.tolist() == ["has USI", "exempt", "error"]
    labelled = report.errors[report.errors["row"].isin([2, 3])]
    assert not labelled.empty
    assert set(labelled["severity"]) == {"warning"}
    kept = labelled[labelled["check"] != "same_person"]  # a warning of its own
    assert set(kept["column"]) == {"Town/City of Birth", "Email", "Date of Birth"}
    assert kept["message"].str.contains("does not block: the record is labelled").all()
    unlabelled = report.errors[report.errors["row"] == 4]
    town = unlabelled[unlabelled["column"] == "Town/City of Birth"]
    assert town["severity"].tolist() == ["error"]
    assert records_to_create(report).empty


def test_an_identity_problem_still_blocks_a_record_with_a_usi():
    first = client(USI="BNGH7C75FN")
    report = check(first, client(Client_ID=first["Client ID"], First_Name="Other"))
    twice = report.errors[report.errors["column"] == "Client ID"]
    assert not twice.empty and set(twice["severity"]) == {"error"}
    assert report.status.tolist() == ["error", "error"]
    assert "does not block" not in " ".join(twice["message"])
