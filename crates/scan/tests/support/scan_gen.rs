//! Random scans and random daily series, for property tests of scan evaluation.
//!
//! [`scan_text`] writes well-typed scan text over every construct of the language (every
//! price field, every catalogue indicator with its outputs and named arguments, every
//! built-in, arithmetic, comparisons, logic, crosses, offsets, windows, timeframes,
//! `symbol in`, number suffixes and the `rank by` / `limit` / `show` clauses). Periods
//! are small (1..=30) and offsets 0..=10 so short series have defined values. Every text
//! it writes compiles; a test asserts that.
//!
//! [`daily_bars`] writes 0..=300 valid daily bars on weekdays, with gaps of a few days,
//! flat stretches, zero volumes, prices on a cent grid and days that close where they
//! opened, so that ties, `crosses` edge cases and divisions by zero all occur.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::strategy::Union;
use scan::catalog::{ParamKind, CATALOG};
use scan::{Bar, BarTime};

/// How many levels of composite expressions a generated expression has at most.
pub const DEPTH: usize = 3;

/// The largest period the generator writes.
pub const MAX_PERIOD: usize = 30;

/// The largest offset the generator writes.
pub const MAX_OFFSET: usize = 10;

type S = BoxedStrategy<String>;

const FIELDS: [&str; 8] = [
    "open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4",
];

/// Random scan text: an optional condition, then the optional clauses in any order.
pub fn scan_text() -> impl Strategy<Value = String> {
    let e = expressions(DEPTH);
    let item = prop_oneof![e.num.clone(), e.cond.clone()];
    let show = prop::collection::vec((item, 0usize..4), 1..4);
    (
        prop::option::weighted(0.85, e.cond.clone()),
        prop::option::weighted(0.3, (e.num.clone(), 0u8..3, word("rank"), word("by"))),
        prop::option::weighted(
            0.3,
            (prop_oneof![1usize..=100, Just(1_000_000)], word("limit")),
        ),
        prop::option::weighted(0.3, (show, word("show"), word("as"))),
        prop::collection::vec(any::<u8>(), 3),
        prop::collection::vec(separator(), 4),
    )
        .prop_map(|(cond, rank, limit, show, order, seps)| {
            let mut clauses: Vec<(u8, String)> = Vec::new();
            if let Some((expr, direction, rank_kw, by_kw)) = rank {
                let direction = ["", " asc", " desc"][usize::from(direction)];
                clauses.push((order[0], format!("{rank_kw} {by_kw} {expr}{direction}")));
            }
            if let Some((n, limit_kw)) = limit {
                clauses.push((order[1], format!("{limit_kw} {n}")));
            }
            if let Some((items, show_kw, as_kw)) = show {
                let bases = ["col", "x", "Trend_", "_v"];
                let items: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, (expr, base))| format!("{expr} {as_kw} {}{i}", bases[*base]))
                    .collect();
                clauses.push((order[2], format!("{show_kw} {}", items.join(", "))));
            }
            clauses.sort_by_key(|(key, _)| *key);
            let mut text = cond.unwrap_or_default();
            for (i, (_, clause)) in clauses.into_iter().enumerate() {
                if !text.is_empty() {
                    text.push_str(&seps[i]);
                }
                text.push_str(&clause);
            }
            text.push_str(&seps[3]);
            text
        })
}

/// Random well-typed expressions of both types, nested at most `depth` levels.
pub struct Expressions {
    /// Number expressions.
    pub num: S,
    /// Condition expressions.
    pub cond: S,
}

/// Expressions up to `depth` levels, timeframes included (never nested).
pub fn expressions(depth: usize) -> Expressions {
    let mut outer = leaves();
    let mut inner = leaves();
    for _ in 0..depth {
        let next_outer = level(&outer, Some(&inner));
        let next_inner = level(&inner, None);
        outer = next_outer;
        inner = next_inner;
    }
    outer
}

/// Whitespace between clauses: a space, newlines, or a comment.
fn separator() -> S {
    prop_oneof![
        3 => Just(" ".to_string()),
        2 => Just("\n".to_string()),
        1 => Just("  # a comment, with (parens) and \"quotes\"\n".to_string()),
        1 => Just("\n\n\t".to_string()),
    ]
    .boxed()
}

