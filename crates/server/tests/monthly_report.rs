//! The monthly report campaign on SQLite and on the live PostgreSQL
//! (`TEST_DATABASE_URL`), delivered to a real SMTP server (aiosmtpd on a free port).
//!
//! Three users with known October 2026 activity: Ada ran 3 scans (plus one just
//! before and one just after the month), Bob ran scans only in November, Cy ran scans
//! but unsubscribed. Only Ada gets a report, once, however often it is started or run.

mod support;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::db;
use server::email::month::Month;
use server::email::report::{self, Started};
use server::email::Transport;
use server::email::{bulk, outbox, unsubscribe, Delivery, EmailAddress, EmailCounters, Outbox};
use server::scans::activity::{self, ScanRun};
use std::path::Path;
use std::time::Duration;
use support::db::{temp_dir, with_fresh_postgres};
use support::smtp::{free_port, header, sending_config, SmtpSink};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    rows(db, sql).await[0].try_get("", "n").unwrap()
}

async fn add_user(db: &DatabaseConnection, email: &str, name: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO users (email, display_name, role, status, failed_login_count,
                 created_at, updated_at)
             VALUES ($1, $2, 'user', 'active', 0, $3, $3) RETURNING id",
            vec![email.into(), name.into(), Utc::now().into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "id").unwrap()
}

async fn add_run(db: &DatabaseConnection, user_id: i64, when: &str, symbols: &[&str]) {
    let run = ScanRun {
        user_id,
        expression: "rsi(14) < 30 rank by volume".into(),
        triggered_by: "api",
        started_at: at(when),
        took: Duration::from_millis(12),
        as_of_day: Some(20_000),
        evaluated: 500,
        matched: symbols.len(),
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
    };
    activity::record(db, &run).await.unwrap();
}

