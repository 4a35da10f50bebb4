"""Exports are atomic, owner-only and never contain a live formula."""

from __future__ import annotations

import csv
import os
import stat

import pandas as pd
import pytest
from openpyxl import load_workbook

from usikit import InputError
from usikit.io import Sheet, atomic_target, write_csv, write_xlsx
from usikit.io.safety import formula_like_mask, neutralise
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
