//! The reference interpreter of the scan language: slow, simple, and point-in-time.
//!
//! [`evaluate`] gives a checked expression's value at every bar of one symbol's history.
//! Each rule below is a loop over the bars whose value at bar `i` reads only the values
//! of its children at bars `0..=i`, so no value can see the future; indicators are
//! recomputed from scratch on every prefix and timeframes resample every prefix. Nothing
//! is cached or incremental: this is the meaning of a scan, written so that it can be
//! read against `docs/scan-language.md`, and the fast evaluator must agree with it bit
//! for bit.
//!
//! Numbers are `f64` with NaN for "undefined"; conditions are 1.0 (true), 0.0 (false)
//! or NaN (undefined).

#![allow(dead_code)]

use scan::catalog::Indicator;
use scan::indicators as ind;
use scan::lang::{ArithOp, CmpOp, Field, LogicOp, Node, NodeKind, Timeframe, WindowKind};
use scan::{Bar, BarSeries};

/// The value of an undefined number or condition.
pub const UNDEFINED: f64 = f64::NAN;

/// `node` at every bar of `bars` (one symbol's daily bars, strictly increasing in time).
pub fn evaluate(node: &Node, bars: &[Bar], symbol: &str) -> Vec<f64> {
    assert!(
        bars.windows(2).all(|w| w[0].time < w[1].time),
        "bars must be strictly increasing in time"
    );
    let values = series(node, bars, symbol);
    assert_eq!(values.len(), bars.len());
    values
}

/// A condition's truth value, `None` when undefined.
pub fn truth(value: f64) -> Option<bool> {
    if value.is_nan() {
        None
    } else {
        Some(value != 0.0)
    }
}

/// A truth value as a condition value.
pub fn condition(value: Option<bool>) -> f64 {
    match value {
        Some(true) => 1.0,
        Some(false) => 0.0,
        None => UNDEFINED,
    }
}

fn defined(value: f64) -> bool {
    !value.is_nan()
}

/// Arithmetic results that are not finite (division by zero, overflow) are undefined.
fn finite_or_undefined(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        UNDEFINED
    }
}

