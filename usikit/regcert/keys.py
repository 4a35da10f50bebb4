"""How the register's records are keyed: one text key per learner and qualification, a
qualification under either of its spellings, and a status however it was typed."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.identifiers.qualification import AIM_PATTERN, OFQUAL_PATTERN
from usikit.regcert.fields import QUALIFICATION_NUMBER, STATUSES, ULN

QUALIFICATION_SHAPE = f"(?:{OFQUAL_PATTERN})|(?:{AIM_PATTERN})"


def qualification_keys(values: pd.Series) -> pd.Series:
    """The aim-reference spelling (no slashes): 603/1234/5 and 60312345 are one qualification."""
    return values.str.replace("/", "", regex=False)


def number_keys(values: pd.Series) -> pd.Series:
    """Registration numbers as they are compared: rn-a1 and RN-A1 are one number (the letters
    A-Z in capitals, as the database's upper() makes them; the stored spelling is kept)."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return pd.Series(pc.ascii_upper(array), index=values.index, dtype="str")


def record_keys(ulns: pd.Series, numbers: pd.Series) -> pd.Series:
    """One text key per learner and qualification, to match rows with register records."""
    return ulns + "|" + qualification_keys(numbers)


def _status_key(values: pd.Series) -> pd.Series:
    return values.str.lower().str.replace(r"\s+", "", regex=True)


_STATUS_BY_KEY = {"".join(s.lower().split()): s for s in STATUSES}


def canonical_statuses(values: pd.Series) -> pd.Series:
    """A status typed in another case or with other spacing, spelt as in the list (the
    values unchanged, the same object, when every one is spelt so already or blank)."""
    if values.isin(["", *STATUSES]).all():
        return values
    mapped = _status_key(values).map(_STATUS_BY_KEY)
    return mapped.astype(object).where(mapped.notna(), values).astype(str)


def pair_keys(frame: pd.DataFrame) -> pd.Series:
    """The learner-and-qualification key of each row of an import file."""
    return record_keys(frame[ULN], frame[QUALIFICATION_NUMBER])
