//! The email service against a real SMTP server (aiosmtpd, started here on a free port)
//! on SQLite and on the live PostgreSQL (`TEST_DATABASE_URL`).

mod support;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use server::config::Config;
use server::db;
use server::email::templates::{Broadcast, PasswordReset};
use server::email::{
    bulk, outbox, unsubscribe, Delivery, Email, EmailCounters, Enqueue, Outbox, Transport,
};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use support::db::{temp_dir, with_fresh_postgres};
use support::smtp::{free_port, header, sending_config, SmtpSink};

async fn open(config: &Config) -> DatabaseConnection {
    let db = db::connect(config).await.unwrap();
    db::migrate(&db).await.unwrap();
    db
}

fn delivery(config: &Config, worker: &str) -> Delivery {
    let outbox = Outbox::new(config, EmailCounters::default());
    let transport = Transport::from_config(config.smtp.as_ref()).unwrap();
    let mut delivery = Delivery::new(
        outbox,
        transport,
        config.email_limits.clone(),
        worker.into(),
    );
    // Retries are due at once, so the tests never wait for a backoff.
    delivery.backoff.base = Duration::ZERO;
    delivery.max_attempts = 1000;
    delivery
}

fn reset(token: &str) -> Email {
    Email::PasswordReset(PasswordReset {
        name: Some("Ada <b>".into()),
        token: token.into(),
        expires_minutes: 30,
        ip: None,
    })
}

async fn enqueue_reset(db: &DatabaseConnection, outbox: &Outbox, to: &str, token: &str) -> i64 {
    let txn = db.begin().await.unwrap();
    let id = outbox
        .enqueue(&txn, to, &reset(token), Enqueue::default())
        .await
        .unwrap()
        .expect("a new row");
    txn.commit().await.unwrap();
    id
}