async fn the_october_report_reaches_each_active_subscriber_once(url: &str, dir: &Path) {
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.join("sink"));
    // Two users per batch: three users take two batches.
    let config = sending_config(url, dir, port, &[("EMAIL_BULK_BATCH", "2")]);
    let db = db::connect(&config).await.unwrap();
    db::migrate(&db).await.unwrap();
    let outbox = Outbox::new(&config, EmailCounters::default());

    let ada = add_user(&db, "ada@example.com", "Ada").await;
    let bob = add_user(&db, "bob@example.com", "Bob").await;
    let cy = add_user(&db, "cy@example.com", "Cy").await;
    // Ada: three runs in October, the month's first and last instants included.
    add_run(&db, ada, "2026-10-01T00:00:00Z", &["NVDA", "AMD", "TSLA"]).await;
    add_run(&db, ada, "2026-10-15T14:30:00.250Z", &["AMD", "NVDA"]).await;
    add_run(&db, ada, "2026-10-31T23:59:59.999Z", &["AMD", "AAPL"]).await;
    // Just outside October, and one past the 400-day retention.
    add_run(&db, ada, "2026-09-30T23:59:59.999Z", &["SEPT"]).await;
    add_run(&db, ada, "2026-11-01T00:00:00Z", &["NOVM"]).await;
    add_run(&db, ada, "2025-06-01T12:00:00Z", &["OLD"]).await;
    add_run(&db, bob, "2026-11-03T10:00:00Z", &["MSFT"]).await;
    add_run(&db, cy, "2026-10-10T10:00:00Z", &["IBM"]).await;
    unsubscribe::unsubscribe(&db, &EmailAddress::parse("cy@example.com").unwrap())
        .await
        .unwrap();

    // A month that is not over cannot be reported.
    let now = at("2026-11-26T00:00:00Z");
    let early = report::start(&db, Month::parse("2026-11").unwrap(), None, now).await;
    let message = early.unwrap_err().to_string();
    assert!(message.contains("2026-11 is not over yet"), "{message}");

    // The daily job, on two instances at once and then again: one campaign, one
    // first-batch job, and the year-old run pruned.
    let (first, second) = tokio::join!(report::daily(&db, now), report::daily(&db, now));
    let (first, second) = (first.unwrap(), second.unwrap());
    let third = report::daily(&db, now).await.unwrap();
    let campaign = match (first.1, second.1) {
        (Started::New(id), Started::Existing(other))
        | (Started::Existing(other), Started::New(id)) => {
            assert_eq!(id, other);
            id
        }
        both => panic!("expected one new and one existing campaign, got {both:?}"),
    };
    assert_eq!(third.1, Started::Existing(campaign));
    assert_eq!(
        first.0 + second.0 + third.0,
        1,
        "only the 2025-06 run is past retention"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM scan_runs WHERE started_at < '2026-01-01'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM email_campaigns WHERE template = 'monthly_report' AND month = '2026-10'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM email_campaigns").await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'email.campaign'"
        )
        .await,
        1
    );

    // The batches: three users, two per batch.
    let limits = &config.email_limits;
    let one = bulk::run_batch(&db, &outbox, limits, campaign)
        .await
        .unwrap();
    assert_eq!((one.written, one.done), (1, false), "Ada yes, Bob no scans");
    let two = bulk::run_batch(&db, &outbox, limits, campaign)
        .await
        .unwrap();
    assert_eq!((two.written, two.done), (0, true), "Cy unsubscribed");
    // Run again, and again from the start as if the cursor were lost: nothing added.
    let again = bulk::run_batch(&db, &outbox, limits, campaign)
        .await
        .unwrap();
    assert_eq!(again.written, 0);
    db.execute_unprepared(&format!(
        "UPDATE email_campaigns SET status = 'running', last_user_id = 0 WHERE id = {campaign}"
    ))
    .await
    .unwrap();
    let replay = bulk::run_batch(&db, &outbox, limits, campaign)
        .await
        .unwrap();
    assert_eq!(
        replay.written, 0,
        "the idempotency key stops a second report"
    );

    let mail = outbox::recent(&db, 100).await.unwrap();
    assert_eq!(mail.len(), 1, "{mail:?}");
    let report = &mail[0];
    assert_eq!(report.to_address, "ada@example.com");
    assert_eq!(report.user_id, Some(ada));
    assert_eq!(report.template.as_deref(), Some("monthly_report"));
    assert_eq!(report.category, "bulk");
    assert_eq!(report.kind, "marketing");
    assert_eq!(report.campaign_id, Some(campaign));
    assert_eq!(report.subject, "Your Stock Scanner report for 2026-10");
    let text = &report.body_text;
    assert!(text.contains("Hi Ada,"), "{text}");
    assert!(
        text.contains("Here is your Stock Scanner month, 2026-10:"),
        "{text}"
    );
    assert!(text.contains("  3 scans run\n"), "{text}");
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  ") && l.ends_with(')'))
        .map(str::trim)
        .collect();
    assert_eq!(
        listed,
        ["AMD (3)", "NVDA (2)", "AAPL (1)", "TSLA (1)"],
        "{text}"
    );
    for outside in ["SEPT", "NOVM", "OLD", "MSFT", "IBM", "alerts fired"] {
        assert!(!text.contains(outside), "{outside} in {text}");
    }

    // Delivered: bulk mail with one-click unsubscribe headers.
    let mut delivery = Delivery::new(
        outbox.clone(),
        Transport::from_config(config.smtp.as_ref()).unwrap(),
        config.email_limits.clone(),
        "w1".into(),
    );
    delivery.backoff.base = Duration::ZERO;
    let sent = delivery.run_until_idle(&db, 10).await.unwrap();
    assert_eq!(sent.sent, 1, "{sent:?}");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(header(m, "To"), Some("ada@example.com"));
    assert_eq!(
        header(m, "Subject"),
        Some("Your Stock Scanner report for 2026-10")
    );
    let list = header(m, "List-Unsubscribe").expect("List-Unsubscribe");
    assert!(
        list.starts_with("<https://scanner.example/email/unsubscribe?token="),
        "{list}"
    );
    assert_eq!(
        header(m, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let flat = m.replace("=\r\n", "");
    assert!(flat.contains("AMD (3)"), "{flat}");
    db.close().await.unwrap();
}

#[test]
fn the_report_check_is_a_daily_recurring_job() {
    let daily: Vec<_> = server::email::schedules()
        .into_iter()
        .filter(|s| s.kind == report::START_JOB)
        .collect();
    assert_eq!(daily.len(), 1);
    assert_eq!(daily[0].every, Duration::from_secs(86_400));
}

#[tokio::test]
async fn sqlite_the_october_report_reaches_each_active_subscriber_once() {
    let dir = temp_dir("report");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    the_october_report_reaches_each_active_subscriber_once(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_the_october_report_reaches_each_active_subscriber_once() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("report-pg");
        std::fs::create_dir_all(&dir).unwrap();
        the_october_report_reaches_each_active_subscriber_once(&url, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
