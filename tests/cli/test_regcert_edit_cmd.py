"""`usikit regcert edit`: show a record, correct it, and its errors in one line."""

from __future__ import annotations

import pytest

from tests.paths import ROOT
from usikit.cli import main

SAMPLES = ROOT / "data" / "samples"


@pytest.fixture
def register(tmp_path, capsys) -> str:
    db = str(tmp_path / "register.db")
    assert main(["regcert", "learners", "import", str(SAMPLES / "regcert_register.xlsx"),
                 "--apply", "--workspace", db]) == 0  # fmt: skip
    assert main(["regcert", "import", str(SAMPLES / "regcert_import_first.csv"), "--apply",
                 "--workspace", db]) == 0  # fmt: skip
    capsys.readouterr()
    return db


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_record_is_shown_then_corrected(register, capsys):
    code, out, _ = run(capsys, "regcert", "edit", "1", "--workspace", register)
    assert code == 0 and out.startswith("ULN: ") and "Registration number: " in out
    code, out, err = run(
        capsys, "regcert", "edit", "1", "Registration number=RN90000001",
        "Registration date=2/9/2025", "--workspace", register,
    )  # fmt: skip
    assert code == 0 and err == ""
    assert out.startswith("Record 1 saved: Registration number ")
    assert "Registration date" in out and "-> 02/09/2025" in out
    assert "warning: Registration date '2/9/2025' was changed to '02/09/2025'" in out
    _, shown, _ = run(capsys, "regcert", "edit", "1", "--workspace", register)
    assert "Registration number: RN90000001" in shown


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["Status"], "'Status' is not FIELD=VALUE"),
        (["Status=Passed"], "record not changed: Status 'Passed' is not one of"),
        (["ULN=1000000043"], "'ULN' cannot be edited"),
    ],
)
def test_mistakes_are_one_error_line(register, capsys, args, said):
    code, out, err = run(capsys, "regcert", "edit", "1", *args, "--workspace", register)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {said}") and err.count("\n") == 1


def test_a_missing_register_says_how_to_make_one(tmp_path, capsys):
    code, _, err = run(capsys, "regcert", "edit", "1", "--workspace", str(tmp_path / "x.db"))
    assert code == 2 and "load learners first" in err
