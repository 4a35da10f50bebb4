"""What the tests that start servers (usikit app, JupyterLab, make lab) share: a free port on
the loopback interface, and stopping the whole process group a test started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(server: subprocess.Popen) -> None:
    """Stop a server started with `start_new_session=True` and everything it started."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
