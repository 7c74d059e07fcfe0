#!/usr/bin/env python3
"""Checks every indicator of `stockscanner indicator` against the real TA-Lib.

For each spec below, the binary prints the bars it loaded and its indicator values for
every symbol (`--all-symbols --bars`); this script runs TA-Lib (the PyPI wheel `ta-lib`)
on exactly those bars and compares value by value:

* undefined values (empty cells) must be exactly where TA-Lib has NaN;
* defined values must agree within 1e-9 relative, or 1e-12 absolute near zero.

It runs over a data directory (the shared real dataset) and over generated edge cases:
flat prices, series shorter than the lookback, period 1 and the largest periods, calendar
gaps, zero volume, tiny and huge prices. Exit status 1 on any mismatch.

Usage: talib_parity.py --bin PATH/TO/stockscanner --data DIR
"""

import argparse
import io
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile

import numpy as np
import talib

RELATIVE = 1e-9
# spec -> TA-Lib reference; filled before the worker processes fork.
REFERENCES = {}
ABSOLUTE = 1e-12


def ours_vs_talib():
    """(spec, function of bars returning TA-Lib's output arrays in our column order)."""
    t = talib
    return [
        ("sma(20)", lambda b: [t.SMA(b.close, 20)]),
        ("sma(volume, 50)", lambda b: [t.SMA(b.volume, 50)]),
        ("sma(1)", lambda b: [t.SMA(b.close, 1)]),
        ("ema(20)", lambda b: [t.EMA(b.close, 20)]),
        ("ema(1)", lambda b: [t.EMA(b.close, 1)]),
        ("ema(high, 200)", lambda b: [t.EMA(b.high, 200)]),
        ("wma(20)", lambda b: [t.WMA(b.close, 20)]),
        ("wma(low, 3)", lambda b: [t.WMA(b.low, 3)]),
        ("wma(1)", lambda b: [t.WMA(b.close, 1)]),
        ("rsi(14)", lambda b: [t.RSI(b.close, 14)]),
        ("rsi(open, 2)", lambda b: [t.RSI(b.open, 2)]),
        ("macd(12, 26, 9)", lambda b: list(t.MACD(b.close, 12, 26, 9))),
        ("macd(26, 12, 9)", lambda b: list(t.MACD(b.close, 26, 12, 9))),
        ("macd(volume, 5, 35, 1)", lambda b: list(t.MACD(b.volume, 5, 35, 1))),
        ("bbands(20, 2, 2)", lambda b: list(t.BBANDS(b.close, 20, 2.0, 2.0, 0))),
        ("bbands(5, 1.5, 3)", lambda b: list(t.BBANDS(b.close, 5, 1.5, 3.0, 0))),
        ("bbands(10, 1, 1)", lambda b: list(t.BBANDS(b.close, 10, 1.0, 1.0, 0))),
        ("stddev(20)", lambda b: [t.STDDEV(b.close, 20, 1.0)]),
        ("stddev(volume, 5, 2)", lambda b: [t.STDDEV(b.volume, 5, 2.0)]),
        ("max(20)", lambda b: [t.MAX(b.close, 20)]),
        ("min(low, 20)", lambda b: [t.MIN(b.low, 20)]),
        ("roc(10)", lambda b: [t.ROC(b.close, 10)]),
        ("roc(1)", lambda b: [t.ROC(b.close, 1)]),
        ("trange", lambda b: [t.TRANGE(b.high, b.low, b.close)]),
        ("atr(14)", lambda b: [t.ATR(b.high, b.low, b.close, 14)]),
        ("atr(1)", lambda b: [t.ATR(b.high, b.low, b.close, 1)]),
        ("natr(14)", lambda b: [t.NATR(b.high, b.low, b.close, 14)]),
        ("adx(14)", lambda b: [t.ADX(b.high, b.low, b.close, 14)]),
        ("adx(2)", lambda b: [t.ADX(b.high, b.low, b.close, 2)]),
        ("plus_di(14)", lambda b: [t.PLUS_DI(b.high, b.low, b.close, 14)]),
        ("plus_di(1)", lambda b: [t.PLUS_DI(b.high, b.low, b.close, 1)]),
        ("minus_di(14)", lambda b: [t.MINUS_DI(b.high, b.low, b.close, 14)]),
        ("minus_di(1)", lambda b: [t.MINUS_DI(b.high, b.low, b.close, 1)]),
        ("stoch(14, 3, 3)", lambda b: list(t.STOCH(b.high, b.low, b.close, 14, 3, 0, 3, 0))),
        ("stoch(1, 1, 1)", lambda b: list(t.STOCH(b.high, b.low, b.close, 1, 1, 0, 1, 0))),
        ("stochf(14, 3)", lambda b: list(t.STOCHF(b.high, b.low, b.close, 14, 3, 0))),
        ("stochf(5, 1)", lambda b: list(t.STOCHF(b.high, b.low, b.close, 5, 1, 0))),
        ("cci(20)", lambda b: [t.CCI(b.high, b.low, b.close, 20)]),
        ("obv", lambda b: [t.OBV(b.close, b.volume)]),
        ("mfi(14)", lambda b: [t.MFI(b.high, b.low, b.close, b.volume, 14)]),
        ("willr(14)", lambda b: [t.WILLR(b.high, b.low, b.close, 14)]),
    ]


