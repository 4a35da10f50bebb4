"""validate_clients: each rule passes a good record and catches a bad one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from usikit import read_table
from usikit.bulk_usi.documents import medicare_name_lines
from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.bulk_usi.validation import client_schema, records_to_create, validate_clients
from usikit.errors import InputError

TODAY = dt.date(2026, 11, 22)

BASE = {
    "Client ID": "S0001",
    "USI": "",
    "First Name": "Mia",
    "Middle Name": "Rose",
    "Family Name": "Nguyen",
    "Single Name": "",
    "Date of Birth": "23/04/2004",
    "Gender": "F",
    "Town/City of Birth": "Cairns",
    "Country of Birth": "1101",
    "Country of Residence": "1101",
    "Email": "mia.nguyen@example.com",
    "Home Phone": "07 4051 2345",
    "Mobile Phone": "0412 345 678",
    "Address Line 1": "12 Esplanade",
    "Address Line 2": "",
    "Suburb/Town/City": "Cairns",
    "State": "QLD",
    "Postcode": "4870",
    "Document Type": "Medicare",
    "Document Number": "2123456701",
    "Document State": "",
    "Document Card Number": "",
    "Document Date": "",
    "Document Expiry": "11/2029",
    "Medicare IRN": "1",
    "Medicare Card Colour": "Green",
    "Name on Document": "MIA R NGUYEN",
    "Date Printed": "",
    "USI Permission": "Yes",
    "Privacy Notice Date": "03/02/2026",
}
DOCUMENTS = {
    "Driver Licence": {"Document Number": "12345678", "Document State": "NSW",
                       "Document Card Number": "P1234567"},
    "Medicare": {c: BASE[c] for c in ("Document Number", "Document Expiry", "Medicare IRN",
                                      "Medicare Card Colour", "Name on Document")},
    "Australian Passport": {"Document Number": "PA1234567"},
    "Visa": {"Document Number": "E12345678"},
    "Birth Certificate": {"Document Number": "2004/12345", "Document State": "QLD",
                          "Document Date": "30/04/2004", "Document Card Number": "12345678"},
    "Citizenship Certificate": {"Document Number": "ACC123456", "Document Date": "01/07/2015"},
    "Descent Certificate": {"Document Date": "01/07/2015"},
    "ImmiCard": {"Document Number": "EIS123456"},
}  # fmt: skip
MEDICARE_ONLY = ("Document Expiry", "Medicare IRN", "Medicare Card Colour", "Name on Document")
SINGLE_NAMED = {"First Name": "", "Middle Name": "", "Family Name": ""}  # with a Single Name


def client(**changes: str) -> dict[str, str]:
    record = dict(BASE)
    record.update({k.replace("_", " "): v for k, v in changes.items()})
    return record


def with_document(kind: str, **changes: str) -> dict[str, str]:
    record = client(**{c: "" for c in ("Document Number", *MEDICARE_ONLY)})
    record["Document Type"] = kind
    record.update(DOCUMENTS[kind])
    record.update(changes)
    return record


def check(*records: dict[str, str], **options):
    return validate_clients(pd.DataFrame(list(records)), today=TODAY, **options)


def found(report, severity: str | None = None) -> set[tuple[str, str]]:
    errors = report.errors
    if severity:
        errors = errors[errors["severity"] == severity]
    return set(zip(errors["column"], errors["check"], strict=True))


def test_the_base_record_is_valid_with_no_problem_at_all():
    report = check(BASE)
    assert report.errors.empty
    assert report.status.tolist() == ["ok"]


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_each_document_type_has_a_valid_example(kind):
    report = check(with_document(kind))
    assert report.errors.empty, report.errors["message"].tolist()


# One failing case per rule: (changes to the base record, (column, check) expected).
FAILING = [
    ({"Client ID": ""}, ("Client ID", "required")),
    ({"Client ID": "X" * 21}, ("Client ID", "max_length")),
    ({"Client ID": "\u0405000001"}, ("Client ID", "client_id_characters")),  # a Cyrillic S
    ({"USI": "XNY5NV9WG8"}, ("USI", "usi_check")),
    ({"First Name": ""}, ("First Name", "required")),
    ({"Family Name": ""}, ("Family Name", "required")),
    ({"Single Name": "Mia"}, ("Single Name", "single_name_only")),
    ({"First Name": "M" * 41}, ("First Name", "max_length")),
    ({"Middle Name": "M" * 81}, ("Middle Name", "max_length")),
    ({"Family Name": "N" * 41}, ("Family Name", "max_length")),
    ({"First Name": "Mia2"}, ("First Name", "name_characters")),
    ({"Family Name": "Nguyen😀"}, ("Family Name", "name_characters")),
    ({"Middle Name": "R."}, ("Middle Name", "name_characters")),
    ({**SINGLE_NAMED, "Single Name": "S" * 41}, ("Single Name", "max_length")),
    ({**SINGLE_NAMED, "Single Name": "Sukarno2"}, ("Single Name", "name_characters")),
    ({"Date of Birth": ""}, ("Date of Birth", "required")),
    ({"Date of Birth": "31/02/2004"}, ("Date of Birth", "real_date")),
    ({"Date of Birth": "23/04/04"}, ("Date of Birth", "real_date")),
    ({"Date of Birth": "April 2004"}, ("Date of Birth", "real_date")),
    ({"Date of Birth": "01/01/2027"}, ("Date of Birth", "not_in_future")),
    ({"Date of Birth": "01/01/1900"}, ("Date of Birth", "too_old")),
    ({"Gender": ""}, ("Gender", "required")),
    ({"Gender": "Q"}, ("Gender", "allowed_values")),
    ({"Town/City of Birth": ""}, ("Town/City of Birth", "required")),
    ({"Town/City of Birth": "C" * 51}, ("Town/City of Birth", "max_length")),
    ({"Country of Birth": ""}, ("Country of Birth", "required")),
    ({"Country of Birth": "Atlantis"}, ("Country of Birth", "country")),
    ({"Country of Birth": "@@@@"}, ("Country of Birth", "country")),
    ({"Country of Residence": ""}, ("Country of Residence", "required")),
    ({"Country of Residence": "9999"}, ("Country of Residence", "country")),
    ({"Email": "mia@"}, ("Email", "email")),
    ({"Email": "a" * 250 + "@x.au"}, ("Email", "max_length")),
    ({"Home Phone": "07 4051 234"}, ("Home Phone", "phone_number")),
    ({"Home Phone": "ext. 4051"}, ("Home Phone", "phone_characters")),
    ({"Home Phone": "+61 7 4051 2345 000 000 000"}, ("Home Phone", "max_length")),
    ({"Mobile Phone": "0412 345 67"}, ("Mobile Phone", "phone_number")),
    ({"Mobile Phone": "0412 345 678 ext 2"}, ("Mobile Phone", "phone_characters")),
    ({"Mobile Phone": "+61 412 345 678 000 000 000"}, ("Mobile Phone", "max_length")),
    ({"Address Line 1": ""}, ("Address Line 1", "required_for_address")),
    ({"Suburb/Town/City": ""}, ("Suburb/Town/City", "required_for_address")),
    ({"State": ""}, ("State", "required_for_address")),
    ({"Postcode": ""}, ("Postcode", "required_for_address")),
    ({"Address Line 1": "A" * 51}, ("Address Line 1", "max_length")),
    ({"Address Line 2": "A" * 51}, ("Address Line 2", "max_length")),
    ({"Suburb/Town/City": "S" * 51}, ("Suburb/Town/City", "max_length")),
    ({"State": "QUE"}, ("State", "state")),
    ({"Postcode": "487"}, ("Postcode", "postcode")),
    ({"Postcode": "48700"}, ("Postcode", "postcode")),
    ({"Document Type": "Library Card"}, ("Document Type", "document_type")),
    ({"Document Type": ""}, ("Document Type", "document_type_missing")),
    ({"Document Number": ""}, ("Document Number", "required_for_document")),
    ({"Document Number": "212345670"}, ("Document Number", "document_number")),
    ({"Document Number": "2123456711"}, ("Document Number", "medicare_number")),
    ({"Document Number": "2123456700"}, ("Document Number", "medicare_number")),
    ({"Document Number": "7123456701"}, ("Document Number", "medicare_number")),
    ({"Medicare IRN": ""}, ("Medicare IRN", "required_for_document")),
    ({"Medicare IRN": "0"}, ("Medicare IRN", "irn")),
    ({"Medicare Card Colour": ""}, ("Medicare Card Colour", "required_for_document")),
    ({"Medicare Card Colour": "Red"}, ("Medicare Card Colour", "card_colour")),
    ({"Document Expiry": ""}, ("Document Expiry", "required_for_document")),
    ({"Document Expiry": "13/2029"}, ("Document Expiry", "expiry_format")),
    ({"Document Expiry": "10/2026"}, ("Document Expiry", "expired")),
    ({"Name on Document": "X" * 28}, ("Name on Document", "medicare_name")),
    ({"Name on Document": ""}, ("Name on Document", "required_for_document")),
    ({"USI Permission": "Maybe"}, ("USI Permission", "allowed_values")),
    ({"Privacy Notice Date": "31/02/2026"}, ("Privacy Notice Date", "real_date")),
    ({"Privacy Notice Date": "01/01/2027"}, ("Privacy Notice Date", "not_in_future")),
]


@pytest.mark.parametrize(("changes", "expected"), FAILING, ids=[str(c) for c, _ in FAILING])
def test_each_rule_catches_its_failure(changes, expected):
    report = check(client(**changes))
    assert expected in found(report, "error")
    assert report.status.tolist() == ["error"]


NUMBER, CARD = "Document Number", "Document Card Number"
DOCUMENT_FAILING = [
    ("Driver Licence", {CARD: ""}, (CARD, "required_for_document")),
    ("Driver Licence", {"Document State": ""}, ("Document State", "required_for_document")),
    ("Driver Licence", {"Document State": "XYZ"}, ("Document State", "state")),
    ("Driver Licence", {NUMBER: "12345678901"}, (NUMBER, "document_number")),
    ("Driver Licence", {CARD: "P12345678901"}, (CARD, "card_number")),
    ("Australian Passport", {NUMBER: "P12345"}, (NUMBER, "document_number")),
    ("Australian Passport", {NUMBER: "ABC1234567"}, (NUMBER, "document_number")),
    ("Visa", {NUMBER: "E1234567890123X"}, (NUMBER, "document_number")),
    ("Birth Certificate", {NUMBER: ""}, (NUMBER, "required_for_document")),
    ("Birth Certificate", {"Document Date": "30/02/2004"}, ("Document Date", "real_date")),
    ("Birth Certificate", {"Document Date": "01/01/2003"}, ("Document Date", "before_birth")),
    ("Birth Certificate", {CARD: "123456789012"}, (CARD, "card_number")),
    ("Birth Certificate", {"Document State": "SA"}, ("Date Printed", "date_printed_needed")),
    ("Birth Certificate", {"Date Printed": "31/02/2020"}, ("Date Printed", "real_date")),
    ("Birth Certificate", {"Date Printed": "01/01/2030"}, ("Date Printed", "not_in_future")),
    ("Citizenship Certificate", {NUMBER: "AB1"}, (NUMBER, "document_number")),
    ("Citizenship Certificate", {"Document Date": ""}, ("Document Date", "required_for_document")),
    ("Citizenship Certificate", {"Document Date": "01/01/2030"},
     ("Document Date", "not_in_future")),
    ("Descent Certificate", {"Document Date": ""}, ("Document Date", "required_for_document")),
    ("ImmiCard", {NUMBER: "EIS12345"}, (NUMBER, "document_number")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "changes", "expected"), DOCUMENT_FAILING)
def test_each_document_rule_catches_its_failure(kind, changes, expected):
    report = check(with_document(kind, **changes))
    assert expected in found(report, "error")


WARNINGS = [
    ({"Date of Birth": "01/01/2020"}, ("Date of Birth", "under_10")),
    ({"Mobile Phone": "02 9999 0000"}, ("Mobile Phone", "mobile_landline")),
    ({"Postcode": "2000"}, ("Postcode", "postcode_state")),
    ({"Document Type": "", **{c: "" for c in ("Document Number", *MEDICARE_ONLY)}},
     ("Document Type", "non_dvs")),
    ({"Document Card Number": "P1234567"}, ("Document Card Number", "not_used_for_document")),
    ({"First Name": "\u0410nna"}, ("First Name", "mixed_alphabets")),  # a Cyrillic A
    ({"Middle Name": "R\u043ese"}, ("Middle Name", "mixed_alphabets")),
    ({"Family Name": "Ngu\u0443en"}, ("Family Name", "mixed_alphabets")),
    ({**SINGLE_NAMED, "Single Name": "\u0405ukarno"}, ("Single Name", "mixed_alphabets")),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), WARNINGS, ids=[str(e) for _, e in WARNINGS])
def test_warnings_are_reported_without_blocking_the_record(changes, expected):
    report = check(client(**changes))
    assert expected in found(report, "warning")
    assert report.status.tolist() == ["ok"]


# A detail the document type does not use: a warning (it is not sent), never an error.
NOT_USED = "not_used_for_document"
DOCUMENT_WARNINGS = [
    ("Descent Certificate", {NUMBER: "ABC123"}, (NUMBER, NOT_USED)),
    ("Australian Passport", {"Document State": "NSW"}, ("Document State", NOT_USED)),
    ("Medicare", {CARD: "P1234567"}, (CARD, NOT_USED)),
    ("ImmiCard", {"Document Date": "01/07/2015"}, ("Document Date", NOT_USED)),
    ("Visa", {"Document Expiry": "11/2029"}, ("Document Expiry", NOT_USED)),
    ("Driver Licence", {"Medicare IRN": "1"}, ("Medicare IRN", NOT_USED)),
    ("Citizenship Certificate", {"Medicare Card Colour": "Green"},
     ("Medicare Card Colour", NOT_USED)),
    ("Australian Passport", {"Name on Document": "MIA R NGUYEN"}, ("Name on Document", NOT_USED)),
    ("Medicare", {"Date Printed": "01/05/2004"}, ("Date Printed", NOT_USED)),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "changes", "expected"), DOCUMENT_WARNINGS)
def test_each_document_warning_is_reported_without_blocking_the_record(kind, changes, expected):
    report = check(with_document(kind, **changes))
    assert expected in found(report, "warning")
    assert report.status.tolist() == ["ok"]


# Rules whose failing case needs more than one record, with the test that has it.
COVERED_BY_OWN_TEST = {
    ("Client ID", "duplicate_client_id"):
        "test_duplicate_client_id_is_an_error_on_both_rows_naming_the_other",
    ("Client ID", "same_person"):
        "test_same_person_twice_is_a_warning_naming_the_other_row",
    ("Address Line 1", "international_address"):
        "test_international_resident_address_is_not_checked_as_australian",
    **{(column, "xml_character"): "test_a_character_xml_cannot_carry_is_an_error_naming_the_cell"
       for column in CLIENT_COLUMNS},  # (Document Type: normalised to the template's spelling)
}  # fmt: skip


@pytest.mark.parametrize("character", ["\ufffe", "\uffff"])
def test_a_character_xml_cannot_carry_is_an_error_naming_the_cell(character):
    """The registry's request could not carry it: the record is held back, the cell named."""
    records = []
    for number, column in enumerate(CLIENT_COLUMNS):
        record = {**BASE, "Client ID": f"S{number:04d}"}
        record[column] += character
        records.append(record)
    report = validate_clients(pd.DataFrame(records), today=TODAY)
    errors = report.errors[report.errors["check"] == "xml_character"]
    # The document type is spelt as the template's when it is normalised, so nothing is left.
    assert sorted(errors["column"]) == sorted(set(CLIENT_COLUMNS) - {"Document Type"})
    assert (report.status == "error").sum() == len(CLIENT_COLUMNS) - 1
    code = f"U+{ord(character):04X}"
    assert all(code in message and "XML cannot carry" in message for message in errors["message"])
    assert check(client()).status.tolist() == ["ok"]


