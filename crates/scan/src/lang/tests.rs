//! Unit tests of the front end: every construct, precedence, canonical forms.

use super::*;
use crate::catalog::Indicator;
use crate::series::PriceField;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// A compact S-expression of a checked node, for readable assertions.
fn sexp(node: &Node) -> String {
    let list = |head: &str, nodes: &[&Node]| {
        let parts: Vec<String> = nodes.iter().map(|n| sexp(n)).collect();
        format!("({head} {})", parts.join(" "))
    };
    match &node.kind {
        NodeKind::Number(Num(n)) => format!("{n}"),
        NodeKind::Field(f) => f.name().to_string(),
        NodeKind::Indicator {
            indicator,
            source,
            output,
        } => {
            let i = indicator.0;
            let out = i.outputs()[*output];
            let src = source
                .as_ref()
                .map(|s| format!("src={}", sexp(s)))
                .unwrap_or_default();
            format!("{}{src}.{out}", format!("{i:?}").replace(' ', ""))
        }
        NodeKind::Neg(n) => list("neg", &[n]),
        NodeKind::Arith { op, lhs, rhs } => list(
            match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            },
            &[lhs, rhs],
        ),
        NodeKind::Compare { op, lhs, rhs } => list(&format!("{op:?}"), &[lhs, rhs]),
        NodeKind::Logic { op, lhs, rhs } => list(&format!("{op:?}"), &[lhs, rhs]),
        NodeKind::Not(n) => list("not", &[n]),
        NodeKind::Crosses { above, lhs, rhs } => {
            list(if *above { "xabove" } else { "xbelow" }, &[lhs, rhs])
        }
        NodeKind::Offset { node, bars } => format!("{}[{bars}]", sexp(node)),
        NodeKind::Window { kind, cond, bars } => list(&format!("{kind:?}{bars}"), &[cond]),
        NodeKind::Streak(n) => list("streak", &[n]),
        NodeKind::Timeframe { frame, node } => list(&format!("{frame:?}"), &[node]),
        NodeKind::Change { source, bars } => list(&format!("change{bars}"), &[source]),
        NodeKind::PctChange { source, bars } => list(&format!("pct{bars}"), &[source]),
        NodeKind::Abs(n) => list("abs", &[n]),
        NodeKind::Min(ns) => list("min", &ns.iter().collect::<Vec<_>>()),
        NodeKind::Max(ns) => list("max", &ns.iter().collect::<Vec<_>>()),
        NodeKind::SymbolIn(s) => format!("(in {})", s.join(" ")),
    }
}

fn cond(text: &str) -> String {
    let scan = compile(text).unwrap_or_else(|d| panic!("{}", render_all(&d, text)));
    sexp(&scan.condition.expect("a condition"))
}

fn show(text: &str) -> String {
    let scan = compile(&format!("show {text} as x"))
        .unwrap_or_else(|d| panic!("{}", render_all(&d, text)));
    sexp(&scan.show[0].node)
}

fn messages(text: &str) -> Vec<String> {
    compile(text)
        .expect_err(text)
        .into_iter()
        .map(|d| d.message)
        .collect()
}

fn hash(node: &Node) -> u64 {
    let mut h = DefaultHasher::new();
    node.hash(&mut h);
    h.finish()
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(show("open + high * low"), "(+ open (* high low))");
    assert_eq!(show("(open + high) * low"), "(* (+ open high) low)");
    assert_eq!(show("open - high - low"), "(- (- open high) low)");
    assert_eq!(show("open / high / low"), "(/ (/ open high) low)");
    assert_eq!(show("-close[1]"), "(neg close[1])");
    assert_eq!(show("-close * 2"), "(* (neg close) 2)");
    assert_eq!(show("- -2"), "2");
    assert_eq!(show("-2"), "-2");
}

