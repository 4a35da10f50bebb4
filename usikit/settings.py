"""The settings both faces read: the environment variables, and the defaults when unset.

| variable | what | default |
|---|---|---|
| USIKIT_WORKSPACE | the workspace: a SQLite file or a SQLAlchemy URL | `usikit.db` here |
| USIKIT_REGISTRY | `offline` (the simulator), `3pt`, `production` or a URL | `offline` |
| USIKIT_OFFLINE_DELAY | the simulator's seconds before results are ready | 5 |
| USIKIT_CREDENTIAL | the keystore file holding the organisation's machine credential | none |
| USIKIT_CREDENTIAL_ALIAS | the credential's alias in it (needed when it holds several) | none |
| USIKIT_CREDENTIAL_PASSWORD | the keystore's password (else the command line asks for it) | none |
| USIKIT_STS | the token service (default: the ATO's, for `3pt` and `production`) | none |
| USIKIT_ORG_CODE | the organisation code sent to the registry | `DEMO1` |
| USIKIT_USER_REFERENCE | who prepared the applications (at most 40 characters) | the login |
| USIKIT_DEBUG | set: a bug shows its traceback (personal data masked) instead of one line | unset |
| USIKIT_FOLDER | the screens' folder (files, exports) for a database-server workspace | here |
| USIKIT_LIMITS | readers' limits raised or lowered: `cells=80000000,seconds=900` | the defaults |
| USIKIT_NON_DVS_TYPE | non-DVS evidence type (id or name) for records without a document | none |
| USIKIT_PERMISSION_RECORDED_ELSEWHERE | `yes`: permission is kept in the student system | unset |

The command line's options and a screen's constructor arguments override these. Exports
from the screens are written into an `exports` folder next to a SQLite workspace (in the
screens' folder for a database server: USIKIT_FOLDER, which `usikit app` sets to the folder
it was started in, else the notebook's).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from usikit.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

WORKSPACE_ENV = "USIKIT_WORKSPACE"
REGISTRY_ENV = "USIKIT_REGISTRY"
DELAY_ENV = "USIKIT_OFFLINE_DELAY"
CREDENTIAL_ENV = "USIKIT_CREDENTIAL"
ALIAS_ENV = "USIKIT_CREDENTIAL_ALIAS"
PASSWORD_ENV = "USIKIT_CREDENTIAL_PASSWORD"
STS_ENV = "USIKIT_STS"
ORG_CODE_ENV = "USIKIT_ORG_CODE"
USER_REFERENCE_ENV = "USIKIT_USER_REFERENCE"
DEBUG_ENV = "USIKIT_DEBUG"
FOLDER_ENV = "USIKIT_FOLDER"
LIMITS_ENV = "USIKIT_LIMITS"
NON_DVS_ENV = "USIKIT_NON_DVS_TYPE"
PERMISSION_ENV = "USIKIT_PERMISSION_RECORDED_ELSEWHERE"

DEFAULT_WORKSPACE = "usikit.db"
OFFLINE = "offline"  # the registry setting that names the built-in simulator
DEFAULT_OFFLINE_DELAY = 5.0  # seconds
DEMO_ORG_CODE = "DEMO1"  # the offline simulator accepts any well-formed code
USER_REFERENCE_LENGTH = 40  # the registry's UserReference
EXPORTS_FOLDER = "exports"


def workspace_setting() -> str | None:
    return os.environ.get(WORKSPACE_ENV) or None


def workspace_url(url: str | None = None) -> str:
    """The workspace to open: the one given, else USIKIT_WORKSPACE, else usikit.db here."""
    chosen = url or workspace_setting() or DEFAULT_WORKSPACE
    return chosen if "://" in chosen else f"sqlite:///{chosen}"


def registry_setting() -> str:
    return os.environ.get(REGISTRY_ENV, OFFLINE)


def delay_setting() -> float:
    """The offline simulator's delay in seconds (USIKIT_OFFLINE_DELAY, else 5)."""
    text = os.environ.get(DELAY_ENV)
    if text is None:
        return DEFAULT_OFFLINE_DELAY
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{DELAY_ENV} must be a number of seconds, not {text!r}") from None


def credential_setting() -> str | None:
    return os.environ.get(CREDENTIAL_ENV) or None


def alias_setting() -> str | None:
    return os.environ.get(ALIAS_ENV) or None


def sts_setting() -> str | None:
    return os.environ.get(STS_ENV) or None


