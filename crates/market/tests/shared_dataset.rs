//! Loads the real shared dataset: 482 Yahoo-style files of US daily bars, 2015–2020.
//!
//! The dataset lives outside the repository (it is not ours to copy). If it is missing
//! this test fails and says where it looked: a skipped test would hide a broken setup.

use market::{load_path, LoadOptions, OnBadRow};
use scan::BarTime;
use std::path::PathBuf;

fn dataset() -> PathBuf {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/us-daily-2015-2020"
    ));
    assert!(
        path.is_dir(),
        "the shared dataset is missing: looked for the directory {} \
         (expected 482 files like AAPL_data.csv)",
        path.display()
    );
    path
}

#[test]
fn loads_the_shared_dataset() {
    let report = load_path(&dataset(), &LoadOptions::default(), &|_, _| {}).unwrap();
    assert_eq!(report.files, 482);
    assert_eq!(report.series.len(), 482);
    assert_eq!(report.skipped_files, 0);

    let aapl = report
        .series
        .iter()
        .find(|s| s.symbol() == "AAPL")
        .expect("AAPL is in the dataset");
    let first = aapl.bar(0).unwrap();
    assert_eq!(first.time, BarTime::from_ymd(2015, 1, 12).unwrap());
    assert_eq!(first.open, 112.5999984741211);
    assert_eq!(first.high, 112.62999725341797);
    assert_eq!(first.low, 108.80000305175781);
    assert_eq!(first.close, 109.25);
    assert_eq!(first.volume, 49_650_800.0);
    assert_eq!(first.adj_close, Some(100.38079071044922));
    assert_eq!(aapl.len(), 1259);

    // The data has no empty or unreadable fields; six rows break a bar rule. Three are
    // a second bar for a date already seen (CBS and VIAB on 2019-12-04, the CBS one all
    // zeros; STI on 2019-12-06), three have a high below the open or a low above the
    // close. Each is listed with its file and line.
    assert_eq!(report.rows, 592_358);
    assert_eq!(report.skipped_rows, 6);
    assert_eq!(report.bars(), 592_352);
    let listed: Vec<String> = report
        .problems
        .iter()
        .map(|p| {
            let file = p.path.file_name().unwrap().to_string_lossy();
            format!("{file}:{}: {}", p.line.unwrap(), p.reason)
        })
        .collect();
    assert_eq!(
        listed,
        [
            "CBOE_data.csv:1260: high 116.5199966430664 is below the open 116.5999984741211",
            "CBS_data.csv:1236: date 2019-12-04 repeats the previous bar's date",
            "DIS_data.csv:1260: high 145.5 is below the open 146.47000122070313",
            "DXC_data.csv:855: low 80.05000305175781 is above the close 79.68000030517578",
            "STI_data.csv:1238: date 2019-12-06 repeats the previous bar's date",
            "VIAB_data.csv:1236: date 2019-12-04 repeats the previous bar's date",
        ]
    );
}

#[test]
fn fail_policy_stops_at_the_first_bad_row_of_the_shared_dataset() {
    let options = LoadOptions {
        on_bad_row: OnBadRow::Fail,
        ..LoadOptions::default()
    };
    let error = load_path(&dataset(), &options, &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with(
            "CBOE_data.csv:1260: high 116.5199966430664 is below the open 116.5999984741211"
        ),
        "{error}"
    );
}
