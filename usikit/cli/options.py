"""Options several commands share: the workspace, the registry, the organisation. Their
defaults are the settings (`usikit.settings`: the environment, else the embedded defaults).

Building the parsers imports nothing heavy (see `usikit.cli`): the workspace and the registry
are imported by the functions that open them, when a command runs.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from usikit import settings
from usikit.errors import InputError
from usikit.io.limits import LIMIT_NAMES, ReadLimits

if TYPE_CHECKING:
    from usikit.bulk_usi.registry.base import Registry
    from usikit.store.engine import Workspace


def add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        metavar="URL",
        help="SQLite file or SQLAlchemy URL (default: USIKIT_WORKSPACE, else usikit.db here)",
    )


def add_registry(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        default=settings.registry_setting(),
        help="'offline' (the built-in simulator, default), '3pt' (the USI Registry's test "
        "environment), 'production' (the USI Registry) or the URL of a SOAP endpoint",
    )
    parser.add_argument(
        "--registry-delay",
        type=float,
        # Text, so that argparse converts it and reports a value that is not a number.
        default=os.environ.get(settings.DELAY_ENV, str(settings.DEFAULT_OFFLINE_DELAY)),
        metavar="SECONDS",
        help="offline simulator: seconds before results are ready (default %(default)s)",
    )
    add_credential(parser)
    parser.add_argument(
        "--org-code",
        default=settings.org_code_setting(),
        help="your organisation code (default: USIKIT_ORG_CODE, else %(default)s)",
    )


def add_non_dvs_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--non-dvs-type",
        metavar="ID_OR_NAME",
        help="the registry's evidence type for records without an identity document, by its "
        "id or its name (`usikit registry lists` shows them; default: USIKIT_NON_DVS_TYPE)",
    )


def add_permission(parser: argparse.ArgumentParser) -> None:
    """The organisation keeps students' permission in its student system, not in the file."""
    parser.add_argument(
        "--permission-recorded-elsewhere",
        action="store_true",
        default=settings.permission_recorded_elsewhere(),
        help="your organisation records each student's permission (and the privacy notice) in "
        "its student system, so the records need no USI Permission and Privacy Notice Date; "
        "the audit trail records that you said so (default: USIKIT_PERMISSION_RECORDED_"
        "ELSEWHERE)",
    )


def add_credential(parser: argparse.ArgumentParser) -> None:
    """The machine credential and the token service, for the USI Registry."""
    parser.add_argument(
        "--credential",
        metavar="KEYSTORE",
        default=settings.credential_setting(),
        help="the keystore file holding your organisation's machine (M2M) credential "
        "(default: USIKIT_CREDENTIAL); its password comes from USIKIT_CREDENTIAL_PASSWORD, "
        "else it is asked for",
    )
    parser.add_argument(
        "--credential-alias",
        metavar="ALIAS",
        default=settings.alias_setting(),
        help="the credential in the keystore, e.g. ABRD:12345678901_MyMachine (default: "
        "USIKIT_CREDENTIAL_ALIAS; needed when the keystore holds several)",
    )
    parser.add_argument(
        "--sts",
        metavar="URL",
        default=settings.sts_setting(),
        help="the token service (default: USIKIT_STS, else the ATO's for 3pt and production; "
        "needed with --credential for another registry URL)",
    )


def password() -> str:
    """The keystore's password: USIKIT_CREDENTIAL_PASSWORD, else asked for without echo."""
    if os.environ.get(settings.PASSWORD_ENV) is not None:
        return settings.credential_password()
    if not sys.stdin.isatty():
        raise InputError(
            "the keystore's password is needed: set USIKIT_CREDENTIAL_PASSWORD, or run the "
            "command in a terminal to type it"
        )
    try:
        return getpass.getpass("Keystore password: ")
    except (EOFError, KeyboardInterrupt):
        raise InputError("no keystore password was typed") from None


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def add_limits(parser: argparse.ArgumentParser) -> None:
    """`--limit NAME=N`: raise (or lower) one of the readers' limits for this file."""
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help="raise or lower a reader's limit for this file: "
        + ", ".join(n for n in LIMIT_NAMES if n != "bytes")
        + " (see USIKIT_LIMITS); may be given more than once",
    )


def limits_of(args: argparse.Namespace, *, max_bytes: int | None = None) -> ReadLimits:
    """The readers' limits: the defaults and USIKIT_LIMITS, then each `--limit`, then the
    size limit (`--max-bytes`, or the kind of file's own)."""
    limits = ReadLimits.default()
    for given in getattr(args, "limit", None) or []:
        limits = limits.updated(settings.limits_setting(given))
    if max_bytes is not None:
        limits = replace(limits, bytes=max_bytes)
    return limits


def warn_if_shared(workspace: Workspace) -> Workspace:
    """Say so (on standard error, not as an error) when a SQLite workspace file can be read
    by other people: its owner-only permissions are its only protection."""
    from usikit.store.grants import shared_file_warning

    warning = shared_file_warning(workspace)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return workspace


def workspace_of(args: argparse.Namespace, *, create: bool = True) -> Workspace:
    """The workspace the command works on; a warning first if its file is readable by others."""
    from usikit.workspace import open_workspace

    return warn_if_shared(open_workspace(args.workspace, create=create))


def register_of(args: argparse.Namespace) -> Workspace:
    """The workspace holding the register (a missing one says how to load learners)."""
    from usikit.workspace import open_register

    return warn_if_shared(open_register(args.workspace))


def registry_of(args: argparse.Namespace, workspace: Workspace) -> Registry:
    """The registry chosen by the options, its credential (if any) loaded now: a wrong
    password or an expired credential is said before any work starts."""
    from usikit.bulk_usi.registry.connect import open_registry

    registry = open_registry(
        workspace,
        args.registry,
        delay=args.registry_delay,
        credential=args.credential,
        alias=args.credential_alias,
        sts=args.sts,
        password=password,
        warn=warn,
    )
    prepare = getattr(registry, "prepare", None)
    if callable(prepare):
        prepare()
    return registry
