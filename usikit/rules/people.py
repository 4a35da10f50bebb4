"""Checks about people that every kind of file shares: names, email addresses, a date of
birth within a lifetime, and the other rows a duplicate shares its key with."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.problems import name_checks
from usikit.rules import dates, textscan
from usikit.rules.engine import Rule
from usikit.rules.textscan import full_match, or_full_match

# Policy: letters of any alphabet (with their accents), spaces, apostrophes and hyphens; a
# zero-width joiner or non-joiner between two letters, as Persian and Indic names are spelt.
# The grammar is written once over classes of characters (letters L, marks M, the punctuation
# P, the joiners J) and written out twice: for RE2, which checks a column's cells in Arrow, and
# for Python's re over one symbol per character, which checks a handful of names (RE2 builds
# its tables of every alphabet's letters at each call: about 9 ms, whatever the cells).
_NAME_GRAMMAR = "(?:[{L}{M}{P}]|[{L}{M}][{J}][{L}{M}])*[{L}](?:[{L}{M}{P}]|[{L}{M}][{J}][{L}{M}])*"
_PUNCTUATION, _JOINERS = "' -", "\u200c\u200d"


def _re2_class(characters: str) -> str:
    return "".join(f"\\x{{{ord(c):04X}}}" for c in characters)


NAME_PATTERN = _NAME_GRAMMAR.format(
    L=r"\p{L}", M=r"\p{M}", P=_re2_class(_PUNCTUATION), J=_re2_class(_JOINERS)
)
_NAME_SYMBOLS = re.compile(_NAME_GRAMMAR.format(L="L", M="M", P="P", J="J"))
FEW_NAMES = 2_000  # names beyond ASCII checked in Python; more go to RE2 at once
ASCII_NAME = r"[A-Za-z' \-]*[A-Za-z][A-Za-z' \-]*"
# An email address: a local part of the characters RFC 5322 allows and any character beyond
# ASCII (internationalised mail, RFC 6531), dot-separated, or a quoted string; a domain of
# labels of letters, digits and hyphens, beyond ASCII too (an internationalised domain). Written
# for RE2 and Python's re alike (the row-by-row baseline of the benchmarks uses it).
_WIDE = r"[^\x00-\x7f]"
_ATOM = rf"(?:[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]|{_WIDE})+"
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"'
_LABEL = rf"(?:[A-Za-z0-9]|{_WIDE})(?:(?:[A-Za-z0-9-]|{_WIDE})*(?:[A-Za-z0-9]|{_WIDE}))?"
EMAIL = rf"(?:{_ATOM}(?:\.{_ATOM})*|{_QUOTED})@{_LABEL}(?:\.{_LABEL})+"
OLDEST_YEARS = 120  # policy: a date of birth further back is a mistake
SHOWN_OTHERS = 5  # a duplicate's message names at most this many other rows


def is_name(values: pd.Series) -> pd.Series:
    """Letters of any alphabet with single spaces, apostrophes and hyphens between them."""
    ok = ((values == "") | full_match(values, ASCII_NAME)).to_numpy(copy=True)  # most: cheap
    rest = np.flatnonzero(~ok)
    if not rest.size:
        return pd.Series(ok, index=values.index)
    if rest.size > FEW_NAMES:
        return pd.Series(or_full_match(ok, values, NAME_PATTERN), index=values.index)
    for at, name in zip(rest, values.iloc[rest].tolist(), strict=True):
        symbols = "".join(map(_symbol, name)) if isinstance(name, str) else "x"  # missing: no
        ok[at] = _NAME_SYMBOLS.fullmatch(symbols) is not None
    return pd.Series(ok, index=values.index)


def _symbol(character: str) -> str:
    """The class of a character in the names' grammar (x: none of them)."""
    if character in _PUNCTUATION:
        return "P"
    if character in _JOINERS:
        return "J"
    kind = unicodedata.category(character)[0]
    return kind if kind in "LM" else "x"


# Letters of other alphabets that look like Latin ones (a Cyrillic A, U+0410, in "Anna", a
# Greek O): a name that mixes them with Latin letters holds a look-alike somewhere.
LOOK_ALIKE_SCRIPTS = r"[\p{Cyrillic}\p{Greek}]"
_CYRILLIC = (
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c\u041d\u041e\u0420\u0421"
    "\u0422\u0425\u0423\u0401\u0407\u0430\u0435\u0455\u0456\u0458\u043e\u0440"
    "\u0441\u0445\u0443\u0451\u0457"
)
_GREEK = (
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
    "\u03a5\u03a7\u03bf\u03b9\u03bd"
)
CONFUSABLES = dict(
    zip(_CYRILLIC + _GREEK, "ABESIJKMHOPCTXYEIaesijopcxyeiABEZHIKMNOPTYXoiv", strict=True)
)
_LATIN = str.maketrans({other: latin.lower() for other, latin in CONFUSABLES.items()})


def mixed_scripts(values: pd.Series) -> pd.Series:
    """Cells mixing Latin letters with Cyrillic or Greek ones (a look-alike typed or pasted)."""
    mixed = np.zeros(len(values), dtype=bool)
    rest = np.flatnonzero(~full_match(values, r"[\x00-\x7f]*").to_numpy())  # most: ASCII
    if rest.size:
        subset = values.iloc[rest]
        mixed[rest] = (
            full_match(subset, r".*\p{Latin}.*") & full_match(subset, f".*{LOOK_ALIKE_SCRIPTS}.*")
        ).to_numpy()
    return pd.Series(mixed, index=values.index)