def test_controls_are_removed_and_a_lone_surrogate_is_refused_naming_the_cell():
    report = validate_clients(pd.DataFrame([client(First_Name="Mi\x01a")]), today=TODAY)
    assert report.status.tolist() == ["ok"]  # the invisible control is removed, with a warning
    assert report.records["First Name"].tolist() == ["Mia"]
    frame = pd.DataFrame([client(), client(Client_ID="S2", Family_Name="Ng\ud800")], dtype=object)
    with pytest.raises(InputError, match="row 3, Family Name: U\\+D800 is a lone surrogate"):
        validate_clients(frame, today=TODAY)


def test_every_rule_of_the_client_schema_has_a_failing_case():
    """A rule added to the schema without a failing case in this file fails here."""
    rules = {(r.column, r.check): r for r in client_schema(TODAY).rules}
    cases = {
        *(expected for _, expected in FAILING),
        *(expected for _, _, expected in DOCUMENT_FAILING),
        *(expected for _, expected in WARNINGS),
        *(expected for _, _, expected in DOCUMENT_WARNINGS),
    }
    for key, test_name in COVERED_BY_OWN_TEST.items():
        assert callable(globals().get(test_name)), f"{key}: no test named {test_name}"
        cases.add(key)
    untested = sorted(set(rules) - cases)
    assert not untested, (
        f"rules without a failing case in tests/bulk_usi/test_validation.py: {untested}"
    )
    assert not cases - set(rules), f"cases for rules the schema lacks: {sorted(cases - set(rules))}"
    # Each table asserts the severity it expects; check that matches the rule's.
    for table, severity in ((FAILING, "error"), (WARNINGS, "warning")):
        for _, key in table:
            assert rules[key].severity == severity, key
    for table, severity in ((DOCUMENT_FAILING, "error"), (DOCUMENT_WARNINGS, "warning")):
        for _, _, key in table:
            assert rules[key].severity == severity, key


