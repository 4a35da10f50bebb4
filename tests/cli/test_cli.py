"""The command line: one summary line, exit statuses 0/1/2, never a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from sqlalchemy.exc import OperationalError

from tests.batch_helpers import DEMO
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


def test_the_installed_package_carries_the_version_the_source_declares():
    from importlib.metadata import version

    assert version("usikit") == __version__


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
    assert lines[1:3] == [
        "Errors, by column and check:",
        "  Born: not a real date -- 1 record, row 2",
    ]
    assert lines[3] == f"Wrote 1 problems to {out}"
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
    import usikit.validators as command

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
    import usikit.validators as command

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


@pytest.mark.parametrize(
    ("argv", "said", "command"),
    [
        (["validate", "nonsense", "x.csv"], "argument KIND: invalid choice", "usikit validate"),
        (["validate"], "the following arguments are required: KIND, FILE", "usikit validate"),
        (["validate", "clients"], "the following arguments are required: FILE", "usikit validate"),
        (["validate", "clients", "x.csv", "--bogus"], "unrecognized arguments: --bogus",
         "usikit validate"),
        (["validate", "clients", "x.csv", "--max-bytes", "lots"],
         "argument --max-bytes: invalid int value: 'lots'", "usikit validate"),
        ([], "the following arguments are required: COMMAND", "usikit"),
        (["nonsense"], "argument COMMAND: invalid choice: 'nonsense'", "usikit"),
        (["--bogus"], "unrecognized arguments: --bogus", "usikit"),
        (["batch"], "the following arguments are required: ACTION", "usikit batch"),
        (["batch", "submit", "--nope"], "unrecognized arguments: --nope", "usikit batch submit"),
        (["regcert", "learners"], "the following arguments are required: STEP",
         "usikit regcert learners"),
    ],
)  # fmt: skip
def test_an_argument_mistake_is_one_error_line_and_a_hint_never_the_usage(
    capsys, argv, said, command
):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 2, captured.err
    assert lines[0].startswith(f"error: {said}")
    assert lines[1] == f"run `{command} --help` to see what it takes"
    assert "usage:" not in captured.err


def test_an_argument_mistake_from_the_installed_command_is_two_lines_and_exit_2():
    done = run_cli("validate", "nonsense-kind", "x.csv")
    assert done.returncode == 2 and done.stdout == ""
    first, hint = done.stderr.splitlines()
    # (Python 3.12.8+ lists the choices without quotes.)
    assert first.startswith("error: argument KIND: invalid choice: 'nonsense-kind' (choose from ")
    assert "clients" in first and "regcert" in first
    assert hint == "run `usikit validate --help` to see what it takes"


def test_help_still_shows_the_usage_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: usikit validate")


def test_an_option_that_unmasks_personal_data_must_be_spelt_out(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "clients", str(DEMO), "--show-s"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --show-s" in capsys.readouterr().err


def test_a_report_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "usikit", "validate", "clients", str(DEMO),
         "--errors", str(tmp_path / "no folder" / "errors.xlsx")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'no folder' / 'errors.xlsx'}: cannot be written: its folder "
        "does not exist"
    ]


def test_a_read_only_workspace_is_named_as_such_not_as_a_bug(tmp_path, monkeypatch, capsys):

    def refused(*args, **kwargs):
        raise OperationalError(
            "INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database")
        )

    monkeypatch.setattr("usikit.cli.clients_cmd.import_clients", refused)
    code = main(["clients", "import", str(DEMO), "--workspace", str(tmp_path / "w.db")])
    err = capsys.readouterr().err
    assert code == 2 and "the workspace is read-only for you" in err and "bug" not in err


def test_a_client_import_says_why_each_row_was_left_out(tmp_path, capsys):
    code = main(["clients", "import", str(DEMO), "--workspace", str(tmp_path / "w.db")])
    out = capsys.readouterr().out
    assert code == 1
    assert "  row 14: not imported: Date of Birth **/**/**89 is not a real date" in out
    assert "see the report" not in out
