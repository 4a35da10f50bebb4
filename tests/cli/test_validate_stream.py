"""`usikit validate clients` on a file read a chunk at a time: what it prints and exits with
is what it prints for the file read whole."""

from __future__ import annotations

import pytest

from usikit.bulk_usi import file_validation
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.cli import main
from usikit.io import text


def _run(path, errors, capsys) -> tuple[int, str]:
    status = main(["validate", "clients", str(path), "--errors", str(errors)])
    return status, capsys.readouterr().out.replace(str(errors), "OUT")


def test_a_streamed_file_prints_and_exits_as_a_whole_one(tmp_path, monkeypatch, capsys):
    frame, _ = add_mistakes(synthetic_clients(400, seed=3), rate=0.1, seed=4)
    frame.loc[390, "Client ID"] = frame.loc[5, "Client ID"]
    path = tmp_path / "clients.csv"
    frame.to_csv(path, index=False)
    whole = _run(path, tmp_path / "whole.csv", capsys)
    grids = []
    parse = text.parse_grid
    monkeypatch.setattr(text, "parse_grid", lambda *a: grids.append(1) or parse(*a))
    monkeypatch.setattr(file_validation, "STREAM_FROM", 0)
    monkeypatch.setattr(file_validation, "CHUNK_RECORDS", 60)
    streamed = _run(path, tmp_path / "streamed.csv", capsys)
    assert len(grids) >= 2 * 400 // 60  # read in chunks, twice
    assert whole[0] == 1 and streamed == whole
    assert "a Client ID used twice" in whole[1]
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_the_help_says_when_a_file_is_read_a_chunk_at_a_time(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "larger than 512.0 MB is read 250,000 records at a time" in shown
