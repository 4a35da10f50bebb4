"""The readers' limits: named, raised by setting or option, and measured before the work."""

from __future__ import annotations

import struct

import pytest

from tests.paths import CORPUS
from usikit import InputError, read_table
from usikit.cli import main
from usikit.errors import Do, LimitExceeded
from usikit.io.extent import Budget, _xls_extents
from usikit.io.limits import Deadline, ReadLimits, column_letters, column_number
from usikit.settings import limits_setting


@pytest.mark.parametrize("name", ["pipe_separated.txt", "several_sheets.xlsx"])
def test_reading_longer_than_the_time_limit_is_refused_naming_it(name, capsys):
    with pytest.raises(LimitExceeded, match=r"took longer than 0 seconds to read, the time limit"):
        read_table(CORPUS / name, limits=ReadLimits(seconds=0))
    assert read_table(CORPUS / name).shape[0] > 0
    assert main(["validate", "clients", str(CORPUS / name), "--limit", "seconds=0"]) == 2
    assert "raise the limit (--limit seconds=" in capsys.readouterr().err


def test_cells_are_counted_before_a_text_file_is_parsed(write_text):
    path = write_text("wide.csv", "a,b,c\n" + "1,2,3\n" * 10)
    with pytest.raises(LimitExceeded, match=r"has 12 lines of 3 columns \(36 cells\), over"):
        read_table(path, limits=ReadLimits(cells=20))
    assert read_table(path, limits=ReadLimits(cells=40)).shape == (10, 3)


def test_the_setting_and_the_option_change_the_limits(monkeypatch, write_text):
    path = write_text("three.csv", "a,b,c\n1,2,3\n")
    monkeypatch.setenv("USIKIT_LIMITS", "columns=2")
    with pytest.raises(LimitExceeded, match="over the limit of 2"):
        read_table(path)
    assert main(["validate", "clients", str(path), "--limit", "columns=3"]) == 1
    monkeypatch.setenv("USIKIT_LIMITS", "rows=5")
    with pytest.raises(InputError, match="there is no limit named rows; the limits are"):
        read_table(path)
    assert limits_setting("cells=80_000_000; seconds=900") == {"cells": 8e7, "seconds": 900.0}
    with pytest.raises(InputError, match="'cells' is not NAME=NUMBER"):
        limits_setting("cells")


def test_a_limit_names_the_next_step_for_both_faces():
    from usikit.outcomes import explain
    from usikit.ui.wording import SCREEN_WORDING

    with pytest.raises(LimitExceeded) as caught:
        read_table(CORPUS / "columns_18279.csv")
    assert caught.value.next_step.do == Do.RAISE_LIMIT
    shown = explain(caught.value, SCREEN_WORDING, bug_hint="").message
    assert "USIKIT_LIMITS setting: columns=18279" in shown and "--" not in shown


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (16_384, "XFD"), (18_278, "ZZZ"), (18_279, "AAAA"),
     (475_254, "ZZZZ")],
)  # fmt: skip
def test_column_letters_go_beyond_the_last_column_of_excel(number, letters):
    assert column_letters(number) == letters
    assert column_number(letters) == column_number(letters.lower()) == number


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def test_the_cells_of_an_xls_workbook_are_measured_from_its_records():
    """Each sheet's substream: a NUMBER record at F4 and a MULRK row reaching IV65536."""
    globals_ = _record(0x0809, bytes(16)) + _record(0x000A, b"")
    sheet = (
        _record(0x0809, bytes(16))
        + _record(0x0203, struct.pack("<HHH", 3, 5, 0) + bytes(8))
        + _record(0x00BD, struct.pack("<HH", 65535, 1) + bytes(12) + struct.pack("<H", 255))
        + _record(0x000A, b"")
    )
    limits = ReadLimits()
    budget = Budget(CORPUS / "x.xls", limits, Deadline(limits, "x.xls"))
    _, extent = _xls_extents(globals_ + sheet, budget)
    assert (extent.top, extent.left, extent.bottom, extent.right) == (4, 2, 65536, 256)
    with pytest.raises(LimitExceeded, match=r"spans 16,710,915 cells"):
        Budget(CORPUS / "x.xls", ReadLimits(cells=1000), Deadline(limits, "x")).grid(
            extent, "sheet 1"
        )
