//! Tests of the loader through its public functions: layouts, bad rows, policies and
//! directory loads.

use super::*;
use proptest::prelude::*;
use scan::{Bar, BarTime};
use std::sync::atomic::{AtomicUsize, Ordering};

fn skip() -> LoadOptions {
    LoadOptions::default()
}

fn fail() -> LoadOptions {
    LoadOptions {
        on_bad_row: OnBadRow::Fail,
        ..LoadOptions::default()
    }
}

fn load(name: &str, text: &str) -> LoadReport {
    parse_bytes(Path::new(name), text.as_bytes(), &skip())
        .unwrap_or_else(|e| panic!("{name} did not load: {e}"))
}

fn day(y: i32, m: u32, d: u32) -> BarTime {
    BarTime::from_ymd(y, m, d).unwrap()
}

fn problems(report: &LoadReport) -> Vec<String> {
    report.problems.iter().map(ToString::to_string).collect()
}

fn symbols(report: &LoadReport) -> Vec<&str> {
    report.series.iter().map(|s| s.symbol()).collect()
}

#[test]
fn yahoo_download_takes_the_symbol_from_the_file_name() {
    let report = load(
        "data/AAPL.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n\
         2015-01-12,112.5999984741211,112.62999725341797,108.80000305175781,109.25,100.38079071044922,49650800\n\
         2015-01-13,111.43,112.8,108.91,110.22,101.27,67091900\n",
    );
    assert_eq!(symbols(&report), ["AAPL"]);
    let aapl = &report.series[0];
    assert_eq!(
        aapl.bar(0),
        Some(Bar {
            time: day(2015, 1, 12),
            open: 112.5999984741211,
            high: 112.62999725341797,
            low: 108.80000305175781,
            close: 109.25,
            volume: 49_650_800.0,
            adj_close: Some(100.38079071044922),
        })
    );
    assert_eq!(aapl.close(), [109.25, 110.22]);
    assert_eq!((report.files, report.rows, report.skipped_rows), (1, 2, 0));
    assert!(report.problems.is_empty());
}

#[test]
fn yahoo_with_name_column_in_the_shared_dataset_order() {
    // The Name column wins over the file name.
    let report = load(
        "whatever.csv",
        "Date,High,Low,Open,Close,Volume,Adj Close,Name\n\
         2015-01-12,2,1,1.5,1.75,100.0,1.7,MSFT\n",
    );
    assert_eq!(symbols(&report), ["MSFT"]);
    let bar = report.series[0].bar(0).unwrap();
    assert_eq!(
        (bar.open, bar.high, bar.low, bar.close, bar.volume),
        (1.5, 2.0, 1.0, 1.75, 100.0)
    );
    assert_eq!(bar.adj_close, Some(1.7));
}

#[test]
fn adjusted_close_is_optional() {
    let report = load(
        "X.csv",
        "date,open,high,low,close,volume\n2020-01-02,1,2,1,2,5\n",
    );
    assert_eq!(report.series[0].adj_close(), None);
    assert_eq!(report.series[0].volume(), [5.0]);
}

#[test]
fn long_file_with_interleaved_symbols() {
    let report = load(
        "all_stocks.csv",
        "date,open,high,low,close,volume,Name\n\
         2020-01-02,1,1,1,1,10,BBB\n\
         2020-01-02,2,2,2,2,20,AAA\n\
         2020-01-03,3,3,3,3,30,BBB\n\
         2020-01-02,9,9,9,9,90,CCC\n\
         2020-01-03,4,4,4,4,40,AAA\n\
         2020-01-03,5,5,5,5,50,aaa\n\
         2020-01-04,6,6,6,6,60,BBB\n",
    );
    assert_eq!(symbols(&report), ["AAA", "BBB", "CCC"]);
    assert_eq!(report.series[0].close(), [2.0, 4.0]);
    assert_eq!(report.series[1].close(), [1.0, 3.0, 6.0]);
    assert_eq!(report.series[2].close(), [9.0]);
    assert_eq!(report.series[1].time()[2], day(2020, 1, 4));
    // `aaa` is AAA: its 2020-01-03 repeats AAA's bar, not the line above it.
    assert_eq!(
        problems(&report),
        ["all_stocks.csv:7: date 2020-01-03 repeats the previous bar's date (symbol AAA)"]
    );
    assert_eq!((report.rows, report.skipped_rows, report.bars()), (7, 1, 6));
}