#[test]
fn logic_precedence() {
    assert_eq!(
        cond("not close > open and high > low"),
        "(And (not (Gt close open)) (Gt high low))"
    );
    assert_eq!(
        cond("close > 1 or open > 2 and high > 3"),
        "(Or (Gt close 1) (And (Gt open 2) (Gt high 3)))"
    );
    assert_eq!(
        cond("(close > 1 or open > 2) and not not high > 3"),
        "(And (Or (Gt close 1) (Gt open 2)) (not (not (Gt high 3))))"
    );
    assert_eq!(cond("close + 1 >= open * 2"), "(Ge (+ close 1) (* open 2))");
    assert_eq!(
        cond("close crosses above sma(20) + 1"),
        "(xabove close (+ Sma{source:Close,period:20}.sma 1))"
    );
    for op in ["<", "<=", ">", ">=", "=", "!="] {
        assert!(compile(&format!("close {op} open")).is_ok(), "{op}");
    }
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(
        messages("open < close < high"),
        ["comparisons cannot be chained: `<` follows a comparison"]
    );
    assert_eq!(
        messages("open crosses above close > 1"),
        ["comparisons cannot be chained: `>` follows a comparison"]
    );
}

#[test]
fn numbers_suffixes_comments_and_lines() {
    assert_eq!(cond("volume > 2M"), "(Gt volume 2000000)");
    assert_eq!(cond("volume > 1.5k"), "(Gt volume 1500)");
    assert_eq!(cond("volume > 3B"), "(Gt volume 3000000000)");
    assert_eq!(cond("volume > 1e3"), "(Gt volume 1000)");
    let text = "# a comment line\nclose > open   # trailing\n\n  and\n\tvolume > 1M # end";
    assert_eq!(cond(text), "(And (Gt close open) (Gt volume 1000000))");
    assert_eq!(
        cond("CLOSE > Open AND Volume > 1"),
        "(And (Gt close open) (Gt volume 1))"
    );
}

#[test]
fn fields_and_derived_fields() {
    for f in [
        "open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4",
    ] {
        assert_eq!(show(f), f);
    }
}

#[test]
fn indicators_take_sources_defaults_and_named_arguments() {
    assert_eq!(show("sma(200)"), "Sma{source:Close,period:200}.sma");
    assert_eq!(show("sma(close, 200)"), show("sma(200)"));
    assert_eq!(show("sma(volume, 20)"), "Sma{source:Volume,period:20}.sma");
    assert_eq!(
        show("sma(src: high, period: 5)"),
        "Sma{source:High,period:5}.sma"
    );
    assert_eq!(show("rsi"), "Rsi{source:Close,period:14}.rsi");
    assert_eq!(show("rsi()"), show("rsi"));
    assert_eq!(
        show("sma(close - open, 10)"),
        "Sma{source:Close,period:10}src=(- close open).sma"
    );
    assert_eq!(
        show("rsi(sma(close, 5), 14)"),
        "Rsi{source:Close,period:14}src=Sma{source:Close,period:5}.sma.rsi"
    );
    assert_eq!(show("sma(hl2, 3)"), "Sma{source:Close,period:3}src=hl2.sma");
    assert_eq!(
        show("bbands(20, dev: 2.5).upper"),
        "Bbands{source:Close,period:20,up:2.5,down:2.5}.upper"
    );
    assert_eq!(
        show("bbands(20, 2, -1).lower"),
        "Bbands{source:Close,period:20,up:2.0,down:-1.0}.lower"
    );
    assert_eq!(
        show("macd().signal"),
        "Macd{source:Close,fast:12,slow:26,signal:9}.signal"
    );
    assert_eq!(
        show("macd(signal: 5).hist"),
        "Macd{source:Close,fast:12,slow:26,signal:5}.hist"
    );
    assert_eq!(
        show("stoch().slowk"),
        "Stoch{fastk:14,slowk:3,slowd:3}.slowk"
    );
    assert_eq!(show("stochf(5, 3).fastd"), "Stochf{fastk:5,fastd:3}.fastd");
    assert_eq!(show("atr(10)"), "Atr{period:10}.atr");
    assert_eq!(show("obv"), "Obv.obv");
    assert_eq!(show("sma(200)[5]"), "Sma{source:Close,period:200}.sma[5]");
    assert_eq!(
        show("macd().signal[2]"),
        "Macd{source:Close,fast:12,slow:26,signal:9}.signal[2]"
    );
}

