"""The bulk-USI tables: clients, batches, the requests sent and the results retrieved.

Client columns hold what the officer's file said (normalised by the rules); dates stay
dd/mm/yyyy text as in the template, so what goes in comes back out unchanged.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.store.tables import column_key, metadata

CLIENT_KEYS = {name: column_key(name) for name in CLIENT_COLUMNS}
USI_IMPORTED, USI_EDITED = "imported", "edited"  # clients.usi_source of a USI not from a registry

clients = Table(
    "clients",
    metadata,
    Column("id", Integer, primary_key=True),
    *(
        Column(key, Text, nullable=False, server_default="")
        for name, key in CLIENT_KEYS.items()
        if name != "Client ID"
    ),
    Column("client_id", String(20), nullable=False, unique=True),
    # Where the USI came from (schema version 3): "imported" (a spreadsheet), "edited" (typed
    # in), or the name of the registry that issued it ("offline simulator", "USI Registry", ...).
    Column("usi_source", String(40), nullable=False, server_default=""),
    # The spreadsheet the client was last imported from and their row in it, header = row 1
    # (schema version 6): the screens show it, so the officer finds the record in the file.
    Column("source_file", Text, nullable=False, server_default=""),
    Column("source_row", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    # open -> submitting (requests being sent) -> submitted -> processed (all results in)
    Column("status", String(12), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    Column("processed_at", DateTime(timezone=True)),
    Column("registry", String(40)),  # which registry it was sent to (offline simulator or live)
    # At most one open batch: clients are always added to it.
    Index("one_open_batch", "status", unique=True, sqlite_where=text("status = 'open'"),
          postgresql_where=text("status = 'open'")),
)  # fmt: skip

batch_records = Table(
    "batch_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("client_pk", Integer, ForeignKey("clients.id"), nullable=False),
    Column("application_id", String(20), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("batch_id", "client_pk"),
    UniqueConstraint("batch_id", "application_id"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    # Recorded before the request is sent: a crash after sending is reconciled by it.
    Column("request_id", String(20), nullable=False, unique=True),
    Column("receipt_number", String(36)),
    # pending (recorded, maybe sent) -> sent (receipt recorded) -> retrieved (results in)
    Column("state", String(12), nullable=False),
    Column("applications", Integer, nullable=False),
    Column("payload", Text, nullable=False),  # the applications exactly as sent (JSON)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("retrieved_at", DateTime(timezone=True)),
)

submission_records = Table(
    "submission_records",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("batch_record_id", Integer, ForeignKey("batch_records.id"), primary_key=True),
)

results = Table(
    "results",
    metadata,
    Column("batch_record_id", Integer, ForeignKey("batch_records.id"), primary_key=True),
    Column("application_id", String(20), nullable=False),
    Column("result", String(12), nullable=False),  # Success | Failure | MatchFound
    Column("usi", String(10)),
    Column("identity_document_verified", String(12)),
    Column("processed_date", String(40)),
    Column("errors", Text, nullable=False, server_default=""),  # "E123: message" lines
    Column("note", Text, nullable=False, server_default=""),  # e.g. why a USI was not written
    Column("retrieved_at", DateTime(timezone=True), nullable=False),
)

BATCH_TABLES = (batches, batch_records, submissions, submission_records, results)

# Schema version 5: one student at a time, and what the registry says about each.

verifications = Table(
    "verifications",  # each client's latest verification of their USI (VerifyUSI)
    metadata,
    Column("client_pk", Integer, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("verified_at", DateTime(timezone=True), nullable=False),
    Column("registry", String(40), nullable=False),  # the registry's name: who verified it
    Column("usi", String(10), nullable=False),
    Column("usi_status", String(12), nullable=False),  # Valid | Invalid | Deactivated
    Column("not_matching", Text, nullable=False, server_default=""),  # "First Name, ..."
    # The SHA-256 of the USI, names and date of birth verified: when the client's differ, the
    # verification no longer holds (whatever changed them: an import, an edit, a batch).
    Column("details", String(64), nullable=False),
)

usi_requests = Table(
    "usi_requests",  # CreateUSI requests, one student each, recorded before they are sent
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_pk", Integer, ForeignKey("clients.id"), nullable=False),
    Column("request_id", String(20), nullable=False, unique=True),
    Column("registry", String(40), nullable=False),
    Column("state", String(12), nullable=False),  # pending (maybe sent) -> answered
    Column("payload", Text, nullable=False),  # the application exactly as sent (JSON)
    Column("permission_elsewhere", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("result", String(12)),  # Success | Failure | MatchFound
    Column("usi", String(10)),
    Column("identity_document_verified", String(12)),
    Column("errors", Text, nullable=False, server_default=""),  # "E123: message" lines
    Column("note", Text, nullable=False, server_default=""),
)

registry_lists = Table(
    "registry_lists",  # the registry's evidence types and countries, as last fetched
    metadata,
    Column("registry", String(40), primary_key=True),
    Column("kind", String(20), primary_key=True),  # "evidence types" | "countries"
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("content", Text, nullable=False),  # JSON
)

ONE_AT_A_TIME_TABLES = (verifications, usi_requests, registry_lists)
