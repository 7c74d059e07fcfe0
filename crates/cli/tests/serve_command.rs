//! `stockscanner serve` as an operator runs it: on SIGTERM it stops accepting
//! connections, answers the request in flight, and exits cleanly.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};
use support::serve::{free_port, wait_until_healthy};
use support::TempDir;

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let data = TempDir::new("serve-sigterm");
    let address = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args(["serve", "--bind", &address])
        .env("DATA_DIR", &data.0)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&address, &mut server);

    // A client halfway through sending its body when the signal arrives.
    let body = r#"{"scan": "close > 0 limit 1"}"#;
    let request = format!(
        "POST /api/v1/scans/run HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (head, tail) = request.split_at(request.len() - 5);
    let mut in_flight = TcpStream::connect(&address).unwrap();
    in_flight.write_all(head.as_bytes()).unwrap();
    sleep(Duration::from_millis(300));

    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    sleep(Duration::from_millis(500));
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );
    assert!(
        TcpStream::connect(&address).is_err(),
        "no new connections after SIGTERM"
    );

    in_flight.write_all(tail.as_bytes()).unwrap();
    let mut response = String::new();
    in_flight.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"as_of\":\"2025-12-31\""), "{response}");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the server did not exit after answering"
        );
        sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}
