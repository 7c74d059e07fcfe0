//! The HTTP surface: routes, and the middleware every request passes through.

pub mod api_errors;
pub mod client_ip;
pub mod csrf;
pub mod health;
pub mod identity;
pub mod observe;
pub mod pagination;
pub mod problem;
pub mod request_id;
pub mod security_headers;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use problem::Problem;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub fn router(app: AppState) -> Router {
    let config = &app.config.clone();
    let api = crate::api::routes().layer(from_fn_with_state(app.clone(), crate::ratelimit::limit));
    let routes = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .merge(crate::web::routes())
        .fallback(not_found)
        .route_layer(from_fn(observe::remember_route));

    // Layers run outside-in in the reverse order of `.layer` calls: the last added sees
    // the request first. Security headers and the request id wrap everything, so even a
    // timeout or a body-limit rejection carries them.
    routes
        .layer(CatchPanicLayer::custom(panicked))
        .layer(DefaultBodyLimit::max(config.request_body_limit))
        .layer(RequestBodyLimitLayer::new(config.request_body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(from_fn_with_state(
            app_origin(&config.app_url),
            csrf::protect,
        ))
        .layer(cors(&config.cors_origins))
        .layer(from_fn_with_state(app.clone(), crate::maintenance::gate))
        .layer(from_fn(api_errors::as_problems))
        .layer(from_fn(crate::web::errors::friendly_server_errors))
        // Who is asking is known before maintenance mode (admins pass) and the rate
        // limits (per user or key) decide.
        .layer(from_fn_with_state(app.clone(), identity::authenticate))
        .layer(from_fn_with_state(app.clone(), observe::record))
        .layer(from_fn_with_state(
            Arc::<[_]>::from(config.trusted_proxies.clone()),
            client_ip::resolve,
        ))
        .layer(from_fn(request_id::assign))
        .layer(from_fn_with_state(
            security_headers::Policy {
                hsts: config.is_production(),
            },
            security_headers::apply,
        ))
        .with_state(app)
}

/// The API answers problem+json; everything else is a page, so it gets the friendly one.
async fn not_found(uri: Uri) -> Response {
    if crate::web::is_api_path(uri.path()) {
        Problem::not_found(format!("there is nothing at {}", uri.path())).into_response()
    } else {
        crate::web::pages::not_found()
    }
}

/// A handler that panicked answers 500 instead of dropping the connection; the layers
/// outside turn it into problem+json or the friendly page. The panic itself went to
/// stderr and, when configured, to Sentry through the panic hook.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `scheme://host[:port]` of the public URL, as browsers send it in `Origin`.
fn app_origin(app_url: &str) -> Arc<str> {
    let after_scheme = app_url.find("://").map_or(0, |i| i + 3);
    let end = app_url[after_scheme..]
        .find('/')
        .map_or(app_url.len(), |i| after_scheme + i);
    Arc::from(&app_url[..end])
}

/// Browsers on the configured origins may call the API; credentials travel in the
/// `Authorization` header, so cookies are not shared cross-origin.
fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([
            request_id::HEADER.clone(),
            header::RETRY_AFTER,
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
        ])
}

#[cfg(test)]
mod tests {
    use super::app_origin;

    #[test]
    fn the_origin_drops_the_path() {
        assert_eq!(
            &*app_origin("https://scan.example/app"),
            "https://scan.example"
        );
        assert_eq!(
            &*app_origin("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }
}
