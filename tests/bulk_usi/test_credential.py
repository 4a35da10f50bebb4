"""The machine credential's keystore: the ATO's own 3PT test keystore, and keystores made in
the same format that are wrong in each way a person can meet."""

from __future__ import annotations

import base64
import datetime as dt
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7
from lxml import etree

from tests.paths import SHARED
from tests.signed_helpers import ABN, ALIAS, PASSWORD, keystore
from usikit.bulk_usi.registry import credential as store
from usikit.bulk_usi.registry.local_pki import Authority, encrypt_key
from usikit.errors import InputError

ATO_KEYSTORE = SHARED / "reference" / "usi" / "keystore-usi-3pt.xml"
ATO_PASSWORD = "Password1!"  # public, test only (the README beside the keystore)
WHILE_VALID = dt.datetime(2023, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def authority():
    return Authority.create()


def ato_keystore():
    if not ATO_KEYSTORE.exists():
        pytest.skip(f"the ATO's 3PT keystore is not at {ATO_KEYSTORE} (kept outside the repo)")
    return ATO_KEYSTORE


def test_the_atos_3pt_keystore_loads():
    path = ato_keystore()
    found = {info.alias: info for info in store.credentials(path)}
    assert set(found) == {"ABRD:11000002568_INGLETON153", "ABRD:27809366375_USIMachine"}
    assert found["ABRD:27809366375_USIMachine"].abn == "27809366375"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading the BER chain warns no one
        machine = store.load_credential(
            path, "ABRD:27809366375_USIMachine", ATO_PASSWORD, now=WHILE_VALID
        )
    names = [c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
             for c in machine.chain]  # fmt: skip
    assert names == ["USIMachine", "ATO Sub Certification Authority Preprod02",
                     "ATO Root Certification Authority PreProd"]  # fmt: skip
    assert (
        machine.certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
        == "27809366375"
    )
    assert "PRIVATE" not in repr(machine) and ATO_PASSWORD not in repr(machine)


def test_the_atos_chain_read_by_hand_is_what_cryptography_reads():
    root = etree.parse(str(ato_keystore())).getroot()
    data = base64.b64decode(root.findtext(f".//{{{store.STORE}}}publicCertificate"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = pkcs7.load_der_pkcs7_certificates(data)
    assert [x509.load_der_x509_certificate(d) for d in store.ber_certificates(data)] == expected


def test_the_atos_expired_credentials_are_refused_now():
    with pytest.raises(InputError, match="expired on 12/09/2024") as caught:
        store.load_credential(ato_keystore(), "ABRD:27809366375_USIMachine", ATO_PASSWORD)
    assert "Relationship Authorisation Manager" in str(caught.value)
    with pytest.raises(InputError, match="password is wrong"):
        store.load_credential(
            ato_keystore(), "ABRD:27809366375_USIMachine", "wrong", now=WHILE_VALID
        )


def test_a_keystore_made_here_reads_back(tmp_path, authority):
    path = keystore(tmp_path / "k.xml", authority)
    [info] = store.credentials(path)
    assert (info.alias, info.abn) == (ALIAS, ABN)
    loaded = store.load_credential(path, None, PASSWORD)  # one credential: no alias needed
    assert loaded.certificate.issuer == authority.certificate.subject
    assert repr(loaded) == f"Credential({ALIAS!r}, ABN {ABN})"


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        ("wrong password", "the keystore password is wrong for credential"),
        ("unreadable key", "cannot be read; the keystore may be damaged"),
        ("another key", "does not match its certificate; the keystore is damaged"),
        ("no chain", "certificate of credential"),
        ("not xml", "not a readable ATO keystore file"),
        ("another file", "not an ATO keystore file"),
        ("a dtd", "DTD"),
        ("missing", "cannot read the keystore file"),
    ],
)
def test_a_wrong_or_damaged_keystore_is_one_clear_error(tmp_path, authority, damage, says):
    path = keystore(tmp_path / "k.xml", authority)
    text = path.read_text()
    root = etree.fromstring(path.read_bytes())
    key = root.find(f".//{{{store.STORE}}}protectedPrivateKey")
    if damage == "unreadable key":
        key.text = key.text[:40] + "AAAA"
    elif damage == "another key":
        other, _ = authority.issue(ABN, "other")
        key.text = base64.b64encode(encrypt_key(other, PASSWORD)).decode()
    elif damage == "no chain":
        root.find(f".//{{{store.STORE}}}publicCertificate").text = "bm90IGEgY2hhaW4="
    if damage in ("unreadable key", "another key", "no chain"):
        path.write_bytes(etree.tostring(root))
    elif damage == "not xml":
        path.write_text(text[: len(text) // 2])
    elif damage == "another file":
        path.write_text("<config><user>x</user></config>")
    elif damage == "a dtd":
        path.write_text('<!DOCTYPE x [<!ENTITY a "b">]>' + text.split("?>", 1)[1])
    elif damage == "missing":
        path.unlink()
    with pytest.raises(InputError) as caught:
        store.load_credential(path, None, "not it" if damage == "wrong password" else PASSWORD)
    message = str(caught.value)
    assert says in message and str(path) in message
    assert PASSWORD not in message and "\n" not in message


def test_expired_not_yet_valid_and_expiring_credentials(tmp_path, authority):
    now = dt.datetime.now(dt.UTC)
    expired = keystore(tmp_path / "old.xml", authority, not_before=now - dt.timedelta(days=800),
                       not_after=now - dt.timedelta(days=1))  # fmt: skip
    with pytest.raises(InputError, match=r"expired on .*Relationship Authorisation Manager"):
        store.load_credential(expired, None, PASSWORD)
    early = keystore(tmp_path / "new.xml", authority, not_before=now + dt.timedelta(days=1))
    with pytest.raises(InputError, match=r"not valid before .*check this computer's clock"):
        store.load_credential(early, None, PASSWORD)
    soon = keystore(tmp_path / "soon.xml", authority, not_after=now + dt.timedelta(days=12))
    info = store.load_credential(soon, None, PASSWORD).info
    assert "expires in 11 days" in store.expiry_warning(info, now) or "expires in 12 days" in (
        store.expiry_warning(info, now)
    )
    fine = keystore(tmp_path / "fine.xml", authority)
    assert store.expiry_warning(store.credentials(fine)[0], now) == ""


def test_several_credentials_need_the_alias(tmp_path, authority):
    path = keystore(tmp_path / "two.xml", authority, entries=((ABN, "One"), (ABN, "Two")))
    with pytest.raises(InputError, match=r"holds 2 credentials .*name the alias"):
        store.load_credential(path, None, PASSWORD)
    with pytest.raises(InputError, match="has no credential 'ABRD:1_x'; it holds"):
        store.load_credential(path, "ABRD:1_x", PASSWORD)
    assert store.load_credential(path, f"ABRD:{ABN}_Two", PASSWORD).info.name == "Two"


def test_a_wrong_password_whose_padding_passes_is_still_called_wrong(tmp_path, authority):
    """About one wrong password in 256 decrypts to valid padding and fails later, as a key
    that cannot be parsed: it is still the password, not a damaged file."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    path = keystore(tmp_path / "k.xml", authority)
    root = etree.parse(str(path)).getroot()
    data = base64.b64decode(root.findtext(f".//{{{store.STORE}}}protectedPrivateKey"))
    for attempt in range(5000):
        try:
            load_der_private_key(data, f"guess {attempt}".encode())
        except ValueError as exc:
            if "password" not in str(exc).lower():
                unlucky = f"guess {attempt}"
                break
    else:
        pytest.fail("no wrong password decrypted to valid padding in 5000 tries")
    with pytest.raises(InputError, match="the keystore password is wrong"):
        store.load_credential(path, None, unlucky)
