"""Where the offline simulator keeps its state: the requests it received and the people it
issued USIs to. They live in the workspace so that the simulator survives restarts."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from usikit.store.tables import metadata

simulator_requests = Table(
    "simulator_requests",
    metadata,
    Column("org_code", String(8), primary_key=True),
    Column("request_id", String(20), primary_key=True),
    Column("receipt_number", String(36), nullable=False, unique=True),
    Column("digest", String(64), nullable=False),  # what was asked: a repeat must match it
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("ready_at", DateTime(timezone=True), nullable=False),
    Column("applications", Integer, nullable=False),
    Column("results", Text, nullable=False),  # JSON: one result per application
)

simulator_people = Table(
    "simulator_people",
    metadata,
    Column("usi", String(10), primary_key=True),
    Column("person_key", String(400), nullable=False),  # folded names | date of birth
    Column("first_name", String(40), nullable=False),
    Column("family_name", String(40), nullable=False),
    Column("single_name", String(40), nullable=False),
    Column("date_of_birth", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # How the person can be reached (schema version 5): LocateUSI compares them.
    Column("email", String(254), nullable=False, server_default=""),
    Column("mobile", String(20), nullable=False, server_default=""),
    Index("simulator_people_by_person", "person_key"),
)
SIMULATOR_TABLES = (simulator_requests, simulator_people)
