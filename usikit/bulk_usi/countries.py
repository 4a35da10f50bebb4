"""Country codes for "Country of Birth" and "Country of Residence" (SACC 2016).

The USI Registry and AVETMISS (NAT00080) take countries as 4-digit SACC codes, while
people type either the code or a name. This module turns both into the code.
"""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files

import pandas as pd

from usikit.rules.textscan import among

__all__ = [
    "SOURCE",
    "all_countries",
    "code_for",
    "is_known_code",
    "is_supplementary",
    "lookup_codes",
    "name_for",
]

SOURCE = (
    "Standard Australian Classification of Countries (SACC), 2016, ABS cat. no. 1269.0; "
    "codes and names as in NCVER's AVETMISS country identifier file (revised 26 Nov 2025)"
)

_COUNTRIES_FILE = "sacc_countries.csv"
_ALIASES_FILE = "country_aliases.csv"

# Letters that Unicode decomposition leaves alone but people still expect to fold.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "\u0131": "i", "þ": "th"}
)
# Marks that are dropped without a space, so "U.S.A." matches "USA" and "d'Ivoire" "dIvoire".
_DROPPED = r"[.'\u2018\u2019\u02bc`\u00b4]"


def _read_csv(name: str) -> pd.DataFrame:
    text = (files("usikit") / "data" / name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _normalise(names: pd.Series) -> pd.Series:
    """Fold case, accents and punctuation so that spelling variants share one key."""
    folded = (
        names.str.normalize("NFKD")
        .str.replace(r"[\u0300-\u036f]", "", regex=True)
        .str.lower()
        .str.translate(_FOLD)
        .str.replace("&", " and ", regex=False)
        .str.replace(_DROPPED, "", regex=True)
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        .str.strip()
    )
    return folded.str.replace(r"^the ", "", regex=True).str.replace(r"\bsaint\b", "st", regex=True)


@cache
def _table() -> pd.DataFrame:
    return _read_csv(_COUNTRIES_FILE)


@cache
def _aliases() -> pd.DataFrame:
    return _read_csv(_ALIASES_FILE)


@cache
def _names_by_code() -> dict[str, str]:
    table = _table()
    return dict(zip(table["code"], table["name"], strict=True))


@cache
def _supplementary_codes() -> frozenset[str]:
    table = _table()
    return frozenset(table.loc[table["kind"] == "supplementary", "code"])


@cache
def _codes_by_key() -> dict[str, str]:
    """Official names win over aliases, so an alias can never redirect a real name."""
    table = _table()
    aliases = _aliases()
    keys: dict[str, str] = dict(zip(_normalise(aliases["alias"]), aliases["code"], strict=True))
    keys.update(zip(_normalise(table["name"]), table["code"], strict=True))
    return keys


def _as_text(values: pd.Series) -> pd.Series:
    as_object = values.astype(object)
    return as_object.where(as_object.notna(), "").astype(str).str.strip()


def lookup_codes(values: pd.Series) -> pd.Series:
    """Resolve typed codes and names in one pass, so a whole column is checked at once."""
    text = _as_text(values)
    resolved = pd.Series("", index=values.index, name=values.name, dtype=object)
    is_code = among(text, _names_by_code())
    resolved[is_code.to_numpy()] = text[is_code]
    rest = text[~is_code & (text != "")]  # names and odd codes only: most cells are codes
    if not rest.empty:
        # A spreadsheet can turn a code column into floats ("1101.0"); take those back.
        as_code = rest.str.replace(r"^([0-9]{4})\.0+$", r"\1", regex=True)
        by_name = _normalise(rest).map(_codes_by_key())
        named = as_code.where(among(as_code, _names_by_code()), by_name)
        resolved[rest.index] = named.astype(object).where(named.notna(), "")
    return resolved.astype(str)


def code_for(value: str) -> str | None:
    """Resolve one typed value the same way a column is, for form fields and messages."""
    code = lookup_codes(pd.Series([value], dtype=object)).iloc[0]
    return code or None


def name_for(code: str) -> str | None:
    """Give the official title so a report can show which country a code stands for."""
    return _names_by_code().get(str(code).strip())


def is_known_code(code: object) -> bool:
    """Tell whether the registry will recognise the code, including supplementary codes."""
    if code is None:
        return False
    return str(code).strip() in _names_by_code()


def is_supplementary(code: object) -> bool:
    """Flag codes such as "@@@@" or a region that are valid but name no single country."""
    if code is None:
        return False
    return str(code).strip() in _supplementary_codes()


def all_countries() -> pd.DataFrame:
    """Hand out a copy of the table so callers can filter it without touching the cache."""
    return _table().copy()
