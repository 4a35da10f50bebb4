"""Timing, machine facts and the results table shared by the benchmarks."""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"


@dataclass
class Figure:
    """One measured line of the results table."""

    work: str
    seconds: float  # the measure: seconds, or megabytes when unit is "MB"
    baseline: str
    baseline_seconds: float
    target: str = ""
    met: bool | None = None
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds


def best_of(function: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs: the least disturbed by whatever else the machine does."""
    return best_of_each((function,), repeat)[0]


def best_of_each(functions: Sequence[Callable[[], object]], repeat: int) -> list[float]:
    """The fastest of `repeat` runs of each function, the functions taking turns: the ratio
    of two of them is then measured over the same minutes of a shared machine, not one in a
    quiet minute and the other in a busy one."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, kept in zip(functions, times, strict=True):
            gc.collect()
            start = time.perf_counter()
            function()
            kept.append(time.perf_counter() - start)
    return [min(kept) for kept in times]


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("usikit", "pandas", "pyarrow", "pandera", "numpy")
    )
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores{memory}; "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {packages}",
    ]


def table(figures: list[Figure]) -> list[str]:
    lines = [
        "| work | measure | baseline (same run) | baseline measure | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        digits = 3 if f.unit == "s" else 0
        lines.append(
            f"| {f.work} | {f.seconds:.{digits}f} {f.unit} | {f.baseline} "
            f"| {f.baseline_seconds:.{digits}f} {f.unit} | {f.ratio:.2f} x | {f.target} | {met} |"
        )
    return lines
