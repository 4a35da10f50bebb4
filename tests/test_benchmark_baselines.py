"""The benchmarks' baselines do the work they are compared on (their speed is not tested here)."""

from __future__ import annotations

import pytest

from benchmarks.data import TODAY, clients_csv
from benchmarks.frictionless_baseline import validate_with_frictionless
from benchmarks.rowwise import validate_rows
from usikit import read_table, validate_clients


@pytest.fixture(scope="module")
def small_file(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setattr("benchmarks.data.DATA", tmp_path_factory.mktemp("bench"))
    return clients_csv(2000)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_row_by_row_baseline_finds_the_records_usikit_finds(small_file):
    report = validate_clients(read_table(small_file), today=TODAY)
    errors = report.errors[report.errors["severity"] == "error"]
    looped = {row for row, *_ in validate_rows(small_file, TODAY)}
    assert report.n_invalid > 20  # the generated file holds mistakes of every kind
    found = set(errors["row"].astype(int))
    assert len(looped ^ found) <= 0.05 * len(found)  # the same records, all but a few


def test_the_frictionless_baseline_reads_the_file_and_finds_mistakes(small_file):
    assert validate_with_frictionless(small_file) > 20


def test_the_polars_baseline_finds_the_records_usikit_finds(small_file):
    from benchmarks.polars_baseline import read, validate_with_polars

    report = validate_clients(read_table(small_file), today=TODAY)
    table = validate_with_polars(read(small_file), TODAY)
    assert table.columns == ["row", "column", "value", "check", "severity", "message"]
    errors = table.filter(table["severity"] == "error")
    found = set(errors["row"].to_list())
    usikit = set(report.errors.loc[report.errors["severity"] == "error", "row"].astype(int))
    assert len(found) > 20 and found <= usikit  # it does less, never something else


@pytest.fixture(scope="module")
def messy(tmp_path_factory, monkeypatch_module):
    import benchmarks.messy

    folder = tmp_path_factory.mktemp("messy")
    monkeypatch_module.setattr("benchmarks.data.DATA", folder)
    monkeypatch_module.setattr("benchmarks.messy.DATA", folder)
    monkeypatch_module.setattr("benchmarks.bench_report.DATA", folder)
    return {what: make(2000) for what, make, _ in benchmarks.messy.FILES}


def test_the_messy_files_are_messy_as_the_issue_describes(messy):
    reports = {
        what: validate_clients(read_table(path), today=TODAY) for what, path in messy.items()
    }
    dated = reports["every date written yyyy-mm-dd"].summary()
    rewritten = dated.loc[dated["what"] == "date written as dd/mm/yyyy", "problems"].sum()
    assert rewritten >= 2 * 2000 * 0.95  # dates of birth and privacy notices at least
    assert reports["every record missing a mandatory field"].n_invalid == 2000
    twice = reports["30% of records the same person twice"].errors
    assert (twice["check"] == "same_person").sum() >= 2 * 0.3 * 2000 * 0.9
    nine = reports["the same 9 people repeated"].errors
    assert (nine["check"] == "same_person").sum() == 2000


def test_the_registration_section_is_measured_and_written(tmp_path, monkeypatch):
    """`python -m benchmarks regcert` builds its section (a quick run, in a scratch folder)."""
    from benchmarks import __main__ as bench_main
    from benchmarks import bench_regcert

    monkeypatch.setattr(bench_regcert, "DATA", tmp_path)
    lines = bench_main.regcert_section(quick=True)
    assert lines[0] == bench_main.REGCERT_SECTION
    assert lines[2].startswith("Measured ")
    rows = [line for line in lines if line.startswith("| `regcert import --apply`")]
    assert len(rows) == 2 and all(" x |" in row for row in rows)
    assert any(line.startswith("| read the file's enrolments") for line in lines)


def test_the_core_part_replaces_only_the_top_of_the_results(tmp_path):
    """`python -m benchmarks core` rewrites the first table and growth, and keeps every section
    measured on its own (the batch workflow and all after it) as it was."""
    from benchmarks import __main__ as bench_main

    results = tmp_path / "RESULTS.md"
    kept = [bench_main.WORKFLOW_SECTION, "", "workflow figures", "", "## Start-up", "", "kept"]
    results.write_text("\n".join(["# Benchmark results", "", "old table", "", *kept]) + "\n")
    bench_main.replace_core(results, ["# Benchmark results", "", "new table"])
    lines = results.read_text().splitlines()
    assert "old table" not in lines and "new table" in lines
    assert lines[lines.index(bench_main.WORKFLOW_SECTION) :] == kept


def test_the_core_part_keeps_sections_it_does_not_write_wherever_they_are(tmp_path):
    """A results file without the batch workflow's section keeps its other sections, and an
    old profile goes when the new core part (every target met) has none."""
    from benchmarks import __main__ as bench_main
    from benchmarks import bench_validate

    results = tmp_path / "RESULTS.md"
    results.write_text(
        "\n".join(
            [
                "# Benchmark results",
                "",
                "old table",
                "",
                bench_validate.GROWTH_SECTION,
                "",
                "old growth",
                "",
                bench_validate.PROFILE_SECTION,
                "",
                "old profile",
                "",
                "## Start-up",
                "",
                "start-up figures",
            ]
        )
        + "\n"
    )
    core = ["# Benchmark results", "", "new table", "", bench_validate.GROWTH_SECTION, "", "new"]
    bench_main.replace_core(results, core)
    lines = results.read_text().splitlines()
    assert lines == [*core, "", "## Start-up", "", "start-up figures"]


def test_best_of_each_takes_turns_and_keeps_each_functions_fastest_run(monkeypatch):
    from benchmarks import common

    calls: list[str] = []
    clock = iter([0.0, 5.0, 10.0, 11.0, 20.0, 22.0, 30.0, 31.0])  # a: 5 then 2; b: 1 then 1
    monkeypatch.setattr(common.time, "perf_counter", lambda: next(clock))
    best = common.best_of_each((lambda: calls.append("a"), lambda: calls.append("b")), 2)
    assert calls == ["a", "b", "a", "b"]
    assert best == [2.0, 1.0]
