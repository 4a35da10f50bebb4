"""Registration numbers are looked up through an index on their capitals, on SQLite and
PostgreSQL: a new register has it, an older one gains it when opened, and the query that reads
the records holding a file's numbers uses it instead of reading every record."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from tests.regcert.test_register import (
    TODAY,
    ULN_A,
    ULN_B,
    _file,
    engineering,
    learner_file,
    records,
)
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import current_records, import_file
from usikit.regcert.register import import_learners
from usikit.regcert.tables import REGISTRATION_NUMBER_INDEX
from usikit.store.tables import schema_info
from usikit.workspace import SCHEMA_VERSION, open_register

INDEX = REGISTRATION_NUMBER_INDEX.name


def _register(url: str):
    """A register of two learners: A on engineering and maths, B on engineering."""
    workspace = open_register(url, create=True)
    import_learners(workspace, validate_learners(learner_file(), today=TODAY))
    return workspace


def _indexes(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'registrations'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registrations'"
    return {row[0] for row in connection.exec_driver_sql(query)}


def _numbers_query_plan(workspace, rows) -> str:
    """The plan of the query that reads the records holding the rows' numbers, as sent."""
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "json" in statement.lower() and "upper" in statement.lower():
            sent.append((statement, parameters))

    event.listen(workspace.engine, "before_cursor_execute", keep)
    try:
        with workspace.begin() as connection:
            current_records(connection, rows)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", keep)
    assert len(sent) == 1, "one query reads the file's learners and numbers"
    statement, parameters = sent[0]
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Tables of a few rows are cheaper to scan: asked not to, the planner shows
            # whether the index can serve the comparison at all.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        plan = connection.exec_driver_sql(explain + statement, parameters).all()
    return "\n".join(" ".join(str(part) for part in row) for row in plan)


def test_a_file_s_numbers_are_read_through_the_index(workspace_url):
    workspace = _register(workspace_url)
    try:
        with workspace.begin() as connection:
            assert INDEX in _indexes(connection)
        import_file(workspace, _file(engineering(Status="Registered", Registration_number="RN-A1")),
                    apply=True, today=TODAY)  # fmt: skip
        rows = _file(engineering(ULN_B, Status="Registered", Registration_number="rn-a1"))
        assert INDEX in _numbers_query_plan(workspace, rows)
        outcome = import_file(workspace, rows, today=TODAY)
        assert outcome.report.errors["check"].tolist() == ["registration_number_elsewhere"]
    finally:
        workspace.close()


def test_a_version_6_register_gains_the_index_and_keeps_its_records(workspace_url):
    workspace = _register(workspace_url)
    import_file(workspace, _file(engineering(Status="Registered", Registration_number="RN-A1")),
                apply=True, today=TODAY)  # fmt: skip
    before = records(workspace)
    with workspace.begin() as connection:
        connection.exec_driver_sql(f"DROP INDEX {INDEX}")
        connection.execute(schema_info.update().values(value="6"))
        assert INDEX not in _indexes(connection)
    workspace.close()

    upgraded = open_register(workspace_url)
    try:
        with upgraded.begin() as connection:
            assert INDEX in _indexes(connection)
            version = connection.execute(select(schema_info.c.value)).scalar_one()
        assert version == str(SCHEMA_VERSION)
        assert records(upgraded).equals(before)
        # The record is still found by its number in other capitals.
        again = _file(engineering(ULN_A, Status="Achieved", Registration_number="rn-A1",
                                  Achieved_date="15/05/2026"))  # fmt: skip
        done = import_file(upgraded, again, apply=True, today=TODAY)
        assert done.results["Details"].tolist() == ["matched by its registration number"]
    finally:
        upgraded.close()
    open_register(workspace_url).close()  # opening again changes nothing


def test_only_an_update_that_changes_a_number_writes_the_number(workspace_url):
    workspace = _register(workspace_url)
    maths = {"Qualification Number": "601/2468/X", "ULN": ULN_A}
    import_file(
        workspace,
        _file(
            engineering(Status="Registered", Registration_number="RN-A1"),
            maths | {"Status": "Exempt"},
        ),
        apply=True,
        today=TODAY,
    )
    sent: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE REGISTRATIONS"):
            sent.append(statement)

    event.listen(workspace.engine, "before_cursor_execute", keep)
    try:
        # Engineering keeps its number (given in other capitals) and changes its status;
        # maths gets its first number.
        done = import_file(
            workspace,
            _file(
                engineering(
                    Status="Achieved", Registration_number="rn-a1", Achieved_date="15/05/2026"
                ),
                maths | {"Status": "Registered", "Registration number": "RN-M1"},
            ),
            apply=True,
            today=TODAY,
        )
    finally:
        event.remove(workspace.engine, "before_cursor_execute", keep)
    try:
        assert done.results["Result"].tolist() == ["updated", "updated"]
        assert len(sent) == 2
        assert sum("registration_number" in statement for statement in sent) == 1
        assert sorted(records(workspace)[["status", "number"]].values.tolist()) == [
            ["Achieved", "RN-A1"],
            ["Registered", "RN-M1"],
        ]
    finally:
        workspace.close()