#[test]
fn every_catalogue_indicator_is_callable() {
    for info in crate::catalog::CATALOG {
        let name = match info.name {
            "max" => "highest",
            "min" => "lowest",
            n => n,
        };
        let needs_period = info.params.iter().any(|p| {
            matches!(
                p.kind,
                crate::catalog::ParamKind::Period { default: None, .. }
            )
        });
        let call = if needs_period {
            format!("{name}(20)")
        } else {
            format!("{name}()")
        };
        let call = if info.outputs.len() > 1 {
            format!("{call}.{}", info.outputs[info.outputs.len() - 1])
        } else {
            call
        };
        let scan = compile(&format!("{call} > 0")).unwrap_or_else(|d| panic!("{call}: {d:?}"));
        let Some(Node {
            kind: NodeKind::Compare { lhs, .. },
            ..
        }) = scan.condition
        else {
            panic!("{call}")
        };
        let NodeKind::Indicator {
            indicator, output, ..
        } = lhs.kind
        else {
            panic!("{call}")
        };
        assert_eq!(indicator.0.name(), info.name);
        assert_eq!(output, info.outputs.len() - 1);
    }
}

#[test]
fn built_in_functions() {
    assert_eq!(
        show("highest(high, 252)"),
        "Max{source:High,period:252}.max"
    );
    assert_eq!(show("lowest(20)"), "Min{source:Close,period:20}.min");
    assert_eq!(show("avg(volume, 50)"), show("sma(volume, 50)"));
    assert_eq!(show("change(close)"), "(change1 close)");
    assert_eq!(show("change(close, 5)"), "(change5 close)");
    assert_eq!(show("pct_change(volume, 10)"), "(pct10 volume)");
    assert_eq!(show("pct_change(5)"), "(pct5 close)");
    assert_eq!(show("abs(close - open)"), "(abs (- close open))");
    assert_eq!(show("max(open, close)"), "(max open close)");
    assert_eq!(show("min(open, close, 3)"), "(min open close 3)");
    assert_eq!(cond("any(close > open, 5)"), "(Any5 (Gt close open))");
    assert_eq!(cond("all(close > open, 3)"), "(All3 (Gt close open))");
    assert_eq!(show("count(close > open, 10)"), "(Count10 (Gt close open))");
    assert_eq!(
        show("streak(close > close[1])"),
        "(streak (Gt close close[1]))"
    );
    assert_eq!(
        cond("weekly(close) > weekly(sma(close, 10))"),
        "(Gt (Weekly close) (Weekly Sma{source:Close,period:10}.sma))"
    );
    assert_eq!(cond("monthly(close > open)"), "(Monthly (Gt close open))");
    assert_eq!(
        cond("symbol in (\"aapl\", 'MSFT', \" brk.b \", \"AAPL\")"),
        "(in AAPL BRK.B MSFT)"
    );
}

#[test]
fn types_of_nodes() {
    let ty = |t: &str| {
        compile(&format!("show {t} as x")).unwrap().show[0]
            .node
            .ty()
    };
    assert_eq!(ty("close"), Ty::Number);
    assert_eq!(ty("close > open"), Ty::Condition);
    assert_eq!(ty("(close > open)[1]"), Ty::Condition);
    assert_eq!(ty("count(close > open, 3)"), Ty::Number);
    assert_eq!(ty("any(close > open, 3)"), Ty::Condition);
    assert_eq!(ty("weekly(close > open)"), Ty::Condition);
    assert_eq!(ty("streak(close > open)"), Ty::Number);
    assert_eq!(ty("symbol in (\"A\")"), Ty::Condition);
}

