//! A real SMTP server for tests (aiosmtpd, tests/smtp/sink.py) that writes each message
//! it accepts to a directory as an .eml file; killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct SmtpSink {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl SmtpSink {
    /// Starts the sink on a free port, writing to `dir`.
    pub fn start(dir: &Path) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg(port.to_string())
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
