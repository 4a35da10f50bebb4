"""The parts the screens share: settings, grid paging and choice, charts, downloads, start."""

from __future__ import annotations

import pandas as pd
import pytest

from usikit.cli import main
from usikit.errors import InputError
from usikit.settings import Settings
from usikit.ui import StartScreen
from usikit.ui.charts import MAX_BARS, bar_chart_svg
from usikit.ui.downloads import Downloads, download_link, export_path
from usikit.ui.files import _safe_name
from usikit.ui.grid import PagedGrid, row_colour


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("USIKIT_WORKSPACE", "USIKIT_REGISTRY", "USIKIT_OFFLINE_DELAY", "USIKIT_ORG_CODE"):
        monkeypatch.delenv(name, raising=False)


def test_settings_come_from_the_environment_and_arguments_win(monkeypatch, tmp_path):
    monkeypatch.setenv("USIKIT_WORKSPACE", str(tmp_path / "shared.db"))
    monkeypatch.setenv("USIKIT_OFFLINE_DELAY", "0.5")
    monkeypatch.setenv("USIKIT_ORG_CODE", "ORG42")
    settings = Settings.resolve()
    assert settings.workspace == f"sqlite:///{tmp_path / 'shared.db'}"
    assert (settings.registry, settings.delay, settings.org_code) == ("offline", 0.5, "ORG42")
    assert settings.folder == tmp_path and settings.exports == tmp_path / "exports"
    other = Settings.resolve(tmp_path / "mine.db", delay=0, org_code="MINE")
    assert other.sqlite_file == tmp_path / "mine.db" and (other.delay, other.org_code) == (
        0,
        "MINE",
    )


def test_a_database_server_keeps_exports_here_and_hides_the_password(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.resolve("postgresql+psycopg://officer:secret@db.example/usikit")
    assert settings.folder == tmp_path
    assert "secret" not in settings.shown_workspace and "***" in settings.shown_workspace


def test_a_delay_that_is_not_a_number_is_an_input_error(monkeypatch):
    monkeypatch.setenv("USIKIT_OFFLINE_DELAY", "soon")
    with pytest.raises(InputError, match="USIKIT_OFFLINE_DELAY must be a number"):
        Settings.resolve()


def test_the_command_line_reports_the_same_bad_delay_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("USIKIT_OFFLINE_DELAY", "soon")
    with pytest.raises(SystemExit) as stopped:
        main(["batch", "submit"])
    assert stopped.value.code == 2
    assert "invalid float value: 'soon'" in capsys.readouterr().err


def frame(n: int) -> pd.DataFrame:
    keys = [f"K{i:03d}" for i in range(n)]
    status = ["error" if i % 7 == 0 else "ok" for i in range(n)]
    return pd.DataFrame({"Status": status, "Name": keys}, index=pd.Index(keys, name="Key"))


def test_the_grid_shows_a_page_at_a_time():
    grid = PagedGrid(status="Status", colours={"error": "#f00"}, page_size=10)
    grid.show(frame(25))
    assert grid.pages == 3 and grid.page_frame().index[0] == "K000"
    assert grid.previous.disabled and not grid.next.disabled
    assert "Records 1-10 of 25 (page 1 of 3)" in grid.position.value
    grid.next.click()
    grid.next.click()
    assert "Records 21-25 of 25" in grid.position.value and grid.next.disabled
    assert len(grid.grid.get_visible_data()) == 5
    grid.show(frame(5))
    assert grid.page == 0 and grid.pager.layout.display == "none"


def test_the_choice_survives_paging_and_follows_the_browsers_order():
    grid = PagedGrid(page_size=10)
    heard = []
    grid.on_choose(heard.append)
    grid.show(frame(25))
    grid.select_rows(1, 2)
    assert grid.chosen == ["K001", "K002"] and heard[-1] == ["K001", "K002"]
    grid.go(1)
    grid.grid._visible_rows = list(range(9, -1, -1))  # the officer sorted the page backwards
    grid.select_rows(0)
    assert grid.chosen == ["K001", "K002", "K019"]
    grid.choose(["K024"])
    assert grid.page == 2 and grid.grid.selections == [{"r1": 4, "r2": 4, "c1": 0, "c2": 1}]
    grid.choose_all()
    assert len(grid.chosen) == 25
    grid.show(frame(12))
    assert len(grid.chosen) == 12
    grid.clear()
    assert grid.chosen == [] and heard[-1] == []


def test_rows_are_coloured_by_their_status_in_the_browser():
    expression = row_colour("Status", {"error": "#f8d7da", "ok": "#d1e7dd"}).value
    assert expression == (
        '(cell.metadata.data["Status"] === "error" ? "#f8d7da" : '
        '(cell.metadata.data["Status"] === "ok" ? "#d1e7dd" : "#ffffff"))'
    )


def test_bar_charts_escape_labels_and_sum_up_the_tail():
    bars = [(f"<col {i}>", 20 - i, "#123456") for i in range(MAX_BARS + 3)]
    svg = bar_chart_svg("Problems & checks", bars)
    assert svg.startswith("<svg") and "&lt;col 0&gt;" in svg and "<col" not in svg
    assert "Problems &amp; checks" in svg and "3 more" in svg
    assert bar_chart_svg("Nothing", []) == ""


def test_export_names_never_replace_an_earlier_file(tmp_path):
    first = export_path(tmp_path / "exports", "batch 1/grid", ".csv")
    first.write_text("a")
    second = export_path(tmp_path / "exports", "batch 1/grid", ".csv")
    assert first != second and first.name.startswith("batch-1-grid-")
    assert (tmp_path / "exports").stat().st_mode & 0o777 == 0o700


def test_a_file_too_large_for_a_link_is_only_named(tmp_path, monkeypatch):
    monkeypatch.setattr("usikit.ui.downloads.MAX_LINK_BYTES", 10)
    path = tmp_path / "big.csv"
    path.write_text("x" * 20)
    assert "data:" not in download_link(path) and str(path) in download_link(path)
    offers = Downloads()
    for n in range(5):
        small = tmp_path / f"{n}.csv"
        small.write_text("x")
        offers.offer(small)
    assert offers.widget.value.count("<a ") == Downloads.SHOWN and len(offers.paths) == 5


def test_uploaded_names_lose_their_folders():
    assert _safe_name("C:\\Users\\me\\clients <1>.xlsx") == "clients _1_.xlsx"
    assert _safe_name("../../etc/passwd") == "passwd"


def test_the_start_screen_counts_what_the_workspace_holds(demo_folder):
    screen = StartScreen(demo_folder / "usikit.db")
    assert screen.counts["clients"] == 38 and screen.counts["learners"] == 200
    assert "offline simulator" in screen.header.value
    assert '<a href="01_create_usi_batch.ipynb"' in screen.links.value
    assert "38 clients" in screen._repr_mimebundle_()["text/plain"]
    screen.close()


def test_the_start_screen_without_a_workspace_says_how_to_make_one(tmp_path):
    screen = StartScreen(tmp_path / "usikit.db")
    assert screen.message.kind == "warning" and "USIKIT_WORKSPACE" in screen.message.text
    assert "usikit demo" not in screen.message.text and "make lab" not in screen.message.text
    assert not (tmp_path / "usikit.db").exists()