@pytest.mark.parametrize(
    "number", ["0412 345 678", "+61 412 345 678", "(02) 9999 0000", "1300 123 456", "131 450",
               "+64 21 123 4567", "+44 20 7946 0958"]
)  # fmt: skip
def test_plausible_phone_numbers_pass(number):
    report = check(client(Home_Phone=number))
    assert not any(c == "Home Phone" for c, _ in found(report))


def test_single_name_person_is_valid_without_first_and_family_name():
    report = check(client(First_Name="", Middle_Name="", Family_Name="", Single_Name="Sukarno"))
    assert found(report, "error") == set()


@pytest.mark.parametrize("name", ["José", "O'Brien", "Smith-Jones", "Zoë Anne", "محمد", "Nguyễn"])
def test_names_with_accents_apostrophes_hyphens_and_other_alphabets_pass(name):
    assert found(check(client(Family_Name=name))) == set()


def test_international_resident_address_is_not_checked_as_australian():
    report = check(client(Country_of_Residence="2102", State="Kent", Postcode="CT1 2EH"))
    assert found(report, "error") == set()
    long = "A" * 50
    report = check(client(Country_of_Residence="2102", Address_Line_1=long, Address_Line_2=long,
                          Suburb_Town_City=long, State=long, Postcode=long + long))  # fmt: skip
    assert ("Address Line 1", "international_address") in found(report, "error")


