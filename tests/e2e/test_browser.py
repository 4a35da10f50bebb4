"""The screens in a real browser: the officer's whole day in the one app `usikit app` serves,
and the start notebook in JupyterLab.

The day: open the app, load the client file, read a red record's errors, fix it in the form,
select and remove the other red records, download the client template, submit (confirmed),
download the USIs and read a failure whole; verify the clients' USIs and look for a forgotten
one; check and load the learner file; upload an
awarding organisation's file (confirmed), read a file's problems and a wrong header whole;
correct by hand the record an import cannot change, and see the file's error go; export the
file for the awarding organisation with dates of birth (confirmed); read the audit trail and
export it. Screenshots of each screen go to USIKIT_SCREENSHOTS (docs/screens).
The grids draw on a canvas, so their colours are read from the canvas pixels.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from usikit.io import read_table

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the `browser` fixture fails where Chromium is installed, else skips
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser

SHOWN = ".widget-tab-contents > div:not(.lm-mod-hidden)"  # the screen whose tab is in front
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
# Where on the page the first row of a colour is: the middle of its first run of pixels.
FIRST_ROW_OF = """([grid, rgb]) => {
  for (const canvas of grid.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const box = canvas.getBoundingClientRect();
    const scale = box.height / canvas.height;
    const x = Math.floor(canvas.width * 0.4);
    const column = canvas.getContext('2d').getImageData(x, 0, 1, canvas.height).data;
    for (let y = 0; y < canvas.height; y++) {
      const i = y * 4;
      if (column[i] === rgb[0] && column[i + 1] === rgb[1] && column[i + 2] === rgb[2]) {
        return {x: box.left + x * scale, y: box.top + (y + 6) * scale};
      }
    }
  }
  return null;
}"""
RED, WHITE = (248, 215, 218), (255, 255, 255)
# The vertical scroll bar's thumb of the grid in front: where it is ("0%" at the top).
THUMB = """(grid) => {
  const thumb = grid.querySelector('.lm-ScrollBar[data-orientation=vertical] .lm-ScrollBar-thumb');
  return thumb && thumb.offsetParent ? thumb.style.top : null;
}"""


def shown(page):
    return page.locator(SHOWN).first


def open_tab(page, name: str):
    page.locator(".lm-TabBar-tab", has_text=re.compile(f"^{re.escape(name)}$")).click()
    return shown(page)


def assert_widgets_display(page) -> None:
    assert page.get_by_text("Error displaying widget").count() == 0


def grid_colours(page, grid, *, red: bool, green: bool) -> dict[str, int]:
    """Wait until the grid's canvas shows (or does not show) red and green rows."""
    handle = grid.element_handle()
    test = f"(g) => {{ const c = ({COUNT_COLOURS})(g); return (c.red > 0) === {str(red).lower()}"
    test += f" && (c.green > 0) === {str(green).lower()}; }}"
    page.wait_for_function(test, arg=handle, timeout=60_000)
    return page.evaluate(COUNT_COLOURS, handle)


def click_first_row(page, grid, colour: tuple[int, int, int]) -> None:
    spot = page.evaluate(FIRST_ROW_OF, [grid.element_handle(), list(colour)])
    assert spot is not None, f"no row of colour {colour} in view"
    page.mouse.click(spot["x"], spot["y"])


