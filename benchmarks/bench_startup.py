"""Start-up: how long the command takes before it does anything, against importing pandas.

Each figure is the best of several fresh processes (a process's start is what is measured, so
nothing can be warmed up in this one); the command and its baseline take turns, so that a
busy moment of the machine falls on both.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

# The installed `usikit` script runs exactly this: `usikit.cli.main` on the arguments.
COMMAND = "import sys; from usikit.cli import main; sys.exit(main())"
VERSION_TARGET = 0.3  # x `import pandas`
VALIDATE_TARGET = 1.2  # x `import pandas` and reading the same file as text
CLIENTS = 10
PANDERA = "import pandas, pandera.pandas, pandera.backends.pandas.builtin_checks"


def timed(argv: list[str]) -> float:
    """Seconds from starting the process `argv` to its end."""
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def best_pair(measured: list[str], baseline: list[str], repeat: int) -> tuple[float, float]:
    """The fastest run of each of two commands, run in turn `repeat` times."""
    timed(measured)  # the first run reads the files from disk; the figures are for a warm cache
    timed(baseline)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(timed(measured))
        times[1].append(timed(baseline))
    return min(times[0]), min(times[1])


def usikit(*args: str) -> list[str]:
    return [sys.executable, "-c", COMMAND, *args]


def run(repeat: int) -> list[Figure]:
    from usikit.bulk_usi.samples import synthetic_clients

    figures = []
    pandas = [sys.executable, "-c", "import pandas"]
    for option in ("--version", "--help"):
        seconds, base = best_pair(usikit(option), pandas, repeat)
        figures.append(
            Figure(
                f"`usikit {option}`",
                seconds,
                "`import pandas`",
                base,
                target=f"<= {VERSION_TARGET} x",
                met=seconds <= VERSION_TARGET * base,
            )
        )
    # Not a target: how much of `usikit validate`'s time is pandera (its checks included, as
    # the rules engine loads them), next to pandas.
    seconds, base = best_pair([sys.executable, "-c", PANDERA], pandas, repeat)
    figures.append(Figure("`import pandas` and pandera", seconds, "`import pandas`", base))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        synthetic_clients(CLIENTS, seed=18).to_csv(path, index=False)
        read = f"import pandas; pandas.read_csv({str(path)!r}, dtype=str)"
        seconds, base = best_pair(
            usikit("validate", "clients", str(path)), [sys.executable, "-c", read], repeat
        )
    figures.append(
        Figure(
            f"`usikit validate clients` ({CLIENTS} records)",
            seconds,
            "`import pandas`, `read_csv(dtype=str)`",
            base,
            target=f"<= {VALIDATE_TARGET} x",
            met=seconds <= VALIDATE_TARGET * base,
        )
    )
    return figures
