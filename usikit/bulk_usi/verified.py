"""Each client's verified status: when their USI was last verified, by which registry, with
what outcome and which details did not match.

A verification holds only while the client's USI, names and date of birth are those it
verified (their SHA-256 is kept with it): an import, an edit or a USI written by a batch
that changes any of them clears the status, whichever way the change came, and so does a
verification that a later one replaces. A verification by the offline simulator or by the
registry's 3PT test environment is never shown as verified by the USI Registry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from usikit.bulk_usi.registry.base import VALID, describe, is_the_registry
from usikit.bulk_usi.tables import verifications

PERSON = ("USI", "First Name", "Family Name", "Single Name", "Date of Birth")
VERIFIED_COLUMN = "USI Verified"
STATUS_COLUMNS = (VERIFIED_COLUMN, "Verified On", "Verified By", "Verification")
YES, NO = "yes", "no"
CHUNK = 900  # keys per IN (...) query, under SQLite's variable limit
# The registry's names for the details it compares, and the template's.
DETAIL_COLUMNS = {"FirstName": "First Name", "FamilyName": "Family Name",
                  "SingleName": "Single Name", "DateOfBirth": "Date of Birth"}  # fmt: skip


def details_digest(values: Iterable[str]) -> str:
    """The fingerprint of a USI, names and date of birth (in `PERSON`'s order)."""
    return hashlib.sha256("\x1f".join(v.strip() for v in values).encode()).hexdigest()


def digests(frame: pd.DataFrame) -> pd.Series:
    """Each record's fingerprint (a frame with the template's columns)."""
    return pd.Series(
        [details_digest(values) for values in frame[list(PERSON)].itertuples(index=False)],
        index=frame.index,
        dtype=object,
    )


def in_words(usi_status: str, not_matching: list[str]) -> str:
    """What a verification found, in words."""
    if usi_status == VALID and not not_matching:
        return "the USI is valid and the names and date of birth match"
    if usi_status == VALID:
        listing = " and ".join(", ".join(not_matching).rsplit(", ", 1)).lower()
        verb = "does" if len(not_matching) == 1 else "do"
        return f"the USI is valid, but the {listing} {verb} not match the registry's"
    if usi_status == "Deactivated":
        return "the USI is deactivated (the student has another one)"
    return "the registry does not know this USI (Invalid)"


def record_verifications(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Keep each client's latest verification (rows: client_pk, verified_at, registry, usi,
    usi_status, not_matching, details)."""
    if not rows:
        return
    pks = [row["client_pk"] for row in rows]
    for start in range(0, len(pks), CHUNK):
        part = pks[start : start + CHUNK]
        connection.execute(verifications.delete().where(verifications.c.client_pk.in_(part)))
    connection.execute(verifications.insert(), rows)


def holding(connection: Connection, clients: pd.DataFrame) -> pd.DataFrame:
    """The verifications that still hold for `clients` (template columns, indexed by client
    key): one row per such client, with its registry, status, mismatches and date."""
    found: list[Any] = []
    keys = list(clients.index)
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        found += connection.execute(
            select(verifications).where(verifications.c.client_pk.in_(part))
        ).all()
    columns = ["registry", "usi_status", "not_matching", "verified_at", "details"]
    table = pd.DataFrame(
        [[getattr(row, c) for c in columns] for row in found],
        index=pd.Index([row.client_pk for row in found], name="pk"),
        columns=columns,
    )
    if table.empty:
        return table
    current = digests(clients.loc[table.index])
    return table[(table["details"] == current).to_numpy()]


def is_verified(row: Any) -> bool:
    return bool(row.usi_status == VALID and not row.not_matching)


def status_frame(connection: Connection, clients: pd.DataFrame) -> pd.DataFrame:
    """`STATUS_COLUMNS` for each client: "yes" when the USI Registry verified the client's
    USI, names and date of birth as they are now; "no" when the last verification did not;
    "only by ..." for a verification by something that is not the USI Registry; empty when
    never verified, or when the details changed since."""
    status = pd.DataFrame("", index=clients.index, columns=list(STATUS_COLUMNS), dtype=object)
    for pk, row in holding(connection, clients).iterrows():
        verified = is_verified(row)
        if not verified:
            shown = NO
        elif is_the_registry(row.registry):
            shown = YES
        else:
            shown = f"only by the {describe(row.registry)}"
        missing = [m for m in row.not_matching.split(", ") if m]
        when = pd.Timestamp(row.verified_at)
        status.loc[pk] = [shown, f"{when:%d/%m/%Y}", describe(row.registry),
                          in_words(row.usi_status, missing)]  # fmt: skip
    return status
