//! `stockscanner bench indicators`: which indicators `--only` times, and the errors for
//! one that is not benchmarked and for an empty series. No timing is asserted.

use serde_json::Value;
use std::process::Command;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args(["bench", "indicators", "--n", "2000", "--runs", "5"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn only_times_the_named_indicators_in_table_order() {
    let output = bench(&["--json", "--only", "obv", "--only", "sma(20)"]);
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    let specs: Vec<&str> = results
        .iter()
        .map(|r| r["spec"].as_str().unwrap())
        .collect();
    assert_eq!(specs, ["sma(20)", "obv"]);
    for result in results {
        for field in [
            "single_seconds",
            "market_seconds",
            "market_parallel_seconds",
        ] {
            let seconds = result[field].as_f64().unwrap();
            assert!(seconds > 0.0 && seconds.is_finite(), "{field}: {seconds}");
        }
    }
}

#[test]
fn an_indicator_not_benchmarked_is_refused_with_the_list() {
    let output = bench(&["--only", "sma(21)"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`sma(21)` is not one of the benchmarked indicators"),
        "{stderr}"
    );
    assert!(stderr.contains("sma(20); ema(20)"), "{stderr}");
}

#[test]
fn an_empty_series_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args(["bench", "indicators", "--n", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'0' for '--n <N>'"), "{stderr}");
}

#[test]
fn a_series_larger_than_the_benchmark_allows_is_refused() {
    // 2^64 - 1 bars once ended in a "capacity overflow" panic, 10^11 in an aborted
    // allocation; both are now a usage error naming the bound.
    for n in ["18446744073709551615", "100000000000", "100000001"] {
        let output = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
            .args(["bench", "indicators", "--n", n])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("1..=100000000"), "{stderr}");
    }
}
