"""`make lab` starts JupyterLab on the demo workspace, as root and as a normal user, with an
absolute DEMO folder and JupyterLab options passed through LAB_OPTIONS; `make lab-signed` does
the same with the signed flow on loopback (a local token service and endpoint).

Each run uses this test's own virtual environment (VENV=, its install taken as done) and a
free port, waits until JupyterLab answers, checks the notebooks are served and the demo
workspace was made where DEMO says, then stops the whole process group it started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.servers import free_port, stop_group

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NORMAL_USER = "nobody"


def run_make_lab(
    folder: Path, *, as_user: str | None = None, target: str = "lab", extra: tuple[str, ...] = ()
) -> tuple[str, str]:
    """Run `make lab` (or `target`) until JupyterLab answers; (what make printed, the
    notebooks listing)."""
    port = free_port()
    options = (
        f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
        "--IdentityProvider.token= --ServerApp.password="
    )
    venv = Path(sys.prefix)
    command = [
        "make", "--no-print-directory", "-C", str(ROOT), "-o", str(venv / ".installed-lab"), target,
        f"VENV={venv}", f"DEMO={folder / 'demo'}", f"LAB_OPTIONS={options}", *extra,
    ]  # fmt: skip
    home = folder / "home"
    home.mkdir()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    if as_user is not None:
        shutil.chown(folder, as_user)
        shutil.chown(home, as_user)
        command = ["runuser", "-u", as_user, "--", *command]
    log = folder / "make.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=environment,
            start_new_session=True,
        )  # fmt: skip
    try:
        listing = _wait_for(f"http://127.0.0.1:{port}/api/contents", server, log)
    finally:
        stop_group(server)  # make and JupyterLab
    return log.read_text(), listing


def _wait_for(url: str, server: subprocess.Popen, log: Path, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"make lab stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def check(folder: Path, printed: str, listing: str) -> None:
    demo = folder / "demo"
    assert (demo / "usikit.db").is_file() and (demo / "clients_demo.xlsx").is_file()
    assert f'USIKIT_WORKSPACE="{demo / "usikit.db"}"' in printed  # the absolute demo path
    assert "--no-browser" in printed  # LAB_OPTIONS reached JupyterLab
    assert "strip_screen_notebooks" in printed  # notebooks saved without their outputs
    assert "00_start_here.ipynb" in listing and "01_create_usi_batch.ipynb" in listing


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_runs_for_whoever_runs_it(tmp_path):
    printed, listing = run_make_lab(tmp_path)
    check(tmp_path, printed, listing)
    assert ("--allow-root" in printed) == IS_ROOT  # JupyterLab refuses root without it


def usable_by(user: str) -> bool:
    """Whether `user` can run this environment's Python (a Python under /root cannot be)."""
    probe = ["runuser", "-u", user, "--", str(Path(sys.prefix) / "bin" / "python"), "-c", ""]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not IS_ROOT, reason="only root can run make lab as another user here")
@pytest.mark.skipif(shutil.which("runuser") is None, reason="runuser is not installed")
def test_make_lab_runs_for_a_normal_user():
    if not usable_by(NORMAL_USER):
        pytest.skip(f"{NORMAL_USER} cannot run this environment's Python ({sys.prefix})")
    folder = Path(tempfile.mkdtemp(prefix="usikit-make-lab-"))  # pytest's is root's alone
    try:
        printed, listing = run_make_lab(folder, as_user=NORMAL_USER)
        check(folder, printed, listing)
        assert "--allow-root" not in printed
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_signed_runs_the_signed_flow_on_loopback(tmp_path):
    port = free_port()
    printed, listing = run_make_lab(tmp_path, target="lab-signed", extra=(f"SIGNED_PORT={port}",))
    check(tmp_path, printed, listing)
    assert f"Local token service (not the ATO's) at http://127.0.0.1:{port}/" in printed
    assert f"SOAP endpoint at http://127.0.0.1:{port}/Service/v5/UsiService.svc" in printed
    assert "Connected as: ABN 99000000001" in printed  # a token issued, the request signed
    assert "GetCountries answered" in printed
    assert (tmp_path / "demo" / "pki" / "keystore-local.xml").is_file()


def _planned(target: str, venv: Path) -> str:
    """What `make target` would run in a fresh environment `venv` (printed, not run)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_make_lab_installs_the_lab_extra_alone_and_make_test_everything(tmp_path):
    """An officer's environment leaves the test tools out (pandera loads hypothesis's data
    generators whenever it is installed, which every command would pay)."""
    lab, test = _planned("lab", tmp_path / "venv"), _planned("test", tmp_path / "venv")
    assert 'install --quiet -e ".[lab]"' in lab and ".[dev]" not in lab
    assert 'install --quiet -e ".[dev]"' in test and ".[lab]" not in test
    assert ".installed-lab" in lab and ".installed-dev" in test  # each its own record
