"""Where the tests find the repository's files, wherever a test module sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
CORPUS = ROOT / "tests" / "data" / "bad"  # the bad-file corpus
SHARED = ROOT.parent / "shared"  # reference material kept beside the repository, if present