#[test]
fn clauses() {
    let scan = compile("rank by volume asc\nlimit 5\nshow close as c, close > open as up").unwrap();
    assert!(scan.condition.is_none());
    let rank = scan.rank.unwrap();
    assert!(!rank.descending);
    assert_eq!(sexp(&rank.node), "volume");
    assert_eq!(scan.limit, Some(5));
    let names: Vec<_> = scan.show.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["c", "up"]);
    assert!(compile("rank by volume").unwrap().rank.unwrap().descending);
    assert!(
        compile("rank by volume desc")
            .unwrap()
            .rank
            .unwrap()
            .descending
    );
    let empty = compile("  # nothing\n").unwrap();
    assert_eq!(
        empty,
        CheckedScan {
            condition: None,
            rank: None,
            limit: None,
            show: vec![]
        }
    );
    assert_eq!(compile("limit 1e3").unwrap().limit, Some(1000));
}

#[test]
fn structurally_equal_nodes_are_equal_and_hash_equal() {
    let scan = compile("sma(close, 50) > 1 and sma(50) < 2 and close[1][2] > close[3]").unwrap();
    let NodeKind::Logic { lhs, rhs, .. } = &scan.condition.unwrap().kind else {
        panic!()
    };
    let NodeKind::Logic { lhs: a, rhs: b, .. } = &lhs.kind else {
        panic!()
    };
    let (NodeKind::Compare { lhs: a, .. }, NodeKind::Compare { lhs: b, .. }) = (&a.kind, &b.kind)
    else {
        panic!()
    };
    assert_ne!(a.span, b.span);
    assert_eq!(a, b);
    assert_eq!(hash(a), hash(b));
    let NodeKind::Compare { lhs: c, rhs: d, .. } = &rhs.kind else {
        panic!()
    };
    assert_eq!(c, d);
    assert_eq!(hash(c), hash(d));
    assert_eq!(show("close[0]"), "close");
    assert_ne!(
        compile("show sma(49) as x").unwrap().show[0].node,
        compile("show sma(50) as x").unwrap().show[0].node
    );
    assert_eq!(
        compile("show bbands(20, dev: -0).upper as x").unwrap().show[0].node,
        compile("show bbands(20, 0, 0).upper as x").unwrap().show[0].node
    );
}

#[test]
fn indicators_equal_the_catalogue_parse() {
    let node = compile("show bbands(volume, 10, 1.5, 2).middle as x")
        .unwrap()
        .show[0]
        .node
        .clone();
    let NodeKind::Indicator { indicator, .. } = node.kind else {
        panic!()
    };
    assert_eq!(
        indicator.0,
        Indicator::parse("bbands(volume, 10, 1.5, 2)").unwrap()
    );
    assert_eq!(
        Indicator::parse("sma(high, 3)").unwrap(),
        Indicator::Sma {
            source: PriceField::High,
            period: 3
        }
    );
}

#[test]
fn type_errors() {
    assert_eq!(
        messages("close and volume > 1"),
        ["`and` needs a condition on its left, found a number: `close`"]
    );
    assert_eq!(
        messages("close > open or volume"),
        ["`or` needs a condition on its right, found a number: `volume`"]
    );
    assert_eq!(
        messages("not close"),
        ["`not` needs a condition, found a number: `close`"]
    );
    assert_eq!(
        messages("(close > open) + 1 > 2"),
        ["`+` needs a number on its left, found a condition: `(close > open)`"]
    );
    assert_eq!(
        messages("close"),
        ["the scan must be a condition, found a number: `close`"]
    );
    assert_eq!(
        messages("rank by close > open"),
        ["`rank by` needs a number, found a condition: `close > open`"]
    );
    assert_eq!(
        messages("any(close, 3)"),
        ["the condition of `any` must be a condition, found a number: `close`"]
    );
    assert_eq!(
        messages("sma(close > open, 3) > 1"),
        ["the source of `sma` must be a number, found a condition: `close > open`"]
    );
    assert_eq!(
        messages("(close > open) crosses above 1"),
        ["`crosses above` needs a number on its left, found a condition: `(close > open)`"]
    );
}