/// A keyword or name, mostly in lower case (the language ignores case).
fn word(w: &'static str) -> S {
    prop_oneof![
        8 => Just(w.to_string()),
        1 => Just(w.to_ascii_uppercase()),
        1 => Just(capitalised(w)),
    ]
    .boxed()
}

fn capitalised(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Number literals, with fractions, exponents and the k/K/M/B suffixes.
fn number() -> S {
    prop_oneof![
        4 => (0u32..100).prop_map(|n| n.to_string()),
        2 => (0u32..200, 1u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        1 => (1u32..10, 0u32..4).prop_map(|(m, e)| format!("{m}e{e}")),
        1 => (1u32..10, 1u32..4).prop_map(|(m, e)| format!("{m}.5e-{e}")),
        1 => (1u32..20, 0usize..5).prop_map(|(m, s)| {
            match s {
                0 => format!("{m}k"),
                1 => format!("{m}K"),
                2 => format!("{m}.5k"),
                3 => format!("{m}M"),
                _ => format!("0.00{m}B"),
            }
        }),
    ]
    .boxed()
}

fn field() -> S {
    prop::sample::select(FIELDS.to_vec())
        .prop_flat_map(word)
        .boxed()
}

/// A whole number of bars, sometimes written with a fraction of zero.
fn bars_literal(min: usize) -> S {
    (min..=MAX_PERIOD, 0u8..6)
        .prop_map(|(n, style)| {
            if style == 0 {
                format!("{n}.0")
            } else {
                n.to_string()
            }
        })
        .boxed()
}

/// A real parameter (`dev`, `up`, `down`).
fn real_literal() -> S {
    prop::sample::select(vec![
        "2", "2.5", "1", "0.5", "-1", "0", "1.5e0", "3", "-0.5",
    ])
    .prop_map(str::to_string)
    .boxed()
}

/// Whether `text` could be read as a number literal (parentheses and minus signs
/// included): such a first positional argument fills the period, not the source, so it
/// is passed by name instead. Errs on the side of "yes".
fn looks_literal(text: &str) -> bool {
    text.trim_start_matches(['-', '(', ' '])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// One parameter of a function the generator calls.
#[derive(Debug, Clone, Copy)]
enum Param {
    Source,
    Period {
        name: &'static str,
        min: usize,
        default: Option<usize>,
    },
    Real {
        name: &'static str,
    },
}

/// A function with catalogue-style parameters: every indicator, `highest`, `lowest`,
/// `avg`, `change` and `pct_change`.
#[derive(Debug, Clone)]
struct Func {
    name: &'static str,
    params: Vec<Param>,
    outputs: &'static [&'static str],
}

fn funcs() -> Vec<Func> {
    let mut out = Vec::new();
    let catalogue = |name: &str| {
        CATALOG
            .iter()
            .find(|info| info.name == name)
            .expect("in the catalogue")
    };
    let params_of = |name: &str| -> Vec<Param> {
        catalogue(name)
            .params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Source => Param::Source,
                ParamKind::Period { min, default, .. } => Param::Period {
                    name: p.name,
                    min,
                    default,
                },
                ParamKind::Number { .. } => Param::Real { name: p.name },
            })
            .collect()
    };
    for info in CATALOG {
        // The catalogue's window `max` and `min` are `highest` and `lowest` here.
        let name = match info.name {
            "max" => "highest",
            "min" => "lowest",
            name => name,
        };
        out.push(Func {
            name,
            params: params_of(info.name),
            outputs: info.outputs,
        });
    }
    out.push(Func {
        name: "avg",
        params: params_of("sma"),
        outputs: &["avg"],
    });
    for name in ["change", "pct_change"] {
        out.push(Func {
            name,
            params: vec![
                Param::Source,
                Param::Period {
                    name: "period",
                    min: 1,
                    default: Some(1),
                },
            ],
            outputs: &["value"],
        });
    }
    out
}

/// Random draws for one parameter: whether it is given, how, and its values.
type Draw = (u8, String, String, u8);

