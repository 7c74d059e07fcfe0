//! Accounts and security over HTTP, each test on SQLite and on the live PostgreSQL:
//! sign-up and verification, sessions and refresh-token rotation, two-factor sign-in,
//! lockout, password reset, API keys, authorization between users, the IP checks and
//! the audit log.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::auth::totp;
use support::accounts::{on_both_backends, Harness, PASSWORD};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[tokio::test]
async fn sign_up_verify_sign_in_refresh_and_sign_out() {
    on_both_backends(&[], |h: Harness| async move {
        // Weak and malformed input is refused with what to fix.
        let (status, body) = h
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "ann@example.com", "password": "password1"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "password");
        assert!(body["advice"]["score"].as_u64().unwrap() < 3, "{body}");
        let (status, body) = h
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "not an address", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "email");

        // A new address and a taken one get the same answer; only the new one gets mail.
        let (status, first) = h
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": " Ann@Example.com ", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{first}");
        let (status, again) = h
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "ann@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
        assert_eq!(
            h.mail("ann@example.com", "email_verification").await.len(),
            1
        );

        // Not verified yet: the right password is not enough.
        let (status, body) = h
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "ann@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["type"], "/problems/email-not-verified");

        let token = h
            .token_from_mail("ann@example.com", "email_verification")
            .await;
        let (status, body) = h
            .post("/api/v1/auth/verify-email", None, json!({"token": token}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(h.mail("ann@example.com", "welcome").await.len(), 1);
        // The link is single-use.
        let (status, _) = h
            .post("/api/v1/auth/verify-email", None, json!({"token": token}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let signed_in = h.sign_in("ann@example.com").await;
        let access = text(&signed_in["access_token"]).to_string();
        let refresh = text(&signed_in["refresh_token"]).to_string();
        assert!(
            refresh.len() >= 43,
            "a refresh token carries at least 128 random bits"
        );
        let (status, me) = h.get("/api/v1/account", Some(&access)).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["email"], "ann@example.com");
        assert_eq!(me["two_factor_enabled"], false);

        // Refresh rotates: a new pair, and the old refresh token is spent.
        let (status, pair) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{pair}");
        assert_ne!(pair["refresh_token"], refresh.as_str());
        assert_eq!(pair["session_id"], signed_in["session_id"]);
        let (status, _) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "within the grace window a spent token is refused, not punished"
        );

        let new_access = text(&pair["access_token"]).to_string();
        let (status, _) = h
            .post("/api/v1/auth/logout", Some(&new_access), json!({}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for token in [&access, &new_access] {
            let (status, body) = h.get("/api/v1/account", Some(token)).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "an access token of an ended session: {body}"
            );
        }
        let (status, _) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": pair["refresh_token"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let actions = h.audit_actions().await;
        for expected in [
            "user.registered",
            "user.register_existing",
            "user.verified",
            "auth.login",
            "auth.logout",
        ] {
            assert!(
                actions.iter().any(|a| a == expected),
                "{expected} missing from {actions:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_family_and_tells_the_user() {
    on_both_backends(&[("REFRESH_REUSE_GRACE", "1s")], |h: Harness| async move {
        h.verified_user("bob@example.com").await;
        let first = h.sign_in("bob@example.com").await;
        let other = h.sign_in("bob@example.com").await;
        let (status, second) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": first["refresh_token"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        // The thief (or the victim) presents the rotated token after the grace window.
        let (status, body) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": first["refresh_token"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        // The whole family is gone, the newest token and its access token included.
        let (status, _) = h
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": second["refresh_token"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = h
            .get("/api/v1/account", Some(text(&second["access_token"])))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Another session of the same user is untouched.
        let (status, _) = h
            .get("/api/v1/account", Some(text(&other["access_token"])))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h.mail("bob@example.com", "session_revoked").await.len(), 1);
        assert!(h
            .audit_actions()
            .await
            .contains(&"session.refresh_reuse".to_string()));
    })
    .await;
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_yield_at_most_one_new_token() {
    on_both_backends(&[], |h: Harness| async move {
        h.verified_user("cat@example.com").await;
        let signed_in = h.sign_in("cat@example.com").await;
        let h = std::sync::Arc::new(h);
        let attempts = (0..8).map(|_| {
            let h = h.clone();
            let token = signed_in["refresh_token"].clone();
            tokio::spawn(async move {
                h.post(
                    "/api/v1/auth/refresh",
                    None,
                    json!({"refresh_token": token}),
                )
                .await
            })
        });
        let mut successes = 0;
        for attempt in attempts {
            let (status, body) = attempt.await.unwrap();
            match status {
                StatusCode::OK => successes += 1,
                StatusCode::CONFLICT => {}
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(successes, 1);
    })
    .await;
}

#[tokio::test]
async fn forged_and_malformed_bearer_tokens_are_refused() {
    on_both_backends(&[], |h: Harness| async move {
        let token = h.user_token("dan@example.com").await;
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        let none_header = data_encoding::BASE64URL_NOPAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let forged_none = format!("{none_header}.{}.", parts[1]);
        parts[2] = parts[2].chars().rev().collect();
        let bad_signature = parts.join(".");
        for (name, credential) in [
            ("alg none", forged_none.as_str()),
            ("bad signature", bad_signature.as_str()),
            ("garbage", "abc"),
            (
                "unknown API key",
                "sk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
        ] {
            let (status, body) = h.get("/api/v1/account", Some(credential)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        }
        let (status, _) = h.get("/api/v1/account", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn two_factor_sign_in_codes_work_once_and_recovery_codes_once() {
    on_both_backends(&[], |h: Harness| async move {
        let token = h.user_token("eve@example.com").await;
        let (status, setup) = h
            .post("/api/v1/account/2fa/setup", Some(&token), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{setup}");
        assert!(text(&setup["otpauth_uri"]).starts_with("otpauth://totp/"));
        assert!(text(&setup["qr_svg"]).contains("<svg"));
        let secret = text(&setup["secret"]).to_string();
        let (status, _) = h
            .post(
                "/api/v1/account/2fa/confirm",
                Some(&token),
                json!({"code": "000000"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let code = totp::code_at(&secret, now()).unwrap();
        let (status, confirmed) = h
            .post(
                "/api/v1/account/2fa/confirm",
                Some(&token),
                json!({"code": code}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        let recovery: Vec<String> =
            serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
        assert_eq!(recovery.len(), 10);
        assert_eq!(
            h.mail("eve@example.com", "two_factor_enabled").await.len(),
            1
        );

        let login = json!({"email": "eve@example.com", "password": PASSWORD});
        let (status, step) = h.post("/api/v1/auth/login", None, login.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(step["status"], "two_factor_required", "{step}");
        assert!(step.get("access_token").is_none());
        let challenge = step["challenge"].clone();
        let (status, wrong) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": challenge, "code": "000000"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong["remaining_attempts"], 4);
        // The code that confirmed enrolment was used: it does not work again.
        let (status, _) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": challenge, "code": code}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The next step's code works, once.
        let next = totp::code_at(&secret, now() + 30).unwrap();
        let (status, signed_in) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": challenge, "code": next}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{signed_in}");
        assert_eq!(signed_in["status"], "signed_in");
        let (_, step) = h.post("/api/v1/auth/login", None, login.clone()).await;
        let (status, _) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": step["challenge"], "code": next}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a TOTP code works once");

        // A recovery code works once, in any case and spacing.
        let typed = recovery[0].to_uppercase().replace('-', " ");
        let (status, body) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": step["challenge"], "recovery_code": typed}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            h.mail("eve@example.com", "recovery_code_used").await.len(),
            1
        );
        let (_, step) = h.post("/api/v1/auth/login", None, login.clone()).await;
        let (status, _) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": step["challenge"], "recovery_code": recovery[0]}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a recovery code works once"
        );

        // A challenge allows five attempts in all: one failed above, four more here.
        for _ in 0..4 {
            h.post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": step["challenge"], "code": "111111"}),
            )
            .await;
        }
        let (status, body) = h
            .post(
                "/api/v1/auth/login/2fa",
                None,
                json!({"challenge": step["challenge"], "recovery_code": recovery[1]}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "the fifth failure ended the challenge: {body}"
        );

        // Turning it off takes the password and a current code.
        let access = text(&signed_in["access_token"]).to_string();
        let (status, _) = h
            .post(
                "/api/v1/account/2fa/disable",
                Some(&access),
                json!({"password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = h
            .post(
                "/api/v1/account/2fa/disable",
                Some(&access),
                json!({"password": PASSWORD, "code": recovery[2]}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let actions = h.audit_actions().await;
        for expected in [
            "user.two_factor_enabled",
            "auth.two_factor_failed",
            "auth.recovery_code_used",
            "user.two_factor_disabled",
        ] {
            assert!(actions.iter().any(|a| a == expected), "{expected} missing");
        }
    })
    .await;
}

#[tokio::test]
async fn a_thousand_wrong_passwords_cost_at_most_a_hundred_password_checks() {
    // The per-address limits are lifted so that the lockout alone is measured.
    const LIFTED: &[(&str, &str)] = &[
        ("RATE_LIMIT_AUTH", "100000/min"),
        ("RATE_LIMIT_ANONYMOUS", "100000/min"),
    ];
    on_both_backends(LIFTED, |h: Harness| async move {
        h.verified_user("fay@example.com").await;
        // A device the owner signed in from before.
        let device = h.sign_in("fay@example.com").await["device_token"].clone();
        assert!(device.is_string());
        let before = h.metric("auth_password_checks_total{against=\"account\"}").await;
        let h = std::sync::Arc::new(h);
        let mut tasks = Vec::new();
        for batch in 0..8 {
            let h = h.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..125 {
                    let (status, _) = h
                        .post("/api/v1/auth/login", None, json!({"email": "fay@example.com", "password": format!("guess {batch} {i}")}))
                        .await;
                    assert_eq!(status, StatusCode::UNAUTHORIZED);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let checks = h.metric("auth_password_checks_total{against=\"account\"}").await - before;
        assert!(checks <= 100.0, "{checks} password checks for 1,000 guesses");
        assert!(checks >= 5.0, "the first guesses are checked: {checks}");
        // Locked: even the right password is refused, with the same answer.
        let (status, body) = h
            .post("/api/v1/auth/login", None, json!({"email": "fay@example.com", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["type"], "/problems/invalid-credentials");
        assert!(!h.mail("fay@example.com", "account_locked").await.is_empty());
        // The owner's known device is not locked out.
        let (status, body) = h
            .post("/api/v1/auth/login", None, json!({"email": "fay@example.com", "password": PASSWORD, "device_token": device}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(h.audit_actions().await.contains(&"auth.lockout".to_string()));
    })
    .await;
}

#[tokio::test]
async fn password_reset_is_single_use_ends_sessions_and_keeps_two_factor() {
    on_both_backends(&[], |h: Harness| async move {
        let (status, _) = h
            .post(
                "/api/v1/auth/password/forgot",
                None,
                json!({"email": "nobody@example.com"}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert!(h
            .mail("nobody@example.com", "password_reset")
            .await
            .is_empty());

        let access = h.user_token("gus@example.com").await;
        let (status, _) = h
            .post(
                "/api/v1/auth/password/forgot",
                None,
                json!({"email": "GUS@example.com"}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let token = h.token_from_mail("gus@example.com", "password_reset").await;
        let (status, body) = h
            .post(
                "/api/v1/auth/password/reset",
                None,
                json!({"token": token, "password": "short"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let new_password = "marmalade harbour zenith 77";
        let (status, body) = h
            .post(
                "/api/v1/auth/password/reset",
                None,
                json!({"token": token, "password": new_password}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, _) = h
            .post(
                "/api/v1/auth/password/reset",
                None,
                json!({"token": token, "password": "another fine password 88"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "the link is single-use");
        let (status, _) = h.get("/api/v1/account", Some(&access)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the reset ended every session"
        );
        assert_eq!(h.mail("gus@example.com", "password_changed").await.len(), 1);
        let (status, signed_in) = h
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "gus@example.com", "password": new_password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // With two-factor on, a reset link alone is not enough.
        let access = text(&signed_in["access_token"]).to_string();
        let (_, setup) = h
            .post("/api/v1/account/2fa/setup", Some(&access), json!({}))
            .await;
        let secret = text(&setup["secret"]).to_string();
        let code = totp::code_at(&secret, now()).unwrap();
        let (status, _) = h
            .post(
                "/api/v1/account/2fa/confirm",
                Some(&access),
                json!({"code": code}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        h.post(
            "/api/v1/auth/password/forgot",
            None,
            json!({"email": "gus@example.com"}),
        )
        .await;
        let token = h.token_from_mail("gus@example.com", "password_reset").await;
        let (status, body) = h
            .post(
                "/api/v1/auth/password/reset",
                None,
                json!({"token": token, "password": "copper lantern fjord 19"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "code");
        let code = totp::code_at(&secret, now() + 30).unwrap();
        let (status, body) = h
            .post(
                "/api/v1/auth/password/reset",
                None,
                json!({"token": token, "password": "copper lantern fjord 19", "code": code}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert!(h
            .audit_actions()
            .await
            .contains(&"user.password_reset".to_string()));
    })
    .await;
}

#[tokio::test]
async fn api_keys_are_shown_once_scoped_revocable_and_header_only() {
    on_both_backends(&[], |h: Harness| async move {
        let access = h.user_token("hal@example.com").await;
        let (status, body) = h
            .post(
                "/api/v1/account/api-keys",
                Some(&access),
                json!({"name": "bot", "scopes": ["scans:read", "trade:all"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text(&body["detail"]).contains("trade:all"), "{body}");
        let (status, created) = h
            .post(
                "/api/v1/account/api-keys",
                Some(&access),
                json!({"name": "bot", "scopes": ["scans:read"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let key = text(&created["key"]).to_string();
        assert!(key.starts_with("sk_live_") && key.len() >= 8 + 32, "{key}");
        let (_, listed) = h.get("/api/v1/account/api-keys", Some(&access)).await;
        assert!(
            !listed.to_string().contains(&key),
            "the key is shown once only"
        );
        assert_eq!(listed[0]["prefix"], &key[..16]);

        // The key's scopes decide.
        let (status, _) = h
            .post(
                "/api/v1/scans/run",
                Some(&key),
                json!({"scan": "close > 0 limit 1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = h.get("/api/v1/account", Some(&key)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["type"], "/problems/insufficient-scope");
        let (status, _) = h.get("/api/v1/account/api-keys", Some(&key)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a key cannot manage keys");
        let (_, listed) = h.get("/api/v1/account/api-keys", Some(&access)).await;
        assert!(listed[0]["last_used_at"].is_string(), "{listed}");
        assert_eq!(listed[0]["last_used_ip"], "127.0.0.1");

        // Never in the URL.
        let (status, body) = h.get(&format!("/api/v1/symbols?api_key={key}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let id = created["id"].as_i64().unwrap();
        let (status, _) = h
            .delete(&format!("/api/v1/account/api-keys/{id}"), Some(&access))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = h
            .post(
                "/api/v1/scans/run",
                Some(&key),
                json!({"scan": "close > 0 limit 1"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once");
        let actions = h.audit_actions().await;
        for expected in ["api_key.created", "api_key.revoked", "api_key.revoked_used"] {
            assert!(actions.iter().any(|a| a == expected), "{expected} missing");
        }
    })
    .await;
}

#[tokio::test]
async fn users_cannot_reach_each_others_objects_and_only_admins_administer() {
    on_both_backends(&[], |h: Harness| async move {
        let ivy = h.user_token("ivy@example.com").await;
        let jon = h.user_token("jon@example.com").await;
        let (_, key) = h
            .post(
                "/api/v1/account/api-keys",
                Some(&ivy),
                json!({"name": "ivy's", "scopes": ["scans:read"]}),
            )
            .await;
        let (_, sessions) = h.get("/api/v1/account/sessions", Some(&ivy)).await;
        let ivy_session = text(&sessions[0]["id"]).to_string();
        assert_eq!(sessions[0]["current"], true);

        let (status, _) = h
            .delete(
                &format!("/api/v1/account/api-keys/{}", key["id"]),
                Some(&jon),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = h
            .delete(
                &format!("/api/v1/account/sessions/{ivy_session}"),
                Some(&jon),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, jon_keys) = h.get("/api/v1/account/api-keys", Some(&jon)).await;
        assert_eq!(jon_keys, json!([]));
        let (status, _) = h.get("/api/v1/account", Some(&ivy)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "ivy's session survived jon's attempt"
        );

        let (status, _) = h.get("/api/v1/admin/audit", Some(&jon)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        h.make_admin("jon@example.com").await;
        let (status, audit) = h.get("/api/v1/admin/audit?limit=5", Some(&jon)).await;
        assert_eq!(status, StatusCode::OK, "{audit}");
        assert_eq!(audit.as_array().unwrap().len(), 5);

        // Suspending ends the user's sessions at once.
        let (_, me) = h.get("/api/v1/account", Some(&ivy)).await;
        let (status, body) = h
            .patch(
                &format!("/api/v1/admin/users/{}", me["id"]),
                Some(&jon),
                json!({"status": "suspended"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = h.get("/api/v1/account", Some(&ivy)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = h
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "ivy@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let actions = h.audit_actions().await;
        assert!(actions.contains(&"user.status_changed".to_string()));
    })
    .await;
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_and_a_new_address_gets_mail() {
    on_both_backends(&[], |h: Harness| async move {
        h.verified_user("kim@example.com").await;
        let first = h.sign_in("kim@example.com").await;
        let device = first["device_token"].clone();
        // The same device from the same address: nothing new, no mail.
        let (status, _) = h
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "kim@example.com", "password": PASSWORD, "device_token": device}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(h.mail("kim@example.com", "new_sign_in").await.is_empty());
        // The same device from another address: mail.
        let (status, third) = h
            .post_from(
                "/api/v1/auth/login",
                "198.51.100.23",
                json!({"email": "kim@example.com", "password": PASSWORD, "device_token": device}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let mail = h.mail("kim@example.com", "new_sign_in").await;
        assert_eq!(mail.len(), 1);
        assert!(mail[0].contains("198.51.100.23"), "{}", mail[0]);

        let access = text(&first["access_token"]).to_string();
        let (_, sessions) = h.get("/api/v1/account/sessions", Some(&access)).await;
        assert_eq!(sessions.as_array().unwrap().len(), 3, "{sessions}");
        let (status, _) = h
            .delete(
                &format!("/api/v1/account/sessions/{}", text(&third["session_id"])),
                Some(&access),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = h
            .get("/api/v1/account", Some(text(&third["access_token"])))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = h
            .post(
                "/api/v1/account/sessions/revoke-others",
                Some(&access),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["revoked"], 1);
        let (_, sessions) = h.get("/api/v1/account/sessions", Some(&access)).await;
        assert_eq!(sessions.as_array().unwrap().len(), 1);

        // Changing the password ends every session and hands back a fresh one.
        let (status, body) = h
            .post(
                "/api/v1/account/password",
                Some(&access),
                json!({"current_password": "wrong", "new_password": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, fresh) = h
            .post(
                "/api/v1/account/password",
                Some(&access),
                json!({"current_password": PASSWORD, "new_password": "saffron glacier tuesday 5"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{fresh}");
        let (status, _) = h.get("/api/v1/account", Some(&access)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = h
            .get("/api/v1/account", Some(text(&fresh["access_token"])))
            .await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn credential_stuffing_blocks_the_address_and_admins_manage_the_block_list() {
    on_both_backends(
        &[
            ("STUFFING_ACCOUNTS", "3"),
            ("RATE_LIMIT_AUTH", "100000/min"),
        ],
        |h: Harness| async move {
            let admin = h.user_token("lea@example.com").await;
            h.make_admin("lea@example.com").await;
            let attacker = "203.0.113.50";
            for victim in ["a@example.com", "b@example.com", "c@example.com"] {
                let (status, _) = h
                    .post_from(
                        "/api/v1/auth/login",
                        attacker,
                        json!({"email": victim, "password": "123456"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::UNAUTHORIZED);
            }
            let (status, body) = h
                .post_from(
                    "/api/v1/auth/login",
                    attacker,
                    json!({"email": "lea@example.com", "password": PASSWORD}),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["type"], "/problems/ip-blocked");
            // Everyone else is served.
            let (status, _) = h.get("/api/v1/account", Some(&admin)).await;
            assert_eq!(status, StatusCode::OK);

            let (status, blocks) = h.get("/api/v1/admin/ip-blocks", Some(&admin)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(blocks[0]["network"], "203.0.113.50/32");
            assert_eq!(blocks[0]["source"], "auto");
            let (status, body) = h
                .post(
                    "/api/v1/admin/ip-blocks",
                    Some(&admin),
                    json!({"network": "127.0.0.0/8", "reason": "oops"}),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "an admin cannot block their own address: {body}"
            );
            let (status, body) = h
                .post(
                    "/api/v1/admin/ip-blocks",
                    Some(&admin),
                    json!({"network": "not-an-ip", "reason": "x"}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let (status, added) = h
                .post(
                    "/api/v1/admin/ip-blocks",
                    Some(&admin),
                    json!({"network": "192.0.2.0/24", "reason": "abuse"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{added}");
            let (status, _) = h
                .post_from(
                    "/api/v1/auth/password/forgot",
                    "192.0.2.77",
                    json!({"email": "x@example.com"}),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            let (status, _) = h
                .delete(
                    &format!("/api/v1/admin/ip-blocks/{}", blocks[0]["id"]),
                    Some(&admin),
                )
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT);
            let (status, _) = h
                .post_from(
                    "/api/v1/auth/password/forgot",
                    attacker,
                    json!({"email": "x@example.com"}),
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "unblocked");
            let actions = h.audit_actions().await;
            assert!(
                actions.contains(&"ip.blocked".to_string())
                    && actions.contains(&"ip.unblocked".to_string())
            );
        },
    )
    .await;
}

#[tokio::test]
async fn sign_in_endpoints_are_throttled_per_address() {
    on_both_backends(&[("RATE_LIMIT_AUTH", "3/min")], |h: Harness| async move {
        for _ in 0..3 {
            let (status, _) = h
                .post_from(
                    "/api/v1/auth/login",
                    "198.51.100.9",
                    json!({"email": "m@example.com", "password": "x"}),
                )
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, body) = h
            .post_from(
                "/api/v1/auth/login",
                "198.51.100.9",
                json!({"email": "m@example.com", "password": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        let (status, _) = h
            .post_from(
                "/api/v1/auth/login",
                "198.51.100.10",
                json!({"email": "m@example.com", "password": "x"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "another address has its own budget"
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_never_holds_a_password_token_code_or_key() {
    on_both_backends(&[], |h: Harness| async move {
        let access = h.user_token("nia@example.com").await;
        let (_, key) = h
            .post(
                "/api/v1/account/api-keys",
                Some(&access),
                json!({"name": "k", "scopes": ["scans:read"]}),
            )
            .await;
        let (_, setup) = h
            .post("/api/v1/account/2fa/setup", Some(&access), json!({}))
            .await;
        let code = totp::code_at(text(&setup["secret"]), now()).unwrap();
        let (_, confirmed) = h
            .post(
                "/api/v1/account/2fa/confirm",
                Some(&access),
                json!({"code": code}),
            )
            .await;
        h.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nia@example.com", "password": "canary-Wrong-Password-1"}),
        )
        .await;
        let audit = h.audit_text().await;
        let mut secrets = vec![
            PASSWORD.to_string(),
            "canary-Wrong-Password-1".to_string(),
            access.clone(),
            text(&key["key"]).to_string(),
            text(&setup["secret"]).to_string(),
            code,
        ];
        secrets.extend(
            confirmed["recovery_codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| text(c).to_string()),
        );
        for secret in secrets {
            assert!(
                !audit.contains(&secret),
                "the audit log holds a secret: {secret}"
            );
        }
        assert!(audit.contains("auth.login_failed"), "{audit}");
    })
    .await;
}
