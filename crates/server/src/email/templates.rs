//! The emails we send, as typed data, and their rendering through askama templates.
//!
//! Each kind of email is a struct holding exactly what its text needs; [`Email`] is the
//! union of them. Each has two template files under `crates/server/templates/email/`:
//! `NAME.html` and `NAME.txt`, extending `layout.html` and `layout.txt`, which carry the
//! product name, `FROM_NAME`, and the footer. Links are built from `APP_URL` by
//! [`Layout::link`], so every link in a mail is absolute. HTML templates escape every
//! value (askama's default for `.html`); the text templates do not need to.

use askama::Template;
use chrono::{DateTime, Utc};

/// The product's name, as it appears in every email.
pub const PRODUCT: &str = "Stock Scanner";

/// Which per-recipient limit applies to an email, and whether it is bulk mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sign-in, password, 2FA and lockout notices.
    Security,
    /// Welcome, billing and plan notices.
    Account,
    /// Scan alerts the user asked for.
    Alert,
    /// Broadcasts and reports: bulk, with one-click unsubscribe.
    Marketing,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Security => "security",
            Kind::Account => "account",
            Kind::Alert => "alert",
            Kind::Marketing => "marketing",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Security, Kind::Account, Kind::Alert, Kind::Marketing]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// Bulk mail carries List-Unsubscribe and honours the recipient's opt-out;
    /// transactional mail does neither.
    pub fn is_bulk(self) -> bool {
        self == Kind::Marketing
    }
}

/// What the shared layout shows around every email.
pub struct Layout {
    pub product: &'static str,
    pub from_name: String,
    /// `APP_URL` without a trailing slash.
    pub app_url: String,
    pub subject: String,
    /// Bulk mail only: the page that unsubscribes this recipient.
    pub unsubscribe_url: Option<String>,
}

impl Layout {
    /// An absolute link to `path` (which starts with `/`) on this deployment.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.app_url, path)
    }
}

/// A rendered email: header text and both bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub template: &'static str,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// "Ada" or, without a name, a neutral greeting word.
fn greeting(name: &Option<String>) -> &str {
    name.as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("there")
}

/// An amount in minor units as text: `12.34 USD` (no decimals for zero-decimal
/// currencies such as JPY).
pub fn money(amount_minor: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if matches!(code.as_str(), "JPY" | "KRW" | "VND" | "CLP" | "ISK") {
        return format!("{amount_minor} {code}");
    }
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    format!("{sign}{}.{:02} {code}", abs / 100, abs % 100)
}

fn day(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone)]
pub struct EmailVerification {
    pub name: Option<String>,
    /// The one-time token; the link is `APP_URL/verify-email?token=…`.
    pub token: String,
    pub expires_hours: u32,
}

