"""`usikit app`: the notebooks as stand-alone web apps (Voila), code hidden, for officers who
never open JupyterLab. The server listens on 127.0.0.1 only, so no other computer can reach it,
and asks for a token Voila makes up at start, so no other user of this computer can either
(the apps act with the officer's own workspace login).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from usikit.cli.options import add_workspace
from usikit.errors import InputError
from usikit.settings import WORKSPACE_ENV

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
NOTEBOOKS = "notebooks"
SOURCE_NOTEBOOKS = Path(__file__).resolve().parents[2] / NOTEBOOKS  # in a clone of usikit


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "app",
        help="serve the notebooks as web apps (Voila) on this computer",
        description="Serve the notebooks as web apps with Voila: each screen runs with its "
        "code hidden, on 127.0.0.1 only. Open the URL it prints; Ctrl+C stops it.",
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="FOLDER",
        help="the folder of notebooks (default: notebooks/ here, else the one of usikit)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on (default %(default)s)"
    )
    add_workspace(parser)
    parser.set_defaults(run=run)


def notebooks_folder(given: Path | None) -> Path:
    """The folder to serve: the one given, else notebooks/ here, else usikit's own."""
    if given is not None:
        if not given.is_dir():
            raise InputError(
                "is not a folder; give the folder that holds the notebooks", path=given
            )
        return given.resolve()
    for candidate in (Path.cwd() / NOTEBOOKS, SOURCE_NOTEBOOKS):
        if candidate.is_dir():
            return candidate
    raise InputError(
        "there is no notebooks folder here; give the folder that holds the usikit notebooks "
        "(usikit app FOLDER)"
    )


def voila_command(folder: Path, port: int) -> list[str]:
    """Voila on `folder`, code hidden, bound to this computer, on exactly `port`, behind a
    token Voila generates (never on the command line, where other users could read it)."""
    return [
        sys.executable, "-m", "voila", str(folder), "--no-browser",
        f"--Voila.ip={HOST}", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.classic_tree=True", "--Voila.auto_token=True",
    ]  # fmt: skip


def kernel_environment(workspace: str | None) -> dict[str, str]:
    """The environment for the notebooks' kernels: a workspace file named by its full path,
    since each kernel runs in the notebooks' folder."""
    environment = dict(os.environ)
    chosen = workspace or environment.get(WORKSPACE_ENV)
    if chosen:
        environment[WORKSPACE_ENV] = chosen if "://" in chosen else str(Path(chosen).resolve())
    return environment


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("voila") is None:
        raise InputError(
            "Voila is not installed; install it with `pip install voila` and try again"
        )
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {args.port}")
    folder = notebooks_folder(args.folder)
    print(f"Serving the notebooks in {folder} as web apps, on this computer only.")
    print(
        f"Open the http://{HOST}:{args.port}/?token=... address Voila prints below in your "
        "browser (the token keeps other users of this computer out); press Ctrl+C to stop.",
        flush=True,
    )
    command = voila_command(folder, args.port)
    # Voila takes this process's place, so a signal that stops `usikit app` stops the server.
    os.execve(command[0], command, kernel_environment(args.workspace))
    return 0  # pragma: no cover: execve does not return