fn series(node: &Node, bars: &[Bar], symbol: &str) -> Vec<f64> {
    let n = bars.len();
    let child = |node: &Node| series(node, bars, symbol);
    match &node.kind {
        NodeKind::Number(number) => vec![number.0; n],

        NodeKind::Field(field) => bars.iter().map(|bar| field_value(*field, bar)).collect(),

        NodeKind::Indicator {
            indicator,
            source: None,
            output,
        } => (0..n)
            .map(|i| {
                let prefix =
                    BarSeries::from_bars(symbol, bars[..=i].to_vec()).expect("the bars are valid");
                let columns = indicator.0.compute(&prefix);
                columns[*output][i]
            })
            .collect(),

        NodeKind::Indicator {
            indicator,
            source: Some(source),
            output,
        } => {
            let s = child(source);
            (0..n)
                .map(|i| {
                    if !defined(s[i]) {
                        return UNDEFINED;
                    }
                    // The latest unbroken run of defined values ending at i.
                    let mut k = i;
                    while k > 0 && defined(s[k - 1]) {
                        k -= 1;
                    }
                    let column = on_values(&indicator.0, *output, &s[k..=i]);
                    *column.last().expect("the run is not empty")
                })
                .collect()
        }

        NodeKind::Neg(x) => child(x).into_iter().map(|x| -x).collect(),

        NodeKind::Arith { op, lhs, rhs } => {
            let (a, b) = (child(lhs), child(rhs));
            (0..n)
                .map(|i| {
                    let (a, b) = (a[i], b[i]);
                    if !defined(a) || !defined(b) {
                        return UNDEFINED;
                    }
                    finite_or_undefined(match op {
                        ArithOp::Add => a + b,
                        ArithOp::Sub => a - b,
                        ArithOp::Mul => a * b,
                        ArithOp::Div => a / b,
                    })
                })
                .collect()
        }

        NodeKind::Compare { op, lhs, rhs } => {
            let (a, b) = (child(lhs), child(rhs));
            (0..n)
                .map(|i| {
                    let (a, b) = (a[i], b[i]);
                    if !defined(a) || !defined(b) {
                        return UNDEFINED;
                    }
                    condition(Some(match op {
                        CmpOp::Lt => a < b,
                        CmpOp::Le => a <= b,
                        CmpOp::Gt => a > b,
                        CmpOp::Ge => a >= b,
                        CmpOp::Eq => a == b,
                        CmpOp::Ne => a != b,
                    }))
                })
                .collect()
        }

        NodeKind::Logic { op, lhs, rhs } => {
            let (a, b) = (child(lhs), child(rhs));
            (0..n)
                .map(|i| {
                    let (a, b) = (truth(a[i]), truth(b[i]));
                    condition(match op {
                        LogicOp::And => {
                            if a == Some(false) || b == Some(false) {
                                Some(false)
                            } else if a.is_none() || b.is_none() {
                                None
                            } else {
                                Some(true)
                            }
                        }
                        LogicOp::Or => {
                            if a == Some(true) || b == Some(true) {
                                Some(true)
                            } else if a.is_none() || b.is_none() {
                                None
                            } else {
                                Some(false)
                            }
                        }
                    })
                })
                .collect()
        }

        NodeKind::Not(x) => child(x)
            .into_iter()
            .map(|x| condition(truth(x).map(|t| !t)))
            .collect(),

        NodeKind::Crosses { above, lhs, rhs } => {
            let (a, b) = (child(lhs), child(rhs));
            (0..n)
                .map(|i| {
                    if i == 0 {
                        return UNDEFINED;
                    }
                    let (a0, b0, a1, b1) = (a[i - 1], b[i - 1], a[i], b[i]);
                    if !(defined(a0) && defined(b0) && defined(a1) && defined(b1)) {
                        return UNDEFINED;
                    }
                    condition(Some(if *above {
                        a0 <= b0 && a1 > b1
                    } else {
                        a0 >= b0 && a1 < b1
                    }))
                })
                .collect()
        }

        NodeKind::Offset {
            node: x,
            bars: back,
        } => {
            let x = child(x);
            (0..n)
                .map(|i| if i < *back { UNDEFINED } else { x[i - back] })
                .collect()
        }

        NodeKind::Window {
            kind,
            cond,
            bars: width,
        } => {
            let c = child(cond);
            (0..n)
                .map(|i| {
                    if i + 1 < *width {
                        return UNDEFINED;
                    }
                    let window = &c[i + 1 - width..=i];
                    if window.iter().any(|&v| !defined(v)) {
                        return UNDEFINED;
                    }
                    let trues = window.iter().filter(|&&v| truth(v) == Some(true)).count();
                    match kind {
                        WindowKind::Any => condition(Some(trues >= 1)),
                        WindowKind::All => condition(Some(trues == *width)),
                        WindowKind::Count => trues as f64,
                    }
                })
                .collect()
        }

        NodeKind::Streak(cond) => {
            let c = child(cond);
            (0..n)
                .map(|i| {
                    if !defined(c[i]) {
                        return UNDEFINED;
                    }
                    let mut run = 0usize;
                    let mut j = i;
                    loop {
                        if truth(c[j]) != Some(true) {
                            break;
                        }
                        run += 1;
                        if j == 0 {
                            break;
                        }
                        j -= 1;
                    }
                    run as f64
                })
                .collect()
        }

        NodeKind::Change { source, bars: back } => {
            let x = child(source);
            (0..n)
                .map(|i| {
                    if i < *back || !defined(x[i]) || !defined(x[i - back]) {
                        return UNDEFINED;
                    }
                    finite_or_undefined(x[i] - x[i - back])
                })
                .collect()
        }

        NodeKind::PctChange { source, bars: back } => {
            let x = child(source);
            (0..n)
                .map(|i| {
                    if i < *back || !defined(x[i]) || !defined(x[i - back]) {
                        return UNDEFINED;
                    }
                    let p = x[i - back];
                    finite_or_undefined(((x[i] - p) / p) * 100.0)
                })
                .collect()
        }

        NodeKind::Abs(x) => child(x).into_iter().map(f64::abs).collect(),

        NodeKind::Min(args) => fold(args.iter().map(child).collect(), n, |v, acc| v < acc),

        NodeKind::Max(args) => fold(args.iter().map(child).collect(), n, |v, acc| v > acc),

        NodeKind::SymbolIn(symbols) => {
            let listed = symbols.iter().any(|s| s == symbol);
            vec![condition(Some(listed)); n]
        }

        NodeKind::Timeframe { frame, node: inner } => (0..n)
            .map(|i| {
                let resampled = resample(&bars[..=i], *frame);
                let values = evaluate(inner, &resampled, symbol);
                *values.last().expect("at least one period")
            })
            .collect(),
    }
}

