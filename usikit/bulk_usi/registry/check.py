"""Checking a connection to a registry before a batch depends on it: a token obtained, a
call answered, and what an administrator needs to know (who, until when, the clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from usikit.bulk_usi.registry.base import Registry
from usikit.bulk_usi.registry.credential import expiry_warning
from usikit.bulk_usi.registry.security import IssuedTokenSecurity
from usikit.bulk_usi.registry.soap import SoapRegistry

# The ATO's services refuse a message whose clock is about five minutes out: warn well before.
CLOCK_WARNING = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class Connection:
    """What `check_registry` found."""

    registry: str  # the registry's label
    countries: int  # how many countries GetCountries answered
    alias: str = ""
    abn: str = ""
    token_from: dt.datetime | None = None
    token_until: dt.datetime | None = None
    clock_offset: float | None = None  # the services' clock minus this computer's, seconds
    warnings: list[str] = field(default_factory=list)


def check_registry(registry: Registry, org_code: str) -> Connection:
    """Call GetCountries (obtaining a token first when the registry needs one); what it
    took. A failure raises as any call would (a RegistryFault, or an InputError)."""
    countries = registry.get_countries(org_code)
    if not isinstance(registry, SoapRegistry):
        return Connection(registry.label, len(countries))
    offset: float | None = None
    answer = registry.last_answer
    if answer is not None and answer.server_time is not None:
        offset = answer.server_time - answer.received
    found: dict[str, object] = {}
    warnings = []
    security = registry.security
    if isinstance(security, IssuedTokenSecurity) and security.last is not None:
        info, token = security.tokens.credential.info, security.last
        found = {"alias": info.alias, "abn": info.abn, "token_from": token.created,
                 "token_until": token.expires}  # fmt: skip
        if token.clock_offset is not None:
            offset = token.clock_offset
        warning = expiry_warning(info, dt.datetime.now(dt.UTC))
        if warning:
            warnings.append(warning)
    if offset is not None and abs(offset) > CLOCK_WARNING.total_seconds():
        side = "behind" if offset > 0 else "ahead of"
        warnings.append(
            f"this computer's clock is {abs(offset):.0f} seconds {side} the services' clock; "
            "the ATO's services refuse messages about five minutes out: set the clock right "
            "(synchronise it with a time server)"
        )
    return Connection(registry.label, len(countries), clock_offset=offset, warnings=warnings,
                      **found)  # type: ignore[arg-type]  # fmt: skip
