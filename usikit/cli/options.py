"""Options several commands share: the workspace, the registry, the organisation."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os

from usikit.errors import InputError
from usikit.registry.base import Registry
from usikit.registry.offline import DEFAULT_DELAY, OfflineRegistry
from usikit.registry.soap import LocalToken, SoapRegistry
from usikit.workspace import Workspace, open_workspace

DEMO_ORG_CODE = "DEMO1"  # the offline simulator accepts any well-formed code


def add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        metavar="URL",
        help="SQLite file or SQLAlchemy URL (default: USIKIT_WORKSPACE, else usikit.db here)",
    )


def add_registry(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        default=os.environ.get("USIKIT_REGISTRY", "offline"),
        help="'offline' (the built-in simulator, default) or the URL of a SOAP endpoint",
    )
    parser.add_argument(
        "--registry-delay",
        type=float,
        default=float(os.environ.get("USIKIT_OFFLINE_DELAY", DEFAULT_DELAY.total_seconds())),
        metavar="SECONDS",
        help="offline simulator: seconds before results are ready (default %(default)s)",
    )
    parser.add_argument(
        "--registry-secret",
        default=os.environ.get("USIKIT_REGISTRY_SECRET"),
        help="the shared secret of a local endpoint started with `usikit registry serve`",
    )
    parser.add_argument(
        "--org-code",
        default=os.environ.get("USIKIT_ORG_CODE", DEMO_ORG_CODE),
        help="your organisation code (default: USIKIT_ORG_CODE, else %(default)s)",
    )


def workspace_of(args: argparse.Namespace, *, create: bool = True) -> Workspace:
    return open_workspace(args.workspace, create=create)


def registry_of(args: argparse.Namespace, workspace: Workspace) -> Registry:
    if args.registry == "offline":
        if args.registry_delay < 0:
            raise InputError("--registry-delay cannot be negative")
        return OfflineRegistry(workspace, delay=dt.timedelta(seconds=args.registry_delay))
    if not args.registry.startswith(("http://", "https://")):
        raise InputError(f"--registry must be 'offline' or a URL, not {args.registry!r}")
    token = LocalToken(args.registry_secret) if args.registry_secret else None
    return SoapRegistry(args.registry, token=token)


def user_reference() -> str:
    """Who prepared the applications (the registry's UserReference, at most 40 characters)."""
    name = os.environ.get("USIKIT_USER_REFERENCE") or getpass.getuser() or "usikit"
    return name[:40]
