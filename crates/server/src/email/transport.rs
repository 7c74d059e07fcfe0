//! Turning an outbox row into MIME and handing it to the SMTP server (lettre), or, with
//! no `SMTP_HOST`, only logging it.

use super::address::header_text;
use super::outbox::OutboxRow;
use crate::config::{SmtpConfig, SmtpTls};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP conversation may take before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a whole delivery (connect, TLS, authenticate, send) may take.
const CONVERSATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a message was not handed over.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: the server was unreachable or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// The server refused the message for good (5xx), or it cannot be built.
    #[error("{0}")]
    Permanent(String),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development without `SMTP_HOST`: mail is logged and stays in the outbox.
    Log,
}

/// The certificate in `SMTP_TLS_CA_FILE`, to trust besides the public roots.
fn extra_root(path: &std::path::Path) -> Result<Certificate, String> {
    let refused = |why: String| format!("SMTP_TLS_CA_FILE `{}`: {why}", path.display());
    let pem = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
    // The parser accepts a file holding no certificate at all.
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(refused("holds no PEM certificate".into()));
    }
    Certificate::from_pem(&pem).map_err(|e| refused(format!("not a PEM certificate: {e}")))
}

impl Transport {
    pub fn from_config(smtp: Option<&SmtpConfig>) -> Result<Transport, String> {
        let Some(smtp) = smtp else {
            return Ok(Transport::Log);
        };
        let tls = match smtp.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls | SmtpTls::Tls => {
                let mut builder = TlsParameters::builder(smtp.host.clone());
                if let Some(path) = &smtp.ca_file {
                    builder = builder.add_root_certificate(extra_root(path)?);
                }
                let parameters = builder
                    .build_rustls()
                    .map_err(|e| format!("SMTP_HOST `{}`: {e}", smtp.host))?;
                if smtp.tls == SmtpTls::Tls {
                    Tls::Wrapper(parameters)
                } else {
                    Tls::Required(parameters)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &smtp.user {
            let password = smtp
                .password
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Hands `message` to the server. `Ok` means the server accepted it (250).
    pub async fn send(&self, message: Message, row: &OutboxRow) -> Result<(), SendError> {
        match self {
            Transport::Log => {
                tracing::info!(
                    id = row.id,
                    to = %row.to_address,
                    subject = %row.subject,
                    template = row.template.as_deref().unwrap_or(""),
                    "no SMTP_HOST: mail kept in the outbox (see /dev/mailbox)"
                );
                Ok(())
            }
            // lettre's timeout covers connecting, not a server that stops answering in
            // the middle of the conversation: that must not hold the worker forever.
            Transport::Smtp(smtp) => {
                match tokio::time::timeout(CONVERSATION_TIMEOUT, smtp.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                    Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
                    Err(_) => Err(SendError::Transient(format!(
                        "the SMTP server did not finish the conversation within {} s",
                        CONVERSATION_TIMEOUT.as_secs()
                    ))),
                }
            }
        }
    }
}

macro_rules! raw_header {
    ($t:ident, $name:literal) => {
        #[derive(Clone)]
        struct $t(String);

        impl Header for $t {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($t(s.to_string()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

raw_header!(ListUnsubscribe, "List-Unsubscribe");
raw_header!(ListUnsubscribePost, "List-Unsubscribe-Post");
raw_header!(OutboxId, "X-Outbox-Id");
raw_header!(Template, "X-Template");
raw_header!(AutoSubmitted, "Auto-Submitted");

/// The domain part of our sender address, for Message-IDs.
fn domain(from_email: &str) -> &str {
    from_email.rsplit_once('@').map_or("localhost", |(_, d)| d)
}

/// The Message-ID of an outbox row: stable, so a receiving server can recognise it.
pub fn message_id(row: &OutboxRow, from_email: &str) -> String {
    format!(
        "<outbox-{}-{}@{}>",
        row.id,
        row.created_at.timestamp_millis(),
        domain(from_email)
    )
}

/// Builds the MIME message: multipart/alternative with the text and HTML parts, the
/// sender from FROM_NAME/FROM_EMAIL, and List-Unsubscribe headers for bulk mail only.
pub fn build(row: &OutboxRow, from_name: &str, from_email: &str) -> Result<Message, SendError> {
    let from = Mailbox::new(
        Some(header_text(from_name)),
        from_email
            .parse()
            .map_err(|e| SendError::Permanent(format!("FROM_EMAIL `{from_email}`: {e}")))?,
    );
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|e| SendError::Permanent(format!("recipient `{}`: {e}", row.to_address)))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(header_text(&row.subject))
        .message_id(Some(message_id(row, from_email)))
        .header(OutboxId(row.id.to_string()))
        .header(AutoSubmitted("auto-generated".into()));
    if let Some(template) = &row.template {
        builder = builder.header(Template(header_text(template)));
    }
    if row.category == "bulk" {
        if let Some(url) = &row.unsubscribe_url {
            builder = builder
                .header(ListUnsubscribe(format!("<{}>", header_text(url))))
                .header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()));
        }
    }
    let body = match &row.body_html {
        Some(html) => MultiPart::alternative_plain_html(row.body_text.clone(), html.clone()),
        None => MultiPart::mixed().singlepart(SinglePart::plain(row.body_text.clone())),
    };
    builder
        .multipart(body)
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}
