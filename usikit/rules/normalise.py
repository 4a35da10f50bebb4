"""Visible normalisation: every change made to a value is reported as a warning."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.parallel import in_parallel
from usikit.privacy import mask_series
from usikit.problem_lines import Lines, coded, joined_notes, problems_table, repeated
from usikit.problems import WARNING, name_checks, problems_frame
from usikit.rules import textscan
from usikit.rules.distinct import Distinct, distinct, known_distinct, remember
from usikit.rules.memo import shared_results
from usikit.rules.rule_lines import SHOWN_VALUE_LENGTH

NORMALISED = "normalised"


@dataclass(frozen=True)
class Step:
    """One change applied to some columns, with the reason a person reads."""

    columns: tuple[str, ...]
    apply: Callable[[pd.Series], pd.Series]  # blank stays blank; returns its input if unchanged
    reason: str
    # A cell's new value depends on its value alone, so the step may run on the column's
    # distinct values (`usikit.rules.distinct`); False for a step that looks across cells.
    per_value: bool = True


def normalise(
    frame: pd.DataFrame, steps: Sequence[Step], *, sensitive: Collection[str] = (), reveal=False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the steps; return the new frame and one warning per changed cell."""
    result, parts = normalise_lines(frame, steps, sensitive=sensitive, reveal=reveal)
    return result, problems_table(parts) if parts else problems_frame()


def normalise_lines(
    frame: pd.DataFrame, steps: Sequence[Step], *, sensitive: Collection[str] = (), reveal=False
) -> tuple[pd.DataFrame, list[Lines]]:
    """`normalise`, its warnings left as each changed column's lines (their texts coded, for
    the report to write out once, in its order)."""
    with shared_results():  # steps looking at the same column share its byte buffer
        result, changes = _apply(frame, steps)
    parts = in_parallel(  # columns on the worker threads, as the steps were
        lambda item: _warnings(
            item[0], frame[item[0]], item[1], hide=item[0] in sensitive and not reveal
        ),
        changes.items(),
        len(frame),
    )
    return result, [part for part in parts if part is not None]


@dataclass(frozen=True)
class Changes:
    """Why the values of a column changed: a bit per step of its chain (bit i: the chain's
    step i changed the value), with the steps' reasons, so that a million changed cells cost
    an array of integers and their reasons are joined once per combination, not once per
    cell. A column changed as its distinct values keeps them (`values`, with each cell's
    code) and their bits, so that each warning's text is written once per value."""

    bits: np.ndarray  # per cell, or per distinct value when `values` is given
    reasons: tuple[str, ...]
    after: pd.Series  # the values after the steps (cells, or distinct values)
    values: Distinct | None = None  # the distinct values before the steps, and their codes


def _apply(frame: pd.DataFrame, steps: Sequence[Step]) -> tuple[pd.DataFrame, dict]:
    """Each column through its steps, in order; columns are independent, so a large table's
    run on the rules' worker threads (the byte scans release the GIL)."""
    chains: dict[str, list[Step]] = {}
    for step in steps:
        for name in step.columns:
            if name in frame.columns:
                chains.setdefault(name, []).append(step)
    done = in_parallel(lambda item: _chain(frame[item[0]], item[1]), chains.items(), len(frame))
    result = frame.copy()
    changes: dict[str, Changes] = {}
    for name, (after, why) in zip(chains, done, strict=True):
        if why is not None:
            result[name] = after
            changes[name] = why
    return result, changes


def _chain(column: pd.Series, steps: list[Step]) -> tuple[pd.Series, Changes | None]:
    """One column through its steps: the new column, and why each cell changed (or None).

    A column that repeats its values goes through the steps as its distinct values, and the
    new column is made from theirs (it keeps their codes for the rules).
    """
    found = distinct(column) if all(step.per_value for step in steps) else None
    if found is None:
        return _chain_cells(column, steps)
    after, why = _chain_cells(found.values, steps)
    if why is None:
        return column, None
    new = found.column(after, column)
    remember(new, Distinct(after, found.codes))
    return new, Changes(why.bits, why.reasons, after, found)