def skeleton(values: pd.Series) -> pd.Series:
    """Names as compared for 'the same person': case, accents, compatibility forms and
    look-alike letters of other alphabets set aside (a Cyrillic A in Anna changes nothing)."""
    folded = values.str.lower()
    odd = np.flatnonzero(~full_match(folded, r"[\x00-\x7f]*").to_numpy())  # most: ASCII
    if not odd.size:
        return folded
    array = pa.array(folded.iloc[odd], type=pa.large_string(), from_pandas=True)
    array = pc.replace_substring_regex(pc.utf8_normalize(array, form="NFKD"), r"\p{M}", "")
    # The few cells beyond ASCII, each translated once (one Arrow pass per look-alike letter
    # cost about 2 ms a column, whatever its length).
    latin = [text.translate(_LATIN) for text in array.to_pylist()]
    result = folded.copy()
    result.iloc[odd] = latin
    return result


def not_too_old(column: str, today: dt.date) -> Rule:
    """A date of birth at most OLDEST_YEARS before `today`."""
    oldest = pd.Timestamp(today) - pd.DateOffset(years=OLDEST_YEARS)
    return Rule(
        column,
        "too_old",
        lambda v: ~(dates.parse(v) < oldest),
        f"{{column}} {{value}} is more than {OLDEST_YEARS} years ago; check the year",
        skips_blank=True,
    )


def others_in_group(keys: pd.Series) -> pd.Series:
    """For each row, the other rows with the same key: '7, 9 and 3 more'.

    `keys` holds the failing rows only: every member of a duplicate group fails too. Every
    row is worded at once, in arrays: one of the first `SHOWN_OTHERS + 1` members of its
    group names the others of those, and every later member the first `SHOWN_OTHERS` (one
    text for all of them, however large the group).
    """
    codes, _ = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")  # the groups one after another, in file order
    grouped = codes[order]
    firsts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
    sizes = np.diff(np.concatenate([firsts, [len(order)]]))
    group = np.repeat(np.arange(len(firsts)), sizes)  # of each place in `order`
    rank = np.arange(len(order)) - firsts[group]  # the place of the row in its group
    early = rank <= SHOWN_OTHERS
    labels = keys.index.to_numpy()[order]  # in group order, as `order` is
    # The first members: each names the others among the first SHOWN_OTHERS + 1.
    size, first = sizes[group[early]], firsts[group[early]]
    width = min(SHOWN_OTHERS + 1, int(sizes.max(initial=1)))  # pairs need two, not six
    heads = labels[np.minimum(first[:, None] + np.arange(width), len(order) - 1)]
    own = named_others(heads, np.minimum(size, SHOWN_OTHERS + 1), labels[early], size)
    # The later members of a large group: its first SHOWN_OTHERS, once per group.
    large = np.flatnonzero(sizes > SHOWN_OTHERS + 1)
    firsts_named = (firsts[large][:, None] + np.arange(SHOWN_OTHERS)).reshape(-1)
    shared = _worded(
        labels[firsts_named], np.full(len(large), SHOWN_OTHERS), sizes[large] - 1 - SHOWN_OTHERS
    )
    which = np.empty(len(order), dtype=np.int64)  # each place's text among own, then shared
    which[early] = np.arange(len(own))
    which[~early] = len(own) + np.searchsorted(large, group[~early])
    in_file_order = np.empty_like(which)
    in_file_order[order] = which
    texts = pa.concat_arrays([own, shared]).take(pa.array(in_file_order))
    return pd.Series(texts, index=keys.index, dtype="str")


def named_others(
    heads: np.ndarray, known: np.ndarray, rows: np.ndarray, sizes: np.ndarray
) -> pa.Array:
    """For each row: '7, 9 and 3 more', from the first members of its group (`heads`, a line
    of at most `SHOWN_OTHERS + 1` labels of which the first `known` are members), the row's own
    label and the size of its group. Shared by the whole-file and the chunk-at-a-time paths."""
    named = (np.arange(heads.shape[1]) < known[:, None]) & (heads != rows[:, None])
    counts = np.zeros(len(rows), dtype=np.int64)
    for place in range(heads.shape[1]):  # a few places: column by column beats row sums
        if place >= SHOWN_OTHERS:  # a row not among its heads would name one too many
            named[:, place] &= counts < SHOWN_OTHERS
        counts += named[:, place]
    return _worded(heads[named], counts, sizes - 1 - counts)


def _worded(names: np.ndarray, counts: np.ndarray, more: np.ndarray) -> pa.Array:
    """'7, 9 and 3 more' for each of several lists of names (`counts` names each, taken in
    turn from `names`) and counts of the others not named. " and N more" is written only
    for the lists it ends: a few large groups among hundreds of thousands of pairs."""
    lists = pa.LargeListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(counts)]), type=pa.int64()), _as_text(names)
    )
    named = pc.binary_join(lists, pa.scalar(", ", pa.large_string()))
    longer = np.flatnonzero(more > 0)
    if not longer.size:  # every other named (pairs): no counts to write
        return named
    counted = textscan.joined(
        named.take(pa.array(longer)), " and ", _as_text(more[longer]), " more"
    )
    place = np.arange(len(named))
    place[longer] = len(named) + np.arange(longer.size)  # each longer list's text, appended
    return pa.concat_arrays([named, counted]).take(pa.array(place))


def _as_text(values: np.ndarray) -> pa.Array:
    """Row numbers (or any labels) as text."""
    if values.dtype.kind in "iu":
        return pa.array(values).cast(pa.large_string())
    return pa.array([str(value) for value in values], type=pa.large_string())


name_checks(
    {
        "too_old": "born more than 120 years ago",
        "name_characters": "characters a name cannot hold",
        "email": "not an email address",
        "mixed_alphabets": "letters of two alphabets",
        "client_id_characters": "characters a Client ID cannot hold",
    }
)
