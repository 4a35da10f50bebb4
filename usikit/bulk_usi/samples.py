"""Synthetic client records (no real people) for the demo, the tests and the benchmarks.

`synthetic_clients` makes valid records fast enough for a million rows; `add_mistakes`
breaks a share of them in the ways real spreadsheets go wrong, and says which it broke.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from usikit.bulk_usi.documents import DOCUMENT_COLUMNS, TYPE_NAMES
from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.identifiers import medicare

FIRST_NAMES = (
    "Mia", "Olivia", "Charlotte", "Amelia", "Isla", "Ava", "Grace", "Chloe", "Zoë", "Renée",
    "Jack", "Oliver", "William", "Noah", "Lucas", "Thomas", "James", "Ethan", "Liam", "José",
    "Minh", "Linh", "Wei", "Xin", "Priya", "Arjun", "Aisha", "Omar", "Fatima", "Ali",
    "Giulia", "Marco", "Eleni", "Nikos", "Siobhan", "Declan", "Aroha", "Tane", "Hana", "Kenji",
)  # fmt: skip
MIDDLE_NAMES = ("", "", "", "Rose", "James", "Anne", "Lee", "Marie", "John", "Kim")
FAMILY_NAMES = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Tran", "Le", "Pham",
    "Wang", "Li", "Zhang", "Chen", "Singh", "Patel", "Sharma", "Kaur", "Ahmed", "Hassan",
    "Papadopoulos", "Rossi", "Russo", "O'Brien", "O'Connor", "Murphy", "Kelly", "Walker",
    "Smith-Jones", "Anderson", "Thompson", "Martin", "White", "Harris", "Campbell", "Kowalski",
    "Müller", "García", "Takahashi", "Ngata",
)  # fmt: skip
# (suburb, state, postcode) of real places; the people living there are made up.
PLACES = (
    ("Sydney", "NSW", "2000"), ("Parramatta", "NSW", "2150"), ("Newcastle", "NSW", "2300"),
    ("Wollongong", "NSW", "2500"), ("Melbourne", "VIC", "3000"), ("Geelong", "VIC", "3220"),
    ("Ballarat", "VIC", "3350"), ("Brisbane", "QLD", "4000"), ("Cairns", "QLD", "4870"),
    ("Townsville", "QLD", "4810"), ("Adelaide", "SA", "5000"), ("Mount Gambier", "SA", "5290"),
    ("Perth", "WA", "6000"), ("Bunbury", "WA", "6230"), ("Hobart", "TAS", "7000"),
    ("Launceston", "TAS", "7250"), ("Darwin", "NT", "0800"), ("Alice Springs", "NT", "0870"),
    ("Canberra", "ACT", "2600"), ("Belconnen", "ACT", "2617"),
)  # fmt: skip
STREETS = ("High St", "George St", "Esplanade", "Station Rd", "Church St", "Park Ave", "Bay Rd")
BIRTH_ABROAD = (  # (town, SACC code) for students born overseas
    ("Ho Chi Minh City", "5105"), ("Shanghai", "6101"), ("Mumbai", "7103"), ("Auckland", "1201"),
    ("London", "2102"), ("Manila", "5206"), ("Athens", "3207"), ("Rome", "3104"),
)  # fmt: skip
STATE_CODES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")


def synthetic_clients(n: int, *, seed: int = 0, today: dt.date | None = None) -> pd.DataFrame:
    """`n` valid client records in the template's columns, every document type included."""
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()

    def pick(options: tuple, size: int = n) -> np.ndarray:
        return np.asarray(options, dtype=object)[rng.integers(0, len(options), size=size)]

    first, family = pick(FIRST_NAMES), pick(FAMILY_NAMES)
    born = pd.Timestamp(today) - pd.to_timedelta(rng.integers(16 * 365, 60 * 365, n), unit="D")
    place = rng.integers(0, len(PLACES), n)
    suburb, state, postcode = (
        np.asarray([p[i] for p in PLACES], dtype=object)[place] for i in range(3)
    )
    abroad = rng.random(n) < 0.3
    birth = rng.integers(0, len(BIRTH_ABROAD), n)
    birth_town = np.where(
        abroad, np.asarray([b[0] for b in BIRTH_ABROAD], dtype=object)[birth], suburb
    )
    birth_country = np.where(
        abroad, np.asarray([b[1] for b in BIRTH_ABROAD], dtype=object)[birth], "1101"
    )
    mobile = pd.Series(rng.integers(10_000_000, 99_999_999, n)).astype(str)
    frame = pd.DataFrame(
        {
            "Client ID": [f"S{i:07d}" for i in range(1, n + 1)],
            "USI": "",
            "First Name": first,
            "Middle Name": pick(MIDDLE_NAMES),
            "Family Name": family,
            "Single Name": "",
            "Date of Birth": born.strftime("%d/%m/%Y"),
            "Gender": pick(("F", "M", "F", "M", "X")),
            "Town/City of Birth": birth_town,
            "Country of Birth": birth_country,
            "Country of Residence": "1101",
            "Email": pd.Series(first)
            .str.lower()
            .str.normalize("NFKD")
            .str.encode("ascii", "ignore")
            .str.decode("ascii")
            + "."
            + pd.Series(family).str.lower().str.replace(r"[^a-z]", "", regex=True)
            + rng.integers(1, 999, n).astype(str)
            + "@example.com",
            "Home Phone": "",
            "Mobile Phone": "04" + mobile.str[:2] + " " + mobile.str[2:5] + " " + mobile.str[5:8],
            "Address Line 1": rng.integers(1, 300, n).astype(str) + " " + pick(STREETS),
            "Address Line 2": "",
            "Suburb/Town/City": suburb,
            "State": state,
            "Postcode": postcode,
        },
    )
    for column in CLIENT_COLUMNS[frame.shape[1] :]:
        frame[column] = ""
    kinds = pick(TYPE_NAMES)
    kinds[abroad & (kinds == "Birth Certificate")] = "Visa"
    frame["Document Type"] = kinds
    _fill_documents(frame, rng, today)
    _give_permission(frame, rng, today)
    return frame[list(CLIENT_COLUMNS)].astype(str)


