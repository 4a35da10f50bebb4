"""Rows that share a key anywhere in a file read a chunk at a time: the index behind the
checks that compare records with each other (a Client ID used twice, the same person twice)
when the records are never all in memory.

Each chunk's keys are added as 64-bit hashes with their rows (16 bytes a record: 160 MB for
ten million); the keys themselves go to an anonymous temporary file (deleted when closed or
when the process ends, readable by this process only). Once every chunk is in, rows whose
hash repeats are candidates, and their keys, read back, decide exactly: a hash collision
never makes two different keys a group.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa

from usikit.rules.people import SHOWN_OTHERS, named_others
from usikit.rules.repeats import repeated_numbers


class GroupIndex:
    """Rows whose keys are equal (`add` each chunk's keys, then `finish`)."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._hashes: list[np.ndarray] = []
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish: deleted)
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None
        self.members = np.zeros(0, dtype=np.int64)  # sorted rows in a group of two or more
        self._group = np.zeros(0, dtype=np.int64)  # each member's group
        self._heads = np.zeros((0, SHOWN_OTHERS + 1), dtype=np.int64)  # each group's first rows
        self._known = np.zeros(0, dtype=np.int64)
        self._sizes = np.zeros(0, dtype=np.int64)

    def add(self, keys: pd.Series) -> None:
        """Keys indexed by row (rows without a key are left out by the caller)."""
        rows = keys.index.to_numpy(dtype=np.int64)
        self._rows.append(rows)
        self._hashes.append(pd.util.hash_pandas_object(keys, index=False).to_numpy())
        batch = pa.record_batch(
            [pa.array(rows), pa.array(keys.astype(str).to_numpy(dtype=object), pa.large_string())],
            names=["row", "key"],
        )
        if self._writer is None:
            self._writer = pa.ipc.new_stream(self._spool, batch.schema)
        self._writer.write_batch(batch)

    def finish(self) -> GroupIndex:
        """The groups, exactly; the temporary file is closed (and so deleted)."""
        if self._writer is None:
            self._spool.close()
            return self
        self._writer.close()
        rows, hashes = np.concatenate(self._rows), np.concatenate(self._hashes)
        self._rows, self._hashes = [], []
        candidates = np.sort(rows[repeated_numbers(hashes)])
        del rows, hashes
        self._spool.seek(0)
        found_rows, found_keys = [], []
        for batch in pa.ipc.open_stream(self._spool):
            batch_rows = batch.column(0).to_numpy()
            wanted = _isin_sorted(batch_rows, candidates)
            if wanted.any():
                found_rows.append(batch_rows[wanted])
                found_keys.append(batch.column(1).filter(pa.array(wanted)).to_pylist())
        self._spool.close()
        if found_rows:
            self._group_exactly(
                np.concatenate(found_rows), [key for part in found_keys for key in part]
            )
        return self

    def _group_exactly(self, rows: np.ndarray, keys: list[str]) -> None:
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        codes, _ = pd.factorize(np.asarray(keys, dtype=object)[order])
        sizes = np.bincount(codes)
        kept = sizes[codes] >= 2
        rows, codes = rows[kept], codes[kept]
        codes, _ = pd.factorize(codes)  # groups numbered by their first row
        self.members, self._group = rows, codes
        self._sizes = np.bincount(codes)
        by_group = np.argsort(codes, kind="stable")
        starts = np.r_[0, np.cumsum(self._sizes)[:-1]]
        # Each group's first members, a line of SHOWN_OTHERS + 1 (its last entries repeat
        # the group's last member where it has fewer; `_known` says how many are real).
        place = np.minimum(starts[:, None] + np.arange(SHOWN_OTHERS + 1), len(rows) - 1)
        self._heads = rows[by_group[place]]
        self._known = np.minimum(self._sizes, SHOWN_OTHERS + 1)

    def repeated(self, rows: pd.Index) -> np.ndarray:
        """Whether each row shares its key with another row of the file."""
        return _isin_sorted(rows.to_numpy(dtype=np.int64), self.members)

    def others(self, rows: pd.Index) -> pd.Series:
        """For each row (all in groups), the other rows with its key: '7, 9 and 3 more', as
        `usikit.rules.people.others_in_group` words them for a whole file."""
        numbers = rows.to_numpy(dtype=np.int64)
        group = self._group[np.searchsorted(self.members, numbers)]
        text = named_others(self._heads[group], self._known[group], numbers, self._sizes[group])
        return pd.Series(text, index=rows, dtype="str")


def _isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values
