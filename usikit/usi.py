"""The Unique Student Identifier (Australia): ``import usikit.usi`` or ``from usikit import usi``.

``check_character(first9)`` completes a 9-character stem, ``is_valid(value)`` checks one value
(never raises), ``valid_mask(series)`` checks a whole column without a Python loop, and
``is_exemption``/``exemption_mask`` recognise the AVETMISS exemption codes ``INTOFF`` and
``INDIV`` (not USIs, not errors, never submitted). The code lives in `usikit.identifiers.usi`.
"""

from usikit.identifiers.usi import (
    ALPHABET,
    EXEMPTION_CODES,
    check_character,
    exemption_mask,
    generate,
    generate_many,
    is_exemption,
    is_valid,
    valid_mask,
)

__all__ = [
    "ALPHABET",
    "EXEMPTION_CODES",
    "check_character",
    "exemption_mask",
    "generate",
    "generate_many",
    "is_exemption",
    "is_valid",
    "valid_mask",
]