def credential_password() -> str:
    """The keystore's password from USIKIT_CREDENTIAL_PASSWORD (read when it is needed, kept
    nowhere); refused when unset."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        raise InputError(
            f"the keystore's password is needed: set {PASSWORD_ENV} in the environment usikit "
            "runs in"
        )
    return password


def org_code_setting() -> str:
    return os.environ.get(ORG_CODE_ENV, DEMO_ORG_CODE)


def user_reference() -> str:
    """Who prepared the applications (the registry's UserReference, at most 40 characters)."""
    name = os.environ.get(USER_REFERENCE_ENV) or getpass.getuser() or "usikit"
    return name[:USER_REFERENCE_LENGTH]


def limits_setting(text: str | None = None) -> dict[str, float]:
    """The readers' limits changed by USIKIT_LIMITS (or `text` in its form), by name:
    `cells=80000000,seconds=900` -> {"cells": 80000000.0, "seconds": 900.0}."""
    given = os.environ.get(LIMITS_ENV, "") if text is None else text
    changes: dict[str, float] = {}
    for part in given.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        try:
            number = float(value.replace("_", "").strip())
        except ValueError:
            number = -1.0
        if not equals or not name.strip() or number < 0:
            where = LIMITS_ENV if text is None else "the limit"
            raise InputError(
                f"{where} {part.strip()!r} is not NAME=NUMBER (for example cells=80000000)"
            )
        changes[name.strip().lower()] = number
    return changes


def non_dvs_type_setting() -> str | None:
    """The registry's non-DVS evidence type from USIKIT_NON_DVS_TYPE, if set: its id or its
    name, as the organisation wrote it (the registry's list says which it is)."""
    text = os.environ.get(NON_DVS_ENV, "").strip()
    if text.startswith("-") or text == "0":
        raise InputError(
            f"{NON_DVS_ENV} must be the id or the name of one of the registry's evidence "
            f"types, not {text!r}"
        )
    return text or None


def permission_recorded_elsewhere() -> bool:
    """Whether the organisation records students' permission in its own student system
    (USIKIT_PERMISSION_RECORDED_ELSEWHERE set to yes, true or 1)."""
    return os.environ.get(PERMISSION_ENV, "").strip().lower() in ("1", "yes", "true", "on")


def debugging() -> bool:
    """Whether a bug should show its traceback (USIKIT_DEBUG set)."""
    return bool(os.environ.get(DEBUG_ENV))


@dataclass(frozen=True)
class Settings:
    """The workspace URL, the registry and the organisation code a face works with."""

    workspace: str
    registry: str
    delay: float
    credential: str | None
    credential_alias: str | None
    sts: str | None
    org_code: str

    @classmethod
    def resolve(
        cls,
        workspace: str | Path | None = None,
        *,
        registry: str | None = None,
        delay: float | None = None,
        org_code: str | None = None,
    ) -> Settings:
        """The arguments given, else the environment, else the defaults."""
        return cls(
            workspace=workspace_url(str(workspace) if workspace is not None else None),
            registry=registry if registry is not None else registry_setting(),
            delay=delay if delay is not None else delay_setting(),
            credential=credential_setting(),
            credential_alias=alias_setting(),
            sts=sts_setting(),
            org_code=org_code or org_code_setting(),
        )

    @property
    def sqlite_file(self) -> Path | None:
        """The workspace's file when it is SQLite (None for a database server)."""
        url = _parsed_url(self.workspace)
        if url is None:
            return None
        if url.get_backend_name() == "sqlite" and url.database:
            return Path(url.database).resolve()
        return None

    @property
    def folder(self) -> Path:
        """The workspace's folder: where the officer keeps the files the screens read."""
        file = self.sqlite_file
        if file is not None:
            return file.parent
        return Path(os.environ.get(FOLDER_ENV) or Path.cwd())

    @property
    def exports(self) -> Path:
        return self.folder / EXPORTS_FOLDER

    @property
    def shown_workspace(self) -> str:
        """The workspace for a person to read: the file, or the URL without its password."""
        file = self.sqlite_file
        if file is not None:
            return str(file)
        url = _parsed_url(self.workspace)
        return self.workspace if url is None else url.render_as_string(hide_password=True)


def _parsed_url(text: str) -> URL | None:
    """`text` as a SQLAlchemy URL, None when it is not one. SQLAlchemy is imported here: the
    command line reads the settings before it knows whether it needs a database at all."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text)
    except ArgumentError:
        return None