def _give_permission(frame: pd.DataFrame, rng: np.random.Generator, today: dt.date) -> None:
    """Every student gave their permission, on a day of the year before `today`."""
    noticed = pd.Timestamp(today) - pd.to_timedelta(rng.integers(1, 365, len(frame)), unit="D")
    frame["USI Permission"] = "Yes"
    frame["Privacy Notice Date"] = noticed.strftime("%d/%m/%Y")


def _fill_documents(frame: pd.DataFrame, rng: np.random.Generator, today: dt.date) -> None:
    """Give each record the document details its Document Type needs."""
    kind = frame["Document Type"]
    born = pd.to_datetime(frame["Date of Birth"], format="%d/%m/%Y")
    n = len(frame)
    digits = pd.Series(rng.integers(10**6, 10**7 - 1, n)).astype(str)

    def put(where: pd.Series, column: str, values) -> None:
        values = pd.Series(values, index=frame.index) if not np.isscalar(values) else values
        frame.loc[where, column] = values[where] if not np.isscalar(values) else values

    licence = kind == "Driver Licence"
    put(licence, "Document Number", "1" + digits)
    put(licence, "Document State", frame["State"])
    put(licence, "Document Card Number", "P" + digits)
    card = kind == "Medicare"
    colours = np.asarray(("Green", "Green", "Green", "Blue", "Yellow"), dtype=object)[
        rng.integers(0, 5, n)
    ]
    expiry = pd.Timestamp(today) + pd.to_timedelta(rng.integers(2 * 365, 6 * 365, n), unit="D")
    put(card, "Document Number", medicare.generate_many(n, seed=int(rng.integers(1 << 30))))
    put(card, "Medicare IRN", rng.integers(1, 6, n).astype(str))
    put(card, "Medicare Card Colour", colours)
    put(
        card,
        "Document Expiry",
        np.where(colours == "Green", expiry.strftime("%m/%Y"), expiry.strftime("%d/%m/%Y")),
    )
    initial = frame["Middle Name"].str[:1]
    on_card = (
        frame["First Name"]
        + np.where(initial != "", " " + initial, "")
        + " "
        + frame["Family Name"]
    )
    put(card, "Name on Document", on_card.str.upper())
    letters = np.asarray(tuple("PNEMR"), dtype=object)[rng.integers(0, 5, n)]
    put(kind == "Australian Passport", "Document Number", letters + "A" + digits)
    put(kind == "Visa", "Document Number", "E" + digits + "2")
    put(kind == "ImmiCard", "Document Number", "EIS" + digits.str[:6])
    certificate = kind == "Birth Certificate"
    put(certificate, "Document State", frame["State"])
    put(certificate, "Document Number", born.dt.strftime("%Y") + "/" + digits.str[:5])
    put(certificate, "Document Date", (born + pd.Timedelta(days=14)).dt.strftime("%d/%m/%Y"))
    put(certificate, "Document Card Number", digits + "1")
    printed = certificate & frame["State"].isin(("ACT", "SA"))
    put(printed, "Date Printed", (born + pd.Timedelta(days=30)).dt.strftime("%d/%m/%Y"))
    citizen = kind.isin(("Citizenship Certificate", "Descent Certificate"))
    acquired = born + pd.to_timedelta(rng.integers(365, 15 * 365, n), unit="D")
    acquired = acquired.where(acquired < pd.Timestamp(today), born)
    put(citizen, "Document Date", acquired.dt.strftime("%d/%m/%Y"))
    put(kind == "Citizenship Certificate", "Document Number", "ACC" + digits.str[:6])


