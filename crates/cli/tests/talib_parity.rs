//! Every indicator against the real TA-Lib (PyPI wheel `ta-lib`), on the whole shared
//! dataset and on generated edge cases. The comparison itself lives in
//! `scripts/talib_parity.py`; this test runs it on the binary just built and fails — never
//! skips — when Python, TA-Lib or the dataset is missing.

use std::path::PathBuf;
use std::process::Command;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real daily bars beside the repository (`../shared/data/us-daily-2015-2020`),
/// or `STOCKSCANNER_TEST_DATA`.
pub fn shared_dataset() -> PathBuf {
    std::env::var_os("STOCKSCANNER_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join("../shared/data/us-daily-2015-2020"))
}

#[test]
fn every_indicator_equals_talib() {
    let data = shared_dataset();
    assert!(
        data.is_dir(),
        "the shared dataset is not at {} (set STOCKSCANNER_TEST_DATA)",
        data.display()
    );
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg(repository().join("scripts/talib_parity.py"))
        .args(["--bin", env!("CARGO_BIN_EXE_stockscanner"), "--data"])
        .arg(&data)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "TA-Lib parity failed (install the wheel with `pip install -r scripts/requirements.txt`):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all indicators equal TA-Lib"), "{stdout}");
}
