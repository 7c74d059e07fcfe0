#!/usr/bin/env python3
"""Times a market scan against the same scan written the way a Python user would.

Runs `stockscanner bench scan --json --export DIR` (on all cores, then again with
RAYON_NUM_THREADS=1), loads the exported synthetic universe, and times the reference scan

    rsi(14) < 30 and close > sma(200) and volume > 1.5 * sma(volume, 20)

as a loop over symbols calling TA-Lib (RSI, SMA of close, SMA of volume) and comparing
the last values; median of the same number of runs, single thread. Fails if the loop
matches a different set of symbols than the Rust scan. Prints a Markdown table for
docs/BENCHMARKS.md.

Usage: bench_scan.py --bin PATH/TO/stockscanner [--symbols 10000] [--bars 252] [--runs 9]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import talib

from bench_talib import machine, median_seconds


def run_rust(args, export=None, threads=None):
    command = [args.bin, "bench", "scan", "--json", "--symbols", str(args.symbols),
               "--bars", str(args.bars), "--runs", str(args.runs)]
    if export:
        command += ["--export", export]
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def python_loop(close, volume):
    """The reference scan as a Python user writes it: TA-Lib per symbol, in a loop."""
    matched = []
    for i in range(close.shape[0]):
        c, v = close[i], volume[i]
        rsi = talib.RSI(c, timeperiod=14)
        sma = talib.SMA(c, timeperiod=200)
        volume_avg = talib.SMA(v, timeperiod=20)
        # NaN (not enough history) compares false, as an undefined value does not match.
        if rsi[-1] < 30 and c[-1] > sma[-1] and v[-1] > 1.5 * volume_avg[-1]:
            matched.append(f"S{i:05}")
    return matched


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--symbols", type=int, default=10_000)
    parser.add_argument("--bars", type=int, default=252)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as export:
        ours = run_rust(args, export=export)
        load = lambda field: np.fromfile(
            os.path.join(export, f"universe_{field}.f64"), dtype="<f8"
        ).reshape(args.symbols, args.bars)
        close, volume = load("close"), load("volume")
    single = run_rust(args, threads=1)
    scans = {s["name"]: s for s in ours["scans"]}
    scans_single = {s["name"]: s for s in single["scans"]}
    reference = scans["reference"]

    python_matches = python_loop(close, volume)
    if sorted(python_matches) != sorted(reference["matches"]):
        sys.exit(f"MISMATCH: Python+TA-Lib matched {python_matches}, "
                 f"stockscanner matched {reference['matches']}")
    python_seconds = median_seconds(args.runs, lambda: python_loop(close, volume))

    threads = ours["threads"]
    print(f"Machine: {machine()}")
    print(f"TA-Lib {talib.__ta_version__.decode()} (wheel {talib.__version__}), numpy "
          f"{np.__version__}, Python {sys.version.split()[0]}; {args.symbols:,} symbols × "
          f"{args.bars} bars; median of {args.runs} runs; both sides matched the same "
          f"{len(python_matches)} symbols")
    print()
    print(f"| scan | clauses | matched | cold, {threads} threads (ms) | cold, 1 thread (ms) "
          f"| Python + TA-Lib loop (ms) | speed-up, {threads} threads | speed-up, 1 thread "
          f"| streaming update, {threads} threads (ms) | streaming update, 1 thread (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("reference", "heavy"):
        s, s1 = scans[name], scans_single[name]
        clauses = s["scan"].count(" and ") + 1
        if name == "reference":
            python = f"{python_seconds * 1e3:,.2f}"
            ratio = f"{python_seconds / s['cold_seconds']:.1f}×"
            ratio1 = f"{python_seconds / s1['cold_seconds']:.1f}×"
        else:
            python = ratio = ratio1 = "—"
        print(f"| {name} | {clauses} | {s['matched']:,} | {s['cold_seconds'] * 1e3:,.2f} "
              f"| {s1['cold_seconds'] * 1e3:,.2f} | {python} | {ratio} | {ratio1} "
              f"| {s['stream_update_seconds'] * 1e3:,.3f} "
              f"| {s1['stream_update_seconds'] * 1e3:,.3f} |")
    print()
    print(f"Heavy scan: `{scans['heavy']['scan']}`")


if __name__ == "__main__":
    main()