# Mistakes people make, each breaking one record in place; every one is caught by a rule.
Mistake = Callable[[pd.DataFrame, pd.Index, np.random.Generator], None]


def _medicare_check_digit(frame, rows, rng):
    rows = rows[frame.loc[rows, "Document Type"] == "Medicare"]
    number = frame.loc[rows, "Document Number"]
    ninth = ((number.str[8].astype(int) + 1) % 10).astype(str)
    frame.loc[rows, "Document Number"] = number.str[:8] + ninth + number.str[9]


def _postcode_lost_zero(frame, rows, rng):
    frame.loc[rows, ["Suburb/Town/City", "State", "Postcode"]] = ["Darwin", "NT", "800"]


def _impossible_date(frame, rows, rng):
    frame.loc[rows, "Date of Birth"] = "31/02/" + frame.loc[rows, "Date of Birth"].str[-4:]


def _two_digit_year(frame, rows, rng):
    frame.loc[rows, "Date of Birth"] = (
        frame.loc[rows, "Date of Birth"].str[:6] + frame.loc[rows, "Date of Birth"].str[-2:]
    )


def _future_birth(frame, rows, rng):
    frame.loc[rows, "Date of Birth"] = "01/01/2099"


def _missing_family_name(frame, rows, rng):
    frame.loc[rows, "Family Name"] = ""


def _duplicate_client_id(frame, rows, rng):
    frame.loc[rows, "Client ID"] = frame["Client ID"].iloc[0]


def _invalid_usi(frame, rows, rng):
    frame.loc[rows, "USI"] = "XNY5NV9WG8"


def _switch_document(frame, rows, kind: str, details: dict[str, str]) -> None:
    """Make the records hold only the given document, as a user retyping them would."""
    frame.loc[rows, list(DOCUMENT_COLUMNS)] = ""
    frame.loc[rows, "Document Type"] = kind
    frame.loc[rows, list(details)] = list(details.values())


def _licence_without_card(frame, rows, rng):
    details = {"Document Number": "12345678", "Document State": "NSW"}
    _switch_document(frame, rows, "Driver Licence", details)


def _expired_medicare(frame, rows, rng):
    rows = rows[frame.loc[rows, "Document Type"] == "Medicare"]
    green = frame.loc[rows, "Medicare Card Colour"] == "Green"
    frame.loc[rows, "Document Expiry"] = np.where(green, "01/2020", "31/01/2020")


def _bad_email(frame, rows, rng):
    frame.loc[rows, "Email"] = frame.loc[rows, "Email"].str.replace("@", " at ", regex=False)


def _short_phone(frame, rows, rng):
    frame.loc[rows, "Mobile Phone"] = frame.loc[rows, "Mobile Phone"].str[:8]


def _digit_in_name(frame, rows, rng):
    frame.loc[rows, "First Name"] = frame.loc[rows, "First Name"] + "2"


def _unknown_country(frame, rows, rng):
    frame.loc[rows, "Country of Birth"] = "Untied States"


def _short_passport(frame, rows, rng):
    _switch_document(frame, rows, "Australian Passport", {"Document Number": "P12345"})


def _missing_birthplace(frame, rows, rng):
    frame.loc[rows, "Town/City of Birth"] = ""


def _unknown_gender(frame, rows, rng):
    frame.loc[rows, "Gender"] = "Unknown"


MISTAKES: dict[str, Mistake] = {
    "medicare_check_digit": _medicare_check_digit,
    "postcode_lost_zero": _postcode_lost_zero,
    "impossible_date": _impossible_date,
    "two_digit_year": _two_digit_year,
    "future_birth": _future_birth,
    "missing_family_name": _missing_family_name,
    "duplicate_client_id": _duplicate_client_id,
    "invalid_usi": _invalid_usi,
    "licence_without_card": _licence_without_card,
    "expired_medicare": _expired_medicare,
    "bad_email": _bad_email,
    "short_phone": _short_phone,
    "digit_in_name": _digit_in_name,
    "unknown_country": _unknown_country,
    "short_passport": _short_passport,
    "missing_birthplace": _missing_birthplace,
    "unknown_gender": _unknown_gender,
}


