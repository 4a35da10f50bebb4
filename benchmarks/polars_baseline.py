"""The baseline of the speed issue: the main client rules as polars expressions.

The same normalisation (spaces tidied, dates written dd/mm/yyyy, codes in capitals, gender
words as M/F/X, each change a warning) and the main single-column rules (required fields,
lengths, names, email, phones, USI shape, gender, state, postcode, countries, real dates in
the past and not too old) plus the duplicate Client ID and same-person checks, producing one
long error table (row, column, value, check, severity, message), as a data engineer fluent
in polars would write them.

It does less than usikit: no invisible characters, Unicode forms or look-alike letters; no
check characters (USI, Medicare); none of the identity-document, address and permission rules
that span several columns; masking of personal data; messages that name only the first other
row of a duplicate. It is a baseline only; usikit never imports polars.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from usikit.bulk_usi.contact_rules import AUSTRALIAN_PHONE, INTERNATIONAL_PHONE, STATES
from usikit.bulk_usi.person_rules import GENDERS, NAME_LENGTHS
from usikit.rules.people import EMAIL, OLDEST_YEARS

NAMES = tuple(NAME_LENGTHS)
DATES = ("Date of Birth", "Document Date", "Date Printed", "Privacy Notice Date")
CAPITALS = ("USI", "State", "Document State", "Document Number")
GENDER_WORDS = {"male": "M", "m": "M", "female": "F", "f": "F", "x": "X", "other": "X"}
DAY_FIRST = r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$"
ISO = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"
NAME = r"^(?:[\p{L}\p{M}' \-])*\p{L}(?:[\p{L}\p{M}' \-])*$"
USI_SHAPE = r"^(?:[2-9A-HJ-NP-Z]{10}|INTOFF|INDIV)$"
COUNTRY = r"^[0-9]{4}$"


def read(path: Path):
    """The file as polars reads it, every column text (not timed: usikit's read is not)."""
    import polars as pl

    return pl.read_csv(path, infer_schema=False, empty_string_is_null=False)


def validate_with_polars(frame, today: dt.date):
    """The long error table of `frame` (a polars DataFrame of text columns)."""
    import polars as pl

    col, lit = pl.col, pl.lit
    row = pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("row")
    before = frame.with_columns(row)
    tidied = {
        name: col(name).str.replace_all(r"[\s\u00a0]+", " ").str.strip_chars(" ")
        for name in frame.columns
    }
    after = dict(tidied)
    for name in CAPITALS:
        after[name] = tidied[name].str.to_uppercase()
    words = tidied["Gender"].str.to_lowercase()
    after["Gender"] = words.replace_strict(GENDER_WORDS, default=tidied["Gender"])
    for name in DATES:
        value = tidied[name]
        day_first = value.str.extract_groups(DAY_FIRST)
        iso = value.str.extract_groups(ISO)
        after[name] = (
            pl.when(value.str.contains(DAY_FIRST))
            .then(
                pl.concat_str(
                    day_first.struct[0].str.zfill(2), lit("/"),
                    day_first.struct[1].str.zfill(2), lit("/"), day_first.struct[2],
                )
            )
            .when(value.str.contains(ISO))
            .then(
                pl.concat_str(
                    iso.struct[2].str.zfill(2), lit("/"), iso.struct[1].str.zfill(2), lit("/"),
                    iso.struct[0],
                )
            )
            .otherwise(value)
        )  # fmt: skip
    normalised = before.with_columns(
        *(expr.alias(name) for name, expr in after.items()),
        *(col(name).alias(f"{name}\0before") for name in frame.columns),
    ).lazy()

    def table(column: str, check: str, severity: str, failing, message):
        return normalised.filter(failing).select(
            "row",
            lit(column).alias("column"),
            col(f"{column}\0before").alias("value"),
            lit(check).alias("check"),
            lit(severity).alias("severity"),
            message.alias("message"),
        )

    parts = [
        table(
            name, "normalised", "warning",
            col(name) != col(f"{name}\0before"),
            pl.concat_str(
                lit(f"{name} '"), col(f"{name}\0before"), lit("' was changed to '"), col(name),
                lit("' (value tidied)"),
            ),
        )
        for name in frame.columns
    ]  # fmt: skip

    def rule(column: str, check: str, failing, message, severity: str = "error") -> None:
        parts.append(table(column, check, severity, failing, message))

    def says(*pieces):
        return pl.concat_str(*(p if isinstance(p, pl.Expr) else lit(p) for p in pieces))

    blank = {name: col(name) == "" for name in frame.columns}
    for name in ("Client ID", "Date of Birth", "Gender", "Town/City of Birth"):
        rule(name, "required", blank[name], says(f"{name} is empty; it must be filled in"))
    for name in ("First Name", "Family Name"):
        rule(name, "required", blank[name] & blank["Single Name"], says(f"{name} is empty"))
    for name, longest in {**NAME_LENGTHS, "Client ID": 20, "Email": 254}.items():
        rule(name, "max_length", col(name).str.len_chars() > longest,
             says(f"{name} '", col(name), f"' is longer than {longest} characters"))  # fmt: skip
    for name in NAMES:
        rule(name, "name_characters", ~blank[name] & ~col(name).str.contains(NAME),
             says(f"{name} '", col(name), "' may hold only letters, spaces, apostrophes and "
                  "hyphens"))  # fmt: skip
    rule("USI", "usi_check", ~blank["USI"] & ~col("USI").str.contains(USI_SHAPE),
         says("USI ", col("USI"), " is not a valid USI"))  # fmt: skip
    rule("Gender", "allowed_values", ~blank["Gender"] & ~col("Gender").is_in(list(GENDERS)),
         says("Gender '", col("Gender"), "' is not one of: M, F, X"))  # fmt: skip
    for name in ("State", "Document State"):
        rule(name, "state", ~blank[name] & ~col(name).is_in(list(STATES)),
             says(f"{name} '", col(name), "' is not a state or territory"))  # fmt: skip
    rule("Postcode", "postcode", ~blank["Postcode"] & ~col("Postcode").str.contains(COUNTRY),
         says("Postcode '", col("Postcode"), "' must be 4 digits"))  # fmt: skip
    for name in ("Country of Birth", "Country of Residence"):
        rule(name, "country", ~blank[name] & ~col(name).str.contains(COUNTRY),
             says(f"{name} '", col(name), "' is not a country code"))  # fmt: skip
    rule("Email", "email", ~blank["Email"] & ~col("Email").str.contains(f"^(?:{EMAIL})$"),
         says("Email '", col("Email"), "' is not an email address"))  # fmt: skip
    phone = f"^(?:{AUSTRALIAN_PHONE}|{INTERNATIONAL_PHONE})$"
    for name in ("Home Phone", "Mobile Phone"):
        digits = col(name).str.replace_all(r"[ ()\-]", "")
        rule(name, "phone_number", ~blank[name] & ~digits.str.contains(phone),
             says(f"{name} '", col(name), "' is not a phone number"))  # fmt: skip
    oldest = today.replace(year=today.year - OLDEST_YEARS)
    for name in DATES:
        when = col(name).str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        rule(name, "real_date", ~blank[name] & when.is_null(),
             says(f"{name} ", col(name), " is not a real date; use dd/mm/yyyy"))  # fmt: skip
        rule(name, "not_in_future", when > lit(today),
             says(f"{name} ", col(name), " is in the future; check the year"))  # fmt: skip
    born = col("Date of Birth").str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    rule("Date of Birth", "too_old", born < lit(oldest),
         says("Date of Birth ", col("Date of Birth"), " is more than 120 years ago"))  # fmt: skip
    client = col("Client ID")
    rule("Client ID", "duplicate_client_id", ~blank["Client ID"] & client.is_duplicated(),
         says("Client ID ", client, " is also used in row ",
              col("row").min().over("Client ID").cast(pl.String)))  # fmt: skip
    person = [col(n).str.to_lowercase() for n in ("First Name", "Family Name", "Single Name")]
    person.append(col("Date of Birth"))
    known = (~blank["Family Name"] | ~blank["Single Name"]) & ~blank["Date of Birth"]
    key = pl.when(known).then(pl.concat_str(*person, separator="\0"))
    rule("Client ID", "same_person", known & key.is_duplicated(),
         says("This looks like the same person as row ",
              col("row").min().over(key).cast(pl.String)), "warning")  # fmt: skip
    return pl.concat(parts).sort("row", maintain_order=True).collect()
