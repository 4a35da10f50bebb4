"""Options several commands share: the workspace, the registry, the organisation."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys

from usikit.errors import InputError
from usikit.registry.base import Registry
from usikit.registry.offline import DEFAULT_DELAY, OfflineRegistry
from usikit.registry.soap import LocalToken, SoapRegistry, load_token_provider
from usikit.workspace import Workspace, open_workspace, roles

DEMO_ORG_CODE = "DEMO1"  # the offline simulator accepts any well-formed code
REGISTRY_ENV, DELAY_ENV, SECRET_ENV, ORG_CODE_ENV, TOKEN_ENV = (
    "USIKIT_REGISTRY", "USIKIT_OFFLINE_DELAY", "USIKIT_REGISTRY_SECRET", "USIKIT_ORG_CODE",
    "USIKIT_TOKEN_PROVIDER",
)  # fmt: skip


def add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        metavar="URL",
        help="SQLite file or SQLAlchemy URL (default: USIKIT_WORKSPACE, else usikit.db here)",
    )


def add_registry(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        default=registry_setting(),
        help="'offline' (the built-in simulator, default) or the URL of a SOAP endpoint",
    )
    parser.add_argument(
        "--registry-delay",
        type=float,
        # Text, so that argparse converts it and reports a value that is not a number.
        default=os.environ.get(DELAY_ENV, str(DEFAULT_DELAY.total_seconds())),
        metavar="SECONDS",
        help="offline simulator: seconds before results are ready (default %(default)s)",
    )
    parser.add_argument(
        "--registry-secret",
        default=secret_setting(),
        help="the shared secret of a local endpoint started with `usikit registry serve`",
    )
    parser.add_argument(
        "--token-provider",
        default=token_provider_setting(),
        metavar="MODULE:FUNCTION",
        help="for the USI Registry: your organisation's function that returns the "
        "TokenProvider holding its M2M credential (default: USIKIT_TOKEN_PROVIDER)",
    )
    parser.add_argument(
        "--org-code",
        default=org_code_setting(),
        help="your organisation code (default: USIKIT_ORG_CODE, else %(default)s)",
    )


def warn_if_shared(workspace: Workspace) -> Workspace:
    """Say so (on standard error, not as an error) when a SQLite workspace file can be read
    by other people: its owner-only permissions are its only protection."""
    warning = roles.shared_file_warning(workspace)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return workspace


def workspace_of(args: argparse.Namespace, *, create: bool = True) -> Workspace:
    """The workspace the command works on; a warning first if its file is readable by others."""
    return warn_if_shared(open_workspace(args.workspace, create=create))


def registry_of(args: argparse.Namespace, workspace: Workspace) -> Registry:
    return open_registry(
        workspace,
        args.registry,
        delay=args.registry_delay,
        secret=args.registry_secret,
        token_provider=args.token_provider,
    )


def open_registry(
    workspace: Workspace,
    registry: str,
    *,
    delay: float,
    secret: str | None = None,
    token_provider: str | None = None,
) -> Registry:
    """The registry named by `registry`: 'offline' (the simulator) or a SOAP endpoint's URL."""
    if registry == "offline":
        if delay < 0:
            raise InputError("--registry-delay cannot be negative")
        return OfflineRegistry(workspace, delay=dt.timedelta(seconds=delay))
    if not registry.startswith(("http://", "https://")):
        raise InputError(f"--registry must be 'offline' or a URL, not {registry!r}")
    if secret and token_provider:
        raise InputError(
            "give either --registry-secret (a local endpoint) or --token-provider (the USI "
            "Registry), not both"
        )
    if token_provider:
        return SoapRegistry(registry, token=load_token_provider(token_provider))
    return SoapRegistry(registry, token=LocalToken(secret) if secret else None)


# The settings a command's options default to, for callers without a command line (the
# notebook screens): the environment, else the defaults.


def registry_setting() -> str:
    return os.environ.get(REGISTRY_ENV, "offline")


def delay_setting() -> float:
    """The offline simulator's delay in seconds (USIKIT_OFFLINE_DELAY, else 5)."""
    text = os.environ.get(DELAY_ENV)
    if text is None:
        return DEFAULT_DELAY.total_seconds()
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{DELAY_ENV} must be a number of seconds, not {text!r}") from None


def secret_setting() -> str | None:
    return os.environ.get(SECRET_ENV)


def token_provider_setting() -> str | None:
    return os.environ.get(TOKEN_ENV)


def org_code_setting() -> str:
    return os.environ.get(ORG_CODE_ENV, DEMO_ORG_CODE)


def user_reference() -> str:
    """Who prepared the applications (the registry's UserReference, at most 40 characters)."""
    name = os.environ.get("USIKIT_USER_REFERENCE") or getpass.getuser() or "usikit"
    return name[:40]
