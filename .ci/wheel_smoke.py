"""The package as a user gets it: build the wheel, install it into fresh environments, use it.

1. `pip install usikit`: the command line works (a demo folder, a validation), JupyterLab
   and Voila are not installed, and `usikit app` says which extra to install.
2. `pip install "usikit[app]"`: `usikit app` serves the app from the installed package, on
   the workspace of the folder it is started in, behind its token.

Run by .ci/run with the repository's environment: `.venv/bin/python .ci/wheel_smoke.py`.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str | Path, cwd: Path | None = None, expect: int = 0) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != expect:
        raise SystemExit(
            f"{' '.join(map(str, command))} exited {done.returncode}, not {expect}:\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return done.stdout + done.stderr


def environment(folder: Path, wheel: Path, extra: str = "") -> Path:
    """A fresh virtual environment from this Python, holding the wheel (with `extra`)."""
    run(sys._base_executable, "-m", "venv", folder)
    target = f"{wheel}[{extra}]" if extra else str(wheel)
    run(folder / "bin" / "python", "-m", "pip", "install", "--quiet", target)
    return folder / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_app(bin_dir: Path, folder: Path) -> str:
    """Start `usikit app` in `folder`, open its address with the token; the page."""
    port = free_port()
    log = folder / "app.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [bin_dir / "usikit", "app", "--port", str(port)],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("USIKIT_")},
            start_new_session=True,
        )
    try:
        pattern = re.compile(rf"http://127\.0\.0\.1:{port}/\?token=[0-9a-f]+")
        deadline = time.monotonic() + 180
        while not (found := pattern.search(log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"usikit app did not start:\n{log.read_text()}")
            time.sleep(0.5)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        try:
            with opener.open(found.group(0), timeout=300) as response:
                return response.read().decode()
        except OSError as exc:
            raise SystemExit(
                f"usikit app did not serve the app ({exc}):\n{log.read_text()}"
            ) from None
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="usikit-wheel-") as scratch:
        work = Path(scratch)
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work, ROOT)
        [wheel] = work.glob("usikit-*.whl")
        print(f"built {wheel.name}")

        cli = environment(work / "cli", wheel)
        for package in ("jupyterlab", "voila", "ipywidgets"):
            run(cli / "python", "-c", f"import {package}", expect=1)
        folder = work / "officer"
        folder.mkdir()
        run(cli / "usikit", "demo", "--into", ".", cwd=folder)
        checked = run(cli / "usikit", "validate", "clients", "clients_demo.xlsx", cwd=folder,
                      expect=1)  # fmt: skip
        assert "40 records: 32 valid, 8 with errors" in checked, checked
        refused = run(cli / "usikit", "app", cwd=folder, expect=2)
        assert 'pip install "usikit[app]"' in refused and "Traceback" not in refused, refused
        print("the command line works without JupyterLab or Voila")

        app = environment(work / "app", wheel, "app")
        page = serve_app(app, folder).replace("\\u0026", "&")
        assert "tabs Start, Create USIs, USI results" in page, page[-3000:]
        assert "Start: 38 clients" in page, page[-3000:]
        assert "from usikit.ui import" not in page
        print("usikit app serves the app from the installed wheel")


if __name__ == "__main__":
    main()
