"""The screens in a real browser: JupyterLab and Voila served on localhost, driven by Chromium.

The create-USI batch is run the way an officer runs it (pick the demo file, see red and
green records, read a red record's errors, remove the red ones, submit), its USIs are then
downloaded in Voila, and the Registration & Certification import and export go the same way;
last, the audit trail lists that work and exports it.
The grid draws on a canvas, so its colours are read from the canvas pixels.
"""

from __future__ import annotations

import re

import pytest

from usikit.io import read_table

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the `browser` fixture fails where Chromium is installed, else skips
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser

# Row colours of the grid (usikit.ui.grid.RED and GREEN), as canvas pixels.
COUNT_COLOURS = """(grid) => {
  const found = {red: 0, green: 0};
  for (const canvas of grid.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === 248 && data[i + 1] === 215 && data[i + 2] === 218) found.red++;
      else if (data[i] === 209 && data[i + 1] === 231 && data[i + 2] === 221) found.green++;
    }
  }
  return found;
}"""
# Where on the page the first red row is: the middle of its first red run of pixels.
FIRST_RED_ROW = """(grid) => {
  for (const canvas of grid.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const box = canvas.getBoundingClientRect();
    const scale = box.height / canvas.height;
    const x = Math.floor(canvas.width * 0.4);
    const column = canvas.getContext('2d').getImageData(x, 0, 1, canvas.height).data;
    for (let y = 0; y < canvas.height; y++) {
      const i = y * 4;
      if (column[i] === 248 && column[i + 1] === 215 && column[i + 2] === 218) {
        return {x: box.left + x * scale, y: box.top + (y + 6) * scale};
      }
    }
  }
  return null;
}"""


def run_notebook(page, url: str):
    """Open a notebook in JupyterLab, run its code cell, and return the screen it shows."""
    page.goto(url + "?reset")  # a fresh layout: no tab restored from an earlier test
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    screen = page.locator(".jp-OutputArea-output .widget-vbox").first
    for attempt in range(3):  # a keystroke lost while the page settles is pressed again
        page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            screen.wait_for(timeout=40_000)
            return screen
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return screen


def open_app(page, url: str):
    """Open a notebook as a Voila app (it runs by itself) and return the page's screen."""
    page.goto(url)
    screen = page.locator(".widget-vbox").first
    screen.wait_for(timeout=90_000)
    return screen


def assert_widgets_display(page) -> None:
    assert page.get_by_text("Error displaying widget").count() == 0


def grid_colours(page, grid, *, red: bool, green: bool) -> dict[str, int]:
    """Wait until the grid's canvas shows (or does not show) red and green rows."""
    handle = grid.element_handle()
    test = f"(g) => {{ const c = ({COUNT_COLOURS})(g); return (c.red > 0) === {str(red).lower()}"
    test += f" && (c.green > 0) === {str(green).lower()}; }}"
    page.wait_for_function(test, arg=handle, timeout=30_000)
    return page.evaluate(COUNT_COLOURS, handle)


