"""The command line: one summary line, exit statuses 0/1/2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import load_workbook

from usikit import __version__
from usikit.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usikit", *args], capture_output=True, text=True, timeout=120
    )


def test_help_and_version_work():
    helped = run_cli("--help")
    assert helped.returncode == 0 and "validate" in helped.stdout
    versioned = run_cli("--version")
    assert versioned.returncode == 0 and versioned.stdout.strip() == f"usikit {__version__}"


def test_all_valid_file_exits_0_with_one_summary_line(demo_kind, write_text, capsys):
    path = write_text("ok.csv", "Name,Born,Code\nAnn,01/01/1990,ABC\nBob,02/02/1991,DEF\n")
    assert main(["validate", demo_kind, str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["2 records: 2 valid, 0 with errors"]


def test_records_with_errors_exit_1_and_the_report_is_written(
    demo_kind, write_text, tmp_path, capsys
):
    path = write_text("bad.csv", "Name,Born,Code\nAnn,31/02/1990,ABC\nBob,02/02/1991,DEF\n")
    out = tmp_path / "errors.xlsx"
    assert main(["validate", demo_kind, str(path), "--errors", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 records: 1 valid, 1 with errors"
    assert lines[1] == f"Wrote 1 problems to {out}"
    assert load_workbook(out)["Errors"]["E2"].value == "error"


def test_csv_error_report_and_separator_option(demo_kind, write_text, tmp_path):
    path = write_text("semi.csv", "Name;Born;Code\nAnn;01/01/1990;abc\n")
    out = tmp_path / "errors.csv"
    assert main(["validate", demo_kind, str(path), "--sep", ";", "--errors", str(out)]) == 1
    assert "code_shape" in out.read_text(encoding="utf-8-sig")


def test_unusable_file_exits_2_with_one_error_line(demo_kind, tmp_path, capsys):
    assert main(["validate", demo_kind, str(tmp_path / "missing.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ") and "missing.csv: file not found" in captured.err


def test_unknown_report_format_is_refused_before_reading(demo_kind, write_text, capsys):
    path = write_text("ok.csv", "Name,Born\nAnn,01/01/1990\n")
    assert main(["validate", demo_kind, str(path), "--errors", "report.pdf"]) == 2
    assert "must end in .csv or .xlsx" in capsys.readouterr().err


def test_unexpected_failure_is_one_line_not_a_traceback(demo_kind, write_text, monkeypatch, capsys):
    import usikit.cli.validate_cmd as command

    def explode(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(command, "read_table", explode)
    path = write_text("ok.csv", "Name,Born\nAnn,01/01/1990\n")
    assert main(["validate", demo_kind, str(path)]) == 70
    err = capsys.readouterr().err
    assert err.startswith("error: usikit hit an unexpected problem (ZeroDivisionError)")
    assert "Traceback" not in err


class PanicException(BaseException):
    """Spelt as pyo3 spells the exception a Rust panic in a compiled reader becomes."""


@pytest.mark.parametrize("kind", [PanicException, SystemExit])
def test_a_panic_in_compiled_code_is_a_bug_line_but_an_exit_is_not(
    demo_kind, write_text, monkeypatch, capsys, kind
):
    import usikit.cli.validate_cmd as command

    def explode(*args, **kwargs):
        raise kind("boom")

    monkeypatch.setattr(command, "read_table", explode)
    path = write_text("ok.csv", "Name,Born\nAnn,01/01/1990\n")
    if kind is SystemExit:
        with pytest.raises(SystemExit):
            main(["validate", demo_kind, str(path)])
        return
    assert main(["validate", demo_kind, str(path)]) == 70
    assert "unexpected problem (PanicException)" in capsys.readouterr().err


def test_unknown_kind_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["validate", "nonsense-kind", "x.csv"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