async fn status_counts(db: &DatabaseConnection) -> HashMap<String, i64> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COUNT(*) AS n FROM email_outbox GROUP BY status",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "status").unwrap(),
                r.try_get("", "n").unwrap(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------

async fn delivered_mime_has_both_parts_headers_and_links(url: &str, dir: &Path) {
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.join("sink"));
    let config = sending_config(url, dir, port, &[]);
    let db = open(&config).await;
    let outbox = Outbox::new(&config, EmailCounters::default());
    enqueue_reset(&db, &outbox, "ada@example.com", "tok-123").await;
    // A rolled-back transaction leaves no mail behind.
    let txn = db.begin().await.unwrap();
    outbox
        .enqueue(&txn, "bob@example.com", &reset("x"), Enqueue::default())
        .await
        .unwrap();
    txn.rollback().await.unwrap();

    let report = delivery(&config, "w1")
        .run_until_idle(&db, 10)
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(header(m, "From")
        .unwrap()
        .contains("alerts@scanner.example"));
    assert!(header(m, "From").unwrap().contains("Scanner Team"));
    assert_eq!(header(m, "To"), Some("ada@example.com"));
    assert!(header(m, "Subject").unwrap().contains("Reset your"));
    assert!(header(m, "Message-ID").is_some());
    assert!(
        header(m, "List-Unsubscribe").is_none(),
        "transactional mail"
    );
    assert!(m.contains("multipart/alternative"));
    assert!(m.contains("text/plain"));
    assert!(m.contains("text/html"));
    let flat = m.replace("=\r\n", "").replace("=3D", "=");
    assert!(flat.contains("https://scanner.example/reset-password?token=tok-123"));
    assert!(flat.contains("Ada &#60;b&#62;") || flat.contains("Ada &lt;b&gt;"));
    assert_eq!(status_counts(&db).await.get("sent"), Some(&1));
    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_delivered_mime_has_both_parts_headers_and_links() {
    let dir = temp_dir("email-mime");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    delivered_mime_has_both_parts_headers_and_links(&url, &dir).await;
}

#[tokio::test]
async fn postgres_delivered_mime_has_both_parts_headers_and_links() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("email-mime-pg");
        std::fs::create_dir_all(&dir).unwrap();
        delivered_mime_has_both_parts_headers_and_links(&url, &dir).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------

async fn nothing_is_lost_while_the_server_is_down(url: &str, dir: &Path) {
    let port = free_port();
    let config = sending_config(url, dir, port, &[]);
    let db = open(&config).await;
    let outbox = Outbox::new(&config, EmailCounters::default());
    for i in 0..5 {
        enqueue_reset(
            &db,
            &outbox,
            &format!("user{i}@example.com"),
            &format!("t{i}"),
        )
        .await;
    }
    let worker = delivery(&config, "w1");
    let report = worker.run_once(&db).await.unwrap();
    assert_eq!(report.retried, 5, "{report:?}");
    assert_eq!(report.sent, 0);
    let counts = status_counts(&db).await;
    assert_eq!(counts.get("pending"), Some(&5), "{counts:?}");

    let sink = SmtpSink::start(port, &dir.join("sink"));
    let report = worker.run_until_idle(&db, 20).await.unwrap();
    assert_eq!(report.sent, 5);
    assert_eq!(sink.messages().len(), 5);
    assert_eq!(status_counts(&db).await.get("sent"), Some(&5));
    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_nothing_is_lost_while_the_server_is_down() {
    let dir = temp_dir("email-down");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    nothing_is_lost_while_the_server_is_down(&url, &dir).await;
}

#[tokio::test]
async fn postgres_nothing_is_lost_while_the_server_is_down() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("email-down-pg");
        std::fs::create_dir_all(&dir).unwrap();
        nothing_is_lost_while_the_server_is_down(&url, &dir).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------

async fn two_workers_never_send_the_same_row(url: &str, dir: &Path) {
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.join("sink"));
    let config = sending_config(url, dir, port, &[]);
    let db = open(&config).await;
    let outbox = Outbox::new(&config, EmailCounters::default());
    let total = 40;
    for i in 0..total {
        enqueue_reset(&db, &outbox, &format!("u{i}@example.com"), &format!("t{i}")).await;
    }
    let a = delivery(&config, "worker-a");
    let b = delivery(&config, "worker-b");
    let (db_a, db_b) = (db.clone(), db.clone());
    let ta = tokio::spawn(async move { a.run_until_idle(&db_a, 100).await.unwrap() });
    let tb = tokio::spawn(async move { b.run_until_idle(&db_b, 100).await.unwrap() });
    let (ra, rb) = (ta.await.unwrap(), tb.await.unwrap());
    assert_eq!(ra.sent + rb.sent, total);
    let messages = sink.messages();
    assert_eq!(messages.len() as u64, total);
    let mut ids: Vec<&str> = messages
        .iter()
        .map(|m| header(m, "X-Outbox-Id").unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, total, "a row was sent twice");
    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_two_workers_never_send_the_same_row() {
    let dir = temp_dir("email-two");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    two_workers_never_send_the_same_row(&url, &dir).await;
}

#[tokio::test]
async fn postgres_two_workers_never_send_the_same_row() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("email-two-pg");
        std::fs::create_dir_all(&dir).unwrap();
        two_workers_never_send_the_same_row(&url, &dir).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------

async fn limits_defer_and_bad_input_is_refused(url: &str, dir: &Path) {
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.join("sink"));
    let config = sending_config(url, dir, port, &[("EMAIL_RATE_SECURITY", "2/h")]);
    let db = open(&config).await;
    let outbox = Outbox::new(&config, EmailCounters::default());
    // Bad addresses are refused when enqueued, with nothing written.
    for bad in [
        "",
        "not-an-address",
        "a@b.com\r\nBcc: x@y.com",
        "A <a@b.com>",
    ] {
        assert!(
            outbox
                .enqueue(&db, bad, &reset("t"), Enqueue::default())
                .await
                .is_err(),
            "{bad:?}"
        );
    }
    assert!(status_counts(&db).await.is_empty());
    // Three security mails to one user within the hour: two go, one waits.
    for i in 0..3 {
        enqueue_reset(&db, &outbox, "ada@example.com", &format!("t{i}")).await;
    }
    let report = delivery(&config, "w")
        .run_until_idle(&db, 10)
        .await
        .unwrap();
    assert_eq!((report.sent, report.deferred), (2, 1), "{report:?}");
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(status_counts(&db).await.get("pending"), Some(&1));
    // A subject with a line break cannot add a header.
    let injected = Email::Broadcast(Broadcast {
        name: Some("Eve\r\nBcc: victim@example.com".into()),
        subject: "Hello\r\nBcc: victim@example.com".into(),
        body: "<script>alert(1)</script>".into(),
    });
    outbox
        .enqueue(&db, "eve@example.com", &injected, Enqueue::default())
        .await
        .unwrap();
    delivery(&config, "w")
        .run_until_idle(&db, 10)
        .await
        .unwrap();
    let messages = sink.messages();
    let last = messages
        .iter()
        .find(|m| header(m, "To") == Some("eve@example.com"))
        .expect("the broadcast was sent");
    assert!(header(last, "Bcc").is_none());
    // The operator's text is escaped in the HTML part (the text part shows it as typed).
    let flat = last.replace("=\r\n", "");
    let html = &flat[flat.find("Content-Type: text/html").expect("an HTML part")..];
    assert!(!html.contains("<script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    // Bulk mail carries one-click unsubscribe headers.
    let list = header(last, "List-Unsubscribe").expect("List-Unsubscribe");
    assert!(list.starts_with("<https://scanner.example/email/unsubscribe?token="));
    assert_eq!(
        header(last, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_limits_defer_and_bad_input_is_refused() {
    let dir = temp_dir("email-limits");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    limits_defer_and_bad_input_is_refused(&url, &dir).await;
}

#[tokio::test]
async fn postgres_limits_defer_and_bad_input_is_refused() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("email-limits-pg");
        std::fs::create_dir_all(&dir).unwrap();
        limits_defer_and_bad_input_is_refused(&url, &dir).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------

async fn broadcasts_are_batched_resumable_and_honour_unsubscribes(url: &str, dir: &Path) {
    let port = free_port();
    let config = sending_config(url, dir, port, &[("EMAIL_BULK_BATCH", "3")]);
    let db = open(&config).await;
    let outbox = Outbox::new(&config, EmailCounters::default());
    let now = chrono::Utc::now();
    for i in 0..7 {
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO users (email, display_name, role, status, failed_login_count,
                 created_at, updated_at)
             VALUES ($1, $2, 'user', 'active', 0, $3, $3)",
            vec![
                format!("user{i}@example.com").into(),
                format!("User {i}").into(),
                now.into(),
            ],
        ))
        .await
        .unwrap();
    }
    let opted_out = server::email::EmailAddress::parse("user4@example.com").unwrap();
    unsubscribe::unsubscribe(&db, &opted_out).await.unwrap();
    let campaign = bulk::start_broadcast(&db, "News", "Hello all", None)
        .await
        .unwrap();
    let first = bulk::run_batch(&db, &outbox, &config.email_limits, campaign)
        .await
        .unwrap();
    assert_eq!((first.written, first.done), (3, false));
    // A restart, or the same batch run twice, continues without duplicates.
    let mut written = first.written;
    loop {
        let next = bulk::run_batch(&db, &outbox, &config.email_limits, campaign)
            .await
            .unwrap();
        written += next.written;
        if next.done {
            break;
        }
    }
    assert_eq!(written, 6, "7 users, one unsubscribed");
    let again = bulk::run_batch(&db, &outbox, &config.email_limits, campaign)
        .await
        .unwrap();
    assert_eq!(again.written, 0);
    let rows = outbox::recent(&db, 100).await.unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.to_address != "user4@example.com"));
    assert!(rows.iter().all(|r| r.unsubscribe_url.is_some()));
    // The link in a mail unsubscribes its recipient, which cancels what is still queued.
    let token = rows[0]
        .unsubscribe_url
        .as_deref()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    let address = unsubscribe::verify(&outbox_secret(&config), &token).expect("a valid token");
    unsubscribe::unsubscribe(&db, &address).await.unwrap();
    assert_eq!(status_counts(&db).await.get("cancelled"), Some(&1));
    db.close().await.unwrap();
}

fn outbox_secret(config: &Config) -> Vec<u8> {
    unsubscribe::derive_key(config.jwt_secret.expose().as_bytes())
}

#[tokio::test]
async fn sqlite_broadcasts_are_batched_resumable_and_honour_unsubscribes() {
    let dir = temp_dir("email-bulk");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    broadcasts_are_batched_resumable_and_honour_unsubscribes(&url, &dir).await;
}

#[tokio::test]
async fn postgres_broadcasts_are_batched_resumable_and_honour_unsubscribes() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("email-bulk-pg");
        std::fs::create_dir_all(&dir).unwrap();
        broadcasts_are_batched_resumable_and_honour_unsubscribes(&url, &dir).await;
    })
    .await;
}

