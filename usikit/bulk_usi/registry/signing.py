"""XML Signature as WS-Security uses it, on lxml trees: exclusive canonicalisation, detached
references by id, RSA-SHA256 (the request to the token service) and HMAC-SHA1 (the requests
to the registry, keyed by the token's proof key).

Only this profile is written and accepted: one canonicalisation (exc-c14n), the two
signature methods with their digests, and references that each resolve to exactly one
element of the message (so a signature cannot be moved onto a copied element). Signatures
are made on the tree that is then serialised and sent, so the bytes sent are the bytes signed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from usikit.bulk_usi.registry.namespaces import (
    DS,
    ENVELOPED,
    EXC_C14N,
    HMAC_SHA1,
    RSA_SHA256,
    SHA1,
    SHA256,
    WSU,
    q,
)

DIGESTS = {RSA_SHA256: (SHA256, hashlib.sha256), HMAC_SHA1: (SHA1, hashlib.sha1)}
WSU_ID = q("Id", WSU)


class BadSignature(ValueError):
    """A signature that does not verify, or is not of the accepted profile."""


def c14n(element: etree._Element) -> bytes:
    """Exclusive XML canonicalisation without comments, as the references and SignedInfo use."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def xml_time(moment: dt.datetime) -> str:
    """2026-03-01T09:00:00.000Z: the form WS-Security timestamps use."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str | None) -> dt.datetime:
    """A WS-Security time; ValueError when it is not one."""
    moment = dt.datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def timestamp(
    parent: etree._Element, now: dt.datetime, seconds: float = 300, ident: str = "_0"
) -> etree._Element:
    """A wsu:Timestamp (Created now, Expires `seconds` later) appended to `parent`."""
    stamp = etree.SubElement(parent, q("Timestamp", WSU), {WSU_ID: ident})
    etree.SubElement(stamp, q("Created", WSU)).text = xml_time(now)
    expires = now + dt.timedelta(seconds=seconds)
    etree.SubElement(stamp, q("Expires", WSU)).text = xml_time(expires)
    return stamp


def _digest(element: etree._Element, method: str, enveloped: bool) -> bytes:
    if enveloped:  # the enveloped-signature transform: the element without its signature
        element = _without_signature(element)
    return DIGESTS[method][1](c14n(element)).digest()


def _without_signature(element: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(element))
    for signature in copy.findall(q("Signature", DS)):
        copy.remove(signature)
    return copy


def _value(method: str, key: object, data: bytes) -> bytes:
    if method == RSA_SHA256:
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(key, bytes)
    return hmac.new(key, data, hashlib.sha1).digest()


def sign(
    parent: etree._Element,
    references: Sequence[tuple[str, etree._Element]],
    *,
    method: str,
    key: object,
    key_info: etree._Element | None,
    enveloped: bool = False,
) -> etree._Element:
    """Append a ds:Signature to `parent` over `references` ((id, element) pairs), in place.

    `method`: RSA_SHA256 (key: an RSA private key) or HMAC_SHA1 (key: bytes). `enveloped`:
    the one reference is `parent` itself (a signed assertion).
    """
    digest_method = DIGESTS[method][0]
    signature = etree.SubElement(parent, q("Signature", DS), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, q("SignedInfo", DS))
    etree.SubElement(signed_info, q("CanonicalizationMethod", DS), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, q("SignatureMethod", DS), Algorithm=method)
    for ident, element in references:
        reference = etree.SubElement(signed_info, q("Reference", DS), URI="#" + ident)
        transforms = etree.SubElement(reference, q("Transforms", DS))
        if enveloped:
            etree.SubElement(transforms, q("Transform", DS), Algorithm=ENVELOPED)
        etree.SubElement(transforms, q("Transform", DS), Algorithm=EXC_C14N)
        etree.SubElement(reference, q("DigestMethod", DS), Algorithm=digest_method)
        value = _digest(element, method, enveloped)
        etree.SubElement(reference, q("DigestValue", DS)).text = base64.b64encode(value).decode()
    value = _value(method, key, c14n(signed_info))
    etree.SubElement(signature, q("SignatureValue", DS)).text = base64.b64encode(value).decode()
    if key_info is not None:
        etree.SubElement(signature, q("KeyInfo", DS)).append(key_info)
    return signature


def _one(parent: etree._Element, name: str) -> etree._Element:
    found = parent.findall(q(name, DS))
    if len(found) != 1:
        raise BadSignature(f"the signature has {len(found)} {name} elements, not one")
    return found[0]


def verify(
    signature: etree._Element,
    *,
    method: str,
    key: object,
    required: Sequence[etree._Element],
    id_attribute: str = WSU_ID,
    enveloped: bool = False,
) -> None:
    """Check `signature` (BadSignature if it fails): the accepted profile, each reference
    resolving to exactly one element of the document, every `required` element signed, the
    digests, then the value (`key`: an RSA public key, or the HMAC key)."""
    signed_info = _one(signature, "SignedInfo")
    if _one(signed_info, "CanonicalizationMethod").get("Algorithm") != EXC_C14N:
        raise BadSignature("the signature's canonicalisation is not exclusive c14n")
    if _one(signed_info, "SignatureMethod").get("Algorithm") != method:
        raise BadSignature(f"the signature method is not {method}")
    root = signature.getroottree().getroot()
    signed: list[etree._Element] = []
    expected = [ENVELOPED, EXC_C14N] if enveloped else [EXC_C14N]
    for reference in signed_info.findall(q("Reference", DS)):
        uri = reference.get("URI", "")
        targets = [e for e in root.iter() if uri[:1] == "#" and e.get(id_attribute) == uri[1:]]
        if len(targets) != 1:
            raise BadSignature(f"reference {uri!r} resolves to {len(targets)} elements")
        transforms = [t.get("Algorithm") for t in reference.iterfind(f".//{q('Transform', DS)}")]
        if transforms != expected:
            raise BadSignature(f"reference {uri!r} has transforms {transforms}")
        if _one(reference, "DigestMethod").get("Algorithm") != DIGESTS[method][0]:
            raise BadSignature(f"reference {uri!r} has another digest method")
        given = base64.b64decode(_one(reference, "DigestValue").text or "")
        if not hmac.compare_digest(given, _digest(targets[0], method, enveloped)):
            raise BadSignature(f"the digest of {uri!r} does not match: the element was changed")
        signed.append(targets[0])
    missing = [e for e in required if not any(e is s for s in signed)]
    if missing:
        raise BadSignature(f"the signature does not cover {etree.QName(missing[0]).localname}")
    value = base64.b64decode(_one(signature, "SignatureValue").text or "")
    data = c14n(signed_info)
    if method == RSA_SHA256:
        assert isinstance(key, rsa.RSAPublicKey)
        try:
            key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise BadSignature("the signature value does not verify") from None
    elif not isinstance(key, bytes) or not hmac.compare_digest(value, _value(method, key, data)):
        raise BadSignature("the signature value does not verify")