def _chain_cells(column: pd.Series, steps: list[Step]) -> tuple[pd.Series, Changes | None]:
    if len(steps) > 63:
        raise ValueError("a column goes through more than 63 normalisation steps")
    bits: np.ndarray | None = None
    for i, step in enumerate(steps):
        after = step.apply(column)
        if after is column:  # the step found nothing to change
            continue
        changed = (after != column).to_numpy(dtype=bool)
        if not changed.any():
            continue
        if bits is None:
            bits = np.zeros(len(column), dtype=np.int64)
        bits[changed] |= np.int64(1) << i
        column = after
    if bits is None:
        return column, None
    return column, Changes(bits, tuple(step.reason for step in steps), column)


def _warnings(name: str, before: pd.Series, changes: Changes, *, hide: bool) -> Lines | None:
    """One warning per changed cell, its message built column-wise in Arrow: once per
    distinct value where the column was changed as its distinct values, and left coded (each
    cell naming its value's warning) for the report to spell out (a million dates written
    the same few thousand ways cost a few thousand messages and a number per cell)."""
    found = changes.values
    old_text, message, changed = _changed(
        name, before if found is None else found.values, changes, hide
    )
    if found is None:
        rows = before.index[changed]
        shown, said = old_text, message
    else:
        cells = changed[found.codes]
        rows = before.index[cells]
        place = (np.cumsum(changed) - 1)[found.codes[cells]]  # among the changed values
        shown, said = coded(old_text, place), coded(message, place)
    count = len(rows)
    if not count:  # the steps changed values back as they were
        return None
    return {
        "row": rows.to_numpy(),
        "column": repeated(name, count),
        "value": shown,
        "check": repeated(NORMALISED, count),
        "severity": repeated(WARNING, count),
        "message": said,
    }