def largest_periods(length):
    """Specs whose periods reach and pass the length of the edge-case series."""
    t = talib
    specs = []
    for n in (length - 1, length, length + 1, 100_000):
        specs += [
            (f"sma({n})", lambda b, n=n: [t.SMA(b.close, n)]),
            (f"ema({n})", lambda b, n=n: [t.EMA(b.close, n)]),
            (f"rsi({n})", lambda b, n=n: [t.RSI(b.close, n)]),
            (f"max({n})", lambda b, n=n: [t.MAX(b.close, n)]),
            (f"atr({n})", lambda b, n=n: [t.ATR(b.high, b.low, b.close, n)]),
            (f"cci({n})", lambda b, n=n: [t.CCI(b.high, b.low, b.close, n)]),
        ]
    half = length // 2
    specs += [
        (f"adx({half})", lambda b: [t.ADX(b.high, b.low, b.close, half)]),
        (f"macd(2, {half}, {half})", lambda b: list(t.MACD(b.close, 2, half, half))),
    ]
    return specs


class Bars:
    def __init__(self, columns):
        self.open, self.high, self.low, self.close, self.volume = columns


EMPTY_CELL = re.compile(r"(?<=,)(?=,|\n)")


def run_ours(binary, spec, data):
    """Our output for every symbol: (output names, {symbol: (dates, Bars, [outputs])})."""
    command = [binary, "indicator", spec, "--data", data, "--all-symbols", "--bars"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr}")
    header, _, body = done.stdout.partition("\n")
    header = header.split(",")
    expected = ["symbol", "date", "open", "high", "low", "close", "volume"]
    if header[:7] != expected:
        raise SystemExit(f"unexpected header from `{spec}`: {header}")
    if not body:
        return header[7:], {}
    # numpy's loadtxt parses floats exactly (correctly rounded); empty cells become nan.
    body = EMPTY_CELL.sub("nan", body)
    labels = np.loadtxt(io.StringIO(body), delimiter=",", usecols=(0, 1), dtype=str, ndmin=2)
    numbers = np.loadtxt(
        io.StringIO(body), delimiter=",", usecols=range(2, len(header)), ndmin=2
    )
    symbols = labels[:, 0]
    starts = np.flatnonzero(np.r_[True, symbols[1:] != symbols[:-1]])
    ends = np.r_[starts[1:], len(symbols)]
    result = {}
    for start, end in zip(starts, ends):
        block = numbers[start:end]
        bars = Bars([np.ascontiguousarray(block[:, k]) for k in range(5)])
        values = [block[:, k] for k in range(5, block.shape[1])]
        result[symbols[start]] = (labels[start:end, 1], bars, values)
    return header[7:], result


def compare(spec, columns, ours, reference):
    """Returns (values compared, bit-identical count, the largest difference as a share
    of its tolerance, list of mismatch descriptions)."""
    compared = identical = 0
    worst = 0.0
    problems = []
    for symbol, (dates, bars, values) in sorted(ours.items()):
        expected = reference(bars)
        if len(expected) != len(values):
            problems.append(f"{spec}: {len(values)} columns, TA-Lib has {len(expected)}")
            continue
        for name, mine, theirs in zip(columns, values, expected):
            theirs = np.asarray(theirs, dtype=np.float64)
            if len(theirs) != len(mine):
                problems.append(f"{spec} {symbol} {name}: {len(mine)} values, TA-Lib {len(theirs)}")
                continue
            mine_nan, theirs_nan = np.isnan(mine), np.isnan(theirs)
            both = ~mine_nan & ~theirs_nan
            tolerance = np.maximum(RELATIVE * np.abs(theirs), ABSOLUTE)
            with np.errstate(invalid="ignore"):
                far = both & ~(np.abs(mine - theirs) <= tolerance)
            if both.any():
                share = np.abs(mine[both] - theirs[both]) / tolerance[both]
                worst = max(worst, float(share.max()))
            compared += int(both.sum())
            identical += int((both & (mine == theirs)).sum())
            for i in np.flatnonzero((mine_nan != theirs_nan) | far)[:5]:
                problems.append(
                    f"{spec} {symbol} {dates[i]} {name}: ours {mine[i]!r}, TA-Lib {theirs[i]!r}"
                )
    return compared, identical, worst, problems


