//! No text makes the scan-language front end panic, overflow its stack or take more than
//! linear-ish time: it returns a checked scan or diagnostics whose spans lie inside the
//! text, on char boundaries.

use proptest::prelude::*;
use scan::lang::{self, MAX_DEPTH};
use std::time::{Duration, Instant};

fn check(text: &str) -> Result<(), TestCaseError> {
    if let Err(diagnostics) = lang::compile(text) {
        prop_assert!(!diagnostics.is_empty());
        for d in &diagnostics {
            prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
            prop_assert!(text.is_char_boundary(d.span.start));
            prop_assert!(text.is_char_boundary(d.span.end));
            prop_assert!(d.line >= 1 && d.column >= 1);
            let rendered = d.render(text);
            prop_assert!(rendered.starts_with("error: "), "{}", rendered);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn arbitrary_text(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn near_miss_scans(
        text in r"(rsi|sma|macd|bbands|close|volume|not|symbol in|weekly|any|max)?[ (]{0,2}[-0-9a-z.,:e )(\[\]<>=!+*/#\n\x22]{0,40}( rank by| limit| show)?[ a-z0-9,()]{0,12}"
    ) {
        check(&text)?;
    }

    #[test]
    fn shuffled_tokens(tokens in prop::collection::vec(
        prop::sample::select(vec![
            "close", "sma(", "rsi", "(", ")", ",", "and", "or", "not", "<", ">", "=", "+", "-",
            "*", "/", "[1]", ".signal", "macd()", "crosses", "above", "below", "2M", "14",
            "symbol", "in", "\"AAPL\"", "rank", "by", "limit", "show", "as", "x", "weekly(",
            "any(", "period:", "\n", "#c\n", "1.5", "[", "]", ":", "€",
        ]),
        0..40,
    )) {
        check(&tokens.join(" "))?;
    }
}

/// Runs `f` on a thread with the default 2 MB test stack and a time budget.
fn on_small_stack(name: &str, text: String, budget: Duration) -> Vec<lang::Diagnostic> {
    let handle = std::thread::Builder::new()
        .name(name.into())
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let started = Instant::now();
            let result = lang::compile(&text);
            (result.err().unwrap_or_default(), started.elapsed())
        })
        .unwrap();
    let (diagnostics, elapsed) = handle.join().expect("no stack overflow or panic");
    assert!(elapsed < budget, "{name} took {elapsed:?}");
    diagnostics
}

const MB: usize = 1 << 20;

#[test]
fn a_megabyte_of_open_parentheses() {
    let d = on_small_stack("parens", "(".repeat(MB), Duration::from_secs(2));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].message,
        format!("expression nested too deeply (more than {MAX_DEPTH} levels)")
    );
    assert_eq!(d[0].column, MAX_DEPTH + 1);
}

#[test]
fn a_megabyte_of_nested_parentheses_around_one() {
    let half = MB / 2;
    let text = format!("{}1{}", "(".repeat(half), ")".repeat(half));
    let d = on_small_stack("nested", text, Duration::from_secs(2));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.starts_with("expression nested too deeply"));
}

#[test]
fn deep_but_allowed_nesting_of_every_kind_fits_a_small_stack() {
    let depth = MAX_DEPTH - 6;
    let cases = [
        format!("{}close{} > 1", "(".repeat(depth), ")".repeat(depth)),
        format!("{}close{} > 1", "sma(".repeat(depth), ", 2)".repeat(depth)),
        format!("{}close{} > 1", "abs(".repeat(depth), ")".repeat(depth)),
        format!("{}close > 1", "-".repeat(depth)),
        format!("{}close > 1", "not ".repeat(depth)),
        format!("close{} > 1", " + 1".repeat(depth)),
        format!("close > 1{}", " and close > 1".repeat(depth / 2)),
        format!("{}close{} > 1", "max(1, ".repeat(depth), ")".repeat(depth)),
        format!("close{} > 1", "[1]".repeat(depth)),
    ];
    for (i, text) in cases.into_iter().enumerate() {
        // Only the `not` case is ill-typed (`not` of a number); all must return.
        let d = on_small_stack(&format!("case {i}"), text, Duration::from_secs(2));
        assert!(
            d.iter().all(|d| !d.message.contains("nested too deeply")),
            "{i}: {d:?}"
        );
    }
}

#[test]
fn too_deep_nesting_of_every_kind_is_an_error() {
    let depth = 4 * MAX_DEPTH;
    let cases = [
        format!("{}close{} > 1", "sma(".repeat(depth), ", 2)".repeat(depth)),
        format!("{}close > 1", "-".repeat(depth)),
        format!("{}close > 1", "not ".repeat(depth)),
        format!("close{} > 1", " + 1".repeat(100 * depth)),
        format!("close{} > 1", "[1]".repeat(depth)),
        format!(
            "{}close{} > 1",
            "macd(".repeat(depth),
            ").signal".repeat(depth)
        ),
    ];
    for (i, text) in cases.into_iter().enumerate() {
        let d = on_small_stack(&format!("case {i}"), text, Duration::from_secs(2));
        assert!(
            d.iter().any(|d| d.message.contains("nested too deeply")),
            "{i}: {d:?}"
        );
    }
}

#[test]
fn long_inputs_are_fast() {
    let cases = [
        "x".repeat(MB),
        format!("close > {}", "9".repeat(MB)),
        "€".repeat(MB / 3),
        "\"".repeat(MB),
        "# comment\n".repeat(MB / 10),
        format!("symbol in ({}\"A\")", "\"B\", ".repeat(MB / 6)),
        "close > 1 and ".repeat(MB / 14),
        ") ".repeat(MB / 2),
        "sma(, ".repeat(MB / 6),
        "show close as c, ".repeat(MB / 17),
        "\u{0}\u{7f}\r\t".repeat(MB / 4),
    ];
    for (i, text) in cases.into_iter().enumerate() {
        on_small_stack(&format!("case {i}"), text, Duration::from_secs(3));
    }
}
