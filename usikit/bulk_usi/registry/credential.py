"""The organisation's machine (M2M) credential, read from its ATO keystore file.

The ATO's keystore (the ABR credential store) is an XML `credentialStore`: one `credential`
per alias (`ABRD:<ABN>_<name>`) with its ABN, name, validity, the certificate chain
(`publicCertificate`: PKCS#7, BER) and the private key (`protectedPrivateKey`: PKCS#8
EncryptedPrivateKeyInfo, pbeWithSHAAnd3-KeyTripleDES-CBC under the keystore password).
`cryptography` reads both. The store's own integrity values use an algorithm the ATO does
not publish, so they are not checked: a damaged file shows as a key that cannot be decrypted
or that does not match its certificate.

The password and the private key are kept in memory only, never written, logged or shown.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key, pkcs7
from lxml import etree

from usikit.bulk_usi.registry import safexml
from usikit.errors import InputError

STORE = "http://auth.abr.gov.au/credential/xsd/SBRCredentialStore"
EXPIRY_WARNING = dt.timedelta(days=30)
MAX_KEYSTORE_BYTES = 8 * 1024 * 1024
RENEW = (
    "the organisation's administrator makes a new machine credential in Relationship "
    "Authorisation Manager (RAM) and installs it"
)


def _s(name: str) -> str:
    return f"{{{STORE}}}{name}"


@dataclass(frozen=True)
class CredentialInfo:
    """One credential of a keystore, as shown to people: nothing secret."""

    alias: str
    abn: str
    name: str
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime) -> int:
        return (self.not_after - now).days


@dataclass(frozen=True)
class Credential:
    """A credential ready to sign with; its key is never shown (nor is it in its repr)."""

    info: CredentialInfo
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    private_key: rsa.RSAPrivateKey = field(repr=False)

    def __repr__(self) -> str:
        return f"Credential({self.info.alias!r}, ABN {self.info.abn})"


def _read(path: Path) -> etree._Element:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the keystore file ({exc.strerror})", path=path) from None
    try:
        root = safexml.parse(data, safexml.Limits(max_bytes=MAX_KEYSTORE_BYTES))
    except safexml.UnsafeXml as exc:
        raise InputError(
            f"not a readable ATO keystore file ({exc}); it may be damaged: install the "
            "credential again",
            path=path,
        ) from None
    if root.tag != _s("credentialStore"):
        raise InputError(
            "not an ATO keystore file (its root is not a credentialStore); check the file "
            "name: it is the keystore that holds the organisation's machine credential",
            path=path,
        )
    return root


def _entries(path: Path, root: etree._Element) -> Iterator[tuple[CredentialInfo, etree._Element]]:
    for element in root.iter(_s("credential")):
        alias = element.get("id", "")
        chain = _chain(path, alias, element)
        leaf = chain[0]
        info = CredentialInfo(
            alias=alias,
            abn=(element.findtext(_s("abn")) or "").strip(),
            name=(element.findtext(_s("legalName")) or element.findtext(_s("name1")) or "").strip(),
            not_before=leaf.not_valid_before_utc,
            not_after=leaf.not_valid_after_utc,
        )
        yield info, element


def credentials(path: str | Path) -> list[CredentialInfo]:
    """The credentials a keystore holds (no password needed)."""
    path = Path(path)
    found = [info for info, _ in _entries(path, _read(path))]
    if not found:
        raise InputError("the keystore holds no credential", path=path)
    return found


def _chain(path: Path, alias: str, element: etree._Element) -> tuple[x509.Certificate, ...]:
    text = element.findtext(_s("publicCertificate")) or ""
    try:
        data = base64.b64decode(text, validate=False)
        with warnings.catch_warnings():  # the ATO's chains are BER, which cryptography reads
            warnings.simplefilter("ignore")
            try:
                certificates = pkcs7.load_der_pkcs7_certificates(data)
            except ValueError:
                certificates = [x509.load_der_x509_certificate(d) for d in ber_certificates(data)]
    except (ValueError, binascii.Error, IndexError, StopIteration):  # not a chain at all
        certificates = []
    if not certificates:
        raise InputError(
            f"the certificate of credential {alias!r} cannot be read; the keystore may be "
            "damaged: install the credential again",
            path=path,
        )
    return _leaf_first(certificates)


def _leaf_first(certificates: list[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The chain from the credential's own certificate (the one that issued no other) up."""
    issuers = {c.issuer for c in certificates if c.issuer != c.subject}
    leaves = [c for c in certificates if c.subject not in issuers] or certificates
    chain = [leaves[0]]
    while True:
        parent = next(
            (c for c in certificates if c.subject == chain[-1].issuer and c not in chain), None
        )
        if parent is None:
            return tuple(chain)
        chain.append(parent)


