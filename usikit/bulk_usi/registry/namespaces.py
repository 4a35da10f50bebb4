"""The XML namespaces and algorithm identifiers of the registry, its token service and
WS-Security, in one place (the WSDL's policy names the algorithms)."""

from __future__ import annotations

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
USI = "http://usi.gov.au/2022/ws"
ERRORS = "http://usi.gov.au/2020/ws"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WST14 = "http://docs.oasis-open.org/ws-sx/ws-trust/200802"  # ActAs
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
IDENTITY = "http://schemas.xmlsoap.org/ws/2005/05/identity"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"
RELATIONSHIP = "http://vanguard.business.gov.au/2016/03"  # the ATO's relationship token

# Algorithms (XML Signature, XML Encryption, WS-Trust).
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
PSHA1 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1"

# Token profiles.
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
SAMLV2 = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"
SAMLID = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID"

# WS-Trust 1.3 values.
ISSUE_ACTION = WST + "/RST/Issue"
ISSUE_RESPONSE_ACTION = WST + "/RSTRC/IssueFinal"
ISSUE = WST + "/Issue"
SYMMETRIC_KEY = WST + "/SymmetricKey"
NONCE = WST + "/Nonce"

# The claims the registry's policy asks the token service for.
CLAIMS = "http://vanguard.ebusiness.gov.au/2008/06/identity/claims"
ABN_CLAIM = CLAIMS + "/abn"
CREDENTIAL_TYPE_CLAIM = CLAIMS + "/credentialtype"


def q(name: str, namespace: str = USI) -> str:
    """An element or attribute name in Clark notation: {namespace}name."""
    return f"{{{namespace}}}{name}"