#[test]
fn argument_errors() {
    assert_eq!(
        messages("rsi(close, 14, 3) < 1"),
        ["rsi takes at most 2 arguments"]
    );
    assert_eq!(messages("obv(1) > 1"), ["obv takes no arguments"]);
    assert_eq!(messages("abs(1, 2) > 1"), ["abs takes 1 argument"]);
    assert_eq!(messages("sma() > 1"), ["sma needs a `period`"]);
    assert_eq!(messages("any(close > open)"), ["any needs a `period`"]);
    assert_eq!(messages("streak() > 1"), ["streak needs a `condition`"]);
    assert_eq!(messages("weekly > 1"), ["weekly needs an `expression`"]);
    assert_eq!(
        messages("any(close > open, n)"),
        ["any period must be a whole number from 1 to 10000 written as a literal, found `n`"]
    );
    assert_eq!(
        messages("rsi(14, period: 3) < 1"),
        ["`period` is given twice"]
    );
    assert_eq!(
        messages("rsi(perod: 3) < 1"),
        ["rsi has no parameter `perod`"]
    );
    assert_eq!(
        messages("sma(close, 0) > 1 and sma(close, 10001) > 1 and sma(close, 2.5) > 1"),
        [
            "sma period must be a whole number from 1 to 10000, got 0",
            "sma period must be a whole number from 1 to 10000, got 10001",
            "sma period must be a whole number from 1 to 10000, got 2.5",
        ]
    );
    assert_eq!(
        messages("sma(close, volume) > 1"),
        ["sma period must be a whole number from 1 to 10000 written as a literal, found `volume`"]
    );
    assert_eq!(
        messages("highest(high, 1) > 1"),
        ["highest period must be a whole number from 2 to 10000, got 1"]
    );
    assert_eq!(
        messages("bbands(20, up: close).upper > 1"),
        ["bbands up must be a number literal, found `close`"]
    );
    assert_eq!(
        messages("max(close) > 1"),
        ["max needs at least two numbers, got 1"]
    );
    assert_eq!(
        messages("max(a: close, open) > 1"),
        ["max takes no named arguments, got `a`"]
    );
    assert_eq!(
        messages("weekly(close, 2) > 1"),
        ["weekly takes 1 argument"]
    );
}

#[test]
fn output_errors() {
    assert_eq!(
        messages("macd() > 1"),
        ["macd has several outputs: pick one with `.macd`, `.signal` or `.hist`"]
    );
    assert_eq!(messages("macd().sgnal > 1"), ["macd has no output `sgnal`"]);
    assert_eq!(
        messages("rsi(14).rsi > 1"),
        ["rsi has a single output; remove `.rsi`"]
    );
    assert_eq!(
        messages("close.upper > 1"),
        ["`.upper` selects an output of an indicator call, and `close` is not one"]
    );
    assert_eq!(
        messages("macd()[1].signal > 1"),
        ["select the output before the offset: `.signal` comes after `[…]` here"]
    );
    assert!(compile("bbands.upper > close").is_ok());
}

#[test]
fn name_errors() {
    let errors = compile("clsoe > 1 and rsl(3) > 1 and close(1) > 1 and symbol > 1").unwrap_err();
    let got: Vec<_> = errors
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown name `clsoe`", Some("did you mean `close`?")),
            ("unknown function `rsl`", Some("did you mean `rsi`?")),
            (
                "`close` is a price field, not a function",
                Some("for its value n bars ago write `close[n]`")
            ),
            (
                "`symbol` can only be used as `symbol in (\"AAPL\", …)`",
                None
            ),
        ]
    );
}

