"""A certification authority of one's own, and keystores in the ATO's format, for the local
token service and the tests: never for the USI Registry, which trusts only the ATO's CAs.

The keystore is written exactly as the ATO's is laid out (see `credential`): the chain as
PKCS#7, the private key as a PKCS#8 EncryptedPrivateKeyInfo under
pbeWithSHAAnd3-KeyTripleDES-CBC, whose key derivation (PKCS#12, RFC 7292 appendix B) is done
here because `cryptography` writes that algorithm only inside PKCS#12 files. What is written
is read back by `cryptography` (OpenSSL) in `credential`, an independent check.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from lxml import etree

from usikit.bulk_usi.registry.credential import STORE

PBE_SHA1_3DES = bytes.fromhex("2a864886f70d010c0103")  # 1.2.840.113549.1.12.1.3
ITERATIONS = 1024
KEY_SIZE = 2048


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


@dataclass
class Authority:
    """A CA that issues machine credentials as the ATO's do (subject C=AU, O=ABN, CN=name,
    dnQualifier=ABR)."""

    key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str = "usikit local test CA (not the ATO)") -> Authority:
        key = new_key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    def issue(
        self,
        abn: str,
        name: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A machine credential's key and certificate (valid two years from now by default)."""
        key = key or new_key()
        start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "AU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, abn),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.DN_QUALIFIER, "ABR"),
        ])  # fmt: skip
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(not_after or start + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return key, certificate

    def save(self, folder: Path) -> None:
        """The CA's key and certificate in `folder` (owner-only): a local test CA only."""
        folder.mkdir(parents=True, exist_ok=True)
        key = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write(folder / "ca-key.pem", key)
        _write(folder / "ca.pem", self.certificate.public_bytes(serialization.Encoding.PEM))

    @classmethod
    def load(cls, folder: Path) -> Authority:
        key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return cls(key, x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()))


def _write(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


@dataclass(frozen=True)
class Entry:
    """One credential to write into a keystore."""

    abn: str
    name: str
    key: rsa.RSAPrivateKey = field(repr=False)
    chain: Sequence[x509.Certificate]

    @property
    def alias(self) -> str:
        return f"ABRD:{self.abn}_{self.name}"


def write_keystore(path: Path, entries: Sequence[Entry], password: str) -> None:
    """A keystore file laid out as the ATO's, each key encrypted under `password`."""
    root = etree.Element(f"{{{STORE}}}credentialStore", nsmap={None: STORE})
    etree.SubElement(root, f"{{{STORE}}}salt").text = _b64(os.urandom(20))
    container = etree.SubElement(root, f"{{{STORE}}}credentials")
    for entry in entries:
        leaf = entry.chain[0]
        element = etree.SubElement(container, f"{{{STORE}}}credential", {
            "integrityValue": _b64(os.urandom(20)), "credentialType": "D", "id": entry.alias,
            "credentialSalt": _b64(os.urandom(20))})  # fmt: skip
        zone = dt.timezone(dt.timedelta(hours=10))
        for name, value in (
            ("name1", entry.name), ("name2", ""), ("abn", entry.abn), ("legalName", entry.name),
            ("personId", ""), ("serialNumber", str(leaf.serial_number)),
            ("creationDate", f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%S}"),
            ("notBefore", leaf.not_valid_before_utc.astimezone(zone).isoformat()),
            ("notAfter", leaf.not_valid_after_utc.astimezone(zone).isoformat()),
            ("sha1fingerprint", _b64(leaf.fingerprint(hashes.SHA1()))),
            ("publicCertificate", _b64(pkcs7.serialize_certificates(
                list(entry.chain), serialization.Encoding.DER))),
            ("protectedPrivateKey", _b64(encrypt_key(entry.key, password))),
        ):  # fmt: skip
            etree.SubElement(element, f"{{{STORE}}}{name}").text = value
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _write(path, data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encrypt_key(key: rsa.RSAPrivateKey, password: str) -> bytes:
    """PKCS#8 EncryptedPrivateKeyInfo (DER) under pbeWithSHAAnd3-KeyTripleDES-CBC."""
    plain = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    salt = os.urandom(20)
    secret = password.encode("utf-16-be") + b"\0\0"  # a PKCS#12 password is a BMPString
    cipher_key = pkcs12_kdf(secret, salt, 1, ITERATIONS, 24)
    iv = pkcs12_kdf(secret, salt, 2, ITERATIONS, 8)
    padder = padding.PKCS7(64).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(TripleDES(cipher_key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    parameters = _der(0x30, _der(0x04, salt) + _der(0x02, ITERATIONS.to_bytes(2, "big")))
    algorithm = _der(0x30, _der(0x06, PBE_SHA1_3DES) + parameters)
    return _der(0x30, algorithm + _der(0x04, encrypted))


def pkcs12_kdf(password: bytes, salt: bytes, purpose: int, iterations: int, size: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-1 (`purpose`: 1 key, 2 IV)."""
    block = 64

    def stretched(data: bytes) -> bytes:
        if not data:
            return b""
        length = block * -(-len(data) // block)
        return (data * (length // len(data) + 1))[:length]

    mixed = bytearray(stretched(salt) + stretched(password))
    out = b""
    while len(out) < size:
        digest = bytes([purpose]) * block + bytes(mixed)
        for _ in range(iterations):
            digest = hashlib.sha1(digest).digest()
        out += digest
        addend = int.from_bytes(stretched(digest), "big") + 1
        for start in range(0, len(mixed), block):
            value = (int.from_bytes(mixed[start : start + block], "big") + addend) % (1 << 512)
            mixed[start : start + block] = value.to_bytes(block, "big")
    return out[:size]


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content
