"""The WS-Security header of each request to the registry, added to the envelope's tree.

`IssuedTokenSecurity` is the registry's policy: a fresh Timestamp, the token exactly as the
ATO's token service issued it, and an HMAC-SHA1 signature over the Timestamp keyed by the
token's proof key, whose KeyInfo is the token service's reference to the token. `Unsecured`
sends none (only the local endpoint without its token service accepts that).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Protocol

from lxml import etree

from usikit.bulk_usi.registry import messages, signing
from usikit.bulk_usi.registry.namespaces import HMAC_SHA1, SOAP, WSSE, WSU, q
from usikit.bulk_usi.registry.sts import IssuedToken, TokenService

TIMESTAMP_SECONDS = 300


class Security(Protocol):
    def secure(self, envelope: etree._Element) -> None:
        """Add the security header to `envelope` (the tree that is then sent)."""
        ...

    def refused(self) -> bool:
        """The registry refused the message's security: whether sending it again (with a new
        token) may be accepted."""
        ...


class Unsecured:
    """No security header."""

    def secure(self, envelope: etree._Element) -> None:
        return None

    def refused(self) -> bool:
        return False


class IssuedTokenSecurity:
    """Each request signed with a token from `tokens` (renewed when it nears its end, or
    once when the registry refuses it)."""

    def __init__(
        self,
        tokens: TokenService,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.tokens, self.clock = tokens, clock
        self.last: IssuedToken | None = None

    def secure(self, envelope: etree._Element) -> None:
        token = self.last = self.tokens.token()
        sign(envelope, token, self.clock())

    def refused(self) -> bool:
        self.tokens.forget()
        return True

    def prepare(self) -> None:
        """Load the credential now: a wrong password or an expired credential is said first."""
        _ = self.tokens.credential


def sign(envelope: etree._Element, token: IssuedToken, now: dt.datetime) -> etree._Element:
    """Add wsse:Security (Timestamp, the token, the signature) to `envelope`; the header."""
    header = messages.header_of(envelope)
    security = etree.SubElement(
        header, q("Security", WSSE), {q("mustUnderstand", SOAP): "1"}, nsmap={"o": WSSE, "u": WSU}
    )
    stamp = signing.timestamp(security, now, TIMESTAMP_SECONDS, "_0")
    security.append(copy.deepcopy(token.token))
    signing.sign(security, [("_0", stamp)], method=HMAC_SHA1, key=token.proof_key,
                 key_info=copy.deepcopy(token.reference))  # fmt: skip
    return security