def test_duplicate_client_id_is_an_error_on_both_rows_naming_the_other():
    report = check(client(), client(First_Name="Ann"), client(Client_ID="S0002", First_Name="Bo"))
    duplicates = report.errors[report.errors["check"] == "duplicate_client_id"]
    assert duplicates["row"].tolist() == [2, 3]
    assert duplicates["message"].tolist() == [
        "Client ID S0001 is also used in row 3; each client needs their own ID",
        "Client ID S0001 is also used in row 2; each client needs their own ID",
    ]
    assert report.status.tolist() == ["error", "error", "ok"]


def test_same_person_twice_is_a_warning_naming_the_other_row():
    report = check(client(), client(Client_ID="S0002", First_Name="MIA"))
    same = report.errors[report.errors["check"] == "same_person"]
    assert same["row"].tolist() == [2, 3]
    assert "same person as row 3" in same["message"].iloc[0]
    assert set(same["severity"]) == {"warning"}
    assert report.ok


def test_the_people_are_told_apart_once_for_the_rule_and_its_messages(monkeypatch):
    """The same-person rule and the messages naming the other rows share one set of keys
    (working them out is most of that rule's cost on a million records)."""
    from usikit.bulk_usi import person_rules

    calls = []
    keys_of = person_rules._keys_of
    monkeypatch.setattr(person_rules, "_keys_of", lambda f: calls.append(1) or keys_of(f))
    report = check(client(), client(Client_ID="S0002", First_Name="MIA"))
    assert "same person as row 3" in report.errors["message"].iloc[0]
    assert len(calls) == 1


