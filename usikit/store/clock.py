"""The one clock every stored timestamp reads: UTC, timezone-aware."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