/// A call of `f`, its source (if it has one) drawn from `source`.
fn call(f: Func, source: S) -> S {
    let k = f.params.len();
    let draws = prop::collection::vec((0u8..8, bars_literal(1), real_literal(), any::<u8>()), k);
    (
        source,
        0..=k,
        draws,
        0..f.outputs.len(),
        any::<bool>(),
        word(f.name),
        real_literal(),
        any::<bool>(),
    )
        .prop_map(move |(src, cut, draws, output, bare, name, dev, use_dev)| {
            assemble(&f, &src, cut, &draws, output, bare, &name, &dev, use_dev)
        })
        .boxed()
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    f: &Func,
    src: &str,
    cut: usize,
    draws: &[Draw],
    output: usize,
    bare: bool,
    name: &str,
    dev: &str,
    use_dev: bool,
) -> String {
    let mut positional: Vec<String> = Vec::new();
    let mut named: Vec<(u8, String)> = Vec::new();
    // bbands: `dev: x` sets both bands, when neither is given positionally.
    let dev_both = f.name == "bbands" && use_dev && cut <= 2;
    for (i, (param, (choice, period, real, key))) in f.params.iter().zip(draws).enumerate() {
        let as_positional = i < cut;
        match *param {
            Param::Source => {
                if choice % 3 == 0 {
                    continue; // close by default
                }
                if as_positional && !looks_literal(src) {
                    positional.push(src.to_string());
                } else {
                    let label = if choice % 2 == 0 { "src" } else { "source" };
                    named.push((*key, format!("{label}: {src}")));
                }
            }
            Param::Period { name, min, default } => {
                let period = fix_min(period, min);
                if as_positional {
                    positional.push(period);
                } else if default.is_none() || choice % 2 == 0 {
                    named.push((*key, format!("{name}: {period}")));
                }
            }
            Param::Real { name } => {
                if as_positional {
                    positional.push(real.clone());
                } else if !dev_both && choice % 2 == 0 {
                    named.push((*key, format!("{name}: {real}")));
                }
            }
        }
    }
    if dev_both {
        named.push((0, format!("dev: {dev}")));
    }
    named.sort_by_key(|(key, _)| *key);
    let args: Vec<String> = positional
        .into_iter()
        .chain(named.into_iter().map(|(_, arg)| arg))
        .collect();
    let mut text = if args.is_empty() && bare {
        name.to_string()
    } else {
        format!("{name}({})", args.join(", "))
    };
    if f.outputs.len() > 1 {
        text.push('.');
        text.push_str(f.outputs[output]);
    }
    text
}

/// A period literal raised to the parameter's lower bound where needed.
fn fix_min(period: &str, min: usize) -> String {
    let value: f64 = period.parse().expect("a number");
    if value < min as f64 {
        min.to_string()
    } else {
        period.to_string()
    }
}

/// The smallest expressions: literals, fields, calls on price fields, and comparisons
/// and `symbol in` for conditions.
fn leaves() -> Expressions {
    let calls: Vec<S> = funcs().into_iter().map(|f| call(f, field())).collect();
    let num = prop_oneof![
        2 => number(),
        4 => field(),
        3 => Union::new(calls),
    ]
    .boxed();
    let cond = prop_oneof![
        5 => comparison(num.clone()),
        1 => symbol_in(),
    ]
    .boxed();
    Expressions { num, cond }
}

fn comparison(num: S) -> S {
    let op = prop::sample::select(vec!["<", "<=", ">", ">=", "=", "!="]);
    (num.clone(), op, num)
        .prop_map(|(a, op, b)| format!("{a} {op} {b}"))
        .boxed()
}

fn symbol_in() -> S {
    let symbol = prop::sample::select(vec!["AAPL", "MSFT", "brk.b", " X ", "SPY", "BRK.B"]);
    (
        prop::collection::vec((symbol, any::<bool>()), 1..4),
        word("symbol"),
        word("in"),
    )
        .prop_map(|(symbols, symbol_kw, in_kw)| {
            let quoted: Vec<String> = symbols
                .into_iter()
                .map(|(s, double)| {
                    if double {
                        format!("\"{s}\"")
                    } else {
                        format!("'{s}'")
                    }
                })
                .collect();
            format!("{symbol_kw} {in_kw} ({})", quoted.join(", "))
        })
        .boxed()
}