#[derive(Debug, Clone)]
pub struct Welcome {
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub name: Option<String>,
    /// The one-time token; the link is `APP_URL/reset-password?token=…`.
    pub token: String,
    pub expires_minutes: u32,
    pub ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PasswordChanged {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSignIn {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TwoFactorEnabled {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct TwoFactorDisabled {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RecoveryCodeUsed {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub remaining: u32,
}

#[derive(Debug, Clone)]
pub struct SessionRevoked {
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AccountLocked {
    pub name: Option<String>,
    pub until: DateTime<Utc>,
    pub failed_attempts: u32,
}

#[derive(Debug, Clone)]
pub struct InvoiceLine {
    pub description: String,
    pub amount_minor: i64,
}

/// An invoice as shown in a receipt.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub number: String,
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub paid_at: DateTime<Utc>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    /// The provider's hosted invoice page or PDF, if any.
    pub invoice_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PaymentReceipt {
    pub name: Option<String>,
    pub invoice: Invoice,
}

#[derive(Debug, Clone)]
pub struct PaymentFailed {
    pub name: Option<String>,
    pub plan: String,
    pub amount_minor: i64,
    pub currency: String,
    pub next_attempt: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TrialEnding {
    pub name: Option<String>,
    pub plan: String,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionChanged {
    pub name: Option<String>,
    pub old_plan: String,
    pub new_plan: String,
    pub effective_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionCancelled {
    pub name: Option<String>,
    pub plan: String,
    pub ends_at: DateTime<Utc>,
}

/// One symbol that newly matches an alert's scan, with the values behind the match.
#[derive(Debug, Clone)]
pub struct AlertMatch {
    pub symbol: String,
    /// (column, value) pairs such as `("rsi(14)", 27.4)`.
    pub values: Vec<(String, f64)>,
}

#[derive(Debug, Clone)]
pub struct ScanAlert {
    pub name: Option<String>,
    pub scan_id: i64,
    pub scan_name: String,
    pub expression: String,
    /// The bar date the scan ran on.
    pub as_of: String,
    pub matches: Vec<AlertMatch>,
}

#[derive(Debug, Clone)]
pub struct Broadcast {
    pub name: Option<String>,
    pub subject: String,
    /// Plain text written by an operator; paragraphs separated by blank lines.
    pub body: String,
}

impl Broadcast {
    pub fn paragraphs(&self) -> Vec<&str> {
        self.body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// A user's month of scanning (see `report.rs`). Alert counts join the report with the
/// alerts feature.
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub name: Option<String>,
    /// The month covered, e.g. `2026-10`.
    pub month: String,
    /// Scans the user ran in the month.
    pub scans_run: u64,
    /// The symbols their scans matched most often, with how many scans matched each.
    pub top_symbols: Vec<(String, u32)>,
}

/// Gives each email's data the greeting its template opens with.
macro_rules! hello {
    ($($t:ident),*) => {$(
        impl $t {
            pub fn hello(&self) -> &str {
                greeting(&self.name)
            }
        }
    )*};
}

hello!(
    EmailVerification,
    Welcome,
    PasswordReset,
    PasswordChanged,
    NewSignIn,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodeUsed,
    SessionRevoked,
    AccountLocked,
    PaymentReceipt,
    PaymentFailed,
    TrialEnding,
    SubscriptionChanged,
    SubscriptionCancelled,
    ScanAlert,
    Broadcast,
    MonthlyReport
);

/// Percent-encodes `text` for a query string value (RFC 3986 unreserved kept).
pub fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl EmailVerification {
    pub fn url(&self, l: &Layout) -> String {
        l.link(&format!("/verify-email?token={}", query_value(&self.token)))
    }
}

impl PasswordReset {
    pub fn url(&self, l: &Layout) -> String {
        l.link(&format!(
            "/reset-password?token={}",
            query_value(&self.token)
        ))
    }
}

impl Invoice {
    /// An amount of this invoice's currency (askama passes template values by reference).
    pub fn amount(&self, minor: &i64) -> String {
        money(*minor, &self.currency)
    }

    pub fn period(&self) -> Option<String> {
        match (&self.period_start, &self.period_end) {
            (Some(start), Some(end)) => Some(format!("{} to {}", day(start), day(end))),
            _ => None,
        }
    }
}

impl PaymentFailed {
    pub fn amount(&self) -> String {
        money(self.amount_minor, &self.currency)
    }
}

impl AlertMatch {
    pub fn path(&self) -> String {
        format!("/symbols/{}", query_value(&self.symbol))
    }
}

impl MonthlyReport {
    /// `1 scan run`, `3 scans run`.
    pub fn scans(&self) -> String {
        let noun = if self.scans_run == 1 { "scan" } else { "scans" };
        format!("{} {noun} run", self.scans_run)
    }
}

impl ScanAlert {
    pub fn path(&self) -> String {
        format!("/scans/{}", self.scan_id)
    }
}

/// Every email the product sends.
#[derive(Debug, Clone)]
pub enum Email {
    EmailVerification(EmailVerification),
    Welcome(Welcome),
    PasswordReset(PasswordReset),
    PasswordChanged(PasswordChanged),
    NewSignIn(NewSignIn),
    TwoFactorEnabled(TwoFactorEnabled),
    TwoFactorDisabled(TwoFactorDisabled),
    RecoveryCodeUsed(RecoveryCodeUsed),
    SessionRevoked(SessionRevoked),
    AccountLocked(AccountLocked),
    PaymentReceipt(PaymentReceipt),
    PaymentFailed(PaymentFailed),
    TrialEnding(TrialEnding),
    SubscriptionChanged(SubscriptionChanged),
    SubscriptionCancelled(SubscriptionCancelled),
    ScanAlert(ScanAlert),
    Broadcast(Broadcast),
    MonthlyReport(MonthlyReport),
}

/// A template failed to render (a bug, never bad input: every value is plain data).
#[derive(Debug, thiserror::Error)]
#[error("the `{template}` email template failed to render: {source}")]
pub struct RenderError {
    pub template: &'static str,
    pub source: askama::Error,
}

impl Email {
    /// The subject line, before header cleaning.
    pub fn subject(&self) -> String {
        match self {
            Email::EmailVerification(_) => format!("Confirm your email address for {PRODUCT}"),
            Email::Welcome(_) => format!("Welcome to {PRODUCT}"),
            Email::PasswordReset(_) => format!("Reset your {PRODUCT} password"),
            Email::PasswordChanged(_) => format!("Your {PRODUCT} password was changed"),
            Email::NewSignIn(_) => format!("New sign-in to your {PRODUCT} account"),
            Email::TwoFactorEnabled(_) => "Two-factor authentication is on".to_string(),
            Email::TwoFactorDisabled(_) => "Two-factor authentication was turned off".to_string(),
            Email::RecoveryCodeUsed(_) => "A recovery code was used to sign in".to_string(),
            Email::SessionRevoked(_) => {
                "We signed you out after a suspicious token reuse".to_string()
            }
            Email::AccountLocked(_) => format!("Your {PRODUCT} account is temporarily locked"),
            Email::PaymentReceipt(e) => format!("Receipt for invoice {}", e.invoice.number),
            Email::PaymentFailed(_) => "Your payment failed".to_string(),
            Email::TrialEnding(e) => format!("Your {} trial ends in 3 days", e.plan),
            Email::SubscriptionChanged(e) => format!("Your plan is now {}", e.new_plan),
            Email::SubscriptionCancelled(e) => format!("Your {} subscription is cancelled", e.plan),
            Email::ScanAlert(e) => {
                let n = e.matches.len();
                format!(
                    "{}: {n} new {}",
                    e.scan_name,
                    if n == 1 { "match" } else { "matches" }
                )
            }
            Email::Broadcast(e) => e.subject.clone(),
            Email::MonthlyReport(e) => format!("Your {PRODUCT} report for {}", e.month),
        }
    }

    /// Renders both parts inside the layout. `unsubscribe_url` is shown in bulk mail.
    pub fn render(
        &self,
        from_name: &str,
        app_url: &str,
        unsubscribe_url: Option<String>,
    ) -> Result<Rendered, RenderError> {
        let subject = super::address::header_text(&self.subject());
        let layout = Layout {
            product: PRODUCT,
            from_name: from_name.to_string(),
            app_url: app_url.trim_end_matches('/').to_string(),
            subject: subject.clone(),
            unsubscribe_url,
        };
        let (html, text) = self.render_parts(&layout).map_err(|source| RenderError {
            template: self.name(),
            source,
        })?;
        Ok(Rendered {
            template: self.name(),
            subject,
            html,
            text,
        })
    }

    /// A sample of the named template, with made-up data, for previews and the dev
    /// mailbox. `None` for an unknown name.
    pub fn sample(name: &str) -> Option<Email> {
        let at = DateTime::parse_from_rfc3339("2026-11-26T09:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let later = at + chrono::Duration::days(3);
        let ada = Some("Ada <Lovelace>".to_string());
        let ip = Some("203.0.113.7".to_string());
        let agent = Some("Firefox 133 on Linux".to_string());
        Some(match name {
            "email_verification" => Email::EmailVerification(EmailVerification {
                name: ada,
                token: "sample-verification-token".into(),
                expires_hours: 24,
            }),
            "welcome" => Email::Welcome(Welcome { name: ada }),
            "password_reset" => Email::PasswordReset(PasswordReset {
                name: ada,
                token: "sample-reset-token".into(),
                expires_minutes: 30,
                ip,
            }),
            "password_changed" => Email::PasswordChanged(PasswordChanged { name: ada, at, ip }),
            "new_sign_in" => Email::NewSignIn(NewSignIn {
                name: ada,
                at,
                ip: "203.0.113.7".into(),
                user_agent: agent,
                location: Some("Lisbon, PT".into()),
            }),
            "two_factor_enabled" => Email::TwoFactorEnabled(TwoFactorEnabled { name: ada, at }),
            "two_factor_disabled" => {
                Email::TwoFactorDisabled(TwoFactorDisabled { name: ada, at, ip })
            }
            "recovery_code_used" => Email::RecoveryCodeUsed(RecoveryCodeUsed {
                name: ada,
                at,
                ip,
                remaining: 7,
            }),
            "session_revoked" => Email::SessionRevoked(SessionRevoked {
                name: ada,
                at,
                ip,
                user_agent: agent,
            }),
            "account_locked" => Email::AccountLocked(AccountLocked {
                name: ada,
                until: at + chrono::Duration::minutes(15),
                failed_attempts: 10,
            }),
            "payment_receipt" => Email::PaymentReceipt(PaymentReceipt {
                name: ada,
                invoice: Invoice {
                    number: "SS-2026-0042".into(),
                    currency: "usd".into(),
                    lines: vec![
                        InvoiceLine {
                            description: "Pro plan, monthly".into(),
                            amount_minor: 2900,
                        },
                        InvoiceLine {
                            description: "Proration credit (Basic)".into(),
                            amount_minor: -450,
                        },
                    ],
                    subtotal_minor: 2450,
                    tax_minor: 490,
                    total_minor: 2940,
                    paid_at: at,
                    period_start: Some(at),
                    period_end: Some(at + chrono::Duration::days(30)),
                    invoice_url: Some("https://invoice.stripe.com/i/sample".into()),
                },
            }),
            "payment_failed" => Email::PaymentFailed(PaymentFailed {
                name: ada,
                plan: "Pro".into(),
                amount_minor: 2900,
                currency: "usd".into(),
                next_attempt: Some(later),
            }),
            "trial_ending" => Email::TrialEnding(TrialEnding {
                name: ada,
                plan: "Pro".into(),
                ends_at: later,
            }),
            "subscription_changed" => Email::SubscriptionChanged(SubscriptionChanged {
                name: ada,
                old_plan: "Basic".into(),
                new_plan: "Pro".into(),
                effective_at: at,
            }),
            "subscription_cancelled" => Email::SubscriptionCancelled(SubscriptionCancelled {
                name: ada,
                plan: "Pro".into(),
                ends_at: later,
            }),
            "scan_alert" => Email::ScanAlert(ScanAlert {
                name: ada,
                scan_id: 7,
                scan_name: "Oversold <uptrend>".into(),
                expression: "rsi(14) < 30 and close > sma(200)".into(),
                as_of: "2026-11-25".into(),
                matches: vec![
                    AlertMatch {
                        symbol: "AAPL".into(),
                        values: vec![("rsi(14)".into(), 27.41), ("close".into(), 231.5)],
                    },
                    AlertMatch {
                        symbol: "MSFT".into(),
                        values: vec![("rsi(14)".into(), 29.02), ("close".into(), 402.12)],
                    },
                ],
            }),
            "broadcast" => Email::Broadcast(Broadcast {
                name: ada,
                subject: "Weekly scans are here".into(),
                body: "Scans can now run on weekly bars: write `weekly(close) > weekly(sma(20))`.\n\nAs always, reply to this mail if anything <looks> wrong.".into(),
            }),
            "monthly_report" => Email::MonthlyReport(MonthlyReport {
                name: ada,
                month: "2026-10".into(),
                scans_run: 1284,
                top_symbols: vec![("NVDA".into(), 12), ("AMD".into(), 9), ("TSLA".into(), 4)],
            }),
            _ => return None,
        })
    }
}

// Generated boilerplate: one HTML and one text template struct per email kind.
#[derive(Template)]
#[template(path = "email/email_verification.html")]
struct EmailVerificationHtml<'a> {
    e: &'a EmailVerification,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/email_verification.txt")]
struct EmailVerificationText<'a> {
    e: &'a EmailVerification,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/welcome.html")]
struct WelcomeHtml<'a> {
    e: &'a Welcome,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/welcome.txt")]
struct WelcomeText<'a> {
    e: &'a Welcome,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct PasswordResetHtml<'a> {
    e: &'a PasswordReset,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetText<'a> {
    e: &'a PasswordReset,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct PasswordChangedHtml<'a> {
    e: &'a PasswordChanged,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct PasswordChangedText<'a> {
    e: &'a PasswordChanged,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/new_sign_in.html")]
struct NewSignInHtml<'a> {
    e: &'a NewSignIn,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/new_sign_in.txt")]
struct NewSignInText<'a> {
    e: &'a NewSignIn,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/two_factor_enabled.html")]
struct TwoFactorEnabledHtml<'a> {
    e: &'a TwoFactorEnabled,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/two_factor_enabled.txt")]
struct TwoFactorEnabledText<'a> {
    e: &'a TwoFactorEnabled,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/two_factor_disabled.html")]
struct TwoFactorDisabledHtml<'a> {
    e: &'a TwoFactorDisabled,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/two_factor_disabled.txt")]
struct TwoFactorDisabledText<'a> {
    e: &'a TwoFactorDisabled,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/recovery_code_used.html")]
struct RecoveryCodeUsedHtml<'a> {
    e: &'a RecoveryCodeUsed,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/recovery_code_used.txt")]
struct RecoveryCodeUsedText<'a> {
    e: &'a RecoveryCodeUsed,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/session_revoked.html")]
struct SessionRevokedHtml<'a> {
    e: &'a SessionRevoked,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/session_revoked.txt")]
struct SessionRevokedText<'a> {
    e: &'a SessionRevoked,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/account_locked.html")]
struct AccountLockedHtml<'a> {
    e: &'a AccountLocked,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/account_locked.txt")]
struct AccountLockedText<'a> {
    e: &'a AccountLocked,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/payment_receipt.html")]
struct PaymentReceiptHtml<'a> {
    e: &'a PaymentReceipt,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/payment_receipt.txt")]
struct PaymentReceiptText<'a> {
    e: &'a PaymentReceipt,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/payment_failed.html")]
struct PaymentFailedHtml<'a> {
    e: &'a PaymentFailed,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/payment_failed.txt")]
struct PaymentFailedText<'a> {
    e: &'a PaymentFailed,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/trial_ending.html")]
struct TrialEndingHtml<'a> {
    e: &'a TrialEnding,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/trial_ending.txt")]
struct TrialEndingText<'a> {
    e: &'a TrialEnding,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/subscription_changed.html")]
struct SubscriptionChangedHtml<'a> {
    e: &'a SubscriptionChanged,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/subscription_changed.txt")]
struct SubscriptionChangedText<'a> {
    e: &'a SubscriptionChanged,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/subscription_cancelled.html")]
struct SubscriptionCancelledHtml<'a> {
    e: &'a SubscriptionCancelled,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/subscription_cancelled.txt")]
struct SubscriptionCancelledText<'a> {
    e: &'a SubscriptionCancelled,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/scan_alert.html")]
struct ScanAlertHtml<'a> {
    e: &'a ScanAlert,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/scan_alert.txt")]
struct ScanAlertText<'a> {
    e: &'a ScanAlert,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/broadcast.html")]
struct BroadcastHtml<'a> {
    e: &'a Broadcast,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/broadcast.txt")]
struct BroadcastText<'a> {
    e: &'a Broadcast,
    l: &'a Layout,
}
#[derive(Template)]
#[template(path = "email/monthly_report.html")]
struct MonthlyReportHtml<'a> {
    e: &'a MonthlyReport,
    l: &'a Layout,
}

#[derive(Template)]
#[template(path = "email/monthly_report.txt")]
struct MonthlyReportText<'a> {
    e: &'a MonthlyReport,
    l: &'a Layout,
}
impl Email {
    /// The template's name, as used by `email preview`, metrics and the outbox.
    pub fn name(&self) -> &'static str {
        match self {
            Email::EmailVerification(_) => "email_verification",
            Email::Welcome(_) => "welcome",
            Email::PasswordReset(_) => "password_reset",
            Email::PasswordChanged(_) => "password_changed",
            Email::NewSignIn(_) => "new_sign_in",
            Email::TwoFactorEnabled(_) => "two_factor_enabled",
            Email::TwoFactorDisabled(_) => "two_factor_disabled",
            Email::RecoveryCodeUsed(_) => "recovery_code_used",
            Email::SessionRevoked(_) => "session_revoked",
            Email::AccountLocked(_) => "account_locked",
            Email::PaymentReceipt(_) => "payment_receipt",
            Email::PaymentFailed(_) => "payment_failed",
            Email::TrialEnding(_) => "trial_ending",
            Email::SubscriptionChanged(_) => "subscription_changed",
            Email::SubscriptionCancelled(_) => "subscription_cancelled",
            Email::ScanAlert(_) => "scan_alert",
            Email::Broadcast(_) => "broadcast",
            Email::MonthlyReport(_) => "monthly_report",
        }
    }

    /// Which per-recipient limit applies, and whether the mail is bulk.
    pub fn kind(&self) -> Kind {
        match self {
            Email::EmailVerification(_) => Kind::Security,
            Email::Welcome(_) => Kind::Account,
            Email::PasswordReset(_) => Kind::Security,
            Email::PasswordChanged(_) => Kind::Security,
            Email::NewSignIn(_) => Kind::Security,
            Email::TwoFactorEnabled(_) => Kind::Security,
            Email::TwoFactorDisabled(_) => Kind::Security,
            Email::RecoveryCodeUsed(_) => Kind::Security,
            Email::SessionRevoked(_) => Kind::Security,
            Email::AccountLocked(_) => Kind::Security,
            Email::PaymentReceipt(_) => Kind::Account,
            Email::PaymentFailed(_) => Kind::Account,
            Email::TrialEnding(_) => Kind::Account,
            Email::SubscriptionChanged(_) => Kind::Account,
            Email::SubscriptionCancelled(_) => Kind::Account,
            Email::ScanAlert(_) => Kind::Alert,
            Email::Broadcast(_) => Kind::Marketing,
            Email::MonthlyReport(_) => Kind::Marketing,
        }
    }

    fn render_parts(&self, l: &Layout) -> Result<(String, String), askama::Error> {
        Ok(match self {
            Email::EmailVerification(e) => (
                EmailVerificationHtml { e, l }.render()?,
                EmailVerificationText { e, l }.render()?,
            ),
            Email::Welcome(e) => (
                WelcomeHtml { e, l }.render()?,
                WelcomeText { e, l }.render()?,
            ),
            Email::PasswordReset(e) => (
                PasswordResetHtml { e, l }.render()?,
                PasswordResetText { e, l }.render()?,
            ),
            Email::PasswordChanged(e) => (
                PasswordChangedHtml { e, l }.render()?,
                PasswordChangedText { e, l }.render()?,
            ),
            Email::NewSignIn(e) => (
                NewSignInHtml { e, l }.render()?,
                NewSignInText { e, l }.render()?,
            ),
            Email::TwoFactorEnabled(e) => (
                TwoFactorEnabledHtml { e, l }.render()?,
                TwoFactorEnabledText { e, l }.render()?,
            ),
            Email::TwoFactorDisabled(e) => (
                TwoFactorDisabledHtml { e, l }.render()?,
                TwoFactorDisabledText { e, l }.render()?,
            ),
            Email::RecoveryCodeUsed(e) => (
                RecoveryCodeUsedHtml { e, l }.render()?,
                RecoveryCodeUsedText { e, l }.render()?,
            ),
            Email::SessionRevoked(e) => (
                SessionRevokedHtml { e, l }.render()?,
                SessionRevokedText { e, l }.render()?,
            ),
            Email::AccountLocked(e) => (
                AccountLockedHtml { e, l }.render()?,
                AccountLockedText { e, l }.render()?,
            ),
            Email::PaymentReceipt(e) => (
                PaymentReceiptHtml { e, l }.render()?,
                PaymentReceiptText { e, l }.render()?,
            ),
            Email::PaymentFailed(e) => (
                PaymentFailedHtml { e, l }.render()?,
                PaymentFailedText { e, l }.render()?,
            ),
            Email::TrialEnding(e) => (
                TrialEndingHtml { e, l }.render()?,
                TrialEndingText { e, l }.render()?,
            ),
            Email::SubscriptionChanged(e) => (
                SubscriptionChangedHtml { e, l }.render()?,
                SubscriptionChangedText { e, l }.render()?,
            ),
            Email::SubscriptionCancelled(e) => (
                SubscriptionCancelledHtml { e, l }.render()?,
                SubscriptionCancelledText { e, l }.render()?,
            ),
            Email::ScanAlert(e) => (
                ScanAlertHtml { e, l }.render()?,
                ScanAlertText { e, l }.render()?,
            ),
            Email::Broadcast(e) => (
                BroadcastHtml { e, l }.render()?,
                BroadcastText { e, l }.render()?,
            ),
            Email::MonthlyReport(e) => (
                MonthlyReportHtml { e, l }.render()?,
                MonthlyReportText { e, l }.render()?,
            ),
        })
    }
}

/// Every template's name, in the order `email preview` lists them.
pub const NAMES: &[&str] = &[
    "email_verification",
    "welcome",
    "password_reset",
    "password_changed",
    "new_sign_in",
    "two_factor_enabled",
    "two_factor_disabled",
    "recovery_code_used",
    "session_revoked",
    "account_locked",
    "payment_receipt",
    "payment_failed",
    "trial_ending",
    "subscription_changed",
    "subscription_cancelled",
    "scan_alert",
    "broadcast",
    "monthly_report",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_both_parts_with_absolute_links() {
        for name in NAMES {
            let email = Email::sample(name).expect("a sample for every name");
            assert_eq!(email.name(), *name);
            let unsubscribe = email
                .kind()
                .is_bulk()
                .then(|| "https://scanner.example/email/unsubscribe?token=t".to_string());
            let r = email
                .render("Scanner Team", "https://scanner.example/", unsubscribe)
                .unwrap();
            assert!(r.html.contains("Scanner Team"), "{name}: FROM_NAME in html");
            assert!(r.text.contains("Scanner Team"), "{name}: FROM_NAME in text");
            assert!(r.html.contains(PRODUCT), "{name}");
            assert!(r.html.contains("https://scanner.example/"), "{name}");
            assert!(!r.html.contains("href=\"/"), "{name}: relative link");
            assert!(!r.subject.contains('\n'));
            if email.kind().is_bulk() {
                assert!(r.text.contains("/email/unsubscribe?token=t"), "{name}");
            }
        }
    }

    #[test]
    fn user_text_is_escaped_in_html_but_not_in_text() {
        let r = Email::sample("scan_alert")
            .unwrap()
            .render("S", "http://x", None)
            .unwrap();
        assert!(
            r.html.contains("Oversold &#60;uptrend&#62;")
                || r.html.contains("Oversold &lt;uptrend&gt;")
        );
        assert!(!r.html.contains("<uptrend>"));
        assert!(r.text.contains("Oversold <uptrend>"));
    }

    #[test]
    fn subjects_lose_line_breaks() {
        let email = Email::Broadcast(Broadcast {
            name: None,
            subject: "Hi\r\nBcc: victim@example.com".into(),
            body: "b".into(),
        });
        let r = email.render("S", "http://x", None).unwrap();
        assert_eq!(r.subject, "Hi Bcc: victim@example.com");
    }

    #[test]
    fn money_uses_minor_units() {
        assert_eq!(money(2940, "usd"), "29.40 USD");
        assert_eq!(money(-450, "eur"), "-4.50 EUR");
        assert_eq!(money(500, "jpy"), "500 JPY");
    }
}
