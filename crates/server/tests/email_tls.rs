//! Mail over TLS to a real SMTP server (aiosmtpd with certificates made here by a test
//! certificate authority): STARTTLS with authentication, implicit TLS, and what happens
//! with a certificate we do not trust or a wrong password.

mod support;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use server::config::Config;
use server::db;
use server::email::templates::Welcome;
use server::email::{Delivery, Email, EmailCounters, Enqueue, Outbox, Report, Transport};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::db::{config, temp_dir};
use support::smtp::{free_port, SmtpSink};

struct Certificates {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A certificate authority and a server certificate for 127.0.0.1 signed by it.
fn certificates(dir: &Path) -> Certificates {
    std::fs::create_dir_all(dir).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Stock Scanner test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf_params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    let paths = Certificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&paths.ca, ca.pem()).unwrap();
    std::fs::write(&paths.cert, leaf.pem()).unwrap();
    std::fs::write(&paths.key, leaf_key.serialize_pem()).unwrap();
    paths
}

fn smtp_config(dir: &Path, port: u16, extra: &[(&str, &str)]) -> Config {
    let url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display());
    let port = port.to_string();
    let mut vars = vec![
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", port.as_str()),
        ("FROM_EMAIL", "alerts@scanner.example"),
        ("JWT_SECRET", "a-test-secret-that-is-long-enough-0123456789"),
    ];
    vars.extend_from_slice(extra);
    config(&url, dir, &vars)
}

/// Enqueues one mail and runs delivery until nothing is due.
async fn deliver_one(config: &Config) -> (DatabaseConnection, Report) {
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let db = db::connect(config).await.unwrap();
    db::migrate(&db).await.unwrap();
    let outbox = Outbox::new(config, EmailCounters::default());
    let txn = db.begin().await.unwrap();
    outbox
        .enqueue(
            &txn,
            "ada@example.com",
            &Email::Welcome(Welcome { name: None }),
            Enqueue::default(),
        )
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let transport = Transport::from_config(config.smtp.as_ref()).unwrap();
    let mut delivery = Delivery::new(outbox, transport, config.email_limits.clone(), "w".into());
    delivery.backoff.base = Duration::from_secs(3600);
    let report = delivery.run_until_idle(&db, 3).await.unwrap();
    (db, report)
}

async fn statuses(db: &DatabaseConnection) -> Vec<String> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT status FROM email_outbox",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("", "status").unwrap())
    .collect()
}

#[tokio::test]
async fn starttls_with_authentication_delivers_over_tls() {
    let dir = temp_dir("smtp-starttls");
    let certs = certificates(&dir.join("certs"));
    let port = free_port();
    let cert = certs.cert.to_str().unwrap();
    let key = certs.key.to_str().unwrap();
    let sink = SmtpSink::start_with(
        port,
        &dir.join("sink"),
        &["--starttls", cert, key, "--auth", "mailer:s3cret-pass"],
    );
    let ca = certs.ca.display().to_string();
    let config = smtp_config(
        &dir,
        port,
        &[
            ("SMTP_TLS", "starttls"),
            ("SMTP_TLS_CA_FILE", &ca),
            ("SMTP_USER", "mailer"),
            ("SMTP_PASSWORD", "s3cret-pass"),
        ],
    );
    let (db, report) = deliver_one(&config).await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(statuses(&db).await, ["sent"]);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(
        sink.sessions(),
        [serde_json::json!({"tls": true, "user": "mailer"})]
    );
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let dir = temp_dir("smtp-tls");
    let certs = certificates(&dir.join("certs"));
    let port = free_port();
    let sink = SmtpSink::start_with(
        port,
        &dir.join("sink"),
        &[
            "--tls",
            certs.cert.to_str().unwrap(),
            certs.key.to_str().unwrap(),
        ],
    );
    let ca = certs.ca.display().to_string();
    let config = smtp_config(
        &dir,
        port,
        &[("SMTP_TLS", "tls"), ("SMTP_TLS_CA_FILE", &ca)],
    );
    let (_db, report) = deliver_one(&config).await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(
        sink.sessions(),
        [serde_json::json!({"tls": true, "user": null})]
    );
}

#[tokio::test]
async fn an_untrusted_certificate_or_a_wrong_password_sends_nothing_and_loses_nothing() {
    let dir = temp_dir("smtp-refused");
    let certs = certificates(&dir.join("certs"));
    let port = free_port();
    let sink = SmtpSink::start_with(
        port,
        &dir.join("sink"),
        &[
            "--starttls",
            certs.cert.to_str().unwrap(),
            certs.key.to_str().unwrap(),
            "--auth",
            "mailer:s3cret-pass",
        ],
    );
    // Our CA is not among the public roots: the certificate is refused.
    let untrusted = smtp_config(
        &dir.join("untrusted"),
        port,
        &[
            ("SMTP_TLS", "starttls"),
            ("SMTP_USER", "mailer"),
            ("SMTP_PASSWORD", "s3cret-pass"),
        ],
    );
    let (db, report) = deliver_one(&untrusted).await;
    assert_eq!(report.sent, 0, "{report:?}");
    assert_eq!(statuses(&db).await.len(), 1, "the mail is kept");
    assert_ne!(statuses(&db).await, ["sent"]);

    let ca = certs.ca.display().to_string();
    let wrong = smtp_config(
        &dir.join("wrong"),
        port,
        &[
            ("SMTP_TLS", "starttls"),
            ("SMTP_TLS_CA_FILE", &ca),
            ("SMTP_USER", "mailer"),
            ("SMTP_PASSWORD", "not-the-password"),
        ],
    );
    let (db, report) = deliver_one(&wrong).await;
    assert_eq!(report.sent, 0, "{report:?}");
    assert_eq!(
        report.failed, 1,
        "refused credentials are not retried: {report:?}"
    );
    assert_eq!(statuses(&db).await.len(), 1, "the mail is kept");
    assert!(sink.messages().is_empty());

    // A CA file that is not a certificate is a configuration error that names it.
    let bad = dir.join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let bad_path = bad.display().to_string();
    let config = smtp_config(&dir.join("bad"), port, &[("SMTP_TLS_CA_FILE", &bad_path)]);
    let error = Transport::from_config(config.smtp.as_ref()).err().unwrap();
    assert!(error.contains("SMTP_TLS_CA_FILE"), "{error}");
}
