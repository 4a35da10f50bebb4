"""Choosing the registry a batch talks to: the offline simulator, the USI Registry (its 3PT
test environment or production) with the organisation's machine credential, or another SOAP
endpoint (a local one, with or without its local token service)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable

from usikit import settings
from usikit.bulk_usi.registry import transport
from usikit.bulk_usi.registry.base import Registry
from usikit.bulk_usi.registry.credential import Credential, load_credential
from usikit.bulk_usi.registry.security import IssuedTokenSecurity, Security, Unsecured
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.soap import PRODUCTION_ENDPOINT, TEST_ENDPOINT, SoapRegistry
from usikit.bulk_usi.registry.sts import PRODUCTION_STS, TEST_STS, ActAs, TokenService
from usikit.errors import InputError
from usikit.settings import OFFLINE
from usikit.store.engine import Workspace

TEST, PRODUCTION = "3pt", "production"
# The USI Registry's addresses by name, with the ATO token service each one trusts.
KNOWN = {TEST: (TEST_ENDPOINT, TEST_STS), PRODUCTION: (PRODUCTION_ENDPOINT, PRODUCTION_STS)}


def open_registry(
    workspace: Workspace,
    registry: str,
    *,
    delay: float,
    credential: str | None = None,
    alias: str | None = None,
    sts: str | None = None,
    password: Callable[[], str] | None = None,
    act_as: ActAs | None = None,
    warn: Callable[[str], None] | None = None,
) -> Registry:
    """The registry named by `registry`: 'offline' (the simulator), '3pt' or 'production'
    (the USI Registry's test environment or the registry itself), or a SOAP endpoint's URL.

    `delay`: the simulator's seconds before results are ready. `credential`, `alias`: the
    organisation's keystore file and the credential in it; `sts`: the token service (by
    default the ATO's for 3PT or production; needed with a credential for another URL).
    `password` gives the keystore's password when it is first needed (by default
    USIKIT_CREDENTIAL_PASSWORD). `act_as`: cloud mode (untested against the ATO). `warn`
    receives a credential about to expire (by default a Python warning). Nothing is read or
    sent until the registry is first used, so naming a registry only to know its name needs
    no credential.
    """
    if registry == OFFLINE:
        if delay < 0:
            raise InputError("the simulator's delay cannot be negative")
        return OfflineRegistry(workspace, delay=dt.timedelta(seconds=delay))
    endpoint, ato_sts = KNOWN.get(registry.lower(), (registry, None))
    if not endpoint.startswith(("http://", "https://")):
        raise InputError(
            f"the registry must be 'offline', '3pt', 'production' or a URL, not {registry!r}"
        )
    transport.check_address(endpoint, "the registry address")
    sts = sts or ato_sts
    security: Security = Unsecured()
    if credential:
        if sts is None:
            raise InputError(
                f"the registry at {endpoint} is not the USI Registry, so the address of the "
                "token service that issues its tokens is needed as well (USIKIT_STS)"
            )
        transport.check_address(sts, "the token service address")
        tokens = TokenService(
            sts,
            endpoint,
            lambda: _credential(credential, alias, password),
            act_as=act_as,
            warn=warn or _python_warning,
        )
        security = IssuedTokenSecurity(tokens)
    elif ato_sts is not None or sts is not None:
        security = _Missing(registry if ato_sts else endpoint)
    return SoapRegistry(endpoint, security=security)


def _credential(path: str, alias: str | None, password: Callable[[], str] | None) -> Credential:
    return load_credential(path, alias, (password or settings.credential_password)())


def _python_warning(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=2)


class _Missing(Unsecured):
    """A registry that needs a credential none was given for: said when first used."""

    def __init__(self, registry: str) -> None:
        self.registry = registry

    def secure(self, envelope: object) -> None:
        self.prepare()

    def prepare(self) -> None:
        raise InputError(
            f"the registry {self.registry!r} accepts only requests signed with the "
            "organisation's machine credential: name its keystore file (USIKIT_CREDENTIAL) "
            "and, when the file holds several, the credential's alias (USIKIT_CREDENTIAL_ALIAS)"
        )
