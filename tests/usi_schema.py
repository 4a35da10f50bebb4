"""The registry's official schema, read from the WSDL in ../shared/reference (never copied)."""

from __future__ import annotations

from functools import cache

import pytest

from tests.paths import SHARED

WSDL = SHARED / "reference" / "usi" / "UsiService_v5_3PT.wsdl"
XS = "http://www.w3.org/2001/XMLSchema"


@cache
def _schema():
    etree = pytest.importorskip("lxml.etree", reason="lxml validates against the schema")
    if not WSDL.exists():
        pytest.skip(f"the registry's WSDL is not at {WSDL} (reference material kept outside)")
    document = etree.parse(str(WSDL))
    schemas = document.findall(f".//{{{XS}}}schema")
    usi = next(s for s in schemas if s.get("targetNamespace") == "http://usi.gov.au/2022/ws")
    return etree.XMLSchema(etree.fromstring(etree.tostring(usi)))


def assert_conforms(element) -> None:
    """Fail with the schema's own message when `element` (an lxml element, or the bytes of
    one) is not valid."""
    from lxml import etree

    schema = _schema()
    data = element if isinstance(element, bytes) else etree.tostring(element)
    document = etree.fromstring(data)
    if not schema.validate(document):
        raise AssertionError(str(schema.error_log))
