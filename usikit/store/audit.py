"""The audit trail: one appended record per import, apply, export, submission and retrieval.

A record says who, when, what, which file (its name and SHA-256) and how many records; it
never holds personal data. Records are only ever added: on SQLite triggers refuse any change;
on PostgreSQL no officer's role may write the table at all: records are added only through
usikit's own function `usikit_audit_record` (SECURITY DEFINER), which takes a known action,
a file name without folders, a SHA-256 and whole counts, and writes the time of the server
and the database user who logged in (`session_user`), so nobody can add a record in another's
name, backdate one, or write free text into it; only the administrator role may change or
delete records. Reading the whole trail needs the audit role. A change to the workspace is
recorded in its own transaction; an export is recorded just after its file is in place
(`record_after`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, func, select, text

from usikit.report import ValidationReport
from usikit.store.access import acting
from usikit.store.actor import who
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import Role
from usikit.store.tables import audit

ACTIONS: list[str] = []  # what may be recorded: each schema part declares its own (`declare`)
COUNTS = ("read", "accepted", "rejected", "created", "updated", "unchanged", "reverted",
          "applications", "requests", "results", "usis_issued", "failed", "exported",
          "verified", "not_verified", "found")  # fmt: skip


def declare(actions: Iterable[str]) -> None:
    """Make `actions` recordable (a schema part's audit actions)."""
    for action in actions:
        if action not in ACTIONS:
            ACTIONS.append(action)


# SQLite: audit records are never changed or removed.
AUDIT_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit records cannot be removed'); END",
)
# PostgreSQL: an audit record names the database user who logged in, whatever the insert
# says, so that nobody can write a record in someone else's name.
AUDIT_WHO_FUNCTION = (
    "CREATE OR REPLACE FUNCTION usikit_audit_who() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN NEW.who := session_user; RETURN NEW; END $$"
)
AUDIT_WHO_TRIGGER = (
    "CREATE TRIGGER audit_who BEFORE INSERT ON audit "
    "FOR EACH ROW EXECUTE FUNCTION usikit_audit_who()"
)
# The one way an officer's role adds a record (schema version 4): it runs as the workspace's
# owner, checks what it is given, and takes the time and the user from the server.
AUDIT_RECORD = "usikit_audit_record(text, text, text, text)"
_AUDIT_RECORD_BODY = """
DECLARE
  entry record;
BEGIN
  IF p_action IS NULL OR NOT (p_action = ANY ({actions})) THEN
    RAISE EXCEPTION 'unknown audit action %', p_action USING ERRCODE = '22023';
  END IF;
  IF p_file_name IS NULL OR length(p_file_name) > 260 OR strpos(p_file_name, '/') > 0
     OR strpos(p_file_name, chr(92)) > 0 THEN
    RAISE EXCEPTION 'an audit record names a file without its folders' USING ERRCODE = '22023';
  END IF;
  IF p_file_sha256 IS NULL OR p_file_sha256 !~ '^([0-9a-f]{{64}})?$' THEN
    RAISE EXCEPTION 'an audit record holds a SHA-256 or nothing' USING ERRCODE = '22023';
  END IF;
  IF jsonb_typeof(p_counts::jsonb) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'audit counts are an object of counts' USING ERRCODE = '22023';
  END IF;
  FOR entry IN SELECT key, value FROM jsonb_each(p_counts::jsonb) LOOP
    IF NOT (entry.key = ANY ({counts})) OR jsonb_typeof(entry.value) <> 'number'
       OR (entry.value::text)::numeric < 0
       OR (entry.value::text)::numeric <> trunc((entry.value::text)::numeric) THEN
      RAISE EXCEPTION 'audit count % is not a known whole count', entry.key
        USING ERRCODE = '22023';
    END IF;
  END LOOP;
  INSERT INTO audit (at, who, action, file_name, file_sha256, counts)
  VALUES (now(), session_user, p_action, p_file_name, p_file_sha256, p_counts);
END
"""


