"""`usikit app`: Voila serving the notebooks on 127.0.0.1, and its errors in one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.paths import ROOT
from usikit.cli import app_cmd, main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, deadline: float) -> str:
    """The page at `url`, asking again until the server answers or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
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


def test_app_serves_the_notebooks_on_localhost_behind_a_token(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "usikit", "app", str(ROOT / "notebooks"), "--port", str(port)]
    environment = {**os.environ, "USIKIT_WORKSPACE": str(tmp_path / "usikit.db")}
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )
    try:
        first = server.stdout.readline()
        second = server.stdout.readline()
        address = tokened_address(server, port, time.monotonic() + 60)
        without = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 60)
        tree = fetch(address, time.monotonic() + 60)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    for name in ("00_start_here", "01_create_usi_batch", "03_regcert_import"):
        assert f"/voila/render/{name}.ipynb" in tree
        assert f"/voila/render/{name}.ipynb" not in without  # the login page instead
    assert "on this computer only" in first
    assert f"http://127.0.0.1:{port}/?token=" in second and "Traceback" not in second


def test_the_voila_command_binds_to_this_computer_and_hides_the_code(tmp_path):
    command = app_cmd.voila_command(tmp_path, 9000)
    assert command[:4] == [sys.executable, "-m", "voila", str(tmp_path)]
    assert "--Voila.ip=127.0.0.1" in command and "--Voila.port=9000" in command
    assert "--VoilaConfiguration.strip_sources=True" in command
    assert "--Voila.port_retries=0" in command  # the URL printed is the one served
    assert "--Voila.auto_token=True" in command
    given = ("--Voila.token", "--token", "--IdentityProvider.token", "--ServerApp.token")
    assert not any(part.startswith(given) for part in command)  # never in the process list


def test_a_relative_workspace_reaches_the_kernels_as_a_full_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    environment = app_cmd.kernel_environment("demo/usikit.db")
    assert environment["USIKIT_WORKSPACE"] == str(tmp_path / "demo" / "usikit.db")
    url = "postgresql+psycopg://officer@db/usikit"
    assert app_cmd.kernel_environment(url)["USIKIT_WORKSPACE"] == url


def test_a_missing_folder_is_an_error_line(tmp_path, capsys):
    assert main(["app", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is not a folder" in err


def test_without_voila_it_says_how_to_install_it(monkeypatch, capsys):
    real = app_cmd.importlib.util.find_spec
    monkeypatch.setattr(
        app_cmd.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "voila" else real(name, *a),
    )
    assert main(["app"]) == 2
    assert capsys.readouterr().err == (
        "error: Voila is not installed; install it with `pip install voila` and try again\n"
    )


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_refused(port, capsys):
    assert main(["app", str(ROOT / "notebooks"), "--port", port]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err
