//! Exact rendered diagnostics for typical mistakes, and several errors reported at once.

use scan::lang;

fn rendered(text: &str) -> String {
    let errors = lang::compile(text).expect_err(text);
    lang::render_all(&errors, text)
}

#[track_caller]
fn assert_renders(text: &str, expected: &str) {
    let got = rendered(text);
    assert_eq!(
        got, expected,
        "\n--- got ---\n{got}\n--- expected ---\n{expected}"
    );
}

#[test]
fn misspelled_field() {
    assert_renders(
        "clsoe > sma(200)",
        "error: unknown name `clsoe`\n --> scan:1:1\n  |\n1 | clsoe > sma(200)\n  | ^^^^^\n  = help: did you mean `close`?\n",
    );
}

#[test]
fn misspelled_function_on_a_later_line() {
    assert_renders(
        "close > 5\n  and rsl(14) < 30",
        "error: unknown function `rsl`\n --> scan:2:7\n  |\n2 |   and rsl(14) < 30\n  |       ^^^\n  = help: did you mean `rsi`?\n",
    );
}

#[test]
fn dangling_and() {
    assert_renders(
        "rsi(14) < 30 and",
        "error: expected an expression after `and`, found end of scan\n --> scan:1:17\n  |\n1 | rsi(14) < 30 and\n  |                 ^ expected an expression\n",
    );
}

#[test]
fn number_where_a_condition_is_needed() {
    assert_renders(
        "rsi(14) < 30 and close",
        "error: `and` needs a condition on its right, found a number: `close`\n --> scan:1:18\n  |\n1 | rsi(14) < 30 and close\n  |                  ^^^^^\n  = help: did you mean `close > …`?\n",
    );
}

#[test]
fn period_out_of_range() {
    assert_renders(
        "rsi(1) < 30",
        "error: rsi period must be a whole number from 2 to 10000, got 1\n --> scan:1:5\n  |\n1 | rsi(1) < 30\n  |     ^\n  = help: usage: rsi(source = close, period = 14 (2..10000))\n",
    );
}

#[test]
fn too_many_arguments() {
    assert_renders(
        "rsi(close, 14, 3) < 30",
        "error: rsi takes at most 2 arguments\n --> scan:1:16\n  |\n1 | rsi(close, 14, 3) < 30\n  |                ^\n  = help: usage: rsi(source = close, period = 14 (2..10000))\n",
    );
}

#[test]
fn missing_output() {
    assert_renders(
        "bbands(20, dev: 2.5) > close",
        "error: bbands has several outputs: pick one with `.upper`, `.middle` or `.lower`\n --> scan:1:1\n  |\n1 | bbands(20, dev: 2.5) > close\n  | ^^^^^^^^^^^^^^^^^^^^\n  = help: for example `bbands(20, dev: 2.5).upper`\n",
    );
}

#[test]
fn misspelled_output_and_parameter() {
    assert_renders(
        "macd(sgnal: 5).signl > 0",
        "error: macd has no parameter `sgnal`\n --> scan:1:6\n  |\n1 | macd(sgnal: 5).signl > 0\n  |      ^^^^^\n  = help: did you mean `signal`?\n\nerror: macd has no output `signl`\n --> scan:1:16\n  |\n1 | macd(sgnal: 5).signl > 0\n  |                ^^^^^\n  = help: did you mean `signal`?\n",
    );
}

#[test]
fn chained_comparison() {
    assert_renders(
        "30 < rsi(14) < 70",
        "error: comparisons cannot be chained: `<` follows a comparison\n --> scan:1:14\n  |\n1 | 30 < rsi(14) < 70\n  |              ^\n  = help: compare two at a time and join them with `and`, e.g. `30 < rsi(14) and …`\n",
    );
}

#[test]
fn crosses_without_direction() {
    assert_renders(
        "sma(50) crosses sma(200)",
        "error: expected `above` or `below` after `crosses`, found `sma`\n --> scan:1:17\n  |\n1 | sma(50) crosses sma(200)\n  |                 ^^^ expected `above` or `below`\n  = help: write `a crosses above b` or `a crosses below b`\n",
    );
}

#[test]
fn show_without_a_name() {
    assert_renders(
        "show rsi(14)",
        "error: expected `as NAME` after the expression to show, found end of scan\n --> scan:1:13\n  |\n1 | show rsi(14)\n  |             ^ expected `as NAME`\n  = help: every shown column needs a name, e.g. `show rsi(14) as value`\n",
    );
}

#[test]
fn limit_zero_and_twice() {
    assert_renders(
        "limit 0\nlimit 5",
        "error: limit must be a whole number from 1 to 1000000, got 0\n --> scan:1:7\n  |\n1 | limit 0\n  |       ^\n  = help: leave out `limit` to get every match\n\nerror: `limit` is given twice\n --> scan:2:1\n  |\n2 | limit 5\n  | ^^^^^\n  = help: a scan has at most one `limit` clause\n",
    );
}

#[test]
fn lowercase_million() {
    assert_renders(
        "volume > 2m",
        "error: `2m` is not a number\n --> scan:1:10\n  |\n1 | volume > 2m\n  |          ^^\n  = help: did you mean `2M` (million)?\n",
    );
}

#[test]
fn unclosed_parenthesis() {
    assert_renders(
        "(close > open\nrank by volume",
        "error: expected `)` to close the `(` at 1:1, found `rank`\n --> scan:2:1\n  |\n2 | rank by volume\n  | ^^^^ expected `)`\n",
    );
}

#[test]
fn nested_timeframes() {
    assert_renders(
        "weekly(monthly(close)) > 1",
        "error: timeframes cannot be nested: `monthly` inside `weekly`\n --> scan:1:8\n  |\n1 | weekly(monthly(close)) > 1\n  |        ^^^^^^^\n  = help: use one timeframe per expression, e.g. `weekly(close) > monthly(close)`\n",
    );
}

#[test]
fn columns_count_characters_and_tabs_keep_alignment() {
    assert_renders(
        "\t\"é\" > clsoe",
        "error: a string can only appear in a symbol list: `symbol in (\"AAPL\", …)`\n --> scan:1:2\n  |\n1 |  \"é\" > clsoe\n  |  ^^^\n\nerror: unknown name `clsoe`\n --> scan:1:8\n  |\n1 |  \"é\" > clsoe\n  |        ^^^^^\n  = help: did you mean `close`?\n",
    );
}

#[test]
fn every_error_of_a_scan_at_once() {
    let text = "rsi(1) < 30 and clsoe > sma(close, ) and macd() > 0 and close\n\
                rank by close > open\n\
                limit 0\n\
                show rsi as r, sma(20) as r, volume";
    let errors = lang::compile(text).unwrap_err();
    let got: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                5,
                "rsi period must be a whole number from 2 to 10000, got 1"
            ),
            (1, 17, "unknown name `clsoe`"),
            (1, 36, "expected an expression after `,`, found `)`"),
            (
                1,
                42,
                "macd has several outputs: pick one with `.macd`, `.signal` or `.hist`"
            ),
            (
                1,
                57,
                "`and` needs a condition on its right, found a number: `close`"
            ),
            (
                2,
                9,
                "`rank by` needs a number, found a condition: `close > open`"
            ),
            (
                3,
                7,
                "limit must be a whole number from 1 to 1000000, got 0"
            ),
            (4, 27, "column `r` is shown twice"),
            (
                4,
                36,
                "expected `as NAME` after the expression to show, found end of scan"
            ),
        ]
    );
}
