"""Many rows at once: one JSON parameter for a list of keys, the driver's own executemany."""

from __future__ import annotations

import datetime as dt
import gc

import pandas as pd
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    select,
)

from usikit.store.bulk import collection_paused, executemany, json_list, listed

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True),
    Column("made_at", DateTime(timezone=True), nullable=False),
)
STAMP = dt.datetime(2026, 12, 2, 9, 30, 15, 250_000, tzinfo=dt.UTC)


@pytest.fixture
def engine(workspace_url):
    made = create_engine(workspace_url)
    metadata.create_all(made)
    yield made
    made.dispose()


def test_executemany_writes_every_row_with_each_constant_as_its_type_stores_it(engine):
    statement = things.insert().values(
        id=bindparam("i"), name=bindparam("n"), made_at=bindparam("at")
    )
    with engine.begin() as connection:
        executemany(connection, statement, {"i": [2, 1, 3], "n": ["b", None, "c"]}, {"at": STAMP})
    with engine.begin() as connection:
        rows = connection.execute(select(things).order_by(things.c.id)).all()
    assert [(r.id, r.name) for r in rows] == [(1, None), (2, "b"), (3, "c")]
    # Read back through the column's type: the same moment as SQLAlchemy itself would store.
    made = {r.made_at if r.made_at.tzinfo else r.made_at.replace(tzinfo=dt.UTC) for r in rows}
    assert made == {STAMP}


def test_executemany_updates_by_key_and_leaves_other_rows(engine):
    with engine.begin() as connection:
        connection.execute(things.insert(), [{"id": i, "name": f"t{i}", "made_at": STAMP}
                                             for i in (1, 2, 3)])  # fmt: skip
        update = things.update().where(things.c.id == bindparam("_id")).values(name=bindparam("_n"))
        executemany(connection, update, {"_id": [3, 1], "_n": ["three", "one"]})
        names = connection.execute(select(things.c.name).order_by(things.c.id)).scalars().all()
    assert names == ["one", "t2", "three"]


def test_executemany_refuses_columns_of_different_lengths_and_skips_no_rows(engine):
    statement = things.insert().values(id=bindparam("i"), name=bindparam("n"), made_at=STAMP)
    with engine.begin() as connection:
        with pytest.raises(ValueError, match="one value per row"):
            executemany(connection, statement, {"i": [1, 2], "n": ["a"]})
        executemany(connection, statement, {"i": [], "n": []})
        assert connection.execute(select(things.c.id)).all() == []


def test_listed_keys_are_one_parameter_of_distinct_values(engine):
    with engine.begin() as connection:
        connection.execute(things.insert(), [{"id": i, "name": f"t{i}", "made_at": STAMP}
                                             for i in range(1, 6)])  # fmt: skip
        by_name = select(things.c.id).where(things.c.name.in_(listed(connection, "names")))
        names = pd.Series(["t2", "t4", "t2", "nobody"], dtype="str")
        assert json_list(names) == '["t2", "t4", "nobody"]'
        found = connection.execute(by_name, {"names": json_list(names)}).scalars().all()
        assert sorted(found) == [2, 4]
        by_id = select(things.c.name).where(things.c.id.in_(listed(connection, "ids", Integer)))
        found = connection.execute(by_id, {"ids": json_list([5, 1, 5])}).scalars().all()
        assert sorted(found) == ["t1", "t5"]
        assert connection.execute(by_id, {"ids": json_list(None)}).all() == []


def test_collection_is_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("midway")
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