def load_credential(
    path: str | Path,
    alias: str | None,
    password: str,
    *,
    now: dt.datetime | None = None,
) -> Credential:
    """The credential `alias` (may be None when the keystore holds only one), its private key
    decrypted with `password`. Refused with one message for a wrong password, a damaged file
    or a credential out of its validity."""
    path = Path(path)
    entries = list(_entries(path, _read(path)))
    if not entries:
        raise InputError("the keystore holds no credential", path=path)
    aliases = ", ".join(info.alias for info, _ in entries)
    if alias is None and len(entries) > 1:
        raise InputError(
            f"the keystore holds {len(entries)} credentials ({aliases}); name the alias of the "
            "one to use",
            path=path,
        )
    chosen = [(i, e) for i, e in entries if alias is None or i.alias == alias]
    if not chosen:
        raise InputError(f"the keystore has no credential {alias!r}; it holds {aliases}", path=path)
    info, element = chosen[0]
    check_validity(info, path, now or dt.datetime.now(dt.UTC))
    key = _private_key(path, info.alias, element, password)
    chain = _chain(path, info.alias, element)
    public = chain[0].public_key()
    if not isinstance(public, rsa.RSAPublicKey) or (
        key.public_key().public_numbers() != public.public_numbers()
    ):
        raise InputError(
            f"the private key of credential {info.alias!r} does not match its certificate; "
            "the keystore is damaged: install the credential again",
            path=path,
        )
    return Credential(info, chain[0], chain, key)


def _private_key(
    path: Path, alias: str, element: etree._Element, password: str
) -> rsa.RSAPrivateKey:
    try:
        data = base64.b64decode(element.findtext(_s("protectedPrivateKey")) or "")
    except (ValueError, binascii.Error):
        data = b""
    try:
        key = load_der_private_key(data, password.encode("utf-8"))
    except ValueError as exc:
        # A wrong password is usually told by the padding; about once in 256 tries the padding
        # happens to be right and the key then fails to parse: a well-formed structure means
        # the password is the likely cause all the same.
        if "password" in str(exc).lower() or _well_formed(data):
            raise InputError(
                f"the keystore password is wrong for credential {alias!r}; type it again "
                "(it is the password chosen when the credential was installed)",
                path=path,
            ) from None
        raise InputError(
            f"the private key of credential {alias!r} cannot be read; the keystore may be "
            "damaged: install the credential again",
            path=path,
        ) from None
    except TypeError:  # an unencrypted key: not what the ATO issues
        raise InputError(
            f"the private key of credential {alias!r} is not protected by the keystore "
            "password, which an ATO keystore always does; the file is damaged",
            path=path,
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InputError(f"credential {alias!r} does not hold an RSA key", path=path)
    return key


def _well_formed(data: bytes) -> bool:
    """Whether `data` is one complete DER SEQUENCE of two parts (EncryptedPrivateKeyInfo)."""
    try:
        spans = _children(data, 0, len(data))
        inside = _children(data, *_inside(data, spans[0]))
    except (IndexError, ValueError):
        return False
    return len(spans) == 1 and spans[0][1] == len(data) and len(inside) == 2


def check_validity(info: CredentialInfo, path: str | Path, now: dt.datetime) -> None:
    """Refuse a credential that has expired or is not valid yet."""
    if now >= info.not_after:
        raise InputError(
            f"credential {info.alias!r} expired on {info.not_after:%d/%m/%Y}; {RENEW}",
            path=path,
        )
    if now < info.not_before:
        raise InputError(
            f"credential {info.alias!r} is not valid before {info.not_before:%d/%m/%Y %H:%M} "
            "UTC; check this computer's clock",
            path=path,
        )


def expiry_warning(info: CredentialInfo, now: dt.datetime) -> str:
    """A warning for a credential that expires within 30 days ("" otherwise)."""
    if info.not_after - now > EXPIRY_WARNING:
        return ""
    days = info.days_left(now)
    when = "today" if days <= 0 else f"in {days} day" + ("s" if days != 1 else "")
    return (
        f"the machine credential {info.alias!r} expires {when} ({info.not_after:%d/%m/%Y}): "
        f"{RENEW} before then"
    )


def ber_certificates(data: bytes) -> list[bytes]:
    """The certificates (DER) of a PKCS#7 SignedData in BER, walked by hand: what is read
    when cryptography refuses BER. ContentInfo > [0] > SignedData > [0] certificates."""
    content = _children(data, 0, len(data))
    signed = _children(data, *_inside(data, content[0]))  # ContentInfo's children
    signed_data = _children(data, *_inside(data, signed[1]))  # [0] explicit: SignedData
    fields = _children(data, *_inside(data, signed_data[0]))
    certificates = next(f for f in fields if data[f[0]] == 0xA0)
    return [data[start:end] for start, end in _children(data, *_inside(data, certificates))]


def _inside(data: bytes, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    header, _ = _header(data, start)
    return header, end - (2 if data[start + 1] == 0x80 else 0)


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each TLV between start and end (indefinite lengths followed)."""
    found, position = [], start
    while position < end and data[position : position + 2] != b"\0\0":
        content, length = _header(data, position)
        if length is None:  # indefinite: its end is after its children's end-of-contents
            last = _children(data, content, end)
            stop = (last[-1][1] if last else content) + 2
        else:
            stop = content + length
        found.append((position, stop))
        position = stop
    return found


def _header(data: bytes, position: int) -> tuple[int, int | None]:
    """(where the content starts, its length or None when indefinite)."""
    first = data[position + 1]
    if first == 0x80:
        return position + 2, None
    if first < 0x80:
        return position + 2, first
    size = first & 0x7F
    return position + 2 + size, int.from_bytes(data[position + 2 : position + 2 + size], "big")