#[test]
fn symbol_and_ticker_name_the_symbol_column() {
    for column in ["symbol", "Ticker", "<TICKER>"] {
        let text = format!("{column},date,open,high,low,close,volume\nkO,2020-01-02,1,1,1,1,1\n");
        assert_eq!(symbols(&load("f.csv", &text)), ["KO"], "{column}");
    }
}

#[test]
fn stooq_daily_and_intraday() {
    let header = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n";
    let daily = load(
        "aapl.us.txt",
        &format!(
            "{header}AAPL.US,D,20150112,000000,112.6,112.63,108.8,109.25,49650800,0\n\
             AAPL.US,D,20150113,000000,111.43,112.8,108.91,110.22,67091900,0\n"
        ),
    );
    assert_eq!(symbols(&daily), ["AAPL"]);
    assert_eq!(daily.series[0].time(), [day(2015, 1, 12), day(2015, 1, 13)]);
    assert_eq!(daily.series[0].time()[0].to_string(), "2015-01-12");
    assert_eq!(daily.series[0].open(), [112.6, 111.43]);
    assert_eq!(daily.series[0].adj_close(), None);

    let intraday = load(
        "msft.us.txt",
        &format!(
            "{header}MSFT.US,5,20200102,153000,1,2,1,2,10,0\n\
             MSFT.US,5,20200102,153500,2,2,1,1,10,0\n"
        ),
    );
    let times: Vec<String> = intraday.series[0]
        .time()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(times, ["2020-01-02 15:30:00", "2020-01-02 15:35:00"]);
}

#[test]
fn stooq_without_ticker_column_uses_the_file_name() {
    let report = load(
        "dir/aapl.us.txt",
        "<DATE>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>\n20150112,1,2,1,2,10\n",
    );
    assert_eq!(symbols(&report), ["AAPL"]);
}

#[test]
fn header_names_ignore_case_brackets_and_spaces() {
    let expected = load(
        "T.csv",
        "date,open,high,low,close,volume\n2020-01-02,1,2,1,2,10\n",
    );
    for header in [
        "DATE,OPEN,HIGH,LOW,CLOSE,VOLUME",
        "<date>,<open>,<high>,<low>,<close>,<vol>",
        " Date , Open ,High,Low, Close,Volume ",
        "\"Date\",\"Open\",\"High\",\"Low\",\"Close\",\"Volume\"",
    ] {
        let report = load("T.csv", &format!("{header}\n2020-01-02,1,2,1,2,10\n"));
        assert_eq!(report.series, expected.series, "{header}");
    }
}

#[test]
fn bom_and_crlf() {
    let report = load(
        "T.csv",
        "\u{FEFF}Date,Open,High,Low,Close,Volume\r\n\
         2020-01-02,1,2,1,2,10\r\n\
         2020-01-03,1,2,1,x,10\r\n\
         2020-01-06,1,2,1,1.5,10\r\n",
    );
    assert_eq!(report.series[0].close(), [2.0, 1.5]);
    // No stray `\r` in the value quoted back.
    assert_eq!(
        problems(&report),
        ["T.csv:3: column `Close`: \"x\" is not a number"]
    );
}

#[test]
fn blank_lines_are_not_rows_but_keep_line_numbers() {
    let report = load(
        "T.csv",
        "\n\ndate,open,high,low,close,volume\n\n2020-01-02,1,2,1,2,10\n   \n2020-01-02,1,2,1,2,10\n\n",
    );
    assert_eq!(report.rows, 2);
    assert_eq!(
        problems(&report),
        ["T.csv:7: date 2020-01-02 repeats the previous bar's date"]
    );
}

/// One file with every kind of bad row, each between good ones.
const BAD_ROWS: &[u8] = b"date,open,high,low,close,volume\n\
2020-01-01,10,11,9,10,100\n\
2020-01-02,10,,9,10,100\n\
2020-01-03,10,abc,9,10,100\n\
2020-01-04,NaN,11,9,10,100\n\
2020-01-05,10,inf,9,10,100\n\
2020-01-06,10,8,9,9,100\n\
2020-01-07,10,10.2,9,10.5,100\n\
2020-01-08,10,11,10.1,10.5,100\n\
2020-01-09,10,11,9,10,-1\n\
2020-01-01,10,11,9,10,100\n\
2019-12-31,10,11,9,10,100\n\
2020-01-10,10,11,9\n\
2020-01-11,10,11,9,10,100,7\n\
2020-01-12,10,11,9,10,1\xff0\n\
2020-02-30,10,11,9,10,100\n\
2020-01-13,10,11,9,10,100\n";

