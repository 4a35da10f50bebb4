"""A token service on this computer that behaves as the ATO's does, and the registry's check of
the tokens it issues: the signed flow end to end without the ATO.

`LocalTokenService` answers a WS-Trust Issue request only when its RSA-SHA256 signature over
the Timestamp and To verifies with a certificate issued by its own CA (`local_pki.Authority`)
and still valid, and the Timestamp is fresh. It issues a random 256-bit proof key (or one
computed with P_SHA1 when the request brings entropy) and a SAML 2.0 assertion (the ABN, the
credential type, the registry's address as audience, the proof key, the lifetime, and in cloud
mode the relationship it acts under), signed by the service and encrypted for the registry
(AES-256-CBC, the key wrapped with RSA-OAEP): opaque to the client, as the ATO's is.

`TokenCheck` is the registry's side: the Timestamp fresh, the token decrypted, its signature,
audience and lifetime checked, and the request's HMAC-SHA1 signature over the Timestamp
verified with the token's proof key. Every refusal is a `Refusal`, answered as the registry's
security layer does (a SOAP fault that says little).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

from usikit.bulk_usi.registry import safexml, signing
from usikit.bulk_usi.registry.local_pki import Authority, new_key
from usikit.bulk_usi.registry.namespaces import (
    ABN_CLAIM,
    AES256_CBC,
    CREDENTIAL_TYPE_CLAIM,
    DS,
    HMAC_SHA1,
    ISSUE,
    ISSUE_ACTION,
    ISSUE_RESPONSE_ACTION,
    PSHA1,
    RELATIONSHIP,
    RSA_OAEP,
    RSA_SHA256,
    SAML2,
    SAMLID,
    SAMLV2,
    SOAP,
    SYMMETRIC_KEY,
    WSA,
    WSP,
    WSSE,
    WSSE11,
    WST,
    WST14,
    WSU,
    XENC,
    q,
)
from usikit.bulk_usi.registry.sts import KEY_BITS, LIFETIME, p_sha1

SKEW = dt.timedelta(minutes=5)  # the clock difference the ATO's services tolerate
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
Element: TypeAlias = etree._Element


class Refusal(Exception):
    """A request the security layer refuses; the reason stays on the server (logs, tests)."""


@dataclass(frozen=True)
class Claims:
    """Who a verified request comes from."""

    abn: str
    credential_type: str
    acting_for: str = ""  # cloud mode: the organisation the provider acts for


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _one(parent: Element | None, name: str, what: str) -> Element:
    found = [] if parent is None else parent.findall(name)
    if len(found) != 1:
        raise Refusal(f"{len(found)} {what} where one is needed")
    return found[0]


def _fresh(security: Element, now: dt.datetime) -> Element:
    stamp = _one(security, q("Timestamp", WSU), "Timestamps")
    try:
        created = signing.parse_time(stamp.findtext(q("Created", WSU)))
        expires = signing.parse_time(stamp.findtext(q("Expires", WSU)))
    except ValueError:
        raise Refusal("the Timestamp cannot be read") from None
    if expires + SKEW < now:
        raise Refusal("the message has expired (its Timestamp)")
    if created - SKEW > now:
        raise Refusal("the message's Timestamp is in the future")
    return stamp


def _security(root: Element) -> Element:
    header = _one(root, q("Header", SOAP), "headers")
    return _one(header, q("Security", WSSE), "Security headers")


@dataclass
class LocalTokenService:
    """The token service; `registry_key` is the key the registry decrypts tokens with."""

    authority: Authority
    url: str = ""
    registry_key: rsa.RSAPrivateKey = field(default_factory=new_key, repr=False)
    signing_key: rsa.RSAPrivateKey = field(default_factory=new_key, repr=False)
    lifetime: dt.timedelta = LIFETIME
    clock: Callable[[], dt.datetime] = _now
    issued: list[Claims] = field(default_factory=list)  # for tests

    def answer(self, data: bytes) -> bytes:
        """The Issue response to `data` (Refusal: a request the service refuses)."""
        try:
            root = safexml.parse(data)
        except safexml.UnsafeXml as exc:
            raise Refusal(str(exc)) from None
        now = self.clock()
        header = _one(root, q("Header", SOAP), "headers")
        if (header.findtext(q("Action", WSA)) or "").strip() != ISSUE_ACTION:
            raise Refusal("not a WS-Trust Issue request")
        security = _security(root)
        stamp = _fresh(security, now)
        certificate = self._certificate(security, now)
        to = _one(header, q("To", WSA), "To headers")
        signature = _one(security, q("Signature", DS), "signatures")
        try:
            signing.verify(
                signature, method=RSA_SHA256, key=certificate.public_key(), required=[stamp, to]
            )
        except signing.BadSignature as exc:
            raise Refusal(str(exc)) from None
        rst = _one(root.find(q("Body", SOAP)), q("RequestSecurityToken", WST), "requests")
        claims = self._claims(rst, certificate)
        audience = (rst.findtext(f".//{q('Address', WSA)}") or "").strip()
        if (rst.findtext(q("RequestType", WST)) or "").strip() != ISSUE or not audience:
            raise Refusal("the request does not ask to issue a token for an address")
        if (rst.findtext(q("KeyType", WST)) or "").strip() != SYMMETRIC_KEY:
            raise Refusal("only symmetric-key tokens are issued")
        self.issued.append(claims)
        return self._response(rst, claims, audience, now, header)

    def _certificate(self, security: Element, now: dt.datetime) -> x509.Certificate:
        binary = _one(security, q("BinarySecurityToken", WSSE), "certificates")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(binary.text or ""))
            certificate.verify_directly_issued_by(self.authority.certificate)
        except (ValueError, TypeError, Exception) as exc:  # InvalidSignature is not a ValueError
            raise Refusal(f"the credential is not trusted ({type(exc).__name__})") from None
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise Refusal("the credential is not valid now")
        return certificate

    def _claims(self, rst: Element, certificate: x509.Certificate) -> Claims:
        names = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
        abn = str(names[0].value) if names else ""
        acting_for = ""
        act_as = rst.find(q("ActAs", WST14))
        if act_as is not None:
            first = act_as.find(f".//{q('FirstParty', RELATIONSHIP)}")
            second = act_as.find(f".//{q('SecondParty', RELATIONSHIP)}")
            if first is None or second is None or first.get(q("Value", RELATIONSHIP)) != abn:
                raise Refusal("the relationship token does not name the credential's ABN")
            acting_for = second.get(q("Value", RELATIONSHIP), "")
        return Claims(abn, "D", acting_for)

    def _response(
        self, rst: Element, claims: Claims, audience: str, now: dt.datetime, header: Element
    ) -> bytes:
        theirs = rst.findtext(f"{q('Entropy', WST)}/{q('BinarySecret', WST)}")
        mine = os.urandom(KEY_BITS // 8)
        proof = p_sha1(base64.b64decode(theirs), mine, KEY_BITS // 8) if theirs else mine
        expires = now + self.lifetime
        assertion_id = "_" + str(uuid.uuid4())
        assertion = self._assertion(assertion_id, claims, audience, proof, now, expires)
        root = etree.Element(q("Envelope", SOAP), nsmap={"s": SOAP, "a": WSA, "u": WSU})
        answer_header = etree.SubElement(root, q("Header", SOAP))
        etree.SubElement(answer_header, q("Action", WSA)).text = ISSUE_RESPONSE_ACTION
        etree.SubElement(answer_header, q("RelatesTo", WSA)).text = header.findtext(
            q("MessageID", WSA)
        )
        body = etree.SubElement(root, q("Body", SOAP))
        collection = etree.SubElement(
            body, q("RequestSecurityTokenResponseCollection", WST), nsmap={"trust": WST}
        )
        response = etree.SubElement(collection, q("RequestSecurityTokenResponse", WST))
        etree.SubElement(response, q("TokenType", WST)).text = SAMLV2
        etree.SubElement(response, q("KeySize", WST)).text = str(KEY_BITS)
        etree.SubElement(response, q("RequestedSecurityToken", WST)).append(
            self._encrypt(assertion)
        )
        for name in ("RequestedAttachedReference", "RequestedUnattachedReference"):
            etree.SubElement(response, q(name, WST)).append(reference(assertion_id))
        proof_token = etree.SubElement(response, q("RequestedProofToken", WST))
        if theirs:
            etree.SubElement(proof_token, q("ComputedKey", WST)).text = PSHA1
            entropy = etree.SubElement(
                etree.SubElement(response, q("Entropy", WST)), q("BinarySecret", WST)
            )
            entropy.text = base64.b64encode(mine).decode()
        else:
            secret = etree.SubElement(proof_token, q("BinarySecret", WST))
            secret.text = base64.b64encode(proof).decode()
        lifetime = etree.SubElement(response, q("Lifetime", WST))
        etree.SubElement(lifetime, q("Created", WSU)).text = signing.xml_time(now)
        etree.SubElement(lifetime, q("Expires", WSU)).text = signing.xml_time(expires)
        applies = etree.SubElement(response, q("AppliesTo", WSP), nsmap={"wsp": WSP})
        address = etree.SubElement(
            etree.SubElement(applies, q("EndpointReference", WSA)), q("Address", WSA)
        )
        address.text = audience
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    def _assertion(
        self,
        ident: str,
        claims: Claims,
        audience: str,
        proof: bytes,
        now: dt.datetime,
        expires: dt.datetime,
    ) -> Element:
        assertion = etree.Element(
            q("Assertion", SAML2),
            {"ID": ident, "Version": "2.0", "IssueInstant": signing.xml_time(now)},
            nsmap={"saml": SAML2},
        )
        etree.SubElement(assertion, q("Issuer", SAML2)).text = self.url or "usikit-local-sts"
        subject = etree.SubElement(assertion, q("Subject", SAML2))
        etree.SubElement(subject, q("NameID", SAML2)).text = claims.abn
        confirmation = etree.SubElement(
            subject,
            q("SubjectConfirmation", SAML2),
            Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
        )
        data = etree.SubElement(confirmation, q("SubjectConfirmationData", SAML2))
        secret = etree.SubElement(etree.SubElement(data, q("KeyInfo", DS)), q("BinarySecret", WST))
        secret.text = base64.b64encode(proof).decode()
        conditions = etree.SubElement(
            assertion,
            q("Conditions", SAML2),
            {"NotBefore": signing.xml_time(now), "NotOnOrAfter": signing.xml_time(expires)},
        )
        restriction = etree.SubElement(conditions, q("AudienceRestriction", SAML2))
        etree.SubElement(restriction, q("Audience", SAML2)).text = audience
        statement = etree.SubElement(assertion, q("AttributeStatement", SAML2))
        for name, value in (
            (ABN_CLAIM, claims.abn),
            (CREDENTIAL_TYPE_CLAIM, claims.credential_type),
            (ABN_CLAIM + "/actingfor", claims.acting_for),
        ):
            if value:
                attribute = etree.SubElement(statement, q("Attribute", SAML2), Name=name)
                etree.SubElement(attribute, q("AttributeValue", SAML2)).text = value
        signing.sign(
            assertion,
            [(ident, assertion)],
            method=RSA_SHA256,
            key=self.signing_key,
            key_info=None,
            enveloped=True,
        )
        return assertion

    def _encrypt(self, assertion: Element) -> Element:
        plain = etree.tostring(assertion)
        content_key, iv = os.urandom(32), os.urandom(16)
        pad = 16 - len(plain) % 16
        plain += os.urandom(pad - 1) + bytes([pad])  # XML Encryption's padding
        encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
        cipher = iv + encryptor.update(plain) + encryptor.finalize()
        wrapped = self.registry_key.public_key().encrypt(content_key, OAEP)
        encrypted = etree.Element(q("EncryptedAssertion", SAML2), nsmap={"saml": SAML2})
        data = etree.SubElement(
            encrypted, q("EncryptedData", XENC), nsmap={"xenc": XENC}, Type=XENC + "Element"
        )
        etree.SubElement(data, q("EncryptionMethod", XENC), Algorithm=AES256_CBC)
        key_info = etree.SubElement(data, q("KeyInfo", DS), nsmap={"ds": DS})
        key = etree.SubElement(key_info, q("EncryptedKey", XENC))
        etree.SubElement(key, q("EncryptionMethod", XENC), Algorithm=RSA_OAEP)
        for parent, value in ((key, wrapped), (data, cipher)):
            cipher_data = etree.SubElement(parent, q("CipherData", XENC))
            etree.SubElement(cipher_data, q("CipherValue", XENC)).text = _b64(value)
        return encrypted

    def check(self) -> TokenCheck:
        """The registry's check of the tokens this service issues."""
        return TokenCheck(self.registry_key, self.signing_key.public_key(), self.clock)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def reference(assertion_id: str) -> Element:
    """The SecurityTokenReference to an assertion by its ID (the KeyInfo of signatures)."""
    element = etree.Element(
        q("SecurityTokenReference", WSSE),
        {q("TokenType", WSSE11): SAMLV2},
        nsmap={"o": WSSE, "k": WSSE11},
    )
    etree.SubElement(element, q("KeyIdentifier", WSSE), ValueType=SAMLID).text = assertion_id
    return element