def test_existing_usi_is_not_an_error_and_is_left_out_of_creation():
    report = check(
        client(USI="BNGH7C75FN"),
        client(Client_ID="S2", USI="INTOFF"),
        client(Client_ID="S3", First_Name="Al"),
    )
    assert report.status.tolist() == ["has USI", "exempt", "ok"]
    assert report.n_valid == 3
    assert records_to_create(report)["Client ID"].tolist() == ["S3"]


def test_normalisation_is_visible_and_gives_ready_records():
    messy = client(
        USI="bngh7c75fn",
        First_Name="  Mia  ",
        Family_Name="O’Brien",
        Date_of_Birth="2004-04-23",
        Gender="female",
        Country_of_Birth="New Zealand",
        State="qld",
        Document_Type="medicare card",
        Document_Number="2123 45670 1",
        Medicare_Card_Colour="green",
        Document_Expiry="1/2029",
        Email="'=mia@example.com",
    )
    report = check(messy)
    record = report.records.iloc[0]
    assert record["USI"] == "BNGH7C75FN"
    assert (record["First Name"], record["Family Name"]) == ("Mia", "O'Brien")
    assert record["Date of Birth"] == "23/04/2004"
    assert (record["Gender"], record["Country of Birth"], record["State"]) == ("F", "1201", "QLD")
    assert (record["Document Type"], record["Document Number"]) == ("Medicare", "2123456701")
    assert (record["Medicare Card Colour"], record["Document Expiry"]) == ("Green", "01/2029")
    changed = report.errors[report.errors["check"] == "normalised"]
    assert set(changed["severity"]) == {"warning"}
    assert set(changed["column"]) >= {
        "USI", "First Name", "Family Name", "Date of Birth", "Gender", "Country of Birth",
        "State", "Document Type", "Document Number", "Medicare Card Colour", "Document Expiry",
    }  # fmt: skip
    usi_note = changed[changed["column"] == "USI"]["message"].iloc[0]
    assert usi_note == "USI 'bngh7c75fn' was changed to 'BNGH7C75FN' (USIs are upper case)"
    dob_note = changed[changed["column"] == "Date of Birth"]["message"].iloc[0]
    assert "2004-04-23" not in dob_note and "23/04/2004" not in dob_note  # masked


