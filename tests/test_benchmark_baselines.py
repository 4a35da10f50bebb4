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