#[tokio::test]
async fn the_dev_mailbox_shows_every_template_and_one_click_unsubscribe_works() {
    use server::email::address::EmailAddress;
    use server::email::templates::NAMES;
    use support::TestServer;

    let secret = "a-secret-for-the-unsubscribe-test-0123456789";
    let server = TestServer::start(&[("ENVIRONMENT", "development"), ("JWT_SECRET", secret)]).await;
    let mailbox = reqwest::get(server.url("/dev/mailbox")).await.unwrap();
    assert_eq!(mailbox.status(), reqwest::StatusCode::OK);
    let listing = mailbox.text().await.unwrap();
    for name in NAMES {
        let path = format!("/dev/mailbox/samples/{name}");
        assert!(listing.contains(&path), "the mailbox links {path}");
        let sample = reqwest::get(server.url(&path)).await.unwrap();
        assert_eq!(sample.status(), reqwest::StatusCode::OK, "{path}");
        let page = sample.text().await.unwrap();
        assert!(page.contains("Subject"), "{path} shows its headers");
    }

    // The link in a broadcast: GET only asks; the one-click POST (cross-site, as a
    // mail client sends it) unsubscribes.
    let key = unsubscribe::derive_key(secret.as_bytes());
    let reader = EmailAddress::parse("reader@example.com").unwrap();
    let link = unsubscribe::url(&server.base, &key, &reader);
    let db = sea_orm::Database::connect(server.database_url())
        .await
        .unwrap();
    let asked = reqwest::get(&link).await.unwrap();
    assert_eq!(asked.status(), reqwest::StatusCode::OK);
    assert!(asked
        .text()
        .await
        .unwrap()
        .contains("<form method=\"post\""));
    assert!(!unsubscribe::is_unsubscribed(&db, &reader).await.unwrap());
    let clicked = reqwest::Client::new()
        .post(&link)
        .header("origin", "https://mail.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), reqwest::StatusCode::OK);
    assert!(unsubscribe::is_unsubscribed(&db, &reader).await.unwrap());
    let forged = reqwest::get(server.url("/email/unsubscribe?token=forged"))
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::BAD_REQUEST);
    server.stop().await;

    let outside_development = TestServer::start(&[]).await;
    let hidden = reqwest::get(outside_development.url("/dev/mailbox"))
        .await
        .unwrap();
    assert_eq!(hidden.status(), reqwest::StatusCode::NOT_FOUND);
    outside_development.stop().await;
}