/// Sometimes parenthesised.
fn maybe_parens(s: S) -> S {
    (s, 0u8..3)
        .prop_map(|(text, p)| if p == 0 { format!("({text})") } else { text })
        .boxed()
}

fn offset(s: S) -> S {
    (s, 0..=MAX_OFFSET, any::<bool>())
        .prop_map(|(text, n, parens)| {
            if parens {
                format!("({text})[{n}]")
            } else {
                format!("{text}[{n}]")
            }
        })
        .boxed()
}

/// `name(arg, period)` with the argument and period positional or named.
fn window(name: &'static str, cond: S) -> S {
    (cond, bars_literal(1), 0u8..4, word(name))
        .prop_map(|(c, n, style, name)| match style {
            0 => format!("{name}({c}, {n})"),
            1 => format!("{name}({c}, period: {n})"),
            2 => format!("{name}(condition: {c}, period: {n})"),
            _ => format!("{name}(period: {n}, condition: {c})"),
        })
        .boxed()
}

/// `name(arg)` or `name(param: arg)`.
fn unary_call(name: &'static str, param: &'static str, arg: S) -> S {
    (arg, any::<bool>(), word(name))
        .prop_map(move |(a, named, name)| {
            if named {
                format!("{name}({param}: {a})")
            } else {
                format!("{name}({a})")
            }
        })
        .boxed()
}

fn min_max(num: S) -> S {
    (
        prop::collection::vec(num, 2..5),
        prop::sample::select(vec!["min", "max"]),
    )
        .prop_map(|(args, name)| format!("{name}({})", args.join(", ")))
        .boxed()
}

fn negate(num: S) -> S {
    num.prop_map(|x| {
        if x.starts_with('-') {
            format!("-({x})")
        } else {
            format!("-{x}")
        }
    })
    .boxed()
}

fn binary(a: S, ops: Vec<&'static str>, b: S) -> S {
    (maybe_parens(a), prop::sample::select(ops), maybe_parens(b))
        .prop_map(|(a, op, b)| format!("{a} {op} {b}"))
        .boxed()
}

/// One level of composite expressions over `sub`; timeframes (over `no_timeframe`,
/// which never contains one) only when given.
fn level(sub: &Expressions, no_timeframe: Option<&Expressions>) -> Expressions {
    let source = prop_oneof![2 => field(), 3 => sub.num.clone()].boxed();
    let calls: Vec<S> = funcs()
        .into_iter()
        .map(|f| call(f, source.clone()))
        .collect();
    let logic_word = prop_oneof![word("and"), word("or")];
    let mut num: Vec<(u32, S)> = vec![
        (6, sub.num.clone()),
        (6, Union::new(calls).boxed()),
        (2, unary_call("abs", "value", sub.num.clone())),
        (2, min_max(sub.num.clone())),
        (2, window("count", sub.cond.clone())),
        (2, unary_call("streak", "condition", sub.cond.clone())),
        (
            6,
            binary(sub.num.clone(), vec!["+", "-", "*", "/"], sub.num.clone()),
        ),
        (2, negate(sub.num.clone())),
        (3, offset(sub.num.clone())),
        (1, sub.num.clone().prop_map(|x| format!("({x})")).boxed()),
    ];
    let crosses = (
        maybe_parens(sub.num.clone()),
        word("crosses"),
        prop_oneof![word("above"), word("below")],
        maybe_parens(sub.num.clone()),
    )
        .prop_map(|(a, crosses, dir, b)| format!("{a} {crosses} {dir} {b}"))
        .boxed();
    let logic = (
        maybe_parens(sub.cond.clone()),
        logic_word,
        maybe_parens(sub.cond.clone()),
    )
        .prop_map(|(a, op, b)| format!("{a} {op} {b}"))
        .boxed();
    let not = (word("not"), maybe_parens(sub.cond.clone()))
        .prop_map(|(not, c)| format!("{not} {c}"))
        .boxed();
    let mut cond: Vec<(u32, S)> = vec![
        (4, sub.cond.clone()),
        (6, comparison(sub.num.clone())),
        (3, crosses),
        (5, logic),
        (2, not),
        (2, window("any", sub.cond.clone())),
        (2, window("all", sub.cond.clone())),
        (2, offset(sub.cond.clone())),
        (1, sub.cond.clone().prop_map(|c| format!("({c})")).boxed()),
        (1, symbol_in()),
    ];
    if let Some(inner) = no_timeframe {
        for frame in ["weekly", "monthly"] {
            num.push((2, unary_call(frame, "expression", inner.num.clone())));
            cond.push((2, unary_call(frame, "expression", inner.cond.clone())));
        }
    }
    Expressions {
        num: Union::new_weighted(num).boxed(),
        cond: Union::new_weighted(cond).boxed(),
    }
}