def upload(page, screen, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        screen.locator("button.widget-upload").click()
    chooser.value.set_files(str(path))


def download(page, screen, folder: Path) -> Path:
    with page.expect_download() as done:
        screen.locator("a.usikit-download").first.click()
    saved = folder / done.value.suggested_filename
    done.value.save_as(saved)
    return saved


def field(screen, label: str):
    """The input of a form's row labelled `label`."""
    row = screen.locator(".widget-hbox", has=screen.page.get_by_text(label, exact=True)).last
    return row.locator("input, select").first


def test_an_officer_s_day_in_the_one_app(page, app, snap, tmp_path):
    page.goto(app.url)
    page.get_by_text("Clients with a USI").wait_for()
    assert page.locator(".lm-TabBar-tab").all_inner_texts() == [
        "Start", "Create USIs", "USI results", "Verify USIs", "Learners", "Import R&C",
        "R&C register", "Audit trail",
    ]  # fmt: skip
    assert (
        page.get_by_text("Shift+Enter").count() == 0 and page.get_by_text("make lab").count() == 0
    )
    assert page.locator(".jp-InputArea").count() == 0  # no code anywhere
    assert_widgets_display(page)
    snap(page, "00_start_here")

    # Create USIs: load the file, read a red record, fix it in the form.
    page.get_by_role("button", name="Open Create USIs").click()
    screen = shown(page)
    screen.get_by_text("offline simulator (not the USI Registry").first.wait_for()
    screen.locator(
        "select", has=page.locator("option", has_text="clients_demo.xlsx")
    ).select_option("clients_demo.xlsx")
    screen.get_by_role("button", name="Load and add to the batch").click()
    screen.get_by_text("36 records: 30 valid, 6 with errors").wait_for()
    grid = screen.locator(".lm-DataGrid").first
    grid_colours(page, grid, red=True, green=True)
    assert screen.get_by_role("button", name="Submit to the registry").is_disabled()
    assert "Client ID: the same person twice" in screen.locator("svg").first.inner_html()
    click_first_row(page, grid, RED)
    screen.get_by_text("1 record selected").wait_for()
    details = screen.locator("li", has_text="Error:").first
    assert "is not 4 digits" in details.inner_text()  # the first red record: a lost zero
    screen.get_by_role("button", name="Edit client details").click()
    flagged = screen.locator(".usikit-field-flagged")
    flagged.first.wait_for()
    assert flagged.count() == 1 and "is not 4 digits" in flagged.inner_text()
    assert field(screen, "Gender").evaluate("e => e.tagName") == "SELECT"
    country = field(screen, "Country of Birth")
    assert country.evaluate("e => e.options[e.selectedIndex].text") == "Australia"
    assert_widgets_display(page)
    snap(page, "01_create_usi_batch")
    flagged.locator("input").fill("0800")
    screen.get_by_role("button", name="Save and check again").click()
    screen.get_by_text("saved; the record is now ok").wait_for()
    screen.get_by_text("36 records: 31 valid, 5 with errors").wait_for()

    # The other red records: scrolled away, then selected and shown, all in view; removed.
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 3000)
    page.wait_for_function(f"(g) => ({THUMB})(g) === '100%'", arg=grid.element_handle())
    screen.get_by_role("button", name="Select the red records").click()
    screen.get_by_text("5 records selected").wait_for()
    screen.get_by_text("Showing the 5 records that were red when selected").wait_for()
    # The five rows alone, every one in view: the grid has no scroll bar left.
    page.wait_for_function(f"(g) => ({THUMB})(g) === null", arg=grid.element_handle())
    screen.get_by_role("button", name="Remove from the batch").click()
    screen.get_by_text("31 records: 31 valid, 0 with errors").wait_for()
    grid_colours(page, grid, red=False, green=True)

    screen.get_by_role("button", name="Download the client template").click()
    template = download(page, screen, tmp_path)
    assert template.name == "usi_clients_template.xlsx"
    assert list(read_table(template, sheet="Clients").columns[:2]) == ["Client ID", "USI"]

    # Submit: asked first, then sent; the results are a button away.
    screen.get_by_role("button", name="Submit to the registry").click()
    question = screen.get_by_text("Send batch 1 to the offline simulator")
    question.wait_for()
    assert "31 applications in 1 request?" in question.inner_text()
    snap(page, "01_create_usi_batch_submit", publish=True)
    screen.get_by_role("button", name="Yes, send the batch").click()
    screen.get_by_text("Batch 1 submitted to the offline simulator").wait_for()
    screen.get_by_role("button", name="Open USI results").click()

    # USI results: download them; a failure read whole.
    screen = shown(page)
    screen.get_by_text("Batch 1: 31 records: 0 USIs, 0 failed, 31 not retrieved yet").wait_for()
    screen.get_by_role("button", name="Download USIs").click()
    screen.get_by_text("Every result is in").wait_for()
    screen.get_by_text("Batch 1: 31 records: 29 USIs, 2 failed").wait_for()
    grid = screen.locator(".lm-DataGrid").first
    grid_colours(page, grid, red=True, green=True)
    click_first_row(page, grid, RED)
    screen.get_by_text(re.compile(r"E10[123]: ")).first.wait_for()  # the registry's error
    assert_widgets_display(page)
    snap(page, "02_retrieve_usi_results")

    # Verify USIs: the clients not verified yet, red and green; a forgotten USI looked for.
    screen = open_tab(page, "Verify USIs")
    screen.get_by_role("button", name="Clients not verified yet").click()
    screen.get_by_role("button", name="Verify the USIs").click()
    screen.get_by_text(re.compile(r"^\d+ records: \d+ verified, 1 not$")).first.wait_for()
    grid_colours(page, screen.locator(".lm-DataGrid").first, red=True, green=True)
    screen.get_by_placeholder("Client ID").fill("S0000040")
    screen.get_by_role("button", name="Find the USI").click()
    screen.get_by_text(re.compile("client S0000039 holds it: the same student twice")).wait_for()
    assert screen.get_by_role("button", name="Write this USI to the client").is_disabled()
    assert_widgets_display(page)
    snap(page, "07_verify_usis")

    # Learners: check the learner file and load it (already loaded: nothing changes).
    screen = open_tab(page, "Learners")
    upload(page, screen, app.folder / "regcert_register.xlsx")
    screen.get_by_role("button", name="Check the file").click()
    screen.get_by_text("482 rows: 482 can be loaded, 0 with errors").wait_for()
    screen.get_by_role("button", name="Load the accepted rows into the register").click()
    screen.get_by_text("Load 482 accepted rows of regcert_register.xlsx").wait_for()
    snap(page, "06_regcert_learners")
    screen.get_by_role("button", name="Yes, load into the register").click()
    screen.get_by_text("learners 0 created, 0 updated, 200 unchanged").first.wait_for()

    # Import R&C: a good file uploaded (asked first), then a file with problems read.
    screen = open_tab(page, "Import R&C")
    upload(page, screen, app.folder / "regcert_import_first.csv")
    screen.get_by_role("button", name="Validate").click()
    screen.get_by_text("46 can be imported, 0 with errors (0 errors, 4 warnings)").wait_for()
    screen.get_by_role("button", name="Upload accepted records").click()
    screen.get_by_role("button", name="Yes, upload to the register").click()
    screen.get_by_text("Applied 46 records in one transaction: 44 created").first.wait_for()
    grid_colours(page, screen.locator(".lm-DataGrid").nth(1), red=False, green=True)
    upload(page, screen, app.folder / "regcert_import_errors.csv")
    screen.get_by_role("button", name="Validate").click()
    screen.get_by_text("26 records: 6 can be imported, 20 with errors").wait_for()
    problems = screen.locator(".lm-DataGrid").first
    click_first_row(page, problems, RED)
    screen.get_by_text(
        re.compile("^Qualification Number is empty; it must be filled in$")
    ).wait_for()
    assert_widgets_display(page)
    snap(page, "03_regcert_import")
    upload(page, screen, app.folder / "regcert_import_columns.csv")
    screen.get_by_role("button", name="Validate").click()
    whole = screen.get_by_text(re.compile("^The file must have exactly these 10 columns"))
    whole.wait_for()
    text = whole.inner_text()
    assert "It has: ULN, Qualification Number, Status" in text and text.endswith("validate again")
    snap(page, "03_regcert_import_columns", publish=True)

    # R&C register: the record an import cannot change, corrected by hand.
    screen = open_tab(page, "R&C register")
    screen.get_by_text("0 records selected (of 46 shown)").wait_for()
    search = screen.get_by_placeholder("ULN, name or registration number")
    search.fill("RN10000001")
    search.press("Enter")
    screen.get_by_text("0 records selected (of 1 shown)").wait_for()
    click_first_row(page, screen.locator(".lm-DataGrid").first, WHITE)
    screen.get_by_text("1 record selected (of 1 shown)").wait_for()
    screen.get_by_role("button", name="Correct the selected record").click()
    number = field(screen, "Registration number")
    number.wait_for()
    assert number.input_value() == "RN10000001"
    number.fill("RN29999999")
    assert field(screen, "Status").evaluate("e => e.tagName") == "SELECT"
    snap(page, "04_regcert_edit")
    screen.get_by_role("button", name="Save the record").click()
    screen.get_by_text(re.compile(r"Record \d+ saved: Registration number RN10000001 -> "
                                  r"RN29999999")).wait_for()  # fmt: skip
    screen = open_tab(page, "Import R&C")  # the file's differing number is right now
    upload(page, screen, app.folder / "regcert_import_errors.csv")
    screen.get_by_role("button", name="Validate").click()
    screen.get_by_text("26 records: 8 can be imported, 18 with errors").wait_for()

    # The export for the awarding organisation: dates of birth shown, once confirmed.
    screen = open_tab(page, "R&C register")
    search = screen.get_by_placeholder("ULN, name or registration number")
    search.fill("")
    search.press("Enter")
    screen.get_by_role("button", name="Select all 46").click()
    screen.get_by_text("46 records selected (of 46 shown)").wait_for()
    screen.get_by_text("with dates of birth shown").click()
    screen.get_by_role("button", name="Export the selected records").click()
    screen.get_by_text("The file will hold the dates of birth of 46 learner records").wait_for()
    assert screen.locator("a.usikit-download").count() == 0  # nothing written yet
    assert_widgets_display(page)
    snap(page, "04_regcert_export")
    screen.get_by_role("button", name="Yes, export with dates of birth").click()
    screen.get_by_text("(dates of birth shown)").wait_for()
    written = read_table(download(page, screen, tmp_path))
    assert len(written) == 46 and not written["Date of Birth"].str.contains("*", regex=False).any()

    # The audit trail: the day's work, and its export.
    screen = open_tab(page, "Audit trail")
    screen.get_by_text(re.compile(r"\d+ audit records by 1 person")).wait_for()
    screen.locator("svg[aria-label^='Audit records by day and action']").wait_for()
    screen.get_by_role("button", name="Export as CSV").click()
    trail = read_table(download(page, screen, tmp_path))
    actions = set(trail["Action"])
    assert {"clients import", "batch submit", "batch retrieve", "usi verify", "usi locate",
            "learners import", "regcert apply", "regcert edit",
            "regcert export unmasked"} <= actions  # fmt: skip
    assert_widgets_display(page)
    snap(page, "05_audit")


