"""The signed flow over real HTTP on loopback: a token from the local token service, then
every operation signed with its proof key, as the USI Registry requires; and each way the
real services refuse or fail, behaving as they would."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest
from lxml import etree

from tests.bulk_usi.test_simulator import MEDICARE, person
from tests.signed_helpers import ALIAS, PASSWORD, keystore, signed_services
from tests.usi_schema import WSDL, assert_conforms
from usikit.bulk_usi.registry import security as security_module
from usikit.bulk_usi.registry import signing
from usikit.bulk_usi.registry.base import Verification, created_nothing
from usikit.bulk_usi.registry.local_pki import Authority
from usikit.bulk_usi.registry.namespaces import DS, SOAP, USI, WSSE, WST, q
from usikit.bulk_usi.registry.security import IssuedTokenSecurity
from usikit.bulk_usi.registry.sts import TEMPLATE, ActAs
from usikit.errors import Arrival, InputError, RegistryFault

SP = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"


@pytest.fixture
def services(tmp_path):
    with signed_services(tmp_path, slow_seconds=0.2) as services:
        yield services


def fast(registry):
    registry.backoff, registry.timeout = 0.01, 5.0
    return registry


def bodies(requests):
    """The body element of each request the endpoint received, as sent."""
    for data in requests:
        root = etree.fromstring(data)
        yield root.find(q("Body", SOAP))[0]


def test_the_whole_flow_runs_signed_over_http(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    countries = registry.get_countries("DEMO1")
    assert any(c.code == "1101" for c in countries)
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1", document=MEDICARE)])
    result = registry.bulk_upload_retrieve("DEMO1", receipt).applications[0]
    assert result.result == "Success"
    check = registry.verify_usi("DEMO1", Verification(1, result.usi, "Mia", "Nguyen", "",
                                                      "2004-04-23"))  # fmt: skip
    assert check.usi_status == "Valid"
    assert services.endpoint.refusals == []
    assert len(services.endpoint.sts_requests) == 1  # one token, cached for every call
    assert [c.abn for c in services.sts.issued] == ["99000000002"]
    for body in bodies(services.endpoint.requests):  # each one valid under the v5 schema
        assert_conforms(body)
    assert {etree.QName(b).localname for b in bodies(services.endpoint.requests)} == {
        "GetCountries", "BulkUpload", "BulkUploadRetrieve", "VerifyUSI"}  # fmt: skip


def test_the_bytes_sent_verify_with_another_xml_signature_library(services, tmp_path):
    """signxml, an independent implementation, checks the HMAC-SHA1 signature of the bytes
    the endpoint received, and the RSA-SHA256 signature of the token request."""
    signxml = pytest.importorskip("signxml")
    from signxml.algorithms import DigestAlgorithm, SignatureMethod

    registry = fast(services.registry(tmp_path))
    registry.get_countries("DEMO1")
    proof = registry.security.last.proof_key
    hmac_config = signxml.SignatureConfiguration(
        signature_methods=frozenset({SignatureMethod.HMAC_SHA1}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA1}),
    )
    sent = services.endpoint.requests[-1]
    verified = signxml.XMLVerifier().verify(sent, hmac_key=proof, expect_config=hmac_config,
                                            require_x509=False)  # fmt: skip
    assert etree.QName(verified.signed_xml).localname == "Timestamp"
    with pytest.raises(signxml.exceptions.InvalidSignature):
        signxml.XMLVerifier().verify(sent, hmac_key=b"x" * 32, expect_config=hmac_config,
                                     require_x509=False)  # fmt: skip
    certificate = registry.security.tokens.credential.certificate
    from cryptography.hazmat.primitives.serialization import Encoding

    rsa_config = signxml.SignatureConfiguration(
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}), expect_references=2,
    )  # fmt: skip
    results = signxml.XMLVerifier().verify(
        services.endpoint.sts_requests[0], x509_cert=certificate.public_bytes(Encoding.PEM),
        expect_config=rsa_config, ignore_ambiguous_key_info=True,
    )  # fmt: skip
    assert sorted(etree.QName(r.signed_xml).localname for r in results) == ["Timestamp", "To"]


def test_the_token_request_asks_what_the_wsdl_policy_asks():
    """The RST's claims and algorithms are the WSDL's RequestSecurityTokenTemplate."""
    if not WSDL.exists():
        pytest.skip(f"the registry's WSDL is not at {WSDL} (reference material kept outside)")
    policy = etree.parse(str(WSDL)).find(f".//{{{SP}}}RequestSecurityTokenTemplate")
    expected = []
    for element in policy:
        name = etree.QName(element).localname
        if name == "Claims":
            expected.append((name, tuple(c.get("Uri") for c in element)))
        else:
            expected.append((name, element.text))
    assert sorted(expected) == sorted(TEMPLATE)


def test_the_request_sent_holds_the_template(services, tmp_path):
    fast(services.registry(tmp_path)).get_countries("DEMO1")
    rst = etree.fromstring(services.endpoint.sts_requests[0]).find(
        f".//{q('RequestSecurityToken', WST)}")  # fmt: skip
    for name, value in TEMPLATE:
        element = rst.find(q(name, WST))
        assert element is not None, name
        if name != "Claims":
            assert element.text == value
    claims = [c.get("Uri") for c in rst.find(q("Claims", WST))]
    assert tuple(claims) == dict(TEMPLATE)["Claims"]
    assert rst.findtext(".//{http://www.w3.org/2005/08/addressing}Address") == (
        services.endpoint.url
    )


class Tampering(IssuedTokenSecurity):
    """Secures as the registry requires, then spoils it as `how` says."""

    def __init__(self, inner, how):
        super().__init__(inner.tokens, clock=inner.clock)
        self.how = how

    def secure(self, envelope):
        if self.how == "stale":
            token = self.tokens.token()
            security_module.sign(envelope, token, self.clock() - dt.timedelta(minutes=20))
            return
        if self.how == "wrong proof key":
            token = copy.copy(self.tokens.token())
            object.__setattr__(token, "proof_key", b"\x01" * 32)
            security_module.sign(envelope, token, self.clock())
            return
        super().secure(envelope)
        stamp = envelope.find(f".//{{{signing.WSU_ID[1:].split('}')[0]}}}Timestamp")
        if self.how == "tampered":
            created = stamp[0]  # the signed Timestamp changed, by one second
            earlier = signing.parse_time(created.text) - dt.timedelta(seconds=1)
            created.text = signing.xml_time(earlier)
        elif self.how == "signature":
            value = envelope.find(f".//{q('SignatureValue', DS)}")
            # Another first character whatever it was (a signature may begin with "A"), so
            # the decoded value always differs.
            value.text = ("B" if value.text.startswith("A") else "A") + value.text[1:]


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("tampered", "does not match: the element was changed"),
        ("signature", "value does not verify"),
        ("stale", "the message has expired"),
        ("wrong proof key", "value does not verify"),
    ],
)
def test_a_spoiled_security_header_is_refused_as_the_registry_would(services, tmp_path, how, why):
    registry = fast(services.registry(tmp_path))
    registry.security = Tampering(registry.security, how)
    with pytest.raises(RegistryFault) as caught:
        registry.bulk_upload("DEMO1", "R1", [person("A1")])
    fault = caught.value
    assert fault.title == "Security refused" and not fault.transient
    assert fault.arrival is Arrival.NOT_THIS_TIME
    assert created_nothing(fault, first_sending=True)
    assert not created_nothing(fault, first_sending=False)
    # refused, a new token obtained, sent once more, refused again: then reported
    assert len(services.endpoint.refusals) == 2 and all(
        why in r for r in services.endpoint.refusals
    )
    assert len(services.endpoint.sts_requests) == 2
    with services.endpoint.registry.workspace.begin() as connection:
        from sqlalchemy import func, select

        from usikit.bulk_usi.registry.simulator_tables import simulator_requests

        assert (
            connection.execute(select(func.count()).select_from(simulator_requests)).scalar() == 0
        )


def test_an_expired_token_is_renewed_and_the_request_sent_again(services, tmp_path):
    start = dt.datetime.now(dt.UTC)
    now = [start]
    services.sts.clock = services.endpoint.check.clock = lambda: now[0]
    registry = fast(services.registry(tmp_path))
    tokens = registry.security.tokens
    tokens.clock = registry.security.clock = lambda: now[0]
    registry.get_countries("DEMO1")
    # The client believes its token lasts a day (as if told so): the registry knows better.
    tokens._token = dataclasses.replace(tokens._token, expires=start + dt.timedelta(days=1))
    now[0] = start + dt.timedelta(minutes=40)  # past the token's 30 minutes and the skew
    assert registry.get_countries("DEMO1")
    assert services.endpoint.refusals == ["the token has expired"]
    assert len(services.endpoint.sts_requests) == 2


def test_a_token_near_its_end_is_renewed_before_use(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    registry.get_countries("DEMO1")
    tokens = registry.security.tokens
    first = tokens._token = dataclasses.replace(
        registry.security.last, expires=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    )
    registry.get_countries("DEMO1")
    assert registry.security.last is not first and services.endpoint.refusals == []


def test_a_token_service_that_is_down_is_retried_then_reported(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    services.endpoint.fail_sts(2)
    assert registry.get_countries("DEMO1")  # the third try gets its token
    services.endpoint.fail_sts(100)
    registry.security.tokens.forget()
    with pytest.raises(RegistryFault) as caught:
        registry.get_countries("DEMO1")
    assert caught.value.transient and "Token service unavailable" in str(caught.value)
    assert "gave up after 4 attempts" in str(caught.value)


def test_an_untrusted_credential_is_refused_by_the_token_service(services, tmp_path):
    stranger = keystore(tmp_path / "other.xml", Authority.create())
    registry = fast(services.registry(tmp_path, credential=stranger))
    with pytest.raises(RegistryFault) as caught:
        registry.get_countries("DEMO1")
    fault = caught.value
    assert fault.title == "Token refused" and not fault.transient
    assert "refused the credential" in fault.message
    assert services.endpoint.refusals == ["token service: the credential is not trusted "
                                          "(InvalidSignature)"]  # fmt: skip
    assert services.endpoint.requests == []  # nothing reached the registry


def test_a_wrong_password_is_an_input_error_before_anything_is_sent(services, tmp_path):
    registry = services.registry(tmp_path, password="not it")
    with pytest.raises(InputError, match="password is wrong"):
        registry.prepare()
    assert services.endpoint.sts_requests == []


def test_a_request_without_security_is_refused(services):
    from usikit.bulk_usi.registry.soap import SoapRegistry

    with pytest.raises(RegistryFault, match="Security refused"):
        SoapRegistry(services.endpoint.url, backoff=0.01).get_countries("DEMO1")
    assert services.endpoint.refusals == ["0 Security headers where one is needed"]


def test_a_computed_proof_key_works_too(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    registry.security.tokens.entropy = True
    assert registry.get_countries("DEMO1")
    sent = etree.fromstring(services.endpoint.sts_requests[0])
    assert sent.find(f".//{q('Entropy', WST)}") is not None
    assert services.endpoint.refusals == []


def test_cloud_mode_acts_for_the_organisation(services, tmp_path):
    acting = ActAs(first_party="99000000002", second_party="99000000003", ssid="0000123400")
    registry = fast(services.registry(tmp_path, act_as=acting))
    assert registry.get_countries("DEMO1")
    assert services.sts.issued[-1].acting_for == "99000000003"
    wrong = ActAs(first_party="11111111111", second_party="99000000003", ssid="0000123400")
    with pytest.raises(RegistryFault, match="Token refused"):
        fast(services.registry(tmp_path, act_as=wrong)).get_countries("DEMO1")


def test_an_expiring_credential_is_a_warning_on_use(services, tmp_path):
    soon = keystore(tmp_path / "soon.xml", services.authority,
                    not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=10))  # fmt: skip
    said = []
    registry = fast(services.registry(tmp_path, credential=soon, warn=said.append))
    registry.get_countries("DEMO1")
    assert len(said) == 1
    assert "expires in 9 days" in said[0] or "expires in 10 days" in said[0]


def test_secrets_are_never_shown(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    registry.get_countries("DEMO1")
    token = registry.security.last
    shown = repr(token) + repr(registry.security.tokens.credential)
    assert PASSWORD not in shown and token.proof_key.hex() not in shown
    assert "proof" not in shown.lower() and ALIAS in shown


def test_the_token_is_sent_exactly_as_issued(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    registry.get_countries("DEMO1")
    token = registry.security.last.token
    sent = etree.fromstring(services.endpoint.requests[-1]).find(
        f".//{q('Security', WSSE)}/{{urn:oasis:names:tc:SAML:2.0:assertion}}EncryptedAssertion"
    )  # fmt: skip
    assert signing.c14n(sent) == signing.c14n(token)
    assert sent.getparent().find(q("Signature", DS)) is not None
    assert (
        etree.fromstring(services.endpoint.requests[-1]).find(f".//{q('GetCountries', USI)}")
        is not None
    )
