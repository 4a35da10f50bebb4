"""Synthetic Registration & Certification data (no real people) for the demo, tests, benchmarks.

`synthetic_register` makes a learner file (one row per learner and qualification) fast
enough for 100,000 learners; `first_import`, `update_import` and `errors_import` make the
import files of `data/samples/`, which together exercise every import rule in sequence.
Qualification numbers, qualification names and awarding organisations are made up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from usikit.identifiers import uln
from usikit.io import Sheet, write_csv, write_xlsx
from usikit.regcert.fields import IMPORT_COLUMNS, LEARNER_COLUMNS

SAMPLE_DATE = dt.date(2026, 7, 1)  # the samples' records are dated before this day
SAMPLE_LEARNERS = 200
SAMPLE_SEED = 2026
FAR_FUTURE = "01/01/2099"

# Made-up qualifications: number -> (name, awarding organisation).
QUALIFICATIONS = {
    "603/1234/5": ("Level 3 Diploma in Engineering Technology", "Northfield Awards"),
    "601/2468/X": ("Level 2 Functional Skills Qualification in Mathematics", "Pennine Assessment"),
    "603/7710/4": ("Level 3 Diploma in Business Administration", "Crown Vocational Awards"),
    "600/9050/1": ("Level 2 Functional Skills Qualification in English", "Pennine Assessment"),
    "610/0123/6": ("Level 2 Diploma in Care", "Harbour Skills Awarding"),
    "603/3321/8": (
        "Level 2 Certificate in Adult Social Care Principles",
        "Harbour Skills Awarding",
    ),
    "603/5894/2": ("Level 2 Diploma in Hair Services", "Northfield Awards"),
    "601/6554/7": ("Level 3 Diploma for the Early Years Workforce", "Crown Vocational Awards"),
    "603/1020/3": ("Level 3 Award in Paediatric First Aid", "Harbour Skills Awarding"),
    "610/4477/9": ("Level 5 Diploma in Operations Management", "Northfield Awards"),
    "ZPROG001": ("Apprenticeship programme aim", ""),
}
# Programme -> its qualifications and planned length in months.
PROGRAMMES = (
    ("Engineering Technician (Level 3)", ("603/1234/5", "601/2468/X", "ZPROG001"), 36),
    ("Business Administrator (Level 3)", ("603/7710/4", "600/9050/1", "ZPROG001"), 18),
    ("Adult Care Worker (Level 2)", ("610/0123/6", "603/3321/8"), 15),
    ("Hair Professional (Level 2)", ("603/5894/2", "601/2468/X", "ZPROG001"), 24),
    ("Early Years Educator (Level 3)", ("601/6554/7", "603/1020/3"), 18),
    ("Operations Manager (Level 5)", ("610/4477/9",), 30),
)
FIRST_NAMES = {
    "F": ("Amelia", "Olivia", "Isla", "Ava", "Freya", "Grace", "Chloé", "Aisha", "Priya", "Zara",
          "Niamh", "Siân", "Maya", "Ellie", "Fatima", "Hannah", "Ruby", "Mei", "Leah", "Amara"),
    "M": ("Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Mohammed", "Ravi",
          "Callum", "Dylan", "Rhys", "Kwame", "Tomasz", "Ewan", "Josh", "Sami", "Luca", "Finn",
          "Ibrahim"),
}  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Khan", "Evans", "Thomas", "Roberts", "Walker", "Wright", "O'Neill", "Clarke", "Hughes",
    "Ahmed", "Nowak", "Okafor", "Campbell", "MacDonald", "Price", "Singh-Bains", "Lloyd",
)  # fmt: skip
# (town, county, postcode area with district) of real places; the people are made up.
PLACES = (
    ("Leeds", "West Yorkshire", "LS6"), ("Bradford", "West Yorkshire", "BD1"),
    ("Manchester", "Greater Manchester", "M14"), ("Salford", "Greater Manchester", "M6"),
    ("Sheffield", "South Yorkshire", "S10"), ("Birmingham", "West Midlands", "B15"),
    ("Coventry", "West Midlands", "CV1"), ("Bristol", "Bristol", "BS3"),
    ("Newcastle upon Tyne", "Tyne and Wear", "NE4"), ("Nottingham", "Nottinghamshire", "NG7"),
    ("Leicester", "Leicestershire", "LE2"), ("Norwich", "Norfolk", "NR2"),
    ("Plymouth", "Devon", "PL4"), ("Liverpool", "Merseyside", "L15"),
)  # fmt: skip
STREETS = ("Mill Lane", "Station Road", "Church Street", "Victoria Road", "Park Avenue",
           "The Green", "Queen Street", "Chapel Row")  # fmt: skip
ETHNICITIES = (
    "White - English, Welsh, Scottish, Northern Irish or British", "White - Irish",
    "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Black, African, Caribbean or Black British - African", "Mixed - White and Asian",
    "Any other ethnic group", "Prefer not to say",
)  # fmt: skip
TUTORS = ("Jordan Patel", "Sarah Whitfield", "Tom Ogunleye", "Megan Price", "Andrew Hall")
EMPLOYERS = ("Northern Rail Works Ltd", "Aire Valley Care Homes", "Pennine Precision Ltd",
             "City Salon Group", "Little Acorns Nurseries", "Harbour Logistics plc",
             "Westgate Business Services")  # fmt: skip
POSTCODE_LETTERS = np.asarray(tuple("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)


def _pick(rng: np.random.Generator, options: tuple, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size=size)]


def _dates(days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(days).strftime("%d/%m/%Y"), dtype=object)


def unique_ulns(n: int, *, seed: int) -> list[str]:
    """`n` different valid ULNs (random ones collide now and then in large numbers)."""
    drawn = pd.unique(np.asarray(uln.generate_many(n + n // 50 + 10, seed=seed), dtype=object))
    if len(drawn) < n:
        raise RuntimeError("too many repeated ULNs drawn; use another seed")
    return [str(value) for value in drawn[:n]]


def synthetic_register(
    n: int, *, seed: int = SAMPLE_SEED, today: dt.date = SAMPLE_DATE
) -> pd.DataFrame:
    """A valid learner file: `n` learners, each on one programme with its qualifications."""
    rng = np.random.default_rng(seed)
    gender = _pick(rng, ("F", "M"), n)
    female = gender == "F"
    first = np.where(female, _pick(rng, FIRST_NAMES["F"], n), _pick(rng, FIRST_NAMES["M"], n))
    last = _pick(rng, LAST_NAMES, n)
    title = np.where(female, _pick(rng, ("Ms", "Miss", "Mrs", "Ms"), n), "Mr")
    place = rng.integers(0, len(PLACES), n)
    town, county, district = (
        np.asarray([p[i] for p in PLACES], dtype=object)[place] for i in range(3)
    )
    inward = (
        rng.integers(1, 10, n).astype(str).astype(object)
        + _pick(rng, tuple(POSTCODE_LETTERS), n)
        + _pick(rng, tuple(POSTCODE_LETTERS), n)
    )
    born = pd.Timestamp(today) - pd.to_timedelta(rng.integers(16 * 365, 50 * 365, n), unit="D")
    programme = rng.integers(0, len(PROGRAMMES), n)
    start = pd.Timestamp(today) - pd.to_timedelta(rng.integers(60, 700, n), unit="D")
    months = np.asarray([p[2] for p in PROGRAMMES])[programme]
    planned = start + pd.to_timedelta(np.round(months * 30.44), unit="D")
    email_name = (
        pd.Series(first).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        + "."
        + pd.Series(last).str.replace(r"[^A-Za-z]", "", regex=True)
    ).str.lower()
    learners = pd.DataFrame(
        {
            "Title": title,
            "First Name": first,
            "Last Name": last,
            "Address Line 1": rng.integers(1, 250, n).astype(str).astype(object)
            + " "
            + _pick(rng, STREETS, n),
            "Address Line 2": np.where(rng.random(n) < 0.2, "Flat 2", ""),
            "Address Town/City": town,
            "County": county,
            "Post Code": district + " " + inward,
            "Country": "England",
            "Date of Birth": _dates(born),
            "Gender": gender,
            "Email address": email_name + rng.integers(1, 999, n).astype(str) + "@example.com",
            "Ethnicity": _pick(rng, ETHNICITIES, n),
            "Start Date": _dates(start),
            "Planned Achievement Date": _dates(planned),
            "Primary Tutor": _pick(rng, TUTORS, n),
            "Employer": _pick(rng, EMPLOYERS, n),
            "ULN": unique_ulns(n, seed=seed),
            "Programme Name": np.asarray([p[0] for p in PROGRAMMES], dtype=object)[programme],
            "QA Verified": np.where(rng.random(n) < 0.7, "Yes", "No"),
        }
    )
    sizes = np.asarray([len(p[1]) for p in PROGRAMMES])[programme]
    rows = learners.loc[np.repeat(np.arange(n), sizes)].reset_index(drop=True)
    position = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    numbers = np.asarray(
        [PROGRAMMES[p][1][i] for p, i in zip(np.repeat(programme, sizes), position, strict=True)],
        dtype=object,
    )
    rows["Qualification number"] = numbers
    rows["Qualification Name"] = [QUALIFICATIONS[q][0] for q in numbers]
    rows["Awarding Organisation"] = [QUALIFICATIONS[q][1] for q in numbers]
    return rows[list(LEARNER_COLUMNS)].astype(str)


def _registration_numbers(count: int, start: int) -> list[str]:
    return [f"RN{start + i:08d}" for i in range(count)]


def _import_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(IMPORT_COLUMNS), dtype=object).fillna("").astype(str)


def _row(register: pd.DataFrame, position: int, **values: str) -> dict[str, str]:
    enrolment = register.iloc[position]
    return {
        "Qualification Number": enrolment["Qualification number"],
        "ULN": enrolment["ULN"],
        **{k.replace("_", " "): v for k, v in values.items()},
    }


def _regulated(register: pd.DataFrame) -> np.ndarray:
    return np.flatnonzero((register["Qualification number"] != "ZPROG001").to_numpy())


def first_import(register: pd.DataFrame) -> pd.DataFrame:
    """The first upload: records created without a registration number, and with one.

    Positions 0-39 of the regulated enrolments: 0-19 without a number (rule 1), 20-39 with
    one (rule 2, created); two want Registered without a number and revert (rule 4).
    """
    regulated = _regulated(register)
    aims = np.flatnonzero((register["Qualification number"] == "ZPROG001").to_numpy())
    numbers = _registration_numbers(20, 10_000_001)
    rows = [_row(register, p, Status="Not registered") for p in regulated[:18]]
    rows += [_row(register, p, Status="Registered") for p in regulated[18:20]]  # reverts
    rows += [
        _row(
            register,
            p,
            Status="Registered",
            Registration_number=number,
            Registration_date=f"{1 + i % 28:02d}/10/2025",
        )
        for i, (p, number) in enumerate(zip(regulated[20:40], numbers, strict=True))
    ]
    rows += [_row(register, p, Status="Exempt") for p in aims[:4]]
    rows += [_row(register, p, Status="Registration Not Required") for p in aims[4:6]]
    rows[1]["Status"] = "not registered"  # corrected, with a warning
    rows[2]["Qualification Number"] = rows[2]["Qualification Number"].replace("/", "")
    rows[21]["Registration date"] = "2/10/2025"  # written as 02/10/2025, with a warning
    return _import_frame(rows)


def update_import(register: pd.DataFrame) -> pd.DataFrame:
    """The next upload: first numbers, updates by number, and an empty number that changes
    nothing (rule 3). Its first header has the former name Aim ref number."""
    regulated = _regulated(register)
    first = _registration_numbers(20, 10_000_001)
    later = _registration_numbers(10, 10_000_101)
    rows = [
        _row(
            register,
            p,
            Status="Registered",
            Registration_number=number,
            Registration_date=f"{1 + i:02d}/11/2025",
        )
        for i, (p, number) in enumerate(zip(regulated[:10], later, strict=True))
    ]
    progress = (
        ("Achieved", {"Achieved date": "15/05/2026"}),
        ("Certificate Claimed", {"Achieved date": "15/05/2026",
                                 "Certificate claimed date": "20/05/2026"}),
        ("Certificate Received", {"Achieved date": "15/05/2026",
                                  "Certificate claimed date": "20/05/2026",
                                  "Certificate received Date": "05/06/2026"}),
        ("Certificate Sent", {"Achieved date": "15/05/2026",
                              "Certificate claimed date": "20/05/2026",
                              "Certificate received Date": "05/06/2026",
                              "Certificate Sent Date": "08/06/2026",
                              "Postal Tracking Reference": "RM123456785GB"}),
    )  # fmt: skip
    for i, (p, number) in enumerate(zip(regulated[20:36], first[:16], strict=True)):
        status, dates = progress[i % len(progress)]
        rows.append(_row(register, p, Status=status, Registration_number=number) | dates)
    for p in regulated[36:38]:  # no number given: the stored one stays
        rows.append(_row(register, p, Status="Achieved", Achieved_date="12/05/2026"))
    rows += [  # exactly as stored: unchanged
        _row(register, p, Status="Registered", Registration_number=number)
        for p, number in zip(regulated[38:40], first[18:20], strict=True)
    ]
    return _import_frame(rows).rename(columns={"Qualification Number": "Aim ref number"})


def errors_import(register: pd.DataFrame) -> pd.DataFrame:
    """A file with one mistake of every kind (after the first and update files), among
    rows that are fine."""
    regulated = _regulated(register)
    known = register["ULN"].iloc[regulated[50]]
    wrong_digit = known[:9] + str((int(known[9]) + 1) % 10)
    stranger = next(u for u in uln.generate_many(50, seed=7) if u not in set(register["ULN"]))
    other_qualification = next(
        q for q in QUALIFICATIONS if q not in set(register.loc[register["ULN"] == known,
                                                               "Qualification number"])
    )  # fmt: skip
    numbers = _registration_numbers(20, 10_000_001)
    rows = [
        _row(register, regulated[40], Status="Registered", Registration_number="RN20000001",
             Registration_date="03/03/2026"),
        _row(register, regulated[41], Status="certificate claimed",
             Registration_number="RN20000002", Achieved_date="10/05/2026",
             Certificate_claimed_date="12/05/2026"),
        _row(register, regulated[42], Status="Registered", Qualification_Number=""),
        _row(register, regulated[43], Status="Registered", Qualification_Number="603-1234-5"),
        _row(register, regulated[44], Status="Registered", ULN=""),
        _row(register, regulated[45], Status="Registered", ULN=wrong_digit),
        _row(register, regulated[46], Status="Registered", ULN=uln.TEMPORARY_ULN),
        _row(register, regulated[47], Status="Registered", ULN="10000A0043"),
        _row(register, regulated[48], Status=""),
        _row(register, regulated[49], Status="Passed"),
        _row(register, regulated[50], Status="Registered", Registration_number="R" * 129),
        _row(register, regulated[51], Status="Not registered", Postal_Tracking_Reference="P" * 129),
        _row(register, regulated[52], Status="Not registered", Registration_date="31/02/2026"),
        _row(register, regulated[53], Status="Not registered", Registration_date="01/09/25"),
        _row(register, regulated[54], Status="Registered", Registration_number="RN20000003",
             Registration_date=FAR_FUTURE),
        _row(register, regulated[55], Status="Achieved", Registration_number="RN20000004",
             Registration_date="01/04/2026", Achieved_date="01/03/2026"),
        _row(register, regulated[56], Status="Certificate Sent", Registration_number="RN20000005",
             Certificate_claimed_date="10/06/2026", Certificate_Sent_Date="01/06/2026"),
        _row(register, regulated[57], Status="Registered", ULN=stranger),
        _row(register, regulated[50], Status="Registered",
             Qualification_Number=other_qualification),
        _row(register, regulated[58], Status="Registered", Registration_number=numbers[0]),
        _row(register, regulated[20], Status="Achieved", Registration_number="RN29999999"),
        _row(register, regulated[59], Status="Not registered"),
        _row(register, regulated[59], Status="Exempt"),
        _row(register, regulated[60], Status="Registered", Registration_number="RN20000006"),
        _row(register, regulated[61], Status="Registered", Registration_number="RN20000006"),
        _row(register, regulated[62], Status="Achieved"),
    ]  # fmt: skip
    return _import_frame(rows)


def columns_import(register: pd.DataFrame) -> pd.DataFrame:
    """Good rows under a header in the wrong order (ULN first): one file-level error."""
    frame = first_import(register).head(3)
    order = ["ULN", "Qualification Number", *IMPORT_COLUMNS[2:]]
    return frame[order]


SAMPLE_FILES = (
    "regcert_register.xlsx",
    "regcert_import_first.csv",
    "regcert_import_update.csv",
    "regcert_import_errors.csv",
    "regcert_import_columns.csv",
)
MAKERS = (first_import, update_import, errors_import, columns_import)


def sample_register() -> pd.DataFrame:
    """The learner file of `data/samples/regcert_register.xlsx`."""
    return synthetic_register(SAMPLE_LEARNERS, seed=SAMPLE_SEED, today=SAMPLE_DATE)


def write_regcert_samples(folder: str | Path) -> list[Path]:
    """Write the Registration & Certification sample files into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    register = sample_register()
    written = [write_xlsx([Sheet("Learners", register)], folder / SAMPLE_FILES[0])]
    for name, make in zip(SAMPLE_FILES[1:], MAKERS, strict=True):
        written.append(write_csv(make(register), folder / name))
    return written


