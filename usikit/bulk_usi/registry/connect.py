"""Choosing the registry a batch talks to: the offline simulator, or a SOAP endpoint."""

from __future__ import annotations

import datetime as dt

from usikit.bulk_usi.registry.base import Registry
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.soap import LocalToken, SoapRegistry, load_token_provider
from usikit.errors import InputError
from usikit.settings import OFFLINE
from usikit.store.engine import Workspace


def open_registry(
    workspace: Workspace,
    registry: str,
    *,
    delay: float,
    secret: str | None = None,
    token_provider: str | None = None,
) -> Registry:
    """The registry named by `registry`: 'offline' (the simulator) or a SOAP endpoint's URL.

    `delay`: the simulator's seconds before results are ready. `secret`: a local endpoint's
    shared secret; `token_provider`: MODULE:FUNCTION giving the organisation's token provider
    for the USI Registry.
    """
    if registry == OFFLINE:
        if delay < 0:
            raise InputError("the simulator's delay cannot be negative")
        return OfflineRegistry(workspace, delay=dt.timedelta(seconds=delay))
    if not registry.startswith(("http://", "https://")):
        raise InputError(f"the registry must be 'offline' or a URL, not {registry!r}")
    if secret and token_provider:
        raise InputError(
            "give either a local endpoint's shared secret or a token provider for the USI "
            "Registry, not both"
        )
    if token_provider:
        return SoapRegistry(registry, token=load_token_provider(token_provider))
    return SoapRegistry(registry, token=LocalToken(secret) if secret else None)
