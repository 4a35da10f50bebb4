"""Registration & Certification tables: learners, programmes, qualifications, registrations.

A learner is known by their ULN, a qualification by its aim-reference spelling (603/1234/5
and 60312345 are one qualification). The learner file enrols a learner on a qualification
within one of their programmes (`enrolments`); the import file then creates or updates the
one registration record of each enrolment. Dates stay dd/mm/yyyy text, as in the files.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)

from usikit.regcert.fields import (
    DATE_COLUMNS,
    PERSON_COLUMNS,
    POSTAL_REFERENCE,
    PROGRAMME_COLUMNS,
    TEXT_LENGTH,
)
from usikit.store.tables import column_key, metadata

LEARNER_KEYS = {name: column_key(name) for name in PERSON_COLUMNS}
PROGRAMME_KEYS = {name: column_key(name) for name in PROGRAMME_COLUMNS}
REGISTRATION_DATE_KEYS = {name: column_key(name) for name in DATE_COLUMNS}


def _stamps() -> tuple[Column, Column]:
    return (
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


def _texts(keys: dict[str, str]) -> list[Column]:
    return [Column(key, Text, nullable=False, server_default="") for key in keys.values()]


learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uln", String(10), nullable=False, unique=True),
    *_texts(LEARNER_KEYS),
    *_stamps(),
)

qualifications = Table(
    "qualifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number_key", String(8), nullable=False, unique=True),  # without slashes
    Column("number", String(10), nullable=False),  # as the learner file spells it
    Column("name", Text, nullable=False),
    Column("awarding_organisation", Text, nullable=False),
    *_stamps(),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("name", String(TEXT_LENGTH), nullable=False),
    *_texts(PROGRAMME_KEYS),
    *_stamps(),
    UniqueConstraint("learner_id", "name"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column(
        "qualification_id", Integer, ForeignKey("qualifications.id"), nullable=False, index=True
    ),
    Column("programme_id", Integer, ForeignKey("programmes.id"), nullable=False),
    Column("qa_verified", Boolean, nullable=False, server_default=false()),
    *_stamps(),
    UniqueConstraint("learner_id", "qualification_id"),  # one record per learner and qualification
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("enrolment_id", Integer, ForeignKey("enrolments.id"), nullable=False, unique=True),
    Column("status", String(40), nullable=False),
    # NULL until the awarding organisation gives one; then it identifies the record.
    Column("registration_number", String(TEXT_LENGTH), unique=True),
    *_texts(REGISTRATION_DATE_KEYS),
    Column(column_key(POSTAL_REFERENCE), Text, nullable=False, server_default=""),
    *_stamps(),
)

# An import file's registration numbers are looked up in any capitals (rn-a1 is RN-A1): with
# this index the look-up reads the records holding them, not every record of the register (a
# query uses it where it compares this very expression).
UPPER_REGISTRATION_NUMBER = func.upper(registrations.c.registration_number)
REGISTRATION_NUMBER_INDEX = Index("registrations_number_upper", UPPER_REGISTRATION_NUMBER)

REGISTER_TABLES = (learners, qualifications, programmes, enrolments, registrations)
