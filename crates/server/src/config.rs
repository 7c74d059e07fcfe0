//! Configuration from the environment and a `.env` file, checked once at start.
//!
//! Every variable is read here and nowhere else, into types that cannot hold an invalid
//! value; a bad value is an error naming the variable and saying what is expected. The
//! process environment wins over `.env`, as with every twelve-factor tool.

use crate::auth::settings::AuthSettings;
use crate::net::IpNet;
use crate::plans::{self, Plan};
use crate::ratelimit::quota::Quota;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Values that must never be used as a secret in production (documentation examples
/// and the usual placeholders).
const DEFAULT_SECRETS: &[&str] = &[
    "changeme",
    "change-me",
    "secret",
    "development",
    "your-secret-here",
    "please-change-this-secret-in-production-0123456789",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
    Test,
}

impl Environment {
    pub fn name(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
            Environment::Test => "test",
        }
    }
}

/// A secret: its value never appears in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "set ({} bytes, masked)", self.0.len())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a request waits for a connection before failing with 503.
    pub acquire_timeout: Duration,
    pub connect_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RedisConfig {
    pub host: String,
    pub port: u16,
    pub db: u32,
    pub password: Option<Secret>,
    /// Prepended to every key, so deployments (or test runs) can share one Redis.
    pub key_prefix: String,
}

impl RedisConfig {
    pub fn url(&self) -> String {
        let auth = self
            .password
            .as_ref()
            .map_or(String::new(), |p| format!(":{}@", p.expose()));
        format!("redis://{auth}{}:{}/{}", self.host, self.port, self.db)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// `SMTP_TLS`: how the connection is protected.
    pub tls: SmtpTls,
    /// `SMTP_TLS_CA_FILE`: a PEM certificate to trust besides the public roots, for a
    /// relay with a private certificate authority.
    pub ca_file: Option<PathBuf>,
}

/// How the SMTP connection is protected (`SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (the usual port 587).
    StartTls,
    /// TLS from the first byte ("implicit TLS", the usual port 465).
    Tls,
    /// No encryption at all: only for a relay on localhost or a test server.
    None,
}

impl SmtpTls {
    pub fn name(self) -> &'static str {
        match self {
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
            SmtpTls::None => "none",
        }
    }
}

/// Email sending limits (`EMAIL_RATE_*`), in the same `N/period[:burst]` form as the API
/// quotas. Mail over a limit is delayed, never dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailLimits {
    /// All mail from all instances together.
    pub global: Quota,
    /// Per recipient, security mail (password reset, new sign-in, 2FA, lockout...).
    pub security: Quota,
    /// Per recipient, account and billing mail (welcome, receipts, plan changes...).
    pub account: Quota,
    /// Per recipient, scan alerts.
    pub alerts: Quota,
    /// Per recipient, broadcasts and reports.
    pub marketing: Quota,
    /// Rows a bulk campaign writes to the outbox per batch.
    pub bulk_batch: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StripeConfig {
    pub secret_key: Secret,
    pub webhook_secret: Option<Secret>,
    pub basic_price_id: Option<String>,
    pub pro_price_id: Option<String>,
    pub enterprise_price_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SentryConfig {
    /// Its public key is shown as `***` by `config check`.
    pub dsn: sentry::types::Dsn,
    pub traces_sample_rate: f32,
}

/// API request quotas: one for callers without an account, one per plan.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub anonymous: Quota,
    /// A plan without its own quota gets the first one's.
    pub plans: Vec<PlanQuota>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanQuota {
    pub plan: &'static str,
    pub variable: &'static str,
    pub quota: Quota,
}

impl RateLimits {
    /// The plans with a `RATE_LIMIT_<PLAN>` variable, and their defaults per minute.
    const PLANS: [(&'static str, &'static str, u32); 4] = [
        ("free", "RATE_LIMIT_FREE", 120),
        ("basic", "RATE_LIMIT_BASIC", 300),
        ("pro", "RATE_LIMIT_PRO", 1_200),
        ("enterprise", "RATE_LIMIT_ENTERPRISE", 6_000),
    ];

    fn load(vars: &Vars) -> Result<RateLimits, ConfigError> {
        let quota = |name: &'static str, per_minute: u32| -> Result<Quota, ConfigError> {
            match vars.get(name) {
                None => Ok(Quota::per_minute(per_minute)),
                Some(text) => text.parse().map_err(|e: String| error(name, e)),
            }
        };
        Ok(RateLimits {
            anonymous: quota("RATE_LIMIT_ANONYMOUS", 60)?,
            plans: Self::PLANS
                .iter()
                .map(|&(plan, variable, default)| {
                    Ok(PlanQuota {
                        plan,
                        variable,
                        quota: quota(variable, default)?,
                    })
                })
                .collect::<Result<_, ConfigError>>()?,
        })
    }

    pub fn for_plan(&self, plan: &str) -> Quota {
        self.plans
            .iter()
            .find(|p| p.plan == plan)
            .or(self.plans.first())
            .map_or(self.anonymous, |p| p.quota)
    }
}

