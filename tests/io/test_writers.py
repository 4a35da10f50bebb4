"""Exports are atomic, owner-only and never contain a live formula."""

from __future__ import annotations

import csv
import os
import stat
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from usikit import InputError
from usikit.io import Sheet, atomic, atomic_target, write_csv, write_xlsx
from usikit.io.safety import formula_like_mask, is_formula_like, neutralise, neutralise_frame
from usikit.io.write import remove_stale_parts
from usikit.privacy import mask, mask_series

RISKY = ['=HYPERLINK("http://x")', "+61 412 345 678", "-3", "@SUM(A1)", "\tlead", "\rcr"]


def test_formula_triggers_are_neutralised_and_plain_text_is_not():
    assert [neutralise(v) for v in RISKY] == ["'" + v for v in RISKY]
    assert neutralise("Ann = Bob") == "Ann = Bob"
    assert neutralise("") == ""
    mask_ = formula_like_mask(pd.Series([*RISKY, "ok", "", None], dtype=object))
    assert mask_.tolist() == [True] * len(RISKY) + [False, False, False]


def test_csv_export_neutralises_formulas_and_keeps_other_text(tmp_path):
    frame = pd.DataFrame({"Value": [*RISKY, "0800", "Zoë"], "Count": list(range(8))})
    path = write_csv(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Value", "Count"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in RISKY] + ["0800", "Zoë"]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(8)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("a=+-@\t\r é€'")), max_size=4)),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 3),
)
def test_text_columns_find_formulas_as_each_value_would(values, cut):
    expected = [is_formula_like(value) for value in values][cut:]
    typed = pd.Series(values, dtype="str").iloc[cut:]  # a slice: its buffer starts further on
    halves = pd.concat([typed.iloc[:2], typed.iloc[2:]])  # and text in two pieces
    for column in (typed, halves, typed.astype(object)):
        found = formula_like_mask(column)
        assert found.tolist() == expected and found.index.equals(column.index)


def test_neutralised_text_stays_text_and_missing_cells_stay_missing():
    frame = pd.DataFrame(
        {
            "typed": pd.array([*RISKY, "ok", None], dtype="str"),
            "mixed": pd.Series([*RISKY, 5, None], dtype=object),
        }
    )
    safe = neutralise_frame(frame)
    assert safe["typed"].dtype == frame["typed"].dtype  # no Python object a cell
    assert safe["typed"].tolist()[:-1] == ["'" + v for v in RISKY] + ["ok"]
    assert pd.isna(safe["typed"].iloc[-1])
    assert safe["mixed"].tolist()[:-2] == ["'" + v for v in RISKY]
    assert safe["mixed"].tolist()[-2] == 5 and safe["mixed"].iloc[-1] is None


def test_xlsx_export_has_no_formula_cell_and_shows_text_as_typed(tmp_path):
    frame = pd.DataFrame({"Value": [*RISKY, "plain"], "N": [1, 2, 3, 4, 5, 6, 7]})
    path = write_xlsx([Sheet("Data", frame, fills={(6, "Value"): "error"})], tmp_path / "out.xlsx")
    sheet = load_workbook(path)["Data"]
    values = [c.value for c in sheet["A"][1:]]
    # An XML reader may turn a lone carriage return into a line feed; the cell is still text.
    assert values[:5] == [*RISKY[:4], "\tlead"] and values[6] == "plain"
    assert values[5] in ("\rcr", "\ncr")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert all(c.quotePrefix for c in sheet["A"][1:7])
    assert sheet["A8"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B8"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width >= 8


def test_exports_are_owner_only(tmp_path):
    frame = pd.DataFrame({"a": ["1"]})
    for path in (
        write_csv(frame, tmp_path / "a.csv"),
        write_xlsx([Sheet("S", frame)], tmp_path / "a.xlsx"),
    ):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_failure_midway_leaves_the_old_file_and_no_partial_file(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old content")
    with pytest.raises(RuntimeError), atomic_target(target) as temporary:
        temporary.write_text("half of the new")
        raise RuntimeError("disk pulled out")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_failure_midway_leaves_no_file_when_there_was_none(tmp_path, monkeypatch):
    real_to_csv = pd.DataFrame.to_csv

    def to_csv_then_fail(self, *args, **kwargs):
        real_to_csv(self, *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv_then_fail)
    with pytest.raises(InputError, match="No space left on device"):
        write_csv(pd.DataFrame({"a": ["x"] * 10}), tmp_path / "new.csv")
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="folder does not exist"):
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "nope" / "x.csv")


def test_masking_keeps_shape_and_last_two_characters():
    assert mask("31/02/1990") == "**/**/**90"
    assert mask("N1234567") == "******67"
    assert mask("AB") == "AB"
    assert mask("") == ""
    assert mask_series(pd.Series(["12345", None])).tolist() == ["***45", ""]


def part_file(folder, target: str, tag: str, text: str = "half of a name, 14/03/1990") -> Path:
    """A part file as a write to `target` killed midway leaves it."""
    part = folder / f".{target}.{tag}.part"
    part.write_text(text)
    return part


def aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_the_next_write_removes_the_part_files_a_killed_write_left(tmp_path):
    dead = part_file(tmp_path, "out.csv", "abcd1234")
    dead_empty = aged(part_file(tmp_path, "out.csv", "efgh5678", ""), 120)
    fresh_empty = part_file(tmp_path, "out.csv", "ijkl9012", "")  # maybe a writer's, not locked yet
    other = part_file(tmp_path, "other.csv", "abcd1234")  # another target's
    write_csv(pd.DataFrame({"a": ["1"]}), tmp_path / "out.csv")
    assert not dead.exists() and not dead_empty.exists()
    assert fresh_empty.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["out.csv"]


def test_a_part_file_a_live_writer_holds_is_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    live = aged(part_file(tmp_path, "out.xlsx", "abcd1234"), 3600)
    with live.open("rb+") as handle:  # another open file: its lock counts as another writer's
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert remove_stale_parts(tmp_path / "out.xlsx") == []
        write_xlsx([Sheet("S", pd.DataFrame({"a": ["1"]}))], tmp_path / "out.xlsx")
        assert live.exists()
    assert remove_stale_parts(tmp_path / "out.xlsx") == [live]  # its writer is gone


def test_a_writer_holds_the_lock_on_its_part_file_while_writing(tmp_path):
    pytest.importorskip("fcntl")
    with atomic_target(tmp_path / "out.csv") as temporary:
        temporary.write_text("being written")  # as a writer another process runs would
        assert remove_stale_parts(tmp_path / "out.csv") == []
        assert temporary.exists()
    assert (tmp_path / "out.csv").read_text() == "being written"


def test_without_locks_only_part_files_unchanged_for_ten_minutes_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "fcntl", None)  # as on Windows
    recent = aged(part_file(tmp_path, "out.csv", "abcd1234"), 60)
    old = aged(part_file(tmp_path, "out.csv", "efgh5678"), 601)
    write_csv(pd.DataFrame({"a": ["1"]}), tmp_path / "out.csv")
    assert recent.exists() and not old.exists()
    assert stat.S_IMODE(os.stat(tmp_path / "out.csv").st_mode) == 0o600
