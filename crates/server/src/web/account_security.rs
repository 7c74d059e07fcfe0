//! The two-factor and API key forms of `/account`. The enrolment secret, the recovery
//! codes and a new key are shown in the answer to the post itself, once.

use super::account_settings::{page, refused, Extra, Setup, SignedIn};
use super::forms::{see_other, FormData};
use crate::accounts::api_keys::{self, NewKey};
use crate::accounts::AccountError;
use crate::api::auth::RequestContext;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// Strips the XML prolog: the SVG goes inside the page.
fn inline_svg(svg: &str) -> String {
    match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => String::new(),
    }
}

pub async fn two_factor_setup(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
) -> Response {
    match app.accounts.two_factor_setup(&app.db, &identity.user).await {
        Ok(enrolment) => {
            let extra = Extra {
                setup: Some(Setup {
                    qr_svg: inline_svg(&enrolment.qr_svg),
                    secret: enrolment.secret,
                }),
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => refused(&app, &identity, error, "2fa", "password", Extra::default()).await,
    }
}

pub async fn two_factor_confirm(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let code = form.get("code");
    match app
        .accounts
        .two_factor_confirm(&app.db, &identity.user, code.trim(), &ctx)
        .await
    {
        Ok(recovery_codes) => {
            let extra = Extra {
                recovery_codes,
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            // The enrolment is still pending: show its secret again with the message.
            let extra = Extra {
                setup: identity.user.totp_secret.clone().map(|secret| Setup {
                    qr_svg: String::new(),
                    secret,
                }),
                ..Extra::default()
            };
            refused(&app, &identity, error, "2fa", "password", extra).await
        }
    }
}

pub async fn two_factor_disable(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    match app
        .accounts
        .two_factor_disable(
            &app.db,
            &identity.user,
            &form.get("password"),
            form.opt("code").as_deref(),
            &ctx,
        )
        .await
    {
        Ok(()) => see_other("/account?done=2fa-off#security", vec![]),
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "2fa-off",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}

pub async fn recovery_codes(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    match app
        .accounts
        .regenerate_recovery_codes(
            &app.db,
            &identity.user,
            &form.get("password"),
            form.opt("code").as_deref(),
            &ctx,
        )
        .await
    {
        Ok(recovery_codes) => {
            let extra = Extra {
                recovery_codes,
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "codes",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}

pub async fn create_key(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let name = form.get("name");
    let expires_in_days = match form.opt("expires_in_days").map(|d| d.parse::<u32>()) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => {
            let error = AccountError::invalid(
                "expires_in_days",
                "must be a whole number of days from 1 to 3650",
            );
            let extra = Extra {
                key_name: name.trim().to_string(),
                ..Extra::default()
            };
            return refused(&app, &identity, error, "keys", "password", extra).await;
        }
    };
    let request = NewKey {
        name: name.clone(),
        scopes: form.all("scopes"),
        expires_in_days,
    };
    match api_keys::create(&app.db, identity.user.id, request, &ctx).await {
        Ok((key, _)) => {
            let extra = Extra {
                new_key: Some(key),
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            let extra = Extra {
                key_name: name.trim().to_string(),
                ..Extra::default()
            };
            refused(&app, &identity, error, "keys", "password", extra).await
        }
    }
}

pub async fn revoke_key(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let id = FormData::parse(&body).get("id").trim().parse::<i64>();
    let result = match id {
        Ok(id) => api_keys::revoke(&app.db, identity.user.id, id, &ctx).await,
        Err(_) => Err(AccountError::NotFound("no such API key of yours".into())),
    };
    match result {
        Ok(()) => see_other("/account?done=key-revoked#keys", vec![]),
        Err(error) => refused(&app, &identity, error, "keys", "password", Extra::default()).await,
    }
}
