//! Request rate limits (GCRA) keyed by client IP, user or API key, with a quota per
//! plan. Limits live in Redis when `REDIS_HOST` is set, so they hold across instances;
//! otherwise, and whenever Redis is unreachable, in process. Redis trouble never fails a
//! request: it shows as "degraded" in `/readyz` and in the logs.

pub mod local;
pub mod quota;
pub mod shared;

use crate::config::RateLimits;
use crate::http::client_ip::ClientIp;
use crate::http::health::CheckResult;
use crate::http::problem::Problem;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use local::LocalStore;
use quota::{Decision, Quota};
use shared::SharedStore;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Who is calling, as the authentication layer establishes it; requests without one
/// are limited by client IP at the anonymous quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `user:42` or `key:7`: one bucket per user or API key, whatever the IP.
    pub key: String,
    pub plan: String,
}

pub struct RateLimiter {
    limits: RateLimits,
    local: LocalStore,
    shared: Option<SharedStore>,
    shared_failing: AtomicBool,
}

impl RateLimiter {
    pub fn new(limits: RateLimits, shared: Option<SharedStore>) -> RateLimiter {
        RateLimiter {
            limits,
            local: LocalStore::default(),
            shared,
            shared_failing: AtomicBool::new(false),
        }
    }

    pub fn quota_for(&self, caller: Option<&Caller>) -> Quota {
        match caller {
            None => self.limits.anonymous,
            Some(caller) => self.limits.for_plan(&caller.plan),
        }
    }

    pub async fn check(&self, key: &str, quota: &Quota) -> Decision {
        if let Some(shared) = &self.shared {
            match shared.check(key, quota).await {
                Ok(decision) => {
                    if self.shared_failing.swap(false, Ordering::Relaxed) {
                        tracing::info!("Redis is back: rate limits are shared again");
                    }
                    return decision;
                }
                Err(error) => {
                    if !self.shared_failing.swap(true, Ordering::Relaxed) {
                        tracing::warn!(%error, "Redis unreachable: rate limits fall back to this instance");
                    }
                }
            }
        }
        self.local.check(key, quota, now_ms())
    }

    /// For `/readyz`: whether limits are shared as configured.
    pub async fn health(&self) -> Option<CheckResult> {
        let shared = self.shared.as_ref()?;
        let started = std::time::Instant::now();
        Some(match shared.ping().await {
            Ok(()) => CheckResult::up(started.elapsed()),
            Err(error) => CheckResult::degraded(format!(
                "{error}; rate limits are enforced per instance until it returns"
            )),
        })
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Middleware for the API: counts the request against the caller's quota, refuses it
/// with 429 when the quota is spent, and reports the quota on every response.
pub async fn limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>().cloned();
    let key = match (&caller, request.extensions().get::<ClientIp>()) {
        (Some(caller), _) => caller.key.clone(),
        (None, Some(ClientIp(ip))) => format!("ip:{ip}"),
        // Without a peer address (only in-process tests) there is nothing to key on.
        (None, None) => return next.run(request).await,
    };
    let quota = app.rate_limiter.quota_for(caller.as_ref());
    let decision = app.rate_limiter.check(&key, &quota).await;
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        let seconds = decision.retry_after_ms.div_ceil(1000).max(1);
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
        )
        .detail(format!("the limit is {quota}; retry in {seconds} s"))
        .header(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds))
        .into_response()
    };
    set_headers(response.headers_mut(), &decision);
    response
}

fn set_headers(headers: &mut HeaderMap, decision: &Decision) {
    let mut set = |name: &'static str, value: u64| {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    };
    set("ratelimit-limit", u64::from(decision.limit));
    set("ratelimit-remaining", u64::from(decision.remaining));
    set("ratelimit-reset", decision.reset_ms.div_ceil(1000));
}