const BAD_ROW_MESSAGES: [&str; 14] = [
    "bad.csv:3: column `high` is empty",
    "bad.csv:4: column `high`: \"abc\" is not a number",
    "bad.csv:5: open is NaN, not a finite number",
    "bad.csv:6: high is inf, not a finite number",
    "bad.csv:7: high 8 is below low 9",
    "bad.csv:8: high 10.2 is below the close 10.5",
    "bad.csv:9: low 10.1 is above the open 10",
    "bad.csv:10: volume -1 is negative",
    "bad.csv:11: date 2020-01-01 repeats the previous bar's date",
    "bad.csv:12: date 2019-12-31 comes before the previous bar's date 2020-01-01",
    "bad.csv:13: expected 6 fields as in the header, found 4 (truncated line?)",
    "bad.csv:14: expected 6 fields as in the header, found 7",
    "bad.csv:15: the line is not valid UTF-8 (byte 0xFF at column 24)",
    "bad.csv:16: column `date`: `2020-02-30` is not a date (expected YYYY-MM-DD or \
     YYYYMMDD, optionally with HH:MM:SS)",
];

#[test]
fn every_bad_row_kind_is_skipped_with_file_and_line() {
    let report = parse_bytes(Path::new("bad.csv"), BAD_ROWS, &skip()).unwrap();
    assert_eq!(problems(&report), BAD_ROW_MESSAGES);
    assert_eq!(report.series[0].time(), [day(2020, 1, 1), day(2020, 1, 13)]);
    assert_eq!((report.rows, report.skipped_rows), (16, 14));
    assert_eq!(report.skipped_files, 0);
}

#[test]
fn fail_stops_at_the_first_bad_row() {
    let error = parse_bytes(Path::new("bad.csv"), BAD_ROWS, &fail()).unwrap_err();
    assert_eq!(error.to_string(), BAD_ROW_MESSAGES[0]);
    let LoadError::Problem(problem) = error else {
        panic!("expected a row problem, got {error:?}");
    };
    assert_eq!(problem.line, Some(3));
    assert_eq!(problem.path, Path::new("bad.csv"));
    assert_eq!(problem.reason, "column `high` is empty");
}

#[test]
fn fail_each_bad_row_kind_on_its_own() {
    // Each bad line alone after the good first row: Fail names it, Skip drops only it.
    let lines: Vec<&[u8]> = BAD_ROWS.split(|&b| b == b'\n').collect();
    for (i, message) in BAD_ROW_MESSAGES.iter().enumerate() {
        let bad_line = lines[i + 2];
        let mut file = [lines[0], lines[1], bad_line].join(&b'\n');
        file.push(b'\n');
        let expected = message.replacen(&format!(":{}:", i + 3), ":3:", 1);
        let error = parse_bytes(Path::new("bad.csv"), &file, &fail()).unwrap_err();
        assert_eq!(error.to_string(), expected);
        let report = parse_bytes(Path::new("bad.csv"), &file, &skip()).unwrap();
        assert_eq!((report.rows, report.skipped_rows, report.bars()), (2, 1, 1));
    }
}

#[test]
fn listed_problems_are_capped_but_all_counted() {
    let options = LoadOptions {
        max_listed_problems: 3,
        ..LoadOptions::default()
    };
    let report = parse_bytes(Path::new("bad.csv"), BAD_ROWS, &options).unwrap();
    assert_eq!(problems(&report), BAD_ROW_MESSAGES[..3]);
    assert_eq!(report.skipped_rows, 14);
}

#[test]
fn header_only_and_empty_files() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"date,open,high,low,close,volume\n",
            "the file has a header but no data rows",
        ),
        (
            b"date,open,high,low,close,volume",
            "the file has a header but no data rows",
        ),
        (
            b"date,open,high,low,close,volume\r\n\r\n",
            "the file has a header but no data rows",
        ),
        (b"", "the file is empty (no header, no rows)"),
        (
            b"\xEF\xBB\xBF \r\n\n",
            "the file is empty (no header, no rows)",
        ),
    ];
    for (bytes, reason) in cases {
        let report = parse_bytes(Path::new("E.csv"), bytes, &skip()).unwrap();
        assert_eq!(problems(&report), [format!("E.csv: {reason}")]);
        assert_eq!((report.files, report.skipped_files), (1, 1));
        assert!(report.series.is_empty());
        let error = parse_bytes(Path::new("E.csv"), bytes, &fail()).unwrap_err();
        assert_eq!(error.to_string(), format!("E.csv: {reason}"));
    }
}

