"""An uploaded spreadsheet never stays on disk: not after an error, not after the process is
killed or aborts while reading it (as a reader that crashed once made it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import CORPUS, ROOT
from tests.ui_helpers import uploaded
from usikit import InputError, read_table
from usikit.errors import LimitExceeded
from usikit.ui.files import FilePicker

ABORTS_WHILE_READING = """
import os, sys
from pathlib import Path
from tests.ui_helpers import uploaded
from usikit.ui.files import FilePicker

picker = FilePicker(Path(sys.argv[1]))
picker.upload.value = uploaded(Path(sys.argv[2]), name="clients of 2026.csv")
picker.read(lambda path: os.abort())  # the process dies while the upload is being read
"""


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="the in-memory copy is Linux's")
def test_a_process_that_dies_while_reading_an_upload_leaves_no_copy(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    sample = str(CORPUS / "header_only.csv")
    run = subprocess.run(
        [sys.executable, "-c", ABORTS_WHILE_READING, str(tmp_path), sample],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temporary), "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode != 0  # it did die
    assert list(temporary.rglob("*")) == []
    assert [p.name for p in tmp_path.iterdir()] == ["tmp"]


def test_the_reader_sees_a_copy_no_folder_holds_and_errors_name_the_upload(tmp_path):
    picker = FilePicker(tmp_path)
    picker.upload.value = uploaded(CORPUS / "columns_18279.csv", name="wide.csv")
    seen: list[Path] = []

    def reader(path: Path):
        seen.append(path)
        return read_table(path)

    with pytest.raises(LimitExceeded) as caught:
        picker.read(reader)
    assert caught.value.path == "wide.csv" and str(caught.value).startswith("wide.csv: ")
    assert caught.value.next_step is not None  # still says how to raise the limit
    if hasattr(os, "memfd_create"):
        assert str(seen[0]).startswith("/proc/self/fd/")
    assert not seen[0].exists()
    picker.upload.value = uploaded(CORPUS / "pipe_separated.txt", name="fine.txt")
    assert len(picker.read(read_table)) == 4
    with pytest.raises(InputError, match=r"^empty\.csv: is empty"):
        picker.upload.value = uploaded(CORPUS / "empty.csv", name="empty.csv")
        picker.read(read_table)