/// The whole effective configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub environment: Environment,
    pub bind: SocketAddr,
    /// The public base URL, for links in emails and redirects; no trailing slash.
    pub app_url: String,
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    pub redis: Option<RedisConfig>,
    pub jwt_secret: Secret,
    /// Where the JWT secret came from, for `config check`.
    pub jwt_secret_origin: SecretOrigin,
    pub smtp: Option<SmtpConfig>,
    pub from_email: String,
    pub from_name: String,
    pub email_limits: EmailLimits,
    pub stripe: Option<StripeConfig>,
    pub sentry: Option<SentryConfig>,
    /// Origins allowed to call the API from a browser (CORS); empty allows none.
    pub cors_origins: Vec<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    pub rate_limits: RateLimits,
    pub request_body_limit: usize,
    pub request_timeout: Duration,
    /// The plans on offer, from `PLANS` or the built-in list.
    pub plans: Vec<Plan>,
    pub auth: AuthSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOrigin {
    Environment,
    /// Generated on the first development start and kept in the data directory.
    DataDirectory,
}

/// A variable with a value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub(crate) fn error(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// The variables as given: process environment over `.env`.
#[derive(Debug, Clone, Default)]
pub struct Vars(HashMap<String, String>);

impl Vars {
    /// The process environment over the `.env` file in the working directory, if any.
    pub fn from_process() -> Result<Vars, ConfigError> {
        let mut vars = HashMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(entries) => {
                for entry in entries {
                    let (key, value) = entry
                        .map_err(|e| error("ENV_FILE", format!(".env cannot be read: {e}")))?;
                    vars.insert(key, value);
                }
            }
            Err(e) if e.not_found() => {}
            Err(e) => return Err(error("ENV_FILE", format!(".env cannot be read: {e}"))),
        }
        vars.extend(std::env::vars());
        Ok(Vars(vars))
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vars {
        Vars(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// A variable's value; an empty value counts as unset.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub(crate) fn parse<T: std::str::FromStr>(
        &self,
        name: &'static str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| error(name, format!("`{v}` is not {expected}")))
            })
            .transpose()
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Config {
    /// Reads and checks the configuration. `bind` overrides `BIND`. In development a
    /// missing `JWT_SECRET` is generated once and kept in the data directory; in
    /// production a missing, short or default one is refused.
    pub fn load(vars: &Vars, bind: Option<SocketAddr>) -> Result<Config, ConfigError> {
        let environment = match vars.get("ENVIRONMENT").unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "production" | "prod" => Environment::Production,
            "test" => Environment::Test,
            other => {
                return Err(error(
                    "ENVIRONMENT",
                    format!("`{other}` is not one of development, production, test"),
                ))
            }
        };
        let bind = match bind {
            Some(bind) => bind,
            None => vars
                .parse("BIND", "an address such as 127.0.0.1:8080")?
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
        };
        let app_url = vars
            .get("APP_URL")
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{bind}"));
        if !(app_url.starts_with("http://") || app_url.starts_with("https://")) {
            return Err(error(
                "APP_URL",
                format!("`{app_url}` is not an http(s) URL"),
            ));
        }
        let data_dir = PathBuf::from(vars.get("DATA_DIR").unwrap_or("./data"));
        let database = DatabaseConfig {
            url: vars
                .get("DATABASE_URL")
                .map(String::from)
                .unwrap_or_else(|| {
                    format!(
                        "sqlite://{}?mode=rwc",
                        data_dir.join("stockscanner.db").display()
                    )
                }),
            max_connections: vars
                .parse("DATABASE_MAX_CONNECTIONS", "a whole number")?
                .unwrap_or(10),
            min_connections: vars
                .parse("DATABASE_MIN_CONNECTIONS", "a whole number")?
                .unwrap_or(1),
            acquire_timeout: Duration::from_millis(
                vars.parse("DATABASE_ACQUIRE_TIMEOUT_MS", "a number of milliseconds")?
                    .unwrap_or(3_000),
            ),
            connect_timeout: Duration::from_millis(
                vars.parse("DATABASE_CONNECT_TIMEOUT_MS", "a number of milliseconds")?
                    .unwrap_or(5_000),
            ),
        };
        if !(database.url.starts_with("sqlite:") || database.url.starts_with("postgres")) {
            return Err(error(
                "DATABASE_URL",
                "expected a sqlite:// or postgres:// URL",
            ));
        }
        if database.max_connections == 0 || database.min_connections > database.max_connections {
            return Err(error(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1 and at least DATABASE_MIN_CONNECTIONS",
            ));
        }
        let redis = match vars.get("REDIS_HOST") {
            None => None,
            Some(host) => Some(RedisConfig {
                host: host.to_string(),
                port: vars.parse("REDIS_PORT", "a port number")?.unwrap_or(6379),
                db: vars.parse("REDIS_DB", "a database number")?.unwrap_or(0),
                password: vars.get("REDIS_PASSWORD").map(|p| Secret(p.to_string())),
                key_prefix: vars
                    .get("REDIS_KEY_PREFIX")
                    .unwrap_or("stockscanner:")
                    .to_string(),
            }),
        };
        let (jwt_secret, jwt_secret_origin) = jwt_secret(vars, environment, &data_dir)?;
        let smtp = match vars.get("SMTP_HOST") {
            None => None,
            Some(host) => {
                let port = vars.parse("SMTP_PORT", "a port number")?.unwrap_or(587);
                let tls = match vars.get("SMTP_TLS") {
                    None if port == 465 => SmtpTls::Tls,
                    None => SmtpTls::StartTls,
                    Some(v) => match v.to_ascii_lowercase().as_str() {
                        "starttls" => SmtpTls::StartTls,
                        "tls" | "ssl" | "implicit" => SmtpTls::Tls,
                        "none" | "off" | "plain" => SmtpTls::None,
                        _ => {
                            return Err(error(
                                "SMTP_TLS",
                                format!("`{v}` is not one of starttls, tls, none"),
                            ))
                        }
                    },
                };
                if tls == SmtpTls::None && environment == Environment::Production {
                    let local = matches!(host, "localhost" | "127.0.0.1" | "::1");
                    if !local {
                        return Err(error(
                            "SMTP_TLS",
                            "`none` sends passwords and mail in clear text; in production it is only allowed for a relay on localhost",
                        ));
                    }
                }
                Some(SmtpConfig {
                    host: host.to_string(),
                    port,
                    user: vars.get("SMTP_USER").map(String::from),
                    password: vars.get("SMTP_PASSWORD").map(|p| Secret(p.to_string())),
                    tls,
                    ca_file: vars.get("SMTP_TLS_CA_FILE").map(PathBuf::from),
                })
            }
        };
        let email_quota = |name: &'static str, default: &str| -> Result<Quota, ConfigError> {
            let text = vars.get(name).unwrap_or(default);
            text.parse().map_err(|e: String| error(name, e))
        };
        let email_limits = EmailLimits {
            global: email_quota("EMAIL_RATE_GLOBAL", "600/min")?,
            security: email_quota("EMAIL_RATE_SECURITY", "5/h")?,
            account: email_quota("EMAIL_RATE_ACCOUNT", "10/h")?,
            alerts: email_quota("EMAIL_RATE_ALERTS", "30/h")?,
            marketing: email_quota("EMAIL_RATE_MARKETING", "3/h")?,
            bulk_batch: vars
                .parse("EMAIL_BULK_BATCH", "a whole number from 1 to 10000")?
                .unwrap_or(200),
        };
        if !(1..=10_000).contains(&email_limits.bulk_batch) {
            return Err(error(
                "EMAIL_BULK_BATCH",
                format!("{} is not from 1 to 10000", email_limits.bulk_batch),
            ));
        }
        let stripe = vars.get("STRIPE_SECRET_KEY").map(|key| StripeConfig {
            secret_key: Secret(key.to_string()),
            webhook_secret: vars
                .get("STRIPE_WEBHOOK_SECRET")
                .map(|s| Secret(s.to_string())),
            basic_price_id: vars.get("STRIPE_BASIC_PRICE_ID").map(String::from),
            pro_price_id: vars.get("STRIPE_PRO_PRICE_ID").map(String::from),
            enterprise_price_id: vars.get("STRIPE_ENTERPRISE_PRICE_ID").map(String::from),
        });
        if environment == Environment::Production {
            if let Some(stripe) = &stripe {
                if stripe.webhook_secret.is_none() {
                    return Err(error(
                        "STRIPE_WEBHOOK_SECRET",
                        "is required in production when STRIPE_SECRET_KEY is set",
                    ));
                }
            }
        }
        let sentry = match vars.get("SENTRY_DSN") {
            None => None,
            Some(dsn) => {
                let rate: f32 = vars
                    .parse("SENTRY_TRACES_SAMPLE_RATE", "a number from 0 to 1")?
                    .unwrap_or(0.0);
                if !(0.0..=1.0).contains(&rate) {
                    return Err(error(
                        "SENTRY_TRACES_SAMPLE_RATE",
                        format!("{rate} is not between 0 and 1"),
                    ));
                }
                let dsn = dsn.parse().map_err(|e| {
                    error(
                        "SENTRY_DSN",
                        format!("is not a Sentry DSN (https://KEY@HOST/PROJECT): {e}"),
                    )
                })?;
                Some(SentryConfig {
                    dsn,
                    traces_sample_rate: rate,
                })
            }
        };
        let trusted_proxies = vars
            .list("TRUSTED_PROXIES")
            .iter()
            .map(|p| p.parse().map_err(|e| error("TRUSTED_PROXIES", e)))
            .collect::<Result<_, _>>()?;
        let plans = match vars.get("PLANS") {
            None => plans::defaults(),
            Some(json) => plans::parse(json).map_err(|message| error("PLANS", message))?,
        };
        let from_email = vars.get("FROM_EMAIL").unwrap_or("no-reply@localhost");
        if let Err(e) = crate::email::EmailAddress::parse(from_email) {
            return Err(error("FROM_EMAIL", e.to_string()));
        }
        let from_name = vars.get("FROM_NAME").unwrap_or("Stock Scanner");
        if from_name.chars().any(char::is_control) {
            return Err(error(
                "FROM_NAME",
                "contains a line break or control character",
            ));
        }
        Ok(Config {
            environment,
            bind,
            from_email: from_email.to_string(),
            from_name: from_name.to_string(),
            email_limits,
            app_url,
            data_dir,
            database,
            redis,
            jwt_secret,
            jwt_secret_origin,
            smtp,
            stripe,
            sentry,
            cors_origins: vars.list("CORS_ORIGINS"),
            trusted_proxies,
            rate_limits: RateLimits::load(vars)?,
            request_body_limit: vars
                .parse("REQUEST_BODY_LIMIT_BYTES", "a number of bytes")?
                .unwrap_or(1 << 20),
            request_timeout: Duration::from_secs(
                vars.parse("REQUEST_TIMEOUT_SECS", "a number of seconds")?
                    .unwrap_or(30),
            ),
            plans,
            auth: AuthSettings::load(vars)?,
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// The effective configuration, one `NAME = value` line each, secrets masked.
    pub fn describe(&self) -> String {
        fn opt<T: fmt::Display>(v: &Option<T>) -> String {
            v.as_ref().map_or("not set".into(), |v| v.to_string())
        }
        let mut lines = vec![
            ("ENVIRONMENT", self.environment.name().to_string()),
            ("BIND", self.bind.to_string()),
            ("APP_URL", self.app_url.clone()),
            ("DATA_DIR", self.data_dir.display().to_string()),
            ("DATABASE_URL", mask_url_password(&self.database.url)),
            (
                "DATABASE_MAX_CONNECTIONS",
                self.database.max_connections.to_string(),
            ),
            (
                "DATABASE_MIN_CONNECTIONS",
                self.database.min_connections.to_string(),
            ),
            (
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                self.database.acquire_timeout.as_millis().to_string(),
            ),
            (
                "DATABASE_CONNECT_TIMEOUT_MS",
                self.database.connect_timeout.as_millis().to_string(),
            ),
        ];
        match &self.redis {
            None => lines.push(("REDIS_HOST", "not set (in-process limits)".into())),
            Some(r) => {
                lines.push(("REDIS_HOST", r.host.clone()));
                lines.push(("REDIS_PORT", r.port.to_string()));
                lines.push(("REDIS_DB", r.db.to_string()));
                lines.push(("REDIS_PASSWORD", opt(&r.password)));
                lines.push(("REDIS_KEY_PREFIX", r.key_prefix.clone()));
            }
        }
        let origin = match self.jwt_secret_origin {
            SecretOrigin::Environment => "",
            SecretOrigin::DataDirectory => " from the data directory",
        };
        lines.push(("JWT_SECRET", format!("{}{origin}", self.jwt_secret)));
        match &self.smtp {
            None => lines.push(("SMTP_HOST", "not set (mail stays in the outbox)".into())),
            Some(s) => {
                lines.push(("SMTP_HOST", s.host.clone()));
                lines.push(("SMTP_PORT", s.port.to_string()));
                lines.push(("SMTP_USER", opt(&s.user)));
                lines.push(("SMTP_PASSWORD", opt(&s.password)));
                lines.push(("SMTP_TLS", s.tls.name().to_string()));
                lines.push((
                    "SMTP_TLS_CA_FILE",
                    s.ca_file
                        .as_ref()
                        .map_or("not set".into(), |p| p.display().to_string()),
                ));
            }
        }
        lines.push(("FROM_EMAIL", self.from_email.clone()));
        lines.push(("FROM_NAME", self.from_name.clone()));
        let limits = &self.email_limits;
        for (name, quota) in [
            ("EMAIL_RATE_GLOBAL", &limits.global),
            ("EMAIL_RATE_SECURITY", &limits.security),
            ("EMAIL_RATE_ACCOUNT", &limits.account),
            ("EMAIL_RATE_ALERTS", &limits.alerts),
            ("EMAIL_RATE_MARKETING", &limits.marketing),
        ] {
            lines.push((name, quota.to_string()));
        }
        lines.push(("EMAIL_BULK_BATCH", limits.bulk_batch.to_string()));
        match &self.stripe {
            None => lines.push(("STRIPE_SECRET_KEY", "not set (billing off)".into())),
            Some(s) => {
                lines.push(("STRIPE_SECRET_KEY", s.secret_key.to_string()));
                lines.push(("STRIPE_WEBHOOK_SECRET", opt(&s.webhook_secret)));
                lines.push(("STRIPE_BASIC_PRICE_ID", opt(&s.basic_price_id)));
                lines.push(("STRIPE_PRO_PRICE_ID", opt(&s.pro_price_id)));
                lines.push(("STRIPE_ENTERPRISE_PRICE_ID", opt(&s.enterprise_price_id)));
            }
        }
        match &self.sentry {
            None => lines.push(("SENTRY_DSN", "not set".into())),
            Some(s) => {
                let dsn = &s.dsn;
                let port = dsn.port();
                lines.push((
                    "SENTRY_DSN",
                    format!(
                        "{}://***@{}:{port}/{}",
                        dsn.scheme(),
                        dsn.host(),
                        dsn.project_id()
                    ),
                ));
                lines.push((
                    "SENTRY_TRACES_SAMPLE_RATE",
                    s.traces_sample_rate.to_string(),
                ));
            }
        }
        lines.push(("CORS_ORIGINS", self.cors_origins.join(",")));
        let proxies: Vec<String> = self.trusted_proxies.iter().map(|p| p.to_string()).collect();
        lines.push(("TRUSTED_PROXIES", proxies.join(",")));
        lines.push((
            "RATE_LIMIT_ANONYMOUS",
            self.rate_limits.anonymous.to_string(),
        ));
        for plan in &self.rate_limits.plans {
            lines.push((plan.variable, plan.quota.to_string()));
        }
        lines.push((
            "REQUEST_BODY_LIMIT_BYTES",
            self.request_body_limit.to_string(),
        ));
        lines.push((
            "REQUEST_TIMEOUT_SECS",
            self.request_timeout.as_secs().to_string(),
        ));
        let plan_ids: Vec<&str> = self.plans.iter().map(|p| p.id.as_str()).collect();
        lines.push(("PLANS", plan_ids.join(",")));
        lines.extend(self.auth.describe());
        lines
            .into_iter()
            .map(|(name, value)| format!("{name} = {value}\n"))
            .collect()
    }
}

/// The JWT secret: from the environment, or in development from (or generated into)
/// the data directory.
fn jwt_secret(
    vars: &Vars,
    environment: Environment,
    data_dir: &Path,
) -> Result<(Secret, SecretOrigin), ConfigError> {
    const NAME: &str = "JWT_SECRET";
    match vars.get(NAME) {
        Some(value) => {
            if environment == Environment::Production {
                check_secret(NAME, value)?;
            }
            Ok((Secret(value.to_string()), SecretOrigin::Environment))
        }
        None if environment == Environment::Production => Err(error(
            NAME,
            format!(
                "is required in production: set at least {MIN_SECRET_BYTES} random bytes, \
                 e.g. the output of `openssl rand -base64 48`"
            ),
        )),
        None => {
            let secret = kept_secret(&data_dir.join("jwt_secret")).map_err(|e| {
                error(
                    NAME,
                    format!(
                        "cannot keep a generated secret in {}: {e}",
                        data_dir.display()
                    ),
                )
            })?;
            Ok((Secret(secret), SecretOrigin::DataDirectory))
        }
    }
}

fn check_secret(name: &'static str, value: &str) -> Result<(), ConfigError> {
    if DEFAULT_SECRETS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(value))
    {
        return Err(error(
            name,
            "is a well-known default; generate a random one",
        ));
    }
    if value.len() < MIN_SECRET_BYTES {
        return Err(error(
            name,
            format!(
                "is {} bytes; at least {MIN_SECRET_BYTES} are required",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// Reads the secret kept at `path`, or generates one there (readable by the owner only).
fn kept_secret(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= MIN_SECRET_BYTES => return Ok(text.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, secret.as_bytes())?;
    Ok(secret)
}

/// `postgres://user:pass@host/db` with the password replaced by `***`.
fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ss-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn production_refuses_a_missing_short_or_default_secret_and_names_it() {
        let load = |secret: Option<&str>| {
            let mut pairs = vec![("ENVIRONMENT", "production")];
            pairs.extend(secret.map(|s| ("JWT_SECRET", s)));
            Config::load(&Vars::from_pairs(pairs), None)
        };
        let missing = load(None).unwrap_err();
        assert_eq!(missing.variable, "JWT_SECRET");
        assert!(missing.message.contains("required in production"));
        let short = load(Some("0123456789")).unwrap_err();
        assert_eq!(
            short.to_string(),
            "JWT_SECRET: is 10 bytes; at least 32 are required"
        );
        let default = load(Some("changeme")).unwrap_err();
        assert!(default.message.contains("well-known default"));
        let good = load(Some("k3Jd9s0aPq1LmZx7Vb2Nc8Rt5Yw4Ue6Io0Ga")).unwrap();
        assert!(good.is_production());
        assert!(
            !format!("{good:?}").contains("k3Jd9s0a"),
            "secret leaked into Debug"
        );
    }

    #[test]
    fn development_generates_a_secret_once_and_keeps_it() {
        let dir = temp_dir("keep");
        let vars = Vars::from_pairs([("DATA_DIR", dir.to_str().unwrap())]);
        let first = Config::load(&vars, None).unwrap();
        assert_eq!(first.jwt_secret_origin, SecretOrigin::DataDirectory);
        assert!(first.jwt_secret.expose().len() >= MIN_SECRET_BYTES);
        let second = Config::load(&vars, None).unwrap();
        assert_eq!(first.jwt_secret, second.jwt_secret);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("jwt_secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_values_name_the_variable_and_what_is_expected() {
        let dir = temp_dir("bad");
        let data_dir = dir.to_str().unwrap();
        let cases = [
            (
                "ENVIRONMENT",
                "staging",
                "`staging` is not one of development, production, test",
            ),
            (
                "DATABASE_MAX_CONNECTIONS",
                "ten",
                "`ten` is not a whole number",
            ),
            (
                "DATABASE_URL",
                "mysql://x",
                "expected a sqlite:// or postgres:// URL",
            ),
            (
                "BIND",
                "localhost",
                "`localhost` is not an address such as 127.0.0.1:8080",
            ),
            ("REDIS_PORT", "99999", "`99999` is not a port number"),
            (
                "TRUSTED_PROXIES",
                "10.0.0.1, nope",
                "`nope` is not an IP address",
            ),
            (
                "APP_URL",
                "example.com",
                "`example.com` is not an http(s) URL",
            ),
            (
                "PLANS",
                "[]",
                "the list is empty; give at least one plan or leave PLANS unset",
            ),
        ];
        for (name, value, message) in cases {
            let vars =
                Vars::from_pairs([("DATA_DIR", data_dir), ("REDIS_HOST", "h"), (name, value)]);
            let e = Config::load(&vars, None).unwrap_err();
            assert_eq!((e.variable, e.message.as_str()), (name, message));
        }
        let vars = Vars::from_pairs([("DATA_DIR", data_dir), ("SENTRY_DSN", "sentry.example/1")]);
        let e = Config::load(&vars, None).unwrap_err();
        assert_eq!(e.variable, "SENTRY_DSN");
        assert!(
            e.message.starts_with("is not a Sentry DSN"),
            "{}",
            e.message
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn describe_masks_every_secret() {
        let dir = temp_dir("describe");
        let vars = Vars::from_pairs([
            ("DATA_DIR", dir.to_str().unwrap()),
            ("JWT_SECRET", "jwt-secret-value-that-is-long-enough-0000"),
            ("DATABASE_URL", "postgres://app:db-password@localhost/app"),
            ("REDIS_HOST", "localhost"),
            ("REDIS_PASSWORD", "redis-password"),
            ("SMTP_HOST", "mail"),
            ("SMTP_PASSWORD", "smtp-password"),
            ("STRIPE_SECRET_KEY", "sk_test_stripe"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_stripe"),
            ("SENTRY_DSN", "https://key@sentry.example/1"),
        ]);
        let text = Config::load(&vars, None).unwrap().describe();
        for secret in [
            "jwt-secret-value",
            "db-password",
            "redis-password",
            "smtp-password",
            "sk_test_stripe",
            "whsec_stripe",
            "key@sentry",
        ] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
        assert!(text.contains("DATABASE_URL = postgres://app:***@localhost/app"));
        assert!(text.contains("JWT_SECRET = set (41 bytes, masked)"));
        assert!(text.contains("SENTRY_DSN = https://***@sentry.example:443/1"));
    }
}