def add_mistakes(
    frame: pd.DataFrame, *, rate: float = 0.03, seed: int = 1, kinds: tuple[str, ...] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """A copy of `frame` with about `rate` of its records broken, and the kind per broken row.

    Record 0 is never broken (duplicate IDs copy it). The second result maps the frame's
    index to the mistake made there.
    """
    rng = np.random.default_rng(seed)
    broken = frame.copy()
    kinds = kinds or tuple(MISTAKES)
    count = round(len(frame) * rate)
    rows = rng.choice(np.arange(1, len(frame)), size=min(count, len(frame) - 1), replace=False)
    chosen = np.asarray(kinds, dtype=object)[rng.integers(0, len(kinds), len(rows))]
    made = []
    for kind in kinds:
        where = broken.index[rows[chosen == kind]]
        if len(where):
            before = broken.loc[where].copy()
            MISTAKES[kind](broken, where, rng)
            changed = (broken.loc[where] != before).any(axis=1)
            made.append(pd.Series(kind, index=where[changed.to_numpy()], dtype=object))
    return broken, (pd.concat(made) if made else pd.Series(dtype=object)).sort_index()


DEMO_DATE = dt.date(2026, 7, 1)  # the demo's records are made relative to this day
DEMO_MISTAKES = {  # record position -> the mistake it shows
    25: "medicare_check_digit",
    7: "postcode_lost_zero",
    12: "impossible_date",
    17: "licence_without_card",
    21: "missing_family_name",
    26: "duplicate_client_id",
    30: "bad_email",
}


def demo_clients() -> pd.DataFrame:
    """The 40 clients of `data/samples/clients_demo.xlsx`: every document type, a few of the
    usual mistakes, and the cases a data officer meets (existing USI, exemption code, one
    name only, living overseas, no identity document, values that need tidying)."""
    frame = synthetic_clients(40, seed=2026, today=DEMO_DATE)
    frame["Document Type"] = [TYPE_NAMES[i % len(TYPE_NAMES)] for i in range(40)]
    frame.loc[frame["Document Type"] == "Birth Certificate", "Country of Birth"] = "1101"
    for column in DOCUMENT_COLUMNS:
        frame[column] = ""
    _fill_documents(frame, np.random.default_rng(7), DEMO_DATE)
    rng = np.random.default_rng(11)
    for position, kind in DEMO_MISTAKES.items():
        MISTAKES[kind](frame, frame.index[[position]], rng)
    frame.loc[1, "USI"] = "bngh7c75fn"  # has a USI already, typed in lower case
    frame.loc[5, "USI"] = "INTOFF"  # offshore international student: exempt
    names = ["First Name", "Middle Name", "Family Name", "Single Name"]
    frame.loc[10, names] = ["", "", "", "Ngata"]  # a person with one name
    address = ["Country of Residence", "Address Line 1", "Suburb/Town/City", "State", "Postcode"]
    frame.loc[14, address] = ["Viet Nam", "45 Le Loi", "Ho Chi Minh City", "", "700000"]
    frame.loc[18, ["Gender", "Date of Birth"]] = ["female", "2003-09-14"]
    frame.loc[23, "Country of Birth"] = "New Zealand"
    documents = ["Document Type", *DOCUMENT_COLUMNS]
    frame.loc[33, documents] = ""  # no identity document: non-DVS
    frame.loc[36, "Family Name"] = "  O\u2019Connor "
    # Valid here, refused by the registry's document check (see the offline simulator).
    frame.loc[9, "Name on Document"] = "LUCAS SMITH"  # not the family name on the card
    frame.loc[2, "Document Number"] = "PA1230000"  # a number the DVS cannot verify
    # The same student entered twice under two Client IDs: a warning here, and the
    # registry answers the second application with the first one's USI.
    person = ["First Name", "Middle Name", "Family Name", "Date of Birth", "Gender", "Email",
              "Mobile Phone"]  # fmt: skip
    frame.loc[39, person] = frame.loc[38, person].to_list()
    return frame


def write_demo_files(folder: str | Path) -> list[Path]:
    """Write the sample files of `data/samples` into `folder` (the demo and the tests use them)."""
    from usikit.bulk_usi.template import write_clients_workbook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_clients_workbook(demo_clients(), folder / "clients_demo.xlsx", date_cells=True)]
