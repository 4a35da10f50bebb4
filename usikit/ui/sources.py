"""Where each client of a loaded spreadsheet came from: its file and its row in that file.

The screens show a client's spreadsheet row (the number Excel shows, header = row 1), so
that the officer finds the record in the file they loaded. The workspace keeps clients, not
the files they came from, so the rows are remembered here, in the app's one kernel, for the
files loaded since it started; a client loaded earlier (or added from the workspace) shows
no row.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# workspace URL -> Client ID -> (file name, spreadsheet row); the latest file wins
_LOADED: dict[str, dict[str, tuple[str, int]]] = {}


def remember(workspace: str, file: str, records: pd.DataFrame, client_ids: Iterable[str]) -> None:
    """The rows of `client_ids` in `file`: `records` is the file's records as validated,
    indexed by spreadsheet row, with their Client ID."""
    wanted = set(client_ids)
    known = _LOADED.setdefault(workspace, {})
    for row, client_id in zip(records.index, records["Client ID"], strict=True):
        if client_id in wanted:
            known[str(client_id)] = (file, int(row))


def rows_of(workspace: str, client_ids: Iterable[str]) -> pd.DataFrame:
    """File and Row of each client ("" when not loaded since the app started), by Client ID."""
    known = _LOADED.get(workspace, {})
    ids = list(client_ids)
    found = [known.get(str(client_id), ("", "")) for client_id in ids]
    return pd.DataFrame(
        {"File": [file for file, _ in found], "Row": [str(row) for _, row in found]},
        index=pd.Index(ids, name="Client ID"),
    )


def forget(workspace: str) -> None:
    """Forget the rows of a workspace (tests start afresh)."""
    _LOADED.pop(workspace, None)