def import_rows(
    register: pd.DataFrame, rows: int, *, seed: int = 1, first_number: int = 30_000_001
) -> pd.DataFrame:
    """`rows` import rows for different enrolments of `register` (benchmarks): mixed statuses,
    registration numbers counted from `first_number`, and the dates each status needs."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(register), size=min(rows, len(register)), replace=False)
    chosen.sort()
    picked = register.iloc[chosen]
    n = len(picked)
    status = _pick(rng, ("Not registered", "Registered", "Achieved", "Certificate Claimed",
                         "Certificate Sent"), n)  # fmt: skip
    numbered = status != "Not registered"
    frame = pd.DataFrame(
        {
            "Qualification Number": picked["Qualification number"].to_numpy(),
            "ULN": picked["ULN"].to_numpy(),
            "Status": status,
            "Registration number": np.where(
                numbered, np.asarray(_registration_numbers(n, first_number), dtype=object), ""
            ),
            "Registration date": np.where(numbered, "01/10/2025", ""),
            "Certificate claimed date": np.where(
                np.isin(status, ("Certificate Claimed", "Certificate Sent")), "20/05/2026", ""
            ),
            "Achieved date": np.where(
                np.isin(status, ("Achieved", "Certificate Claimed", "Certificate Sent")),
                "15/05/2026",
                "",
            ),
            "Certificate received Date": np.where(status == "Certificate Sent", "05/06/2026", ""),
            "Certificate Sent Date": np.where(status == "Certificate Sent", "08/06/2026", ""),
            "Postal Tracking Reference": np.where(
                status == "Certificate Sent", "RM123456785GB", ""
            ),
        }
    )
    return frame[list(IMPORT_COLUMNS)].astype(str)
