"""`usikit app`: the one app for officers, every screen a tab of one page (Voila, code hidden).

It works on the workspace the other commands use (--workspace, else USIKIT_WORKSPACE, else
usikit.db here), from a plain `pip install "usikit[app]"`: the app's notebook ships inside
the package. The server listens on 127.0.0.1 only, so no other computer can reach it, and
asks for a token Voila makes up at start, so no other user of this computer can either (the
app acts with the officer's own workspace login). One kernel runs every screen.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

import usikit
from usikit.cli.options import add_workspace
from usikit.errors import InputError
from usikit.settings import FOLDER_ENV, WORKSPACE_ENV, Settings

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
APP_NOTEBOOK = Path(usikit.__file__).parent / "app" / "usikit.ipynb"
NEEDED = ("voila", "ipywidgets", "ipydatagrid")  # what the app extra installs
INSTALL = 'pip install "usikit[app]"'


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "app",
        description="Serve usikit's screens as one web app (every screen a tab, code "
        "hidden) on 127.0.0.1 only, on the same workspace as the other commands. Open the "
        "address it prints; Ctrl+C stops it.",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on (default %(default)s)"
    )
    add_workspace(parser)
    parser.set_defaults(run=run)


def missing_packages() -> list[str]:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def check_port(port: int) -> None:
    """Refuse a port out of range, or one another program listens on, before Voila starts."""
    if not 0 < port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {port}")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise InputError(
                    f"port {port} on this computer is in use by another program (perhaps "
                    "usikit app is already running: open its address); choose another with "
                    "--port"
                ) from None
            raise InputError(f"port {port} cannot be used ({exc.strerror})") from None


def voila_command(notebook: Path, port: int) -> list[str]:
    """Voila on the app's notebook, code hidden, bound to this computer, on exactly `port`,
    behind a token Voila generates (never on the command line, where other users could read
    it)."""
    return [
        sys.executable, "-m", "voila", str(notebook), "--no-browser",
        f"--Voila.ip={HOST}", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
        "--Voila.auto_token=True",
    ]  # fmt: skip


def kernel_environment(workspace: str | None) -> dict[str, str]:
    """The app kernel's environment: the workspace the command line would use, a file named
    by its full path (the kernel runs in the package's folder), and this folder as the
    screens' folder for a workspace on a database server."""
    environment = dict(os.environ)
    settings = Settings.resolve(workspace)
    file = settings.sqlite_file
    environment[WORKSPACE_ENV] = str(file) if file is not None else settings.workspace
    environment.setdefault(FOLDER_ENV, str(Path.cwd()))
    return environment


def run(args: argparse.Namespace) -> int:
    missing = missing_packages()
    if missing:
        raise InputError(
            f"the app needs {', '.join(missing)}, which the command line alone does not "
            f"install; install them with `{INSTALL}` and try again"
        )
    check_port(args.port)
    if not APP_NOTEBOOK.is_file():
        raise InputError(f"this usikit has no app notebook at {APP_NOTEBOOK}; install it again")
    environment = kernel_environment(args.workspace)
    print(
        "Serving the usikit app on this computer only, on the workspace "
        f"{Settings.resolve(environment[WORKSPACE_ENV]).shown_workspace}."
    )
    print(
        f"Open the http://{HOST}:{args.port}/?token=... address Voila prints below in your "
        "browser (the token keeps other users of this computer out); press Ctrl+C to stop.",
        flush=True,
    )
    command = voila_command(APP_NOTEBOOK, args.port)
    # Voila takes this process's place, so a signal that stops `usikit app` stops the server.
    os.execve(command[0], command, environment)
    return 0  # pragma: no cover: execve does not return
