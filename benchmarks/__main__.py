"""Run every benchmark and write benchmarks/RESULTS.md.

`python -m benchmarks` runs the full sizes (1,000,000 records); `--quick` runs small sizes
for a smoke test.
"""

from __future__ import annotations

import argparse
import datetime as dt

from benchmarks import bench_batches, bench_read, bench_regcert, bench_validate
from benchmarks.common import HERE, machine, table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    big = 20_000 if args.quick else 1_000_000
    sizes = (2_000, 20_000) if args.quick else (10_000, 100_000, 1_000_000)
    repeat = 2 if args.quick else 3
    figures = bench_read.run(big, repeat)
    validation, growth = bench_validate.run(sizes, repeat, rowwise_rows=sizes[-2])
    figures += validation
    workflow = bench_batches.run(1_000 if args.quick else 10_000)
    figures += bench_regcert.run(
        learners=2_000 if args.quick else 100_000,
        repeat=repeat,
        file_bytes=(256 if args.quick else 2048) * 1024,
    )
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} with `make bench`"
        + (" (quick sizes)" if args.quick else "")
        + ". Each time is the best of several runs; every ratio is against a baseline",
        "measured in the same run on the same file.",
        "",
        *machine(),
        "",
        *table(figures),
        "",
        "## Growth: validation time per record",
        "",
        *growth,
        "",
        "## Create-USI batch workflow",
        "",
        *workflow,
        "",
    ]
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