def test_the_start_notebook_shows_the_app_in_jupyterlab_and_is_saved_as_shipped(page, lab, snap):
    notebook = lab.root / "notebooks" / "00_start_here.ipynb"
    shipped = notebook.read_text()
    page.goto(lab.lab("00_start_here.ipynb") + "?reset")  # no tab restored from elsewhere
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    tabs = page.locator(".jp-OutputArea-output .widget-tab").first
    choose_kernel = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    prompt = page.locator(".jp-CodeCell .jp-InputArea-prompt").first
    for attempt in range(3):  # a keystroke lost while the page settles is pressed again
        if choose_kernel.is_visible():  # JupyterLab may ask which kernel, once
            choose_kernel.click()
        page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:  # the cell ran (or is running) once its prompt holds a number or a star
            page.wait_for_function(
                "(p) => /\\[[0-9*]+\\]/.test(p.textContent)",
                arg=prompt.element_handle(),
                timeout=20_000,
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    tabs.wait_for(timeout=120_000)  # run once, however long a busy machine takes
    page.get_by_text("Clients with a USI").wait_for()
    assert_widgets_display(page)
    page.keyboard.press("Control+s")  # JupyterLab saves the outputs; the hook strips them
    page.wait_for_function(
        "() => !document.querySelector('.jp-mod-dirty')", timeout=30_000
    )  # fmt: skip
    page.wait_for_timeout(1000)
    assert json.loads(notebook.read_text()) == json.loads(shipped)
    assert notebook.read_text() == shipped
    snap(tabs, "00_start_here_in_jupyterlab", publish=False)