def write_edge_cases(directory, length):
    """Yahoo-layout CSV files that exercise TA-Lib's corner rules."""
    rng = random.Random(20150112)

    def walk(start, scale, volume):
        price, rows = start, []
        for _ in range(length):
            price *= math.exp(rng.gauss(0, 0.02))
            o = price * math.exp(rng.gauss(0, 0.005))
            c = price
            h = max(o, c) * math.exp(abs(rng.gauss(0, 0.01)))
            l = min(o, c) * math.exp(-abs(rng.gauss(0, 0.01)))
            rows.append([o * scale, h * scale, l * scale, c * scale, volume()])
        return rows

    def dates(step_days):
        day = 16436  # 2015-01-01 as days since the epoch
        for i in range(length):
            day += step_days(i)
            yield np.datetime64(day, "D")

    series = {
        "FLAT": ([[10.0, 10.0, 10.0, 10.0, 1000.0]] * length, lambda i: 1),
        "SHORT": (walk(50.0, 1.0, lambda: rng.randint(1, 10**6))[:3], lambda i: 1),
        "TINY": (walk(5.0, 1e-6, lambda: rng.randint(0, 10**4)), lambda i: 1),
        "HUGE": (walk(5.0, 1e9, lambda: rng.randint(10**9, 10**12)), lambda i: 1),
        "GAPS": (walk(80.0, 1.0, lambda: rng.randint(1, 10**7)), lambda i: 1 + (i % 7 == 0) * 30),
        "ZEROVOL": (walk(20.0, 1.0, lambda: 0.0), lambda i: 1),
        "STEPS": (
            [[float(10 + i // 20)] * 4 + [float(100 * (i % 3))] for i in range(length)],
            lambda i: 1,
        ),
    }
    for symbol, (rows, step) in series.items():
        with open(os.path.join(directory, f"{symbol}.csv"), "w") as f:
            f.write("Date,Open,High,Low,Close,Volume\n")
            for date, r in zip(dates(step), rows):
                f.write(f"{date},{r[0]!r},{r[1]!r},{r[2]!r},{r[3]!r},{r[4]!r}\n")


def check_spec(job):
    binary, data, spec = job
    reference = REFERENCES[spec]
    columns, ours = run_ours(binary, spec, data)
    compared, identical, worst, problems = compare(spec, columns, ours, reference)
    return spec, len(ours), compared, identical, worst, problems


def check(binary, data, specs, label):
    """Checks every spec over one data directory, on all cores."""
    REFERENCES.update(specs)
    failures = 0
    print(f"== {label}: {data}", flush=True)
    jobs = [(binary, data, spec) for spec, _ in specs]
    with multiprocessing.Pool() as pool:
        for spec, symbols, compared, identical, worst, problems in pool.imap(check_spec, jobs):
            share = 100.0 * identical / compared if compared else 100.0
            status = "ok" if not problems else f"{len(problems)} MISMATCHES"
            print(
                f"{spec:<26} {symbols:>4} symbols {compared:>9} values "
                f"{share:6.2f}% bit-identical, worst {worst:.0e} of the bound  {status}",
                flush=True,
            )
            for line in problems[:5]:
                print(f"    {line}")
            failures += len(problems)
            if compared == 0 and label == "dataset":
                print(f"    {spec}: no values compared")
                failures += 1
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="path to the stockscanner binary")
    parser.add_argument("--data", required=True, help="directory of CSV bar files")
    args = parser.parse_args()
    print(f"TA-Lib {talib.__ta_version__.decode()} (Python wheel ta-lib {talib.__version__})")
    failures = check(args.bin, args.data, ours_vs_talib(), "dataset")
    length = 300
    with tempfile.TemporaryDirectory() as edge:
        write_edge_cases(edge, length)
        failures += check(args.bin, edge, ours_vs_talib() + largest_periods(length), "edge cases")
    if failures:
        print(f"FAILED: {failures} values differ from TA-Lib")
        sys.exit(1)
    print("all indicators equal TA-Lib")


if __name__ == "__main__":
    main()
