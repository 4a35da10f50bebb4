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

from benchmarks.common import DATA, HERE, Figure

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


def usikit(*args: str, python: str = sys.executable) -> list[str]:
    return [python, "-c", COMMAND, *args]


LAB_VENV = DATA / "venv-lab"


def lab_python() -> str | None:
    """The Python of an environment holding what `make lab` installs and nothing more (the
    test tools left out, as an officer has them), made once by the Makefile's own rule;
    None where it cannot be installed (no package index)."""
    python = LAB_VENV / "bin" / "python"
    made = subprocess.run(
        ["make", "--no-print-directory", "-C", str(HERE.parent), f"VENV={LAB_VENV}",
         str(LAB_VENV / ".installed-lab")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return str(python) if made.returncode == 0 and python.exists() else None


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
        read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r}, dtype=str)"]
        check = ("validate", "clients", str(path))
        figures.append(_validate_figure(usikit(*check), read, repeat, "make test"))
        lab = lab_python()
        if lab is None:
            print(f"could not install {LAB_VENV} (make lab's packages): left out", file=sys.stderr)
        else:
            figures.append(_validate_figure(usikit(*check, python=lab), read, repeat, "make lab"))
    return figures


VALIDATE_WORK = f"`usikit validate clients` ({CLIENTS} records)"
READ_BASELINE = "`import pandas`, `read_csv(dtype=str)`"


def _validate_figure(command: list[str], read: list[str], repeat: int, how: str) -> Figure:
    seconds, base = best_pair(command, read, repeat)
    return Figure(
        f"{VALIDATE_WORK}, as `{how}` installs it",
        seconds,
        READ_BASELINE,
        base,
        target=f"<= {VALIDATE_TARGET} x",
        met=seconds <= VALIDATE_TARGET * base,
    )
