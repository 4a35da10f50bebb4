"""Reading XML that came over the network, with limits that hold for any input.

Answers from the registry and its token service, and requests to the local endpoint, are
parsed here only: a DTD (and so any entity) is refused, and the size, the number of elements
and the time spent are bounded. The document is fed to lxml in chunks, so an answer that
would exceed a limit is refused as soon as it does, not after it was all built in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lxml import etree

CHUNK = 64 * 1024


class UnsafeXml(ValueError):
    """XML refused: unreadable, with a DTD, or beyond a limit (the message says which)."""


@dataclass(frozen=True)
class Limits:
    """How much XML one message may hold, and how long reading it may take."""

    max_bytes: int = 16 * 1024 * 1024
    max_elements: int = 250_000
    seconds: float = 20.0


DEFAULT_LIMITS = Limits()


def parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity and fetches nothing."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root element of `data`; UnsafeXml when it is not plain, bounded XML."""
    if len(data) > limits.max_bytes:
        raise UnsafeXml(f"the XML is {len(data):,} bytes, over the limit of {limits.max_bytes:,}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml("the XML declares a DTD or entities, which are refused")
    deadline = time.monotonic() + limits.seconds
    pull = etree.XMLPullParser(
        events=("start",), resolve_entities=False, load_dtd=False, no_network=True
    )
    elements = 0
    try:
        for start in range(0, len(data), CHUNK):
            pull.feed(data[start : start + CHUNK])
            elements += sum(1 for _ in pull.read_events())
            if elements > limits.max_elements:
                raise UnsafeXml(f"the XML holds over {limits.max_elements:,} elements")
            if time.monotonic() > deadline:
                raise UnsafeXml(f"reading the XML took over {limits.seconds:g} seconds")
        root = pull.close()
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"the XML could not be read ({exc})") from None
    if root.getroottree().docinfo.doctype:  # a DTD in an encoding the byte scan missed
        raise UnsafeXml("the XML declares a DTD or entities, which are refused")
    return root


def elements(parent: etree._Element) -> list[etree._Element]:
    """The child elements of `parent` (lxml also yields comments and processing instructions)."""
    return [child for child in parent if isinstance(child.tag, str)]


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname
