"""Hostile files: small files that ask for gigabytes or hours, and files megabytes long that
trip the readers' edge cases; and the whole bad-file corpus read under a memory cap.

The large files are not kept in the repository: `tests/data/make_bad_corpus.py`
(`write_large`) makes them once per test session. Under the cap (2 GB of address space, in
a process of its own) a file that made a reader build a dense grid, unpack a bomb or hold
millions of cells as Python objects ends the process; every file must instead give a report
or one `error:` line, with exit status 0, 1 or 2.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.data.make_bad_corpus import write_large
from tests.io.test_bad_files import EXPECTED, MANIFEST, SIZE_LIMIT, TODAY, Refused, Report
from tests.paths import CORPUS, ROOT
from usikit import InputError, read_table
from usikit.bulk_usi.validation import validate_clients
from usikit.cli import main
from usikit.errors import LimitExceeded

MEMORY_CAP = 2 * 1024**3

EXPECTED_LARGE: dict[str, Report | Refused] = {
    # One byte 0xFF in a 2000-row UTF-8 file: only its row is named, the rest pass.
    "stray_byte_2000_rows.csv": Report(
        invalid=(1002,), problems=((1002, "Town/City of Birth", "mixed_encoding"),)
    ),
    "whitespace_bomb.xlsx": Refused(
        r"holds more than 512\.0 MB once unpacked \(a workbook is a compressed archive\), over "
        r"the limit; split the file, or raise the limit"
    ),
    "rows_3_million.xlsx": Refused(
        r"sheet 'Clients' has a cell at [A-Z]+\d{7}, beyond the last row \(1,048,576\)"
    ),
    "line_of_5_million_cells.csv": Refused(
        r"line 3 is 9\.5 MB long, over the limit of 8\.0 MB for one line"
    ),
    "header_of_5_million_cells.csv": Refused(
        r"line 1 is longer than 8\.0 MB, the limit for one line"
    ),
}
LIMITED = {"whitespace_bomb.xlsx", "line_of_5_million_cells.csv", "header_of_5_million_cells.csv"}


@pytest.fixture(scope="session")
def large(tmp_path_factory):
    """The large hostile files: (folder, manifest)."""
    folder = tmp_path_factory.mktemp("hostile")
    return folder, write_large(folder)


def test_every_large_file_has_an_expectation(large):
    _, manifest = large
    assert set(manifest) == set(EXPECTED_LARGE)


@pytest.mark.parametrize("name", sorted(EXPECTED_LARGE))
def test_a_large_hostile_file_gives_a_report_or_one_clear_refusal(name, large, capsys):
    folder, manifest = large
    expected, path = EXPECTED_LARGE[name], folder / name
    if isinstance(expected, Refused):
        with pytest.raises(InputError) as caught:
            read_table(path)
        assert re.search(expected.says, str(caught.value)), str(caught.value)
        assert isinstance(caught.value, LimitExceeded) == (name in LIMITED)
        assert main(["validate", "clients", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")
        return
    report = validate_clients(read_table(path), today=TODAY)
    assert report.records.index.tolist() == manifest[name]["rows"]
    assert report.invalid.index.tolist() == list(expected.invalid)
    found = set(report.errors[["row", "column", "check"]].itertuples(index=False, name=None))
    assert set(expected.problems) <= found


CAPPED = """
import json, resource, sys
cap = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import contextlib, io
from usikit.cli import main
for line in sys.stdin:
    kind, path, *options = json.loads(line)
    print(json.dumps({"file": path, "started": True}), flush=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["validate", kind, path, *options])
    with open("/proc/self/status") as status_file:
        peak = next(l.split()[1] for l in status_file if l.startswith("VmHWM"))
    print(json.dumps({"file": path, "status": status, "err": err.getvalue(), "peak_kb": peak}),
          flush=True)
"""


def test_the_whole_corpus_reads_under_a_2_gb_memory_cap(large):
    """No file ends the process: every one gives a report or an `error:` line."""
    folder, manifest = large
    jobs = [
        [MANIFEST[name]["kind"], str(CORPUS / name)]
        + (["--max-bytes", str(SIZE_LIMIT)] if name == "over_size_limit.csv" else [])
        for name in sorted(EXPECTED)
    ] + [[manifest[name]["kind"], str(folder / name)] for name in sorted(manifest)]
    run = subprocess.run(
        [sys.executable, "-c", CAPPED, str(MEMORY_CAP)],
        input="".join(json.dumps(job) + "\n" for job in jobs),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "PYTHONPATH": str(ROOT)},
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    finished = [line for line in lines if "status" in line]
    last = lines[-1]["file"] if lines else "(none)"
    assert run.returncode == 0, f"the process ended ({run.returncode}) reading {last}"
    assert len(finished) == len(jobs)
    for line in finished:
        assert line["status"] in (0, 1, 2), line
        assert "Traceback" not in line["err"] and "bug" not in line["err"], line
