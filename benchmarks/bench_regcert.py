"""Registration & Certification import: validate + apply against validating alone.

The register holds `learners` synthetic learners (about 2.3 enrolments each), half of whose
enrolments already have a registration record from an earlier import. The import file is
`file_bytes` of CSV (2 MB, the seed's limit): updates matched by registration number, first
numbers for records that had none, and new records. Each run starts from a copy of the same
register, so every run applies the same changes.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import DATA, Figure
from usikit import read_table
from usikit.io import write_csv
from usikit.regcert.import_rules import validate_regcert
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import apply_import, import_file
from usikit.regcert.register import import_learners, register_enrolments
from usikit.regcert.samples import import_rows, synthetic_register
from usikit.workspace import open_register

APPLY_TARGET = 1.0  # applying adds at most as much time again as validating
FILE_BYTES = 2 * 1024 * 1024
SEED = 2026


def _register_db(learners: int) -> tuple[Path, pd.DataFrame]:
    """A register of `learners` with records for half the enrolments (built once, cached)."""
    path = DATA / f"regcert_register_{learners}.db"
    register = synthetic_register(learners, seed=SEED)
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".part")
        scratch.unlink(missing_ok=True)
        workspace = open_register(str(scratch), create=True)
        import_learners(workspace, validate_learners(register))
        earlier = import_rows(register, len(register) // 2, seed=SEED + 1, first_number=50_000_001)
        apply_import(
            workspace, validate_regcert(earlier, enrolments=register_enrolments(workspace))
        )
        workspace.close()
        scratch.replace(path)
    return path, register


def _import_file(learners: int, register: pd.DataFrame, file_bytes: int) -> Path:
    """About `file_bytes` of import rows: a third each updates, first numbers, new records."""
    path = DATA / f"regcert_import_{learners}_{file_bytes}.csv"
    if path.exists():
        return path
    earlier = import_rows(register, len(register) // 2, seed=SEED + 1, first_number=50_000_001)
    keys = earlier["ULN"] + "|" + earlier["Qualification Number"]
    fresh = register[~(register["ULN"] + "|" + register["Qualification number"]).isin(keys)]
    rows = max(1, file_bytes // 70)  # a row is 70 to 90 bytes
    rng = np.random.default_rng(SEED + 2)
    numbered = earlier[earlier["Registration number"] != ""]
    bare = earlier[earlier["Registration number"] == ""]
    updates = numbered.sample(min(rows // 3, len(numbered)), random_state=1).assign(
        **{"Status": "Certificate Sent", "Achieved date": "15/05/2026",
           "Certificate claimed date": "20/05/2026", "Certificate received Date": "05/06/2026",
           "Certificate Sent Date": "08/06/2026", "Postal Tracking Reference": "RM123456785GB"}
    )  # fmt: skip
    firsts = bare.sample(min(rows // 3, len(bare)), random_state=2)
    firsts = firsts.assign(
        Status="Registered",
        **{"Registration number": [f"RN{70_000_001 + i:08d}" for i in range(len(firsts))],
           "Registration date": "01/11/2025"},
    )  # fmt: skip
    new = import_rows(fresh, rows - len(updates) - len(firsts), seed=int(rng.integers(1 << 30)))
    frame = pd.concat([updates, firsts, new], ignore_index=True)
    frame = frame.sample(frac=1, random_state=3).reset_index(drop=True)
    while len(frame) > 1 and _csv_size(frame) > file_bytes:
        frame = frame.iloc[: int(len(frame) * 0.99)]
    DATA.mkdir(parents=True, exist_ok=True)
    write_csv(frame, path)
    return path


def _csv_size(frame: pd.DataFrame) -> int:
    """The bytes `write_csv` will write: a BOM and Windows line ends."""
    return len(frame.to_csv(index=False, lineterminator="\r\n").encode()) + 3


def run(learners: int = 100_000, repeat: int = 3, file_bytes: int = FILE_BYTES) -> list[Figure]:
    """Time `regcert import --apply`'s work against the same import without --apply."""
    database, register = _register_db(learners)
    path = _import_file(learners, register, file_bytes)
    validate_times, total_times, rows = [], [], 0
    for attempt in range(repeat):
        scratch = DATA / f"regcert_bench_{attempt}.db"
        shutil.copyfile(database, scratch)
        workspace = open_register(str(scratch))
        for apply, times in ((False, validate_times), (True, total_times)):
            start = time.perf_counter()
            frame = read_table(path, sep=",", max_bytes=file_bytes)
            outcome = import_file(workspace, frame, apply=apply)
            times.append(time.perf_counter() - start)
        workspace.close()
        scratch.unlink()
        rows = len(outcome.results)
    validate, total = min(validate_times), min(total_times)
    size = path.stat().st_size / 2**20
    return [
        Figure(
            f"`regcert import --apply`: validate + apply {rows:,} rows ({size:.1f} MB) "
            f"against {learners:,} learners",
            total,
            "validating the same file against the register (no --apply)",
            validate,
            target=f"apply adds <= {APPLY_TARGET:.1f} x",
            met=total <= (1 + APPLY_TARGET) * validate,
        )
    ]


if __name__ == "__main__":  # pragma: no cover
    from benchmarks.common import table

    print("\n".join(table(run())))
