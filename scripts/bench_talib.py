#!/usr/bin/env python3
"""Benchmarks our indicators against TA-Lib on the same arrays, in the same run.

Runs `stockscanner bench indicators --json --export DIR`, loads the exported random walks
(one series of N bars; 5,000 series of 250 bars), times TA-Lib (the PyPI wheel, i.e. the
C library called from Python) on them the same way (median of the same number of runs,
single thread), and prints a Markdown table of the ratios for docs/BENCHMARKS.md.

Each indicator is timed on both sides back to back (our command with `--only SPEC`,
then TA-Lib), so that on a machine whose speed drifts (a shared virtual machine) both
sides of a comparison see the same stretch. With `--rounds R` that is repeated R times;
each cell is the median over the rounds, each speed-up the median of the rounds' own
ratios.

`--only SPEC` (repeatable, spelled as in the table) times those indicators alone, to
re-time a few without the whole table's ten minutes.

Usage: bench_talib.py --bin PATH/TO/stockscanner [--n 1000000] [--runs 7] [--rounds 1]
                      [--only SPEC]...
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import talib

from talib_parity import ours_vs_talib

FIELDS = ("open", "high", "low", "close", "volume")


class Bars:
    def __init__(self, columns):
        for field in FIELDS:
            setattr(self, field, columns[field])


# Seconds of untimed calls before the timed ones, as our command's `WARM_UP`
# (crates/cli/src/bench.rs): both sides are measured in their steady state.
WARM_UP = 0.2


def median_seconds(runs, work):
    warming = time.perf_counter()
    work()
    while time.perf_counter() - warming < WARM_UP:
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def ours_measured(args, specs=(), export=None):
    """Our command's report on `specs`, or on all indicators when there are none."""
    command = [args.bin, "bench", "indicators", "--json", "--n", str(args.n),
               "--runs", str(args.runs)]
    for spec in specs:
        command += ["--only", spec]
    if export:
        command += ["--export", export]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def one_round(args, references, specs, single, market):
    """Seconds per spec: ours and TA-Lib's, single series, market on 1 and all threads."""
    times = {}
    for spec in specs:
        result = ours_measured(args, [spec])["results"][0]
        reference = references[spec]
        times[spec] = {
            "ours_single": result["single_seconds"],
            "talib_single": median_seconds(args.runs, lambda: reference(single)),
            "ours_market": result["market_seconds"],
            "ours_parallel": result["market_parallel_seconds"],
            "talib_market": median_seconds(args.runs, lambda: [reference(b) for b in market]),
        }
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", action="append", default=[], metavar="SPEC")
    args = parser.parse_args()
    references = dict(ours_vs_talib())
    with tempfile.TemporaryDirectory() as export:
        # The arrays, and which indicators our command benchmarks.
        ours = ours_measured(args, args.only, export=export)
        specs = [result["spec"] for result in ours["results"]]
        load = lambda name: np.fromfile(os.path.join(export, name), dtype="<f8")
        single = Bars({f: load(f"single_{f}.f64") for f in FIELDS})
        symbols, bars = ours["market_symbols"], ours["market_bars"]
        market_columns = {f: load(f"market_{f}.f64").reshape(symbols, bars) for f in FIELDS}
    market = [Bars({f: market_columns[f][i] for f in FIELDS}) for i in range(symbols)]
    rounds = [one_round(args, references, specs, single, market) for _ in range(args.rounds)]

    print(f"Machine: {machine()}")
    print(f"TA-Lib {talib.__ta_version__.decode()} (wheel {talib.__version__}), "
          f"numpy {np.__version__}; median of {args.runs} runs"
          + (f", then of {args.rounds} rounds" if args.rounds > 1 else "")
          + "; TA-Lib single thread")
    print()
    threads = ours["threads"]
    print(f"| indicator | ours, {args.n:,} bars (M/s) | TA-Lib (M/s) | speed-up "
          f"| TA-Lib from Python, {symbols:,}×{bars} (ms) | ours, 1 thread (ms) | speed-up "
          f"| ours, {threads} threads (ms) | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for spec in specs:
        cells = [r[spec] for r in rounds]
        time_of = lambda key: statistics.median(c[key] for c in cells)
        ratio = lambda num, den: statistics.median(c[num] / c[den] for c in cells)
        print(
            f"| `{spec}` | {args.n / time_of('ours_single') / 1e6:,.1f} "
            f"| {args.n / time_of('talib_single') / 1e6:,.1f} "
            f"| {ratio('talib_single', 'ours_single'):.2f}× | {time_of('talib_market') * 1e3:,.2f} "
            f"| {time_of('ours_market') * 1e3:,.2f} | {ratio('talib_market', 'ours_market'):.2f}× "
            f"| {time_of('ours_parallel') * 1e3:,.2f} | {ratio('talib_market', 'ours_parallel'):.2f}× |"
        )


if __name__ == "__main__":
    main()