/// Random valid daily bars: 0..=300 weekdays (often fewer than 40) from a random start, with occasional gaps
/// of a few days, flat bars, zero volumes, unchanged-close days and cent prices.
pub fn daily_bars() -> impl Strategy<Value = Vec<Bar>> {
    daily_bars_up_to(300)
}

/// [`daily_bars`] with at most `max` bars.
pub fn daily_bars_up_to(max: usize) -> impl Strategy<Value = Vec<Bar>> {
    let step = (
        -0.06f64..0.06,      // return
        0.0f64..0.03,        // upper wick
        0.0f64..0.03,        // lower wick
        0.0f64..1.0,         // where the open sits
        0u8..20,             // kind of day
        0.0f64..2e6,         // volume
        (0u8..40, 1i64..=6), // a gap of some days, now and then
    );
    (
        0i64..4_000,
        prop_oneof![1.0f64..20.0, 20.0f64..2_000.0],
        // Short histories half of the time: the first bars are where most edge cases are.
        prop_oneof![
            prop::collection::vec(step.clone(), 0..=max.min(40)),
            prop::collection::vec(step, 0..=max),
        ],
    )
        .prop_map(|(start, price, steps)| {
            let epoch_2012 = BarTime::from_ymd(2012, 1, 2).expect("a date").day_number();
            let mut day = epoch_2012 + start;
            let mut price = cents(price);
            let mut bars = Vec::with_capacity(steps.len());
            let mut flat_days = 0;
            for (ret, up, down, body, mut kind, volume, gap) in steps {
                if kind == 4 {
                    // A flat stretch starts.
                    flat_days = usize::from(gap.0 % 5) + 2;
                }
                if flat_days > 0 {
                    flat_days -= 1;
                    kind = 1;
                }
                if !bars.is_empty() {
                    day += 1;
                    if gap.0 == 0 {
                        day += gap.1;
                    }
                }
                while weekday(day) >= 5 {
                    day += 1;
                }
                let previous = price;
                let bar = match kind {
                    // A flat bar: nothing traded at a new price.
                    0 | 1 => flat(previous, if kind == 0 { 0.0 } else { volume.round() }),
                    _ => {
                        price = cents((price * ret.exp()).max(0.01));
                        let (open, close) = if kind == 2 {
                            // Closed where it opened.
                            (price, price)
                        } else {
                            (cents(previous + (price - previous) * body), price)
                        };
                        Bar {
                            time: BarTime::from_unix_seconds(0),
                            open,
                            high: cents(open.max(close) * (1.0 + up)),
                            low: cents(open.min(close) * (1.0 - down)),
                            close,
                            volume: if kind == 3 { 0.0 } else { volume.round() },
                            adj_close: None,
                        }
                    }
                };
                let mut bar = Bar {
                    time: BarTime::from_unix_seconds(day * 86_400),
                    ..bar
                };
                bar.high = bar.high.max(bar.open).max(bar.close);
                bar.low = bar.low.min(bar.open).min(bar.close);
                bar.validate().expect("a generated bar is valid");
                bars.push(bar);
            }
            bars
        })
}

fn flat(price: f64, volume: f64) -> Bar {
    Bar {
        time: BarTime::from_unix_seconds(0),
        open: price,
        high: price,
        low: price,
        close: price,
        volume,
        adj_close: None,
    }
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// 0 = Monday … 6 = Sunday, for a day number (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}