def test_headers_are_matched_forgivingly_and_reported():
    frame = pd.DataFrame([{
        "client_id": "S1", "GIVEN NAME": "Mia", "Surname": "Nguyen", "D.O.B.": "23/04/2004",
        "Sex": "F", "Place of Birth": "Cairns", "Country of birth": "1101",
        "Country": "Australia", "Post Code": "4870", "Notes": "VIP",
    }])  # fmt: skip
    report = validate_clients(frame, today=TODAY)
    headers = report.headers.set_index("found")
    assert headers.loc["Surname", "read_as"] == "Family Name"
    assert headers.loc["D.O.B.", "read_as"] == "Date of Birth"
    assert headers.loc["Post Code", "read_as"] == "Postcode"
    assert headers.loc["client_id", "how"] == "exact"
    assert headers.loc["Notes", "how"] == "not recognised"
    assert ("Notes", "unrecognised_column") in found(report, "warning")
    assert list(report.records.columns) == [*CLIENT_COLUMNS, "Notes"]


def test_missing_required_columns_are_file_level_errors():
    report = validate_clients(pd.DataFrame([{"Client ID": "S1", "Surname": "Lee"}]), today=TODAY)
    missing = report.file_problems.query("check == 'missing_column'")["column"].tolist()
    # Family Name alone is not a full name: First Name is missing too.
    assert missing == ["First Name", "Date of Birth", "Gender", "Town/City of Birth",
                       "Country of Birth", "Country of Residence"]  # fmt: skip
    assert report.n_invalid == 1


def test_no_name_columns_is_a_file_level_error():
    frame = pd.DataFrame([{c: BASE[c] for c in CLIENT_COLUMNS if "Name" not in c}])
    report = validate_clients(frame, today=TODAY)
    assert ("First Name", "missing_column") in found(report, "error")