def _changed(
    name: str, before: pd.Series, changes: Changes, hide: bool
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """The changed values of `before` as shown, their warnings' messages, and which they are."""
    after, bits, texts = changes.after, changes.bits, changes.reasons
    changed = (before != after).to_numpy(dtype=bool) & (bits != 0)
    joined, codes = joined_notes(bits[changed], texts)
    reason = pa.array(joined, type=pa.large_string()).take(pa.array(codes))
    old_text, new_text = _shown(before, changed, hide), _shown(after, changed, hide)
    message = textscan.joined(
        f"{name} '",
        textscan.shortened(old_text, SHOWN_VALUE_LENGTH),
        "' was changed to '",
        textscan.shortened(new_text, SHOWN_VALUE_LENGTH),
        "' (",
        reason,
        ")",
    )
    return old_text, message, changed


def _shown(values: pd.Series, cells: np.ndarray, hide: bool) -> pa.Array:
    """The cells under `cells` as the warnings show them (masked if `hide`): each distinct
    value masked once where the column's distinct values are known."""
    found = known_distinct(values)
    if found is None:
        part = values[cells]
        return textscan.as_arrow(mask_series(part) if hide else part)
    shown = mask_series(found.values) if hide else found.values
    return textscan.as_arrow(shown).take(pa.array(found.codes[cells]))


# Steps used by several layouts.

# Characters that show nothing: control characters (tabs and line breaks aside: tidying
# makes them spaces), direction marks copied with right-to-left text, zero-width spaces, the
# word joiner and invisible operators, soft hyphens, byte-order marks, fillers and tags.
# Zero-width joiners and non-joiners are left here: some scripts spell with them (Persian,
# the Indic scripts); `drop_joiners` removes them where no script needs them (identifiers).
CONTROLS = bytes((*range(0, 9), 0x0B, *range(0x0E, 0x20), 0x7F))
# The first byte in UTF-8 of U+00AD, U+061C, U+115F/U+1160/U+180E, U+200B-U+2069, U+3164,
# U+FEFF/U+FFA0/U+FFF9-U+FFFB and of the tags (U+E0000...): a cheap scan finds the cells.
MARK_LEADS = b"\xc2\xd8\xe1\xe2\xe3\xef\xf3"
INVISIBLE = (
    r"[\x00-\x08\x0b\x0e-\x1f\x7f"
    "\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
JOINERS = "[\u200c\u200d]"


def drop_invisible(values: pd.Series) -> pd.Series:
    """Remove characters a person cannot see, so that what is checked is what they see."""
    odd = textscan.holding_bytes(values, CONTROLS + MARK_LEADS)  # most cells: none of them
    return replaced_where(values, odd, INVISIBLE, "")


def drop_joiners(values: pd.Series) -> pd.Series:
    """Remove zero-width joiners and non-joiners: in an identifier they only make one value
    look like another (S0000001 and S000\u200d0001 would be two clients)."""
    return replaced_where(values, textscan.holding_bytes(values, b"\xe2"), JOINERS, "")


def composed(values: pd.Series) -> pd.Series:
    """Accents written as one character with their letter (Unicode NFC): an e followed by a
    combining accent is counted, compared and sent as the é it shows."""
    return _normalised(values, "NFC")


def ordinary_forms(values: pd.Series) -> pd.Series:
    """Full-width and other special forms of letters and digits written as the ordinary ones
    (Unicode NFKC): a full-width zero (U+FF10) is a 0 in an identifier."""
    return _normalised(values, "NFKC")


def _normalised(values: pd.Series, form: str) -> pd.Series:
    odd = textscan.holding(values, non_ascii=True)  # plain ASCII needs nothing
    if not odd.any():
        return values
    before = values[odd]
    array = pa.array(before, type=pa.large_string(), from_pandas=True)
    after = pd.Series(pc.utf8_normalize(array, form=form), index=before.index, dtype="str")
    return where_changed(values, before, after)


def tidy_spaces(values: pd.Series) -> pd.Series:
    """Trim and collapse runs of spaces (including non-breaking spaces and tabs)."""
    untidy = textscan.untidy(values)  # most cells need nothing
    if not untidy.any():
        return values
    tidied = values[untidy].str.replace(r"[\s\u00a0]+", " ", regex=True).str.strip()
    return patched(values, untidy, tidied)


LOWER_CASE = "abcdefghijklmnopqrstuvwxyz"


def upper(values: pd.Series) -> pd.Series:
    """Upper case; only the cells holding a lower-case or non-ASCII letter are looked at,
    and a column already in capitals is returned as it is."""
    odd = textscan.holding(values, LOWER_CASE, non_ascii=True)
    if not odd.any():
        return values
    before = values[odd]
    return where_changed(values, before, before.str.upper())


def drop_text_mark(values: pd.Series) -> pd.Series:
    """Remove the apostrophe that formula-safe exports put before = + - @."""
    marked = textscan.starts_with(values, "'")
    if not marked.any():
        return values
    rest = values[marked].str.slice(1)
    return patched(
        values, marked, rest.where(rest.str.startswith(("=", "+", "-", "@")), "'" + rest)
    )


def replaced_where(values: pd.Series, odd: np.ndarray, pattern: str, replacement: str) -> pd.Series:
    """`pattern` replaced in the cells a cheap byte scan (`odd`) picked out; the same object
    when nothing changes, so later steps see no change to report."""
    if not odd.any():
        return values
    before = values[odd]
    after = before.str.replace(pattern, replacement, regex=True)
    return where_changed(values, before, after)


def where_changed(values: pd.Series, before: pd.Series, after: pd.Series) -> pd.Series:
    """`values` with the cells of `before` (a part of it) that `after` changes; the same
    object when none changes, so later steps see no change to report."""
    changed = (after != before).to_numpy()
    if not changed.any():
        return values
    where = pd.Series(False, index=values.index)
    where[before.index[changed]] = True
    return patched(values, where, after[changed])


def patched(values: pd.Series, where: pd.Series | np.ndarray, new: pd.Series) -> pd.Series:
    """`values` with the cells under `where` replaced by `new` (aligned on those cells)."""
    result = values.copy()
    result[np.asarray(where, dtype=bool)] = new.to_numpy()
    return result


APOSTROPHES = "[\u2019\u2018`\u00b4]"  # what word processors and keyboards put for '


def straight_apostrophes(values: pd.Series) -> pd.Series:
    """Curly and accent-mark apostrophes written as ', as the registry's names take them."""
    odd = textscan.holding(values, "`", non_ascii=True)  # most names are plain ASCII
    return replaced_where(values, odd, APOSTROPHES, "'")


name_checks(
    {
        "normalised": "a value tidied",
    }
)
