//! A real SMTP server for tests: aiosmtpd running tests/smtp/sink.py on a free port,
//! writing every message it accepts to a directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running aiosmtpd that writes each message to a file; killed on drop.
pub struct SmtpSink {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl SmtpSink {
    pub fn start(port: u16, dir: &Path) -> SmtpSink {
        SmtpSink::start_with(port, dir, &[])
    }

    /// Starts the sink with extra options of sink.py (`--starttls CERT KEY`, `--auth U:P`…).
    pub fn start_with(port: u16, dir: &Path, options: &[&str]) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg(port.to_string())
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (pip install -r scripts/requirements.txt)");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start: python3 needs aiosmtpd (pip install -r scripts/requirements.txt)"
        );
        SmtpSink {
            child,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl SmtpSink {
    /// For each message received so far: whether it came over TLS, and the user who
    /// authenticated (`{"tls": true, "user": "…"}`).
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The configuration of an instance sending to the sink on `port` (plain SMTP, the
/// sender `alerts@scanner.example`, links to `https://scanner.example`), plus `extra`.
pub fn sending_config(
    url: &str,
    data_dir: &Path,
    port: u16,
    extra: &[(&str, &str)],
) -> server::config::Config {
    let port = port.to_string();
    let mut vars = vec![
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", port.as_str()),
        ("SMTP_TLS", "none"),
        ("FROM_EMAIL", "alerts@scanner.example"),
        ("FROM_NAME", "Scanner Team"),
        ("APP_URL", "https://scanner.example"),
        ("JWT_SECRET", "a-test-secret-that-is-long-enough-0123456789"),
    ];
    vars.extend_from_slice(extra);
    super::db::config(url, data_dir, &vars)
}

/// The value of header `name` in a delivered message, if present.
pub fn header<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