def _text_array(values: Iterable[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]::text[]"


def _record_function(connection: Connection) -> str:
    schema = str(connection.exec_driver_sql("SELECT current_schema()").scalar_one())
    body = _AUDIT_RECORD_BODY.format(actions=_text_array(ACTIONS), counts=_text_array(COUNTS))
    return (
        "CREATE OR REPLACE FUNCTION usikit_audit_record(p_action text, p_file_name text, "
        "p_file_sha256 text, p_counts text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
        f'SET search_path = "{schema}", pg_temp AS $body${body}$body$'
    )


def guard_audit(connection: Connection) -> None:
    """What the audit table cannot say by itself: on SQLite append-only, on PostgreSQL a
    `who` that is the logged-in user and the one function that adds records (executed only
    by the roles it is granted to: `usikit.store.grants`). Safe to run again."""
    if connection.dialect.name != "postgresql":
        for statement in AUDIT_GUARDS:
            connection.exec_driver_sql(statement)
        return
    connection.exec_driver_sql(AUDIT_WHO_FUNCTION)
    present = connection.exec_driver_sql(
        "SELECT 1 FROM pg_trigger WHERE tgname = 'audit_who' AND tgrelid = 'audit'::regclass"
    ).first()
    if present is None:
        connection.exec_driver_sql(AUDIT_WHO_TRIGGER)
    # The driver reads % as a placeholder: the body's RAISE formats are written %%.
    connection.exec_driver_sql(_record_function(connection).replace("%", "%%"))
    connection.exec_driver_sql(f"REVOKE ALL ON FUNCTION {AUDIT_RECORD} FROM PUBLIC")


# A file to fingerprint: its path, or its (name, SHA-256) taken while it was there.
FileRef = str | Path | tuple[str, str] | None


def file_digest(path: FileRef) -> tuple[str, str]:
    """(name, SHA-256) of a file; the name without its folders, which may name people."""
    if path is None:
        return "", ""
    if isinstance(path, tuple):
        name, sha = path
        return re.split(r"[\\/]", name)[-1][:260], sha
    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return re.split(r"[\\/]", path.name)[-1][:260], digest.hexdigest()


SHA256 = re.compile(r"([0-9a-f]{64})?")


def record(
    connection: Connection,
    action: str,
    *,
    file: FileRef = None,
    **counts: int,
) -> None:
    """Append one audit record, in the caller's transaction (so it lands with the change)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    unknown = set(counts) - set(COUNTS)
    if unknown:
        raise ValueError(f"unknown audit counts {sorted(unknown)}")
    name, sha = file_digest(file)
    if not SHA256.fullmatch(sha):
        raise ValueError("an audit record holds a SHA-256 or nothing")
    tally = json.dumps({k: int(v) for k, v in counts.items()}, sort_keys=True)
    if connection.dialect.name == "postgresql":  # the one way in: usikit's own function
        connection.execute(
            text("SELECT usikit_audit_record(:action, :file_name, :sha, :counts)"),
            {"action": action, "file_name": name, "sha": sha, "counts": tally},
        )
        return
    connection.execute(
        audit.insert().values(
            at=now(),
            who=who(connection),
            action=action,
            file_name=name,
            file_sha256=sha,
            counts=tally,
        )
    )


def record_import(
    connection: Connection, action: str, report: ValidationReport, **counts: int
) -> None:
    """An import's record: its file, and the records read, accepted and rejected as the
    report counts them (`counts` adds to these, or says otherwise)."""
    tally = {"read": report.n_records, "accepted": report.n_valid, "rejected": report.n_invalid}
    record(
        connection,
        action,
        file=source_file(report.source, report.source_sha256),
        **{**tally, **counts},
    )


def record_after(workspace: Workspace, action: str, *, file: FileRef = None, **counts: int) -> None:
    """Append the audit record of an export, once its file is complete and in place.

    An export's file is not in the database, so its record cannot share a transaction with
    it: the file is written atomically (a temporary file renamed into place), and then its
    record, with the SHA-256 of what was written, is appended. Should the record fail, the
    file is removed again, so that no export is left without its audit record.
    """
    try:
        with workspace.begin() as connection:
            record(connection, action, file=file, **counts)
    except BaseException:
        if isinstance(file, str | Path):
            Path(file).unlink(missing_ok=True)
        raise


READING = "read the audit trail"


def audit_records(
    workspace: Workspace,
    *,
    since: dt.date | None = None,
    actions: Iterable[str] = (),
) -> pd.DataFrame:
    """The audit trail, oldest first, as a table with one column per count (the audit
    role: the whole trail says who did what)."""
    with acting(workspace, Role.AUDIT, READING):
        return _records(workspace, since, actions)


def _records(workspace: Workspace, since: dt.date | None, actions: Iterable[str]) -> pd.DataFrame:
    query = select(audit).order_by(audit.c.id)
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        query = query.where(audit.c.at >= start)
    chosen = list(actions)
    if chosen:
        query = query.where(audit.c.action.in_(chosen))
    with workspace.begin() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(
        {
            "When": [row.at for row in rows],
            "Who": [row.who for row in rows],
            "Action": [row.action for row in rows],
            "File": [row.file_name for row in rows],
            "SHA-256": [row.file_sha256 for row in rows],
        }
    )
    counts = pd.DataFrame([json.loads(row.counts) for row in rows], index=frame.index)
    present = [c for c in COUNTS if c in counts.columns]
    return pd.concat([frame, counts[present].astype("Int64")], axis=1)


def activity(workspace: Workspace) -> pd.DataFrame:
    """Audit records per day and action, for the activity chart (the audit role)."""
    with acting(workspace, Role.AUDIT, READING), workspace.begin() as connection:
        rows = connection.execute(
            select(audit.c.at, audit.c.action, func.count()).group_by(audit.c.at, audit.c.action)
        ).all()
    frame = pd.DataFrame(rows, columns=["at", "action", "records"])
    if frame.empty:
        return pd.DataFrame(columns=["day", "action", "records"])
    frame["day"] = pd.to_datetime(frame["at"], utc=True).dt.date
    return frame.groupby(["day", "action"], as_index=False)["records"].sum()


def source_file(source: str | None, sha256: str | None = None) -> FileRef:
    """The file a table or report was read from: its digest taken on reading (an upload,
    deleted since), else the file itself when it is still there to fingerprint."""
    if source and sha256:
        return (source, sha256)
    if source and Path(source).is_file():
        return Path(source)
    return None
