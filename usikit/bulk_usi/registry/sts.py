"""The registry's security token, obtained from the ATO's token service (WS-Trust 1.3).

The Issue request is signed with the organisation's machine credential (RSA-SHA256, exclusive
c14n, over the Timestamp and the To header, the certificate sent as a BinarySecurityToken) and
asks for a symmetric-key token for the registry's address with the claims and algorithms of
the registry's policy (`TEMPLATE`). The answer gives the token (encrypted for the registry:
opaque here, sent on exactly as issued), its proof key (a BinarySecret, or computed with
P_SHA1 from both sides' entropy), the reference to put in each signature's KeyInfo, and its
lifetime. `TokenService` caches the token in memory until shortly before it expires.

"Cloud" mode (a software provider's credential acting for the organisation through the ATO's
Relationship Authorisation Manager) adds an `ActAs` relationship token to the request. It
follows the ATO's published samples and is tested against the local token service only.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import hashlib
import hmac
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from usikit.bulk_usi.registry import messages, safexml, signing, transport
from usikit.bulk_usi.registry.base import SERVICE_UNAVAILABLE
from usikit.bulk_usi.registry.credential import Credential, expiry_warning
from usikit.bulk_usi.registry.namespaces import (
    ABN_CLAIM,
    AES256_CBC,
    BASE64,
    CREDENTIAL_TYPE_CLAIM,
    EXC_C14N,
    HMAC_SHA1,
    IDENTITY,
    ISSUE,
    ISSUE_ACTION,
    PSHA1,
    RELATIONSHIP,
    RSA_OAEP,
    RSA_SHA256,
    SAMLV2,
    SOAP,
    SYMMETRIC_KEY,
    WSA,
    WSP,
    WSSE,
    WST,
    WST14,
    WSU,
    X509V3,
    q,
)
from usikit.errors import Arrival, RegistryFault

TEST_STS = "https://softwareauthorisations.evte.ato.gov.au/R3.0/S007v1.3/service.svc"
PRODUCTION_STS = "https://softwareauthorisations.ato.gov.au/R3.0/S007v1.3/service.svc"
KEY_BITS = 256
# The registry's RequestSecurityTokenTemplate (its WSDL's policy), element by element.
TEMPLATE = (
    ("KeyType", SYMMETRIC_KEY),
    ("KeySize", str(KEY_BITS)),
    ("KeyWrapAlgorithm", RSA_OAEP),
    ("Claims", (ABN_CLAIM, CREDENTIAL_TYPE_CLAIM)),
    ("EncryptWith", AES256_CBC),
    ("SignWith", HMAC_SHA1),
    ("CanonicalizationAlgorithm", EXC_C14N),
    ("EncryptionAlgorithm", AES256_CBC),
)
LIFETIME = dt.timedelta(minutes=30)  # asked for; the token service decides
RENEW_BEFORE = dt.timedelta(minutes=2)  # a cached token is renewed this long before it ends
STS_NAME = "token service"  # "the ATO token service" for the ATO's own addresses
Element: TypeAlias = etree._Element


@dataclass(frozen=True)
class ActAs:
    """Cloud mode's relationship token: `first_party` and `second_party` ABNs (in the ATO's
    sample, the credential's own ABN and the organisation acted for) and the software
    service id (SSID) the ATO gave the software. Untested against the ATO."""

    first_party: str
    second_party: str
    ssid: str

    def element(self) -> Element:
        act_as = etree.Element(q("ActAs", WST14), nsmap={"t14": WST14})
        token = etree.SubElement(
            act_as,
            q("RelationshipToken", RELATIONSHIP),
            {"ID": str(uuid.uuid4())},
            nsmap={"v13": RELATIONSHIP},
        )
        relationship = etree.SubElement(
            token, q("Relationship", RELATIONSHIP), {q("Type", RELATIONSHIP): "OSPfor"}
        )
        etree.SubElement(
            relationship,
            q("Attribute", RELATIONSHIP),
            {q("Name", RELATIONSHIP): "SSID", q("Value", RELATIONSHIP): self.ssid},
        )
        for name, abn in (("FirstParty", self.first_party), ("SecondParty", self.second_party)):
            etree.SubElement(
                token,
                q(name, RELATIONSHIP),
                {q("Scheme", RELATIONSHIP): "uri://abr.gov.au/ABN", q("Value", RELATIONSHIP): abn},
            )
        return act_as


@dataclass(frozen=True)
class IssuedToken:
    """A token from the token service; the proof key is never shown."""

    token: Element = field(repr=False)  # as issued: encrypted for the registry
    reference: Element = field(repr=False)  # the SecurityTokenReference for KeyInfo
    proof_key: bytes = field(repr=False)
    created: dt.datetime
    expires: dt.datetime
    clock_offset: float | None  # the token service's clock minus this computer's, seconds

    def __repr__(self) -> str:
        return f"IssuedToken(valid {self.created:%H:%M:%S} to {self.expires:%H:%M:%S} UTC)"


def issue_request(
    credential: Credential,
    sts: str,
    applies_to: str,
    *,
    now: dt.datetime,
    act_as: ActAs | None = None,
    entropy: bytes | None = None,
) -> Element:
    """The signed WS-Trust Issue request (an lxml tree, sent as it is serialised)."""
    root = etree.Element(q("Envelope", SOAP), nsmap={"s": SOAP, "a": WSA, "u": WSU})
    header = etree.SubElement(root, q("Header", SOAP))
    must = {q("mustUnderstand", SOAP): "1"}
    etree.SubElement(header, q("Action", WSA), must).text = ISSUE_ACTION
    etree.SubElement(header, q("MessageID", WSA)).text = f"urn:uuid:{uuid.uuid4()}"
    reply = etree.SubElement(header, q("ReplyTo", WSA))
    etree.SubElement(reply, q("Address", WSA)).text = WSA + "/anonymous"
    to = etree.SubElement(header, q("To", WSA), {**must, signing.WSU_ID: "_1"})
    to.text = sts
    security = etree.SubElement(header, q("Security", WSSE), must, nsmap={"o": WSSE})
    stamp = signing.timestamp(security, now, 300, "_0")
    token_id = f"uuid-{uuid.uuid4()}-1"
    binary = etree.SubElement(
        security,
        q("BinarySecurityToken", WSSE),
        {"ValueType": X509V3, "EncodingType": BASE64, signing.WSU_ID: token_id},
    )
    binary.text = base64.b64encode(credential.certificate.public_bytes(Encoding.DER)).decode()
    reference = etree.Element(q("SecurityTokenReference", WSSE))
    etree.SubElement(reference, q("Reference", WSSE), URI="#" + token_id, ValueType=X509V3)
    signing.sign(
        security,
        [("_0", stamp), ("_1", to)],
        method=RSA_SHA256,
        key=credential.private_key,
        key_info=reference,
    )
    body = etree.SubElement(root, q("Body", SOAP))
    rst = etree.SubElement(body, q("RequestSecurityToken", WST), nsmap={"t": WST})
    applies = etree.SubElement(rst, q("AppliesTo", WSP), nsmap={"wsp": WSP})
    address = etree.SubElement(
        etree.SubElement(applies, q("EndpointReference", WSA)), q("Address", WSA)
    )
    address.text = applies_to
    etree.SubElement(rst, q("RequestType", WST)).text = ISSUE
    etree.SubElement(rst, q("TokenType", WST)).text = SAMLV2
    for name, value in TEMPLATE:
        if name == "Claims":
            claims = etree.SubElement(
                rst, q("Claims", WST), Dialect=IDENTITY, nsmap={"i": IDENTITY}
            )
            for uri in value:
                etree.SubElement(claims, q("ClaimType", IDENTITY), Uri=str(uri), Optional="false")
        else:
            etree.SubElement(rst, q(name, WST)).text = str(value)
    lifetime = etree.SubElement(rst, q("Lifetime", WST))
    etree.SubElement(lifetime, q("Created", WSU)).text = signing.xml_time(now)
    etree.SubElement(lifetime, q("Expires", WSU)).text = signing.xml_time(now + LIFETIME)
    if entropy is not None:
        secret = etree.SubElement(etree.SubElement(rst, q("Entropy", WST)), q("BinarySecret", WST))
        secret.set("Type", WST + "/Nonce")
        secret.text = base64.b64encode(entropy).decode()
        etree.SubElement(rst, q("ComputedKeyAlgorithm", WST)).text = PSHA1
    if act_as is not None:
        rst.append(act_as.element())
    return root


def p_sha1(secret: bytes, seed: bytes, size: int) -> bytes:
    """P_SHA1 (the TLS 1.0 expansion): the computed proof key of WS-Trust."""
    out, a = b"", seed
    while len(out) < size:
        a = hmac.new(secret, a, hashlib.sha1).digest()
        out += hmac.new(secret, a + seed, hashlib.sha1).digest()
    return out[:size]


def _refused(message: str, transient: bool = False) -> RegistryFault:
    return RegistryFault(
        SERVICE_UNAVAILABLE if transient else 0,
        "Token service unavailable" if transient else "Token refused",
        message,
        transient=transient,
        arrival=Arrival.NOT_THIS_TIME,  # the request for the registry was not sent
    )


def read_issued(
    data: bytes, *, entropy: bytes | None, received: float, name: str = STS_NAME
) -> IssuedToken:
    """The token from the token service's answer (RegistryFault when it is not one);
    `name` names the service in messages."""
    try:
        _, first = messages.read_envelope(data)
    except RegistryFault as fault:
        if fault.transient:
            raise _refused(f"the {name}: {fault.message}", transient=True) from None
        raise _refused(f"the {name} refused the credential: {fault.message}") from None
    responses = (
        [first]
        if first.tag == q("RequestSecurityTokenResponse", WST)
        else first.findall(q("RequestSecurityTokenResponse", WST))
    )
    if not responses:
        raise _refused(f"the {name} answered without a token ({first.tag})")
    response = responses[0]

    def part(*path: str) -> Element:
        found = response.find("/".join(q(name, WST) for name in path))
        if found is None:
            raise _refused(f"the {name}'s answer has no {path[-1]}")
        return found

    tokens = safexml.elements(part("RequestedSecurityToken"))
    references = response.findall(
        f"{q('RequestedAttachedReference', WST)}/{q('SecurityTokenReference', WSSE)}"
    ) or response.findall(
        f"{q('RequestedUnattachedReference', WST)}/{q('SecurityTokenReference', WSSE)}"
    )
    if len(tokens) != 1 or not references:
        raise _refused(f"the {name}'s answer lacks the token or its reference")
    proof = part("RequestedProofToken")
    try:
        key = _proof_key(response, proof, entropy)
        lifetime = part("Lifetime")
        created = signing.parse_time(lifetime.findtext(q("Created", WSU)))
        expires = signing.parse_time(lifetime.findtext(q("Expires", WSU)))
    except (ValueError, binascii.Error) as exc:
        raise _refused(f"the {name}'s answer cannot be used ({exc})") from None
    offset = created.timestamp() - received
    return IssuedToken(
        copy.deepcopy(tokens[0]),
        copy.deepcopy(references[0]),
        key,
        created,
        expires,
        offset if abs(offset) < 24 * 3600 else None,
    )


def _proof_key(response: Element, proof: Element, entropy: bytes | None) -> bytes:
    secret = proof.find(q("BinarySecret", WST))
    if secret is not None:
        return base64.b64decode(secret.text or "", validate=True)
    if (proof.findtext(q("ComputedKey", WST)) or "").strip() != PSHA1 or entropy is None:
        raise ValueError("its proof key is neither a BinarySecret nor computed with P_SHA1")
    theirs = response.findtext(f"{q('Entropy', WST)}/{q('BinarySecret', WST)}") or ""
    bits = int((response.findtext(q("KeySize", WST)) or str(KEY_BITS)).strip())
    return p_sha1(entropy, base64.b64decode(theirs, validate=True), bits // 8)


class TokenService:
    """Tokens from one token service for one credential (loaded when first needed), each kept
    in memory until shortly before it expires. `warn` receives a credential expiring soon."""

    def __init__(
        self,
        sts: str,
        applies_to: str,
        credential: Callable[[], Credential],
        *,
        act_as: ActAs | None = None,
        entropy: bool = False,
        timeout: float = 60.0,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.sts = transport.check_address(sts, "the token service address")
        ato = sts in (TEST_STS, PRODUCTION_STS)
        self.name = f"ATO {STS_NAME}" if ato else f"{STS_NAME} at {sts}"
        self.applies_to, self.act_as, self.entropy = applies_to, act_as, entropy
        self.timeout, self.warn, self.clock = timeout, warn, clock
        self._load = credential
        self._credential: Credential | None = None
        self._token: IssuedToken | None = None
        self._lock = threading.Lock()

    @property
    def credential(self) -> Credential:
        loaded = self._credential
        if loaded is None:
            loaded = self._credential = self._load()
            warning = expiry_warning(loaded.info, self.clock())
            if warning and self.warn is not None:
                self.warn(warning)
        return loaded

    def token(self) -> IssuedToken:
        with self._lock:
            token = self._token
            if token is None or token.expires - self.clock() < RENEW_BEFORE:
                token = self._token = self._issue()
            return token

    def forget(self) -> None:
        """Drop the cached token (the registry refused it): the next request gets another."""
        with self._lock:
            self._token = None

    def _issue(self) -> IssuedToken:
        mine = os.urandom(KEY_BITS // 8) if self.entropy else None
        request = issue_request(
            self.credential,
            self.sts,
            self.applies_to,
            now=self.clock(),
            act_as=self.act_as,
            entropy=mine,
        )
        try:
            answer = transport.post(
                self.sts,
                messages.serialise(request),
                timeout=self.timeout,
                content_type=f'application/soap+xml; charset=utf-8; action="{ISSUE_ACTION}"',
            )
        except transport.Unreachable as exc:
            raise _refused(f"the {self.name}: {exc}", transient=True) from None
        if answer.status >= 500 and not answer.body.lstrip().startswith(b"<"):
            raise _refused(f"the {self.name} answered HTTP {answer.status}", transient=True)
        if answer.status not in (200, 500):
            raise _refused(
                f"the {self.name} answered HTTP {answer.status}; check its address",
                transient=answer.status == 429,
            )
        return read_issued(answer.body, entropy=mine, received=time.time(), name=self.name)