#[test]
fn other_checks() {
    assert_eq!(
        messages("weekly(sma(monthly(close), 3)) > 1"),
        ["timeframes cannot be nested: `monthly` inside `weekly`"]
    );
    assert_eq!(
        messages("symbol in ()"),
        ["`symbol in` needs at least one symbol"]
    );
    assert_eq!(messages("symbol in (\"A B\")"), ["\"A B\" is not a symbol"]);
    assert_eq!(
        messages("close[10001] > 1"),
        ["an offset must be a whole number of bars from 0 to 10000, got 10001"]
    );
    assert_eq!(
        messages("limit 2.5"),
        ["limit must be a whole number from 1 to 1000000, got 2.5"]
    );
    assert_eq!(
        messages("limit -3"),
        ["limit must be a whole number from 1 to 1000000, got -3"]
    );
    assert_eq!(
        messages("show close as a, open as A"),
        ["column `A` is shown twice"]
    );
    assert_eq!(
        messages("limit 1 limit 2 rank by close rank by open show close as c show open as o"),
        [
            "`limit` is given twice",
            "`rank by` is given twice",
            "`show` is given twice"
        ]
    );
}

#[test]
fn syntax_errors() {
    let cases = [
        ("close > 1 and", "expected an expression after `and`, found end of scan"),
        ("close > ", "expected an expression after `>`, found end of scan"),
        ("(close > 1", "expected `)` to close the `(` at 1:1, found end of scan"),
        ("close > 1)", "expected `and`, `or`, a clause (`rank by`, `limit`, `show`) or the end of the scan, found `)`"),
        ("rank volume", "expected `by` after `rank`, found `volume`"),
        ("limit x", "expected a whole number after `limit`, found `x`"),
        ("show close", "expected `as NAME` after the expression to show, found end of scan"),
        ("show close as and", "expected a column name after `as`, found `and`"),
        ("close[x] > 1", "expected a whole number of bars in `[…]`, found `x`"),
        ("close > \"AAPL\"", "a string can only appear in a symbol list: `symbol in (\"AAPL\", …)`"),
        ("symbol in (AAPL)", "expected a symbol in quotes, found `AAPL`"),
        ("close crosses open", "expected `above` or `below` after `crosses`, found `open`"),
        ("macd(). > 1", "expected an output name after `.`, found `>`"),
        ("close == open", "`==` is not an operator"),
        ("close > open && 1 > 0", "`&&` is not an operator"),
    ];
    for (text, message) in cases {
        let got = messages(text);
        assert_eq!(got[0], message, "{text}");
    }
}

#[test]
fn recovers_at_commas_and_clauses() {
    let got =
        messages("sma(close, ) > 1 and rsi(14 15) < 3 and ema(close, 3) > ) rank by clsoe limit 0");
    assert_eq!(
        got,
        [
            "expected an expression after `,`, found `)`",
            "expected `,` or `)` in the arguments of `rsi`, found `15`",
            "expected an expression after `>`, found `)`",
            "unknown name `clsoe`",
            "limit must be a whole number from 1 to 1000000, got 0",
        ]
    );
}

#[test]
fn too_many_errors_are_capped() {
    let text = "€ ".repeat(1000);
    let errors = compile(&text).unwrap_err();
    assert_eq!(errors.len(), MAX_DIAGNOSTICS + 1);
    assert!(errors
        .last()
        .unwrap()
        .message
        .starts_with("too many errors"));
}

#[test]
fn nesting_is_limited() {
    let ok = format!("{}close{} > 1", "(".repeat(200), ")".repeat(200));
    assert!(compile(&ok).is_ok());
    let deep = format!("{}close{} > 1", "(".repeat(300), ")".repeat(300));
    assert_eq!(
        messages(&deep),
        ["expression nested too deeply (more than 256 levels)"]
    );
    let long = format!("close{} > 1", " + 1".repeat(300));
    assert_eq!(
        messages(&long),
        ["expression nested too deeply (more than 256 levels)"]
    );
    let negs = format!("{}close > 1", "-".repeat(300));
    assert_eq!(
        messages(&negs),
        ["expression nested too deeply (more than 256 levels)"]
    );
}