@dataclass
class TokenCheck:
    """The registry's security layer for tokens of a `LocalTokenService`."""

    registry_key: rsa.RSAPrivateKey = field(repr=False)
    service_key: rsa.RSAPublicKey
    clock: Callable[[], dt.datetime] = _now

    def check(self, root: Element, address: str) -> Claims:
        """Who sent `root` (a USI request to `address`); Refusal when its security fails."""
        now = self.clock()
        security = _security(root)
        stamp = _fresh(security, now)
        assertion = self._assertion(_one(security, q("EncryptedAssertion", SAML2), "tokens"))
        try:
            signing.verify(
                _one(assertion, q("Signature", DS), "token signatures"),
                method=RSA_SHA256,
                key=self.service_key,
                required=[assertion],
                id_attribute="ID",
                enveloped=True,
            )
        except signing.BadSignature as exc:
            raise Refusal(f"the token's own signature: {exc}") from None
        conditions = _one(assertion, q("Conditions", SAML2), "token conditions")
        try:
            ends = signing.parse_time(conditions.get("NotOnOrAfter"))
        except ValueError:
            raise Refusal("the token's lifetime cannot be read") from None
        if ends + SKEW < now:
            raise Refusal("the token has expired")
        audience = conditions.findtext(f".//{q('Audience', SAML2)}") or ""
        if audience.strip().lower() != address.lower():
            raise Refusal(f"the token was issued for {audience}, not this service")
        signature = _one(security, q("Signature", DS), "message signatures")
        identifier = signature.findtext(f".//{q('KeyIdentifier', WSSE)}") or ""
        if identifier.strip() != assertion.get("ID"):
            raise Refusal("the signature's KeyInfo does not refer to the token sent")
        proof = assertion.findtext(f".//{q('BinarySecret', WST)}") or ""
        try:
            signing.verify(
                signature, method=HMAC_SHA1, key=base64.b64decode(proof), required=[stamp]
            )
        except signing.BadSignature as exc:
            raise Refusal(f"the message's signature: {exc}") from None
        values = {
            a.get("Name"): a.findtext(q("AttributeValue", SAML2)) or ""
            for a in assertion.iter(q("Attribute", SAML2))
        }
        return Claims(
            values.get(ABN_CLAIM, ""),
            values.get(CREDENTIAL_TYPE_CLAIM, ""),
            values.get(ABN_CLAIM + "/actingfor", ""),
        )

    def _assertion(self, encrypted: Element) -> Element:
        try:
            data = _one(encrypted, q("EncryptedData", XENC), "encrypted data")
            value = q("CipherValue", XENC)
            wrapped = base64.b64decode(
                data.findtext(f".//{q('EncryptedKey', XENC)}//{value}") or ""
            )
            cipher = base64.b64decode(data.findtext(f"{q('CipherData', XENC)}/{value}") or "")
            key = self.registry_key.decrypt(wrapped, OAEP)
            decryptor = Cipher(algorithms.AES(key), modes.CBC(cipher[:16])).decryptor()
            plain = decryptor.update(cipher[16:]) + decryptor.finalize()
            assertion = safexml.parse(plain[: -plain[-1]])
        except Exception as exc:  # any failure to decrypt is the same refusal to the sender
            raise Refusal(f"the token cannot be decrypted ({type(exc).__name__})") from None
        if assertion.tag != q("Assertion", SAML2):
            raise Refusal("the token is not an assertion")
        return copy.deepcopy(assertion)
