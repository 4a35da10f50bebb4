"""`usikit app`: the one app served by Voila on 127.0.0.1, on the command line's workspace, and
its errors in one line."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.paths import ROOT
from tests.servers import free_port
from usikit.cli import app_cmd, main
from usikit.cli.demo_cmd import prepare_demo


def fetch(url: str, deadline: float) -> str:
    """The page at `url`, asking again until the server answers or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def tokened_address(server: subprocess.Popen, port: int, deadline: float) -> str:
    """The address with its token, from what the server prints."""
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/\?token=[0-9a-f]+")
    for line in server.stdout:
        if found := pattern.search(line):
            return found.group(0)
        if time.monotonic() > deadline:
            break
    raise AssertionError("the server never printed its address with a token")


def test_app_serves_every_screen_on_the_default_workspace_behind_a_token(tmp_path):
    """Started with no option in a folder holding usikit.db, the app shows that workspace's
    start screen with a tab per screen; without the token, only the login page."""
    prepare_demo(tmp_path)  # tmp_path/usikit.db, as `usikit demo --into .` makes it
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("USIKIT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "usikit", "app", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    try:
        first = server.stdout.readline()
        second = server.stdout.readline()
        address = tokened_address(server, port, time.monotonic() + 120)
        without = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 60)
        page = fetch(address, time.monotonic() + 180)  # Voila runs the app, then answers
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert f"on the workspace {tmp_path / 'usikit.db'}" in first
    assert "on this computer only" in first
    assert f"http://127.0.0.1:{port}/?token=" in second and "Traceback" not in second
    shown = page.replace("\\u0026", "&")  # the output's plain text, as JSON in the page
    tabs = "tabs Start, Create USIs, USI results, Verify USIs, Learners, Import R&C, R&C register"
    assert tabs in shown  # the app's plain-text output: every screen a tab of this one page
    assert "Start: 38 clients, 2 clients with a USI" in shown  # it counted this workspace
    assert "from usikit.ui import" not in page  # no code
    assert "Shift+Enter" not in page and "make lab" not in page  # no JupyterLab instructions
    assert "38 clients" not in without


def test_the_voila_command_binds_to_this_computer_and_hides_the_code():
    command = app_cmd.voila_command(app_cmd.APP_NOTEBOOK, 9000)
    assert command[:4] == [sys.executable, "-m", "voila", str(app_cmd.APP_NOTEBOOK)]
    assert "--Voila.ip=127.0.0.1" in command and "--Voila.port=9000" in command
    assert "--VoilaConfiguration.strip_sources=True" in command
    assert "--Voila.port_retries=0" in command  # the URL printed is the one served
    assert "--Voila.auto_token=True" in command
    given = ("--Voila.token", "--token", "--IdentityProvider.token", "--ServerApp.token")
    assert not any(part.startswith(given) for part in command)  # never in the process list


def test_the_app_notebook_is_the_start_notebook_s_app():
    """What `usikit app` serves (shipped in the package) is what the start notebook shows."""
    shipped = json.loads(app_cmd.APP_NOTEBOOK.read_text())
    start = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    code = [c["source"] for c in shipped["cells"] if c["cell_type"] == "code"]
    assert code == [c["source"] for c in start["cells"] if c["cell_type"] == "code"]
    assert [c["cell_type"] for c in shipped["cells"]] == ["code"]  # nothing to read but the app


def test_the_workspace_is_the_command_line_s(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("USIKIT_WORKSPACE", raising=False)
    monkeypatch.delenv("USIKIT_FOLDER", raising=False)
    environment = app_cmd.kernel_environment(None)
    assert environment["USIKIT_WORKSPACE"] == str(tmp_path / "usikit.db")  # as the CLI's
    assert environment["USIKIT_FOLDER"] == str(tmp_path)
    monkeypatch.setenv("USIKIT_WORKSPACE", "shared.db")
    assert app_cmd.kernel_environment(None)["USIKIT_WORKSPACE"] == str(tmp_path / "shared.db")
    given = app_cmd.kernel_environment("demo/usikit.db")["USIKIT_WORKSPACE"]
    assert given == str(tmp_path / "demo" / "usikit.db")
    url = "postgresql+psycopg://officer@db/usikit"
    assert app_cmd.kernel_environment(url)["USIKIT_WORKSPACE"] == url


def test_a_busy_port_is_an_error_line(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: port {port} on this computer is in use by another program")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_without_the_app_extra_it_says_how_to_install_it(monkeypatch, capsys):
    real = app_cmd.importlib.util.find_spec
    monkeypatch.setattr(
        app_cmd.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "voila" else real(name, *a),
    )
    assert main(["app"]) == 2
    assert capsys.readouterr().err == (
        "error: the app needs voila, which the command line alone does not install; install "
        'them with `pip install "usikit[app]"` and try again\n'
    )


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_refused(port, capsys):
    assert main(["app", "--port", port]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err