def test_an_officer_builds_fixes_and_submits_a_batch_then_downloads_the_usis(
    page, lab, snap, tmp_path
):
    screen = run_notebook(page, lab.lab("01_create_usi_batch.ipynb"))
    page.get_by_text("offline simulator (not the USI Registry").first.wait_for()
    page.locator("select", has=page.locator("option", has_text="clients_demo.xlsx")).select_option(
        "clients_demo.xlsx"
    )
    page.get_by_role("button", name="Load and add to the batch").click()
    page.get_by_text("36 records: 30 valid, 6 with errors").wait_for()
    grid = screen.locator(".lm-DataGrid").first
    grid_colours(page, grid, red=True, green=True)
    assert_widgets_display(page)
    assert page.get_by_role("button", name="Submit to the registry").is_disabled()

    spot = page.evaluate(FIRST_RED_ROW, grid.element_handle())
    page.mouse.click(spot["x"], spot["y"])
    page.get_by_text("1 record selected").wait_for()
    details = screen.locator("li", has_text="Error:").first
    details.wait_for()
    assert "is not 4 digits" in details.inner_text()  # the first red record: a lost zero
    snap(screen, "01_create_usi_batch")

    page.get_by_role("button", name="Select the red records").click()
    page.get_by_text("6 records selected").wait_for()
    page.get_by_role("button", name="Remove from the batch").click()
    page.get_by_text("30 records: 30 valid, 0 with errors").wait_for()
    grid_colours(page, grid, red=False, green=True)

    page.get_by_role("button", name="Export the grid").click()
    with page.expect_download() as download:
        screen.locator("a.usikit-download").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and len(read_table(saved, sheet="Records")) == 30

    submit = page.get_by_role("button", name="Submit to the registry")
    assert submit.is_enabled()
    submit.click()
    page.get_by_text("Batch 1 submitted to the offline simulator").wait_for()
    assert_widgets_display(page)
    snap(screen, "01_create_usi_batch_submitted", publish=False)

    app = open_app(page, lab.voila("02_retrieve_usi_results.ipynb"))
    page.get_by_text("Batch 1: 30 records: 0 USIs, 0 failed, 30 not retrieved yet").wait_for()
    page.get_by_role("button", name="Download USIs").click()
    page.get_by_text("Every result is in").wait_for()
    page.get_by_text("Batch 1: 30 records: 28 USIs, 2 failed").wait_for()
    grid_colours(page, app.locator(".lm-DataGrid").first, red=True, green=True)
    assert_widgets_display(page)
    snap(page, "02_retrieve_usi_results")


def test_an_officer_imports_a_regcert_file_then_exports_records(page, lab, snap, tmp_path):
    screen = run_notebook(page, lab.lab("03_regcert_import.ipynb"))
    with page.expect_file_chooser() as chooser:
        screen.locator("button.widget-upload").click()
    chooser.value.set_files(str(lab.workspace.parent / "regcert_import_first.csv"))
    page.get_by_role("button", name="Validate").click()
    page.get_by_text("46 can be imported, 0 with errors (0 errors, 4 warnings)").wait_for()
    page.get_by_role("button", name="Upload accepted records").click()
    page.get_by_text("Applied 46 records in one transaction: 44 created").first.wait_for()
    grid = screen.locator(".lm-DataGrid").nth(1)
    grid_colours(page, grid, red=False, green=True)
    assert_widgets_display(page)
    snap(screen, "03_regcert_import")

    open_app(page, lab.voila("04_regcert_export.ipynb"))
    page.get_by_text("0 records selected (of 46 shown)").wait_for()
    page.get_by_role("button", name="Select all 46").click()
    page.get_by_text("46 records selected (of 46 shown)").wait_for()
    page.get_by_role("button", name="Export the selected records").click()
    with page.expect_download() as download:
        page.locator("a.usikit-download").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    written = read_table(saved)
    assert len(written) == 46 and written["Date of Birth"].str.startswith("**/**/**").all()
    assert_widgets_display(page)
    snap(page, "04_regcert_export")


def test_the_start_screen_as_an_app(page, lab, snap):
    open_app(page, lab.voila("00_start_here.ipynb"))
    page.get_by_text("Clients with a USI").wait_for()
    assert page.locator("a[href='01_create_usi_batch.ipynb']").count() >= 1
    assert_widgets_display(page)
    snap(page, "00_start_here")


def test_the_audit_trail_as_an_app(page, lab, snap, tmp_path):
    open_app(page, lab.voila("05_audit.ipynb"))
    page.get_by_text(re.compile(r"\d+ audit records? by \d+ (person|people)")).wait_for()
    page.locator("svg[aria-label^='Audit records by day and action']").wait_for()
    page.locator(".lm-DataGrid canvas").first.wait_for()
    assert_widgets_display(page)
    page.get_by_role("button", name="Export as CSV").click()
    with page.expect_download() as download:
        page.locator("a.usikit-download").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    written = read_table(saved)
    assert list(written.columns[:5]) == ["When (UTC)", "Who", "Action", "File", "SHA-256"]
    assert "clients import" in set(written["Action"])
    snap(page, "05_audit")