#[test]
fn layout_errors_name_the_file_and_the_missing_columns() {
    let error = parse_bytes(
        Path::new("q.csv"),
        b"Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n",
        &skip(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "q.csv:1: missing required column `volume`; the header has `Date`, `Open`, `High`, \
         `Low`, `Close` (expected date, open, high, low, close and volume; optional time, \
         adj close and name/symbol/ticker)"
    );
    let error = parse_bytes(Path::new("q.csv"), b"\n\xFFdate,open\n", &skip()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "q.csv:2: the header is not valid UTF-8 (byte 0xFF at column 1)"
    );
    let error = parse_bytes(
        Path::new("_data.csv"),
        b"date,open,high,low,close,volume\n2020-01-02,1,1,1,1,1\n",
        &skip(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "_data.csv:1: no symbol column (name, symbol or ticker) and the file name gives no symbol"
    );
}

#[test]
fn a_blank_symbol_field_is_a_bad_row() {
    let report = load(
        "f.csv",
        "date,open,high,low,close,volume,ticker\n2020-01-02,1,1,1,1,1,.us\n2020-01-02,1,1,1,1,1,A\n",
    );
    assert_eq!(
        problems(&report),
        ["f.csv:2: column `ticker`: \".us\" is not a symbol"]
    );
    assert_eq!(symbols(&report), ["A"]);
}

#[test]
fn bad_row_policy_from_text() {
    assert_eq!("skip".parse(), Ok(OnBadRow::Skip));
    assert_eq!(" FAIL ".parse(), Ok(OnBadRow::Fail));
    assert_eq!(
        "ignore".parse::<OnBadRow>().unwrap_err().to_string(),
        "`ignore` is not a bad-row policy: use `skip` (leave bad rows out and report them) \
         or `fail` (stop at the first one)"
    );
    assert_eq!(OnBadRow::default(), OnBadRow::Skip);
    assert_eq!(OnBadRow::Fail.to_string(), "fail");
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "market-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const YAHOO: &str = "Date,Open,High,Low,Close,Adj Close,Volume\n";

#[test]
fn directory_load() {
    let dir = TempDir::new("dir");
    dir.write(
        "MSFT.csv",
        &format!("{YAHOO}2020-01-02,1,2,1,2,2,10\n2020-01-03,2,3,2,3,3,10\n"),
    );
    dir.write(
        "aapl_data.CSV",
        &format!("{YAHOO}2020-01-02,5,6,5,6,6,10\n"),
    );
    dir.write(
        "ko.us.TXT",
        "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n\
         KO.US,D,20200102,000000,1,1,1,1,1,0\n",
    );
    dir.write("empty.csv", YAHOO);
    // A second AAPL: the first path in sorted order (`AAPL.csv` < `aapl_data.CSV`) wins.
    let first_aapl = dir.write(
        "AAPL.csv",
        &format!("{YAHOO}2020-01-02,7,8,7,8,8,10\n2020-01-03,7,8,7,8,8,10\n"),
    );
    let second_aapl = dir.0.join("aapl_data.CSV");
    // Not data files: hidden, other extensions, subdirectories.
    dir.write(".hidden.csv", "garbage");
    dir.write("notes.md", "garbage");
    std::fs::create_dir(dir.0.join("sub.csv")).unwrap();
    dir.write("sub.csv/X.csv", "garbage");

    let calls = Mutex::new(Vec::new());
    let report = load_path(&dir.0, &skip(), &|done, total| {
        calls.lock().unwrap().push((done, total));
    })
    .unwrap();

    assert_eq!(symbols(&report), ["AAPL", "KO", "MSFT"]);
    assert_eq!(report.series[0].close(), [8.0, 8.0]);
    assert_eq!(report.files, 5);
    assert_eq!(report.skipped_files, 1);
    assert_eq!((report.rows, report.skipped_rows, report.bars()), (6, 1, 5));
    assert_eq!(
        problems(&report),
        [
            format!(
                "{}: symbol AAPL was already loaded from `{}`; its 1 row here is left out",
                second_aapl.display(),
                first_aapl.display()
            ),
            format!(
                "{}: the file has a header but no data rows",
                dir.0.join("empty.csv").display()
            ),
        ]
    );
    assert_eq!(
        calls.into_inner().unwrap(),
        [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    );

    // The same directory again gives the same report.
    let again = load_path(&dir.0, &skip(), &|_, _| {}).unwrap();
    assert_eq!(again.series, report.series);
    assert_eq!(again.problems, report.problems);

    // Under Fail the first problem in path order stops the load.
    let error = load_path(&dir.0, &fail(), &|_, _| {}).unwrap_err();
    assert!(
        error.to_string().contains("symbol AAPL was already loaded"),
        "{error}"
    );

    // A file named directly is read whatever its extension.
    let single = dir.write("prices.dat", &format!("{YAHOO}2020-01-02,1,1,1,1,1,1\n"));
    assert_eq!(
        symbols(&load_path(&single, &skip(), &|_, _| {}).unwrap()),
        ["PRICES"]
    );
}

#[test]
fn directory_with_a_bad_layout_fails_naming_the_file() {
    let dir = TempDir::new("layout");
    dir.write("A.csv", &format!("{YAHOO}2020-01-02,1,1,1,1,1,1\n"));
    let bad = dir.write("B.csv", "Date,Price\n2020-01-02,1\n");
    let error = load_path(&dir.0, &skip(), &|_, _| {}).unwrap_err();
    assert!(matches!(error, LoadError::Layout { ref path, line: 1, .. } if *path == bad));
}

#[test]
fn missing_path_and_empty_directory() {
    let dir = TempDir::new("empty");
    dir.write("readme.md", "not data");
    let error = load_path(&dir.0, &skip(), &|_, _| {}).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` has no data files: expected files ending in .csv or .txt",
            dir.0.display()
        )
    );
    let missing = dir.0.join("nope");
    let error = load_path(&missing, &skip(), &|_, _| {}).unwrap_err();
    assert!(matches!(error, LoadError::Io { ref path, .. } if *path == missing));
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot read `{}`: ", missing.display())),
        "{error}"
    );
}

/// Every row is either a bar or a skipped row; a report never loses count.
fn assert_accounted(report: &LoadReport) {
    assert_eq!(report.rows, report.bars() + report.skipped_rows);
    assert!(report.problems.len() <= skip().max_listed_problems);
    for pair in report.series.windows(2) {
        assert!(pair[0].symbol() < pair[1].symbol());
    }
}

fn csvish_line() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("2020-01-02".to_string()),
            Just("20200103".to_string()),
            "[0-9]{1,4}(\\.[0-9]{1,3})?",
            Just("NaN".to_string()),
            Just("".to_string()),
            Just("\"".to_string()),
            Just("<DATE>".to_string()),
            "[A-Za-z.]{1,5}",
            "[ -~\r\u{FEFF}é]{0,6}",
        ],
        0..10,
    )
    .prop_map(|fields| fields.join(","))
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for options in [skip(), fail()] {
            if let Ok(report) = parse_bytes(Path::new("r.csv"), &bytes, &options) {
                assert_accounted(&report);
            }
        }
        let mut with_header = b"date,open,high,low,close,volume,name\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let report = parse_bytes(Path::new("r.csv"), &with_header, &skip()).unwrap();
        assert_accounted(&report);
    }

    #[test]
    fn random_lines_never_panic(
        header in prop_oneof![
            Just("date,open,high,low,close,volume".to_string()),
            Just("<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>".to_string()),
            Just("Date,High,Low,Open,Close,Volume,Adj Close,Name".to_string()),
            csvish_line(),
        ],
        lines in proptest::collection::vec(csvish_line(), 0..20),
        crlf in any::<bool>(),
    ) {
        let ending = if crlf { "\r\n" } else { "\n" };
        let text = std::iter::once(header).chain(lines).collect::<Vec<_>>().join(ending);
        for options in [skip(), fail()] {
            if let Ok(report) = parse_bytes(Path::new("r.txt"), text.as_bytes(), &options) {
                assert_accounted(&report);
            }
        }
    }

    /// Bars written with Rust's shortest round-trip float printing read back exactly:
    /// the fast path is compared against the values it was given.
    #[test]
    fn written_bars_read_back_exactly(
        rows in proptest::collection::vec(
            (1u32..=28, 0.0f64..1e6, 0.0f64..1e6, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1e12),
            1..30,
        )
    ) {
        let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
        let mut expected = Vec::new();
        for (i, (d, a, b, f1, f2, volume)) in rows.into_iter().enumerate() {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let open = low + (high - low) * f1;
            let close = low + (high - low) * f2;
            let time = day(2000 + i as i32, 1, d);
            text.push_str(&format!("{time},{open},{high},{low},{close},{volume}\n"));
            expected.push(Bar { time, open, high, low, close, volume, adj_close: None });
        }
        let report = parse_bytes(Path::new("P.csv"), text.as_bytes(), &fail()).unwrap();
        let series = &report.series[0];
        let got: Vec<Bar> = (0..series.len()).filter_map(|i| series.bar(i)).collect();
        prop_assert_eq!(got, expected);
    }
}