def test_two_headers_meaning_the_same_column_are_an_error():
    frame = pd.DataFrame([client()]).assign(Surname="Other")
    report = validate_clients(frame, today=TODAY)
    assert ("Surname", "column_twice") in found(report, "error")


def test_sensitive_values_are_masked_unless_asked():
    bad = client(Document_Number="2123456711", Date_of_Birth="31/02/2004")
    masked = check(bad).errors.to_string()
    assert "2123456711" not in masked and "31/02/2004" not in masked
    shown = check(bad, show_sensitive=True).errors.to_string()
    assert "2123456711" in shown and "31/02/2004" in shown


def test_date_messages_say_why():
    report = check(
        client(Date_of_Birth="23/04/04"), client(Client_ID="S2", Date_of_Birth="31/02/2004")
    )
    messages = report.errors.query("check == 'real_date'")["message"].tolist()
    assert messages == [
        "Date of Birth **/**/04 has a two-digit year (write all four digits); use dd/mm/yyyy",
        "Date of Birth **/**/**04 is not a real date; use dd/mm/yyyy",
    ]


def test_excel_date_cells_and_iso_dates_are_accepted(write_xlsx):
    header = list(BASE)
    row = [dt.date(2004, 4, 23) if c == "Date of Birth" else BASE[c] for c in header]
    frame = read_table(write_xlsx("c.xlsx", {"Clients": [header, row]}))
    report = validate_clients(frame, today=TODAY)
    assert report.records.iloc[0]["Date of Birth"] == "23/04/2004"
    assert found(report, "error") == set()


def test_medicare_name_lines_split_long_names_at_spaces():
    assert medicare_name_lines("MIA R NGUYEN") == ["MIA R NGUYEN"]
    long = "ALEXANDRA CHRISTINA MARGARET WILHELMINA VON HOHENZOLLERN"
    lines = medicare_name_lines(long)
    assert lines and all(len(x) <= n for x, n in zip(lines, (27, 25, 23, 21), strict=False))
    assert " ".join(lines) == long
    assert medicare_name_lines("X" * 28) is None


def test_blank_optional_document_cells_pass_in_a_dense_column():
    # Most rows fill Document Number, so the engine tests the whole column at once: a blank
    # number must still only be reported as missing, not as a malformed number.
    records = [with_document("ImmiCard", **{"Client ID": f"S{i}", "First Name": n})
               for i, n in enumerate(["Al", "Bo", "Cy"])]  # fmt: skip
    records[0]["Document Number"] = ""
    report = check(*records)
    assert ("Document Number", "required_for_document") in found(report, "error")
    assert ("Document Number", "document_number") not in found(report)


# The student's permission: checked when filled; needed only for records sent to the registry.


def test_permission_columns_are_optional_for_a_plain_check_and_tidied():
    report = check(client(USI_Permission="", Privacy_Notice_Date=""))
    assert report.errors.empty
    report = check(client(USI_Permission="y", Privacy_Notice_Date="2026-02-03"))
    record = report.records.iloc[0]
    assert (record["USI Permission"], record["Privacy Notice Date"]) == ("Yes", "03/02/2026")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"USI Permission": ""}, ("USI Permission", "permission_needed")),
        ({"USI Permission": "No"}, ("USI Permission", "permission_needed")),
        ({"Privacy Notice Date": ""}, ("Privacy Notice Date", "privacy_notice_needed")),
    ],
)
def test_a_record_to_send_needs_the_students_permission(changes, expected):
    assert check(client(**{k.replace(" ", "_"): v for k, v in changes.items()})).ok
    report = check(client(**{k.replace(" ", "_"): v for k, v in changes.items()}),
                   needs_permission=True)  # fmt: skip
    assert expected in found(report, "error")
    assert report.status.tolist() == ["error"]


def test_permission_given_passes_when_sending_and_a_labelled_record_is_not_blocked():
    assert check(client(), needs_permission=True).ok
    report = check(client(USI="BNGH7C75FN", USI_Permission=""), needs_permission=True)
    assert report.status.tolist() == ["has USI"]  # never sent for creation: not blocked