/// A price field of one bar, derived fields summed left to right.
pub fn field_value(field: Field, bar: &Bar) -> f64 {
    match field {
        Field::Open => bar.open,
        Field::High => bar.high,
        Field::Low => bar.low,
        Field::Close => bar.close,
        Field::Volume => bar.volume,
        Field::Hl2 => (bar.high + bar.low) / 2.0,
        Field::Hlc3 => ((bar.high + bar.low) + bar.close) / 3.0,
        Field::Ohlc4 => (((bar.open + bar.high) + bar.low) + bar.close) / 4.0,
    }
}

/// Element-wise `min`/`max`: undefined if any argument is; otherwise the first argument,
/// replaced by each later one that `wins` against the value so far.
fn fold(args: Vec<Vec<f64>>, n: usize, wins: fn(f64, f64) -> bool) -> Vec<f64> {
    (0..n)
        .map(|i| {
            if args.iter().any(|a| !defined(a[i])) {
                return UNDEFINED;
            }
            let mut acc = args[0][i];
            for a in &args[1..] {
                if wins(a[i], acc) {
                    acc = a[i];
                }
            }
            acc
        })
        .collect()
}

/// A single-input indicator's batch function over `values`, column `output` in
/// catalogue order. The indicator's own `source` is ignored.
pub fn on_values(indicator: &Indicator, output: usize, values: &[f64]) -> Vec<f64> {
    const OK: &str = "checked parameters";
    let single = |column: Vec<f64>| {
        assert_eq!(output, 0);
        column
    };
    match *indicator {
        Indicator::Sma { period, .. } => single(ind::sma(values, period).expect(OK)),
        Indicator::Ema { period, .. } => single(ind::ema(values, period).expect(OK)),
        Indicator::Wma { period, .. } => single(ind::wma(values, period).expect(OK)),
        Indicator::Rsi { period, .. } => single(ind::rsi(values, period).expect(OK)),
        Indicator::Stddev { period, dev, .. } => {
            single(ind::stddev(values, period, dev).expect(OK))
        }
        Indicator::Max { period, .. } => single(ind::max(values, period).expect(OK)),
        Indicator::Min { period, .. } => single(ind::min(values, period).expect(OK)),
        Indicator::Roc { period, .. } => single(ind::roc(values, period).expect(OK)),
        Indicator::Macd {
            fast, slow, signal, ..
        } => {
            let m = ind::macd(values, fast, slow, signal).expect(OK);
            match output {
                0 => m.macd().to_vec(),
                1 => m.signal().to_vec(),
                2 => m.hist().to_vec(),
                _ => panic!("macd has three outputs"),
            }
        }
        Indicator::Bbands {
            period, up, down, ..
        } => {
            let b = ind::bbands(values, period, up, down).expect(OK);
            match output {
                0 => b.upper().to_vec(),
                1 => b.middle().to_vec(),
                2 => b.lower().to_vec(),
                _ => panic!("bbands has three outputs"),
            }
        }
        other => panic!("{} reads whole bars, not an expression", other.name()),
    }
}

/// The period a daily bar belongs to: ISO weeks (Monday first) or calendar months.
pub fn period_key(bar: &Bar, frame: Timeframe) -> i64 {
    match frame {
        Timeframe::Weekly => {
            let days = bar.time.unix_seconds().div_euclid(86_400);
            (days + 3).div_euclid(7)
        }
        Timeframe::Monthly => {
            let (year, month, _) = bar.time.ymd();
            i64::from(year) * 12 + i64::from(month)
        }
    }
}

/// Daily bars grouped into one bar per week or month; the last group is the period in
/// progress. Open is the first open, high the highest high, low the lowest low, close
/// the last close, volume the sum from the first bar on, time the last bar's time.
pub fn resample(bars: &[Bar], frame: Timeframe) -> Vec<Bar> {
    let mut out: Vec<Bar> = Vec::new();
    let mut last_key = None;
    for bar in bars {
        let key = period_key(bar, frame);
        match out.last_mut() {
            Some(group) if last_key == Some(key) => {
                if bar.high > group.high {
                    group.high = bar.high;
                }
                if bar.low < group.low {
                    group.low = bar.low;
                }
                group.close = bar.close;
                group.volume += bar.volume;
                group.time = bar.time;
            }
            _ => out.push(Bar {
                adj_close: None,
                ..*bar
            }),
        }
        last_key = Some(key);
    }
    out
}
