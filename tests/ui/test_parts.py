"""The parts the screens share: settings, grid paging and choice, charts, downloads, start."""

from __future__ import annotations

import pandas as pd
import pytest

from usikit.cli import main
from usikit.errors import InputError
from usikit.settings import Settings
from usikit.ui import BatchScreen, StartScreen
from usikit.ui.charts import MAX_BARS, bar_chart_svg
from usikit.ui.confirm import Confirm
from usikit.ui.detail import DetailPane
from usikit.ui.downloads import Downloads, download_link, export_path, file_size
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
    note = screen.notes[BatchScreen].value  # alone in JupyterLab: each screen's notebook
    assert "<b>01_create_usi_batch.ipynb</b>: load client records" in note
    assert screen.opens[BatchScreen].layout.display == "none"
    assert "38 clients" in screen._repr_mimebundle_()["text/plain"]
    screen.close()


def test_the_start_screen_without_a_workspace_says_what_starts_one(tmp_path):
    screen = StartScreen(tmp_path / "usikit.db")
    assert screen.message.kind == "info"
    assert f"There is no workspace at {tmp_path / 'usikit.db'} yet" in screen.message.text
    assert "loading a client spreadsheet (Create USIs) or a learner file (Learners) starts it" in (
        screen.message.text
    )
    for words in ("usikit demo", "make lab", "USIKIT_WORKSPACE", "Shift+Enter", "--"):
        assert words not in screen.message.text
    assert not (tmp_path / "usikit.db").exists()


def test_an_empty_grid_names_its_key_and_a_keyless_grid_hides_it():
    keyed = PagedGrid(key="Client ID")
    keyed.show(pd.DataFrame(columns=["Name", "Status"]))
    assert keyed.frame.index.name == "Client ID" and keyed.grid.header_visibility == "all"
    assert "key" not in [f["name"] for f in keyed.grid._data["schema"]["fields"]]
    plain = PagedGrid()  # a list of problems: its index is the grid's own, not shown
    plain.show(pd.DataFrame({"Row": ["2", "file"], "Message": ["a", "b"]}))
    assert plain.grid.header_visibility == "column"


def test_a_uln_is_shown_whole():
    grid = PagedGrid(key="Record")
    grid.show(pd.DataFrame({"ULN": ["1000000043"]}, index=pd.Index([1], name="Record")))
    assert grid.grid.column_widths["ULN"] >= 10 * 8 + 16  # ten digits of the grid's font


def test_a_choice_filtered_out_of_view_is_kept_when_asked():
    grid = PagedGrid(page_size=10, keep_hidden_choice=True)
    grid.show(frame(25))
    grid.choose(["K001", "K020"])
    grid.show(frame(25).iloc[:5])  # a filter leaves K020 out of view
    assert set(grid.chosen) == {"K001", "K020"} and grid.hidden_chosen == ["K020"]
    grid.select_rows(2)  # a click on this page keeps the hidden one
    assert set(grid.chosen) == {"K020", "K002"}
    grid.choose_all()
    assert set(grid.chosen) == {"K020", "K000", "K001", "K002", "K003", "K004"}
    grid.clear()
    assert grid.chosen == [] and grid.hidden_chosen == []
    plain = PagedGrid(page_size=10)
    plain.show(frame(25))
    plain.choose(["K020"])
    plain.show(frame(25).iloc[:5])
    assert plain.chosen == []  # a grid that does not keep it: what is not shown is not chosen


def test_the_detail_pane_writes_a_row_out_whole():
    pane = DetailPane("Click a row.")
    long = "The file must have exactly these 10 columns in this order: " + "x, " * 80
    table = pd.DataFrame({"Row": ["file"], "Message": [long]})
    pane.show(table, [0])
    assert long in pane.text and long.strip() in pane.widget.value.replace("&amp;", "&")
    assert "white-space:pre-wrap" in pane.widget.value
    pane.show(table, [])
    assert pane.text == "" and "Click a row." in pane.widget.value


def test_a_confirmation_runs_the_action_only_on_yes():
    done = []
    confirm = Confirm()
    assert not confirm.is_open
    confirm.ask("Send it?", "Yes, send", lambda: done.append("sent"))
    assert confirm.is_open and confirm.yes.description == "Yes, send" and done == []
    confirm.no.click()
    assert not confirm.is_open and done == []
    confirm.ask("Send it?", "Yes, send", lambda: done.append("sent"))
    confirm.yes.click()
    assert done == ["sent"] and not confirm.is_open


def test_small_files_are_sized_in_bytes():
    assert file_size(301) == "301 bytes" and file_size(1) == "1 byte"
    assert file_size(2048) == "2 KB" and file_size(3 * 1024 * 1024) == "3.0 MB"
