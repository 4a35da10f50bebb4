"""The browser tests: the one app as `usikit app` serves it, and JupyterLab, both on
localhost, driven by Debian's Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, stop_group
from usikit.cli.demo_cmd import prepare_demo

ROOT = Path(__file__).parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = "USIKIT_SCREENSHOTS"  # a folder that gets a copy of every screenshot
APP_TABS = ".widget-tab"  # the app: its tab bar and the screen in front
STRIP_ON_SAVE = "--ContentsManager.pre_save_hook=usikit.ui.notebook_saving.strip_screen_notebooks"
# JupyterLab's own prompts stay out of the way (and out of the screenshots).
# The notebook's kernel starts by itself: no "Select Kernel" question.
QUIET_LAB = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives JupyterLab and Voila in Chromium")


@dataclass
class Lab:
    """A JupyterLab server on localhost, with no token, on a copy of the notebooks."""

    url: str
    root: Path
    workspace: Path

    def lab(self, notebook: str) -> str:
        return f"{self.url}lab/tree/{notebook}"


@dataclass
class App:
    """`usikit app` on localhost: the address with its token, and the officer's folder."""

    url: str
    folder: Path


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not start in {timeout} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            "no Chromium at /usr/bin/chromium: install Debian's chromium package "
            "(bash .ci/run does) to run the browser tests"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:  # Chromium is here, so the browser tests must run: a missing driver is a failure
        from playwright import sync_api
    except ImportError:
        pytest.fail("Chromium is installed but playwright is not: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def app(chromium_path, tmp_path_factory) -> Iterator[App]:
    """`usikit app` started as an officer starts it, in a folder holding the demo workspace
    (its usikit.db is the default workspace there), the simulator answering at once."""
    folder = tmp_path_factory.mktemp("officer")
    prepare_demo(folder)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("USIKIT_")}
    environment["USIKIT_OFFLINE_DELAY"] = "0"
    log = folder / "app.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "usikit", "app", "--port", str(port)],
            cwd=folder, stdout=output, stderr=subprocess.STDOUT, env=environment,
            start_new_session=True,
        )  # fmt: skip
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/\?token=[0-9a-f]+")
    deadline = time.monotonic() + 120
    try:
        while not (found := pattern.search(log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"usikit app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield App(found.group(0), folder)
    finally:
        stop_group(server)


@pytest.fixture(scope="session")
def lab(chromium_path, tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab on a free port, on a demo workspace and a copy of the notebooks."""
    root = tmp_path_factory.mktemp("lab")
    workspace = prepare_demo(root / "demo")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for name, values in QUIET_LAB.items():
        settings = root / "settings" / f"{name}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    environment = {
        **os.environ,
        "USIKIT_WORKSPACE": str(workspace),
        "USIKIT_OFFLINE_DELAY": "0",
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
    }
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip", "127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={root / 'notebooks'}", STRIP_ON_SAVE,
    ]  # fmt: skip
    log = root / "jupyterlab.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, server, log)
        yield Lab(url, root, workspace)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser, request, tmp_path):
    """A fresh browser tab, closed after the test; a failing test leaves a screenshot."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 1900}, accept_downloads=True, locale="en-AU"
    )
    context.set_default_timeout(60_000)
    tab = context.new_page()
    yield tab
    if request.node.stash.get(FAILED, False):
        tab.screenshot(path=str(tmp_path / "failure.png"))
        print(f"screenshot of the failure: {tmp_path / 'failure.png'}")
    context.close()


@pytest.fixture
def snap(tmp_path):
    """Save a screenshot with the test's output, and into USIKIT_SCREENSHOTS when set."""
    shared = os.environ.get(SCREENSHOTS)

    def save(target, name: str, *, publish: bool = True) -> Path:
        """`target` is an element, or the app's page (its tabs and the screen in front, as
        tall as they are); only the screenshots to `publish` go to USIKIT_SCREENSHOTS."""
        path = tmp_path / f"{name}.png"
        if hasattr(target, "goto"):  # the page: tall enough that the screen is drawn whole
            page, target = target, target.locator(APP_TABS).first
            size = page.viewport_size
            height = int(target.bounding_box()["height"]) + 60
            if height > size["height"]:
                page.set_viewport_size({"width": size["width"], "height": height})
                page.wait_for_timeout(500)
            target.screenshot(path=str(path))
            page.set_viewport_size(size)
        else:
            target.screenshot(path=str(path))
        if shared and publish:
            Path(shared).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(shared) / path.name)
        return path

    return save
