"""`usikit regcert ...` and `usikit validate regcert`: exit codes, CSV only, the 2 MB limit,
separators, dry runs and --apply."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.paths import ROOT
from usikit.cli import main
from usikit.regcert.fields import IMPORT_COLUMNS
from usikit.validators import VALIDATORS

SAMPLES = ROOT / "data" / "samples"
LIMIT = 2 * 1024 * 1024
GOOD = "603/1234/5,1000000043,Registered,RN1,01/09/2025,,,,,"
HEADER = ",".join(IMPORT_COLUMNS)


def csv_text(*rows: str, sep: str = ",") -> str:
    lines = [HEADER, *rows]
    return "\n".join(line.replace(",", sep) for line in lines) + "\n"


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "register.db")


@pytest.fixture
def loaded(db, capsys) -> str:
    """A register holding the sample learners."""
    assert main(["regcert", "learners", "import", str(SAMPLES / "regcert_register.xlsx"),
                 "--apply", "--workspace", db]) == 0  # fmt: skip
    capsys.readouterr()
    return db


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_regcert_checks_a_file_on_its_own(write_text, capsys):
    path = write_text("r.csv", csv_text(GOOD))
    assert run(capsys, "validate", "regcert", str(path)) == (
        0,
        "1 record: 1 valid, 0 with errors\n",
        "",
    )
    bad = write_text("bad.csv", csv_text(GOOD.replace("1000000043", "1000000063")))
    code, out, _ = run(capsys, "validate", "regcert", str(bad))
    assert code == 1 and out.startswith("1 record: 0 valid, 1 with errors")


def test_validate_regcert_with_the_register(write_text, loaded, capsys):
    path = write_text("r.csv", csv_text(GOOD))  # 1000000043 is not a sample learner
    errors = path.parent / "errors.csv"
    code, _, _ = run(capsys, "validate", "regcert", str(path), "--workspace", loaded,
                     "--errors", str(errors))  # fmt: skip
    assert code == 1
    assert "learner_not_in_register" in errors.read_text(encoding="utf-8-sig")


def test_a_workbook_is_refused_for_regcert_but_fine_for_clients(capsys):
    code, out, err = run(capsys, "validate", "regcert", str(SAMPLES / "regcert_register.xlsx"))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "is a workbook, not a CSV file" in err
    assert "Save As > CSV" in err and err.count("\n") == 1
    code, _, _ = run(capsys, "validate", "clients", str(SAMPLES / "clients_demo.xlsx"))
    assert code == 1  # the client demo has mistakes on purpose


def test_options_for_another_kind_are_refused(capsys):
    path = str(SAMPLES / "clients_demo.xlsx")
    code, _, err = run(capsys, "validate", "clients", path, "--allow-temporary-uln")
    assert code == 2 and "--allow-temporary-uln does not apply to clients files" in err
    code, _, err = run(capsys, "validate", "clients", path, "--workspace", "x.db")
    assert code == 2 and "--workspace does not apply to clients files" in err


def test_the_temporary_uln_option(write_text, capsys):
    path = write_text("t.csv", csv_text(GOOD.replace("1000000043", "9999999999")))
    assert run(capsys, "validate", "regcert", str(path))[0] == 1
    assert run(capsys, "validate", "regcert", str(path), "--allow-temporary-uln")[0] == 0


def _padded_file(path: Path, size: int) -> Path:
    """A valid import file of exactly `size` bytes (the last reference pads it)."""
    head = csv_text(GOOD).encode()
    row = b"603/1234/5,9276308686,Not registered,,,,,,,"
    pad = size - len(head) - len(row) - 1
    path.write_bytes(head + row + b"P" * pad + b"\n")
    assert path.stat().st_size == size
    return path


def test_the_2_mb_limit(tmp_path, capsys):
    assert VALIDATORS["regcert"].max_bytes == LIMIT
    at_limit = _padded_file(tmp_path / "at.csv", LIMIT)
    code, _, _ = run(capsys, "validate", "regcert", str(at_limit))
    assert code == 1  # readable; its padded reference is longer than 128 characters
    over = _padded_file(tmp_path / "over.csv", LIMIT + 1)
    code, out, err = run(capsys, "validate", "regcert", str(over))
    assert (code, out) == (2, "")
    assert "over the 2.0 MB limit" in err
    assert run(capsys, "validate", "regcert", str(over), "--max-bytes", str(LIMIT + 1))[0] == 1


def test_the_2_mb_limit_applies_to_regcert_import(tmp_path, loaded, capsys):
    over = _padded_file(tmp_path / "over.csv", LIMIT + 1)
    code, _, err = run(capsys, "regcert", "import", str(over), "--workspace", loaded)
    assert code == 2 and "over the 2.0 MB limit" in err


@pytest.mark.parametrize(("sep", "name"), [(";", ";"), ("\t", "tab"), ("|", "|")])
def test_separators(write_text, capsys, sep, name):
    path = write_text("s.csv", csv_text(GOOD, sep=sep))
    assert run(capsys, "validate", "regcert", str(path), "--sep", name)[0] == 0
    # Not sniffed: the default is a comma, and the report says which separator the file uses.
    code, _, _ = run(capsys, "validate", "regcert", str(path), "--errors",
                       str(path.parent / "e.csv"))  # fmt: skip
    assert code == 1
    report = (path.parent / "e.csv").read_text(encoding="utf-8-sig")
    assert "With the comma separator the file has only one column" in report
    assert "check the separator" in report


def test_a_comma_inside_quotes_is_not_a_separator(write_text, capsys):
    row = '603/1234/5,1000000043,Registered,RN1,01/09/2025,,,,,"Box 4, Leeds"'
    assert run(capsys, "validate", "regcert", str(write_text("q.csv", csv_text(row))))[0] == 0


def test_regcert_import_needs_a_register(write_text, tmp_path, capsys):
    path = write_text("r.csv", csv_text(GOOD))
    code, _, err = run(capsys, "regcert", "import", str(path), "--workspace",
                       str(tmp_path / "none.db"))  # fmt: skip
    assert code == 2 and "no register at" in err and "learners import" in err
    assert not (tmp_path / "none.db").exists()


def test_learners_import_changes_nothing_without_apply(db, capsys):
    code, out, _ = run(capsys, "regcert", "learners", "import",
                       str(SAMPLES / "regcert_register.xlsx"), "--workspace", db)  # fmt: skip
    assert code == 0 and "Nothing was changed" in out
    assert not Path(db).exists()


def test_import_dry_run_then_apply(loaded, tmp_path, capsys):
    first = str(SAMPLES / "regcert_import_first.csv")
    code, out, _ = run(capsys, "regcert", "import", first, "--workspace", loaded)
    assert code == 0
    assert out.splitlines()[0] == (
        "46 records: 46 can be imported, 0 with errors (0 errors, 4 warnings)"
    )
    assert "Nothing was changed. Run again with --apply" in out
    code, _, err = run(capsys, "regcert", "import", first, "--workspace", loaded, "--results",
                       str(tmp_path / "r.csv"))  # fmt: skip
    assert code == 2 and "--results needs --apply" in err
    code, out, _ = run(capsys, "regcert", "import", first, "--workspace", loaded, "--apply",
                       "--results", str(tmp_path / "r.csv"))  # fmt: skip
    assert code == 0
    assert ("Applied 46 records in one transaction: 44 created, 0 updated, 0 unchanged, "
            "2 status reverted") in out  # fmt: skip
    assert "the status stays Not registered" in out
    assert "status reverted" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_records_with_errors_exit_1_and_only_the_accepted_are_applied(loaded, tmp_path, capsys):
    for name in ("regcert_import_first.csv", "regcert_import_update.csv"):
        assert run(capsys, "regcert", "import", str(SAMPLES / name), "--workspace", loaded,
                   "--apply")[0] == 0  # fmt: skip
    errors = tmp_path / "errors.csv"
    code, out, _ = run(capsys, "regcert", "import", str(SAMPLES / "regcert_import_errors.csv"),
                       "--workspace", loaded, "--apply", "--errors", str(errors))  # fmt: skip
    assert code == 1
    assert out.splitlines()[0] == (
        "26 records: 6 can be imported, 20 with errors (20 errors, 5 warnings)"
    )
    assert "Applied 6 records in one transaction" in out
    assert errors.read_text(encoding="utf-8-sig").startswith("Row,Column,Value,Check,Severity")


def test_export_command(loaded, tmp_path, capsys):
    assert run(capsys, "regcert", "import", str(SAMPLES / "regcert_import_first.csv"),
               "--workspace", loaded, "--apply")[0] == 0  # fmt: skip
    code, out, _ = run(capsys, "regcert", "export", str(tmp_path / "all.xlsx"), "--all",
                       "--workspace", loaded)  # fmt: skip
    assert code == 0 and out.startswith("Wrote 46 records to") and "masked" in out
    code, out, _ = run(capsys, "regcert", "export", str(tmp_path / "some.csv"), "--ids", "1,2",
                       "3", "--workspace", loaded)  # fmt: skip
    assert code == 0 and out.startswith("Wrote 3 records")
    code, out, _ = run(capsys, "regcert", "export", str(tmp_path / "s.csv"), "--status",
                       "Exempt", "--workspace", loaded)  # fmt: skip
    assert code == 0 and out.startswith("Wrote 4 records")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose the records to export"),
        (["--all", "--ids", "1"], "--all exports every record"),
        (["--ids", "one"], "record ids are whole numbers"),
        (["--ids", "99"], "no registration record with id 99"),
        (["--status", "Done"], "unknown status"),
    ],
)
def test_export_command_errors_exit_2(loaded, tmp_path, capsys, args, message):
    code, out, err = run(capsys, "regcert", "export", str(tmp_path / "o.csv"), *args,
                         "--workspace", loaded)  # fmt: skip
    assert (code, out) == (2, "") and message in err and err.startswith("error: ")


def test_export_to_an_unknown_format_exits_2(loaded, capsys):
    code, _, err = run(capsys, "regcert", "export", "out.pdf", "--all", "--workspace", loaded)
    assert code == 2 and "must end in .csv or .xlsx" in err


@pytest.mark.parametrize(("sep", "name"), [(";", ";"), ("\t", "tab"), ("|", "|")])
def test_regcert_import_reads_the_separator_given(loaded, tmp_path, capsys, sep, name):
    sample = SAMPLES / "regcert_import_first.csv"
    rows = pd.read_csv(sample, dtype=str, keep_default_na=False)
    separated = tmp_path / "regcert_import_first.csv"
    rows.to_csv(separated, sep=sep, index=False)
    code, comma, _ = run(capsys, "regcert", "import", str(sample), "--workspace", loaded)
    assert run(capsys, "regcert", "import", str(separated), "--sep", name,
               "--workspace", loaded) == (code, comma, "")  # fmt: skip
    assert "record" in comma and "Nothing was changed" in comma


def test_a_problem_with_the_whole_file_is_printed_under_the_summary(write_text, capsys):
    path = write_text("cols.csv", "ULN,Qualification Number,Status\n1000000043,603/1234/5,R\n")
    code, out, err = run(capsys, "validate", "regcert", str(path))
    lines = out.splitlines()
    assert code == 1 and err == "" and lines[0] == "1 record: 0 valid, 1 with errors"
    assert lines[1].startswith("File: The file must have exactly these 10 columns in this order")
    assert lines[2:4] == [
        "Errors, by column and check:",
        "  Qualification Number: not the columns of the layout -- the whole file",
    ]
    assert "Add --errors" in lines[-1]


def test_a_result_table_that_cannot_be_written_stops_the_apply_before_it_starts(
    loaded, tmp_path, capsys
):
    first = str(SAMPLES / "regcert_import_first.csv")
    nowhere = str(tmp_path / "no folder" / "results.csv")
    code, out, err = run(capsys, "regcert", "import", first, "--workspace", loaded, "--apply",
                         "--results", nowhere)  # fmt: skip
    assert code == 2 and out == "" and "its folder does not exist" in err
    code, out, _ = run(capsys, "regcert", "import", first, "--workspace", loaded, "--apply")
    assert "44 created" in out  # nothing had been applied
