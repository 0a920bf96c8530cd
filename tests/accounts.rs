//! Local accounts against the real app: admin-issued password reset links, self-service
//! registration with a mailed code (to an SMTP receiver started here), trusted reverse-proxy auth.

mod common;

use std::time::Duration;

use common::smtp::SmtpReceiver;
use common::*;
use fleetdeck::auth::Role;
use fleetdeck::auth::accounts::RegistrationSettings;
use fleetdeck::auth::proxy::ProxyAuth;
use fleetdeck::config::Settings;
use fleetdeck::mail::{Mailer, parse_from};
use reqwest::Method;
use serde_json::{Value, json};

const ANN_PASSWORD: &str = "ann's first long password";
const NEW_PASSWORD: &str = "ann's brand new password";

/// Issues a reset link for `username` as the admin token; returns the token from its URL.
async fn reset_token(app: &TestApp, username: &str) -> String {
    let path = format!("/api/users/{username}/password-reset");
    let (status, body) = json(app.bearer(Method::POST, &path, ADMIN_TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["expiresAt"].is_string());
    let url = body["url"].as_str().unwrap();
    let token = url
        .strip_prefix(&format!("{}/reset-password#token=", app.base))
        .unwrap_or_else(|| panic!("a link to this server's reset page: {url}"));
    token.to_string()
}

async fn reset(app: &TestApp, token: &str, password: &str) -> (u16, Value) {
    let r = app
        .request(Method::POST, "/api/auth/password-reset")
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn login_status(app: &TestApp, username: &str, password: &str) -> u16 {
    app.request(Method::POST, "/api/auth/login")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn with_registration(db: &TestDb, smtp: &SmtpReceiver) -> Settings {
    let mut s = settings(db);
    let from = parse_from("Fleetdeck <noreply@example.com>").unwrap();
    s.registration = Some(RegistrationSettings {
        role: Role::Viewer,
        mailer: Mailer::new(&smtp.url(), from, None).unwrap(),
    });
    s
}

async fn register(app: &TestApp, username: &str, email: &str) -> (u16, Value) {
    let body = json!({"username": username, "email": email, "password": "a long enough password"});
    json(
        app.request(Method::POST, "/api/auth/register")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn verify(app: &TestApp, username: &str, code: &str) -> (u16, Value) {
    let body = json!({"username": username, "code": code});
    json(
        app.request(Method::POST, "/api/auth/register/verify")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

on_both_backends! {
    async fn a_reset_link_works_once_and_ends_the_sessions(db) {
        let app = TestApp::start(db).await;
        app.create_user("ann", "operator", ANN_PASSWORD).await;
        let session = app.login("ann", ANN_PASSWORD).await;

        let r = app.bearer(Method::POST, "/api/users/ann/password-reset", VIEWER_TOKEN).send().await.unwrap();
        let (status, body) = json(r).await;
        assert_error(status, &body, 403, "forbidden");
        let r = app.bearer(Method::POST, "/api/users/nobody/password-reset", ADMIN_TOKEN).send().await.unwrap();
        let (status, body) = json(r).await;
        assert_error(status, &body, 404, "not_found");

        let token = reset_token(&app, "ann").await;
        let (status, body) = reset(&app, &token, "short").await;
        assert_error(status, &body, 422, "weak_password");
        let (status, body) = reset(&app, &token, NEW_PASSWORD).await;
        assert_eq!(status, 204, "a weak password does not use the link up: {body}");
        assert_eq!(session.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 401, "sessions ended");
        assert_eq!(login_status(&app, "ann", ANN_PASSWORD).await, 401);
        assert_eq!(login_status(&app, "ann", NEW_PASSWORD).await, 200);
        let (status, body) = reset(&app, &token, "yet another long password").await;
        assert_error(status, &body, 400, "reset_link_used");
        let (status, body) = reset(&app, "made-up-token", "yet another long password").await;
        assert_error(status, &body, 400, "reset_link_invalid");

        // A new link replaces the older one.
        let older = reset_token(&app, "ann").await;
        let newer = reset_token(&app, "ann").await;
        let (status, body) = reset(&app, &older, "yet another long password").await;
        assert_error(status, &body, 400, "reset_link_invalid");
        assert_eq!(reset(&app, &newer, "yet another long password").await.0, 204);

        let rows = app.audit("verb=password_reset").await;
        let outcomes: Vec<_> = rows.iter().map(|e| (e["outcome"].as_str().unwrap(), e["reason"].as_str())).collect();
        assert_eq!(outcomes, [
            ("success", None), ("failure", Some("reset_link_invalid")), ("failure", Some("reset_link_invalid")),
            ("failure", Some("reset_link_used")), ("success", None), ("failure", Some("weak_password")),
        ]);
        assert_eq!(rows[0]["actor"], "ann");
        assert_eq!(rows[0]["actorMethod"], "reset_link");
        assert_eq!(rows[0]["name"], "ann");
        let issued = app.audit("verb=password_reset_link&outcome=success").await;
        assert_eq!(issued.len(), 3);
        assert_eq!(issued[0]["actor"], "token:admin");
        let everything = serde_json::to_string(&app.audit("limit=500").await).unwrap();
        for t in [&token, &older, &newer] {
            assert!(!everything.contains(t.as_str()), "no token in the audit log");
        }
        app.stop().await;
    }

    async fn a_reset_link_expires(db) {
        let mut s = settings(db);
        s.password_reset_ttl = Duration::from_secs(1);
        let app = TestApp::with(s).await;
        app.create_user("ann", "viewer", ANN_PASSWORD).await;
        let token = reset_token(&app, "ann").await;
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let (status, body) = reset(&app, &token, NEW_PASSWORD).await;
        assert_error(status, &body, 400, "reset_link_expired");
        assert_eq!(login_status(&app, "ann", ANN_PASSWORD).await, 200);
        app.stop().await;
    }

    async fn a_reset_link_names_the_public_url_when_one_is_set(db) {
        let mut s = settings(db);
        s.public_url = Some("https://fleetdeck.example.com".into());
        let app = TestApp::with(s).await;
        app.create_user("ann", "viewer", ANN_PASSWORD).await;
        let r = app.bearer(Method::POST, "/api/users/ann/password-reset", ADMIN_TOKEN).send().await.unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 201, "{body}");
        let url = body["url"].as_str().unwrap();
        let token = url.strip_prefix("https://fleetdeck.example.com/reset-password#token=").unwrap_or_else(|| panic!("{url}"));
        assert_eq!(reset(&app, token, NEW_PASSWORD).await.0, 204);
        app.stop().await;
    }

    async fn register_mail_verify_then_sign_in(db) {
        let mut smtp = SmtpReceiver::start().await;
        let app = TestApp::with(with_registration(db, &smtp)).await;
        let (_, config) = json(app.request(Method::GET, "/api/auth/config").send().await.unwrap()).await;
        assert_eq!(config["registration"], true);
        assert_eq!(config["proxy"], false);

        let (status, body) = register(&app, "dora", "Dora@Example.com").await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["username"], "dora");
        let mail = smtp.next().await;
        assert_eq!(mail.to, ["dora@example.com"]);
        assert!(mail.data.contains("From: Fleetdeck <noreply@example.com>"), "{}", mail.data);
        let code = mail.code();
        assert_eq!(login_status(&app, "dora", "a long enough password").await, 401, "no user before the code");

        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, body) = verify(&app, "dora", wrong).await;
        assert_error(status, &body, 400, "wrong_code");
        assert_eq!(body["details"]["attemptsLeft"], 4);
        let (status, user) = verify(&app, "dora", &code).await;
        assert_eq!(status, 201, "{user}");
        assert_eq!(user["username"], "dora");
        assert_eq!(user["role"], "viewer");
        assert_eq!(user["email"], "dora@example.com", "the verified address is kept");
        assert_eq!(login_status(&app, "dora", "a long enough password").await, 200);
        let (status, body) = verify(&app, "dora", &code).await;
        assert_error(status, &body, 400, "verification_invalid");

        let (status, body) = register(&app, "dora", "other@example.com").await;
        assert_error(status, &body, 409, "username_taken");
        let (status, body) = register(&app, "Not A Name", "x@example.com").await;
        assert_error(status, &body, 422, "invalid_username");
        let (status, body) = register(&app, "erin", "not-an-address").await;
        assert_error(status, &body, 422, "invalid_email");
        smtp.assert_none().await;

        let rows = app.audit("verb=register_verify&outcome=success").await;
        assert_eq!((rows.len(), &rows[0]["actor"]), (1, &json!("dora")));
        app.stop().await;
    }

    async fn wrong_codes_are_limited(db) {
        let mut smtp = SmtpReceiver::start().await;
        let app = TestApp::with(with_registration(db, &smtp)).await;
        assert_eq!(register(&app, "finn", "finn@example.com").await.0, 202);
        let code = smtp.next().await.code();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for left in (0..5).rev() {
            let (status, body) = verify(&app, "finn", wrong).await;
            assert_error(status, &body, 400, "wrong_code");
            assert_eq!(body["details"]["attemptsLeft"], left);
        }
        let (status, body) = verify(&app, "finn", &code).await;
        assert_error(status, &body, 400, "too_many_attempts");
        let (status, body) = verify(&app, "finn", &code).await;
        assert_error(status, &body, 400, "verification_invalid");
        app.stop().await;
    }
}

#[tokio::test]
async fn registration_is_off_by_default() {
    let db = TestDb::sqlite().await;
    let app = TestApp::start(&db).await;
    let (_, config) = json(app.request(Method::GET, "/api/auth/config").send().await.unwrap()).await;
    assert_eq!(config["registration"], false);
    let (status, body) = register(&app, "dora", "dora@example.com").await;
    assert_error(status, &body, 404, "registration_disabled");
    let (status, body) = verify(&app, "dora", "123456").await;
    assert_error(status, &body, 404, "registration_disabled");
    app.stop().await;
}

#[tokio::test]
async fn registration_is_rate_limited_per_address_and_per_client() {
    let db = TestDb::sqlite().await;
    let mut smtp = SmtpReceiver::start().await;
    let app = TestApp::with(with_registration(&db, &smtp)).await;
    for name in ["g1", "g2", "g3"] {
        assert_eq!(register(&app, name, "gail@example.com").await.0, 202);
        smtp.next().await;
    }
    let (status, body) = register(&app, "g4", "GAIL@example.com").await;
    assert_error(status, &body, 429, "rate_limited");
    smtp.assert_none().await;
    app.stop().await;

    let mut s = with_registration(&db, &smtp);
    s.login_rate_limit = 3;
    let app = TestApp::with(s).await;
    for _ in 0..3 {
        assert_eq!(register(&app, "Bad Name", "h@example.com").await.0, 422);
    }
    let r = app
        .request(Method::POST, "/api/auth/register")
        .json(&json!({"username": "hank", "email": "hank@example.com", "password": "a long enough password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    app.stop().await;
    db.cleanup().await;
}

fn with_proxy(db: &TestDb, trusted: &str) -> Settings {
    let mut s = settings(db);
    s.trusted_proxies = vec![trusted.parse().unwrap()];
    s.proxy_auth = ProxyAuth::parse(
        "X-Forwarded-User",
        "X-Forwarded-Groups",
        "admins=admin,sre=operator",
        "",
    )
    .unwrap();
    s
}

/// A whoami as the proxy would send it.
async fn proxied_whoami(app: &TestApp, user: &str, groups: &str) -> (u16, Value) {
    let r = app
        .request(Method::GET, "/api/auth/whoami")
        .header("x-forwarded-user", user)
        .header("x-forwarded-groups", groups)
        .send()
        .await
        .unwrap();
    json(r).await
}

on_both_backends! {
    async fn proxy_auth_from_a_trusted_proxy(db) {
        let app = TestApp::with(with_proxy(db, "127.0.0.1/32")).await;
        let (_, config) = json(app.request(Method::GET, "/api/auth/config").send().await.unwrap()).await;
        assert_eq!(config["proxy"], true);

        let (status, me) = proxied_whoami(&app, "carol@example.com", "dev, sre").await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["subject"], "carol@example.com");
        assert_eq!(me["roles"], json!(["operator"]));
        assert_eq!(me["method"], "proxy");
        let (_, me) = proxied_whoami(&app, "carol@example.com", "sre,admins").await;
        assert_eq!(me["roles"], json!(["admin"]), "the highest role wins");
        let (status, body) = proxied_whoami(&app, "dave@example.com", "dev").await;
        assert_error(status, &body, 403, "no_role_mapped");

        // A write through the proxy is audited with method proxy, and needs the CSRF checks.
        let create = |origin: Option<&str>| {
            let mut r = app
                .request(Method::POST, "/api/users")
                .header("x-forwarded-user", "carol@example.com")
                .header("x-forwarded-groups", "admins")
                .json(&json!({"username": "made-by-proxy", "role": "viewer", "password": "a long enough password"}));
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
            r
        };
        let (status, body) = json(create(None).send().await.unwrap()).await;
        assert_error(status, &body, 403, "csrf_rejected");
        let (status, body) = json(create(Some("https://evil.example")).send().await.unwrap()).await;
        assert_error(status, &body, 403, "csrf_rejected");
        let (status, body) = json(create(Some(&app.base)).send().await.unwrap()).await;
        assert_eq!(status, 201, "{body}");
        let rows = app.audit("verb=create&outcome=success").await;
        assert_eq!(rows[0]["actor"], "carol@example.com");
        assert_eq!(rows[0]["actorMethod"], "proxy");

        // Proxy-named users own no API keys.
        let r = create(Some(&app.base)).build().unwrap();
        let mut key = app.request(Method::POST, "/api/auth/api-keys").json(&json!({"name": "k", "role": "viewer"}));
        for (name, value) in r.headers() {
            if name != "content-type" && name != "content-length" {
                key = key.header(name, value);
            }
        }
        let (status, body) = json(key.send().await.unwrap()).await;
        assert_error(status, &body, 403, "local_account_required");
        app.stop().await;
    }

    async fn proxy_headers_from_anyone_else_are_ignored(db) {
        let app = TestApp::with(with_proxy(db, "10.0.0.0/8")).await;
        let (status, body) = proxied_whoami(&app, "carol@example.com", "admins").await;
        assert_error(status, &body, 401, "unauthenticated");
        // A real credential still works, the header changes nothing.
        let r = app
            .bearer(Method::GET, "/api/auth/whoami", VIEWER_TOKEN)
            .header("x-forwarded-user", "carol@example.com")
            .header("x-forwarded-groups", "admins")
            .send()
            .await
            .unwrap();
        let (_, me) = json(r).await;
        assert_eq!(me["subject"], "token:viewer");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_user_is_impersonated_with_their_role_groups_and_the_proxy_groups() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let mut s = with_proxy(&db, "127.0.0.1/32");
    s.secret_key = with_secret_key(&db).secret_key;
    let app = TestApp::with(s).await;
    register_sim(&app, "guarded", &sim, "impersonate").await;
    sim.clear_requests();
    let r = app
        .request(Method::GET, "/api/clusters/guarded/dashboard")
        .header("x-forwarded-user", "carol@example.com")
        .header("x-forwarded-groups", "dev, sre")
        .send()
        .await
        .unwrap();
    // The simulator's RBAC knows nobody of these names and groups, so it refuses: as carol.
    let (status, body) = json(r).await;
    assert_error(status, &body, 403, "kube_forbidden");
    assert!(
        body["error"].as_str().unwrap().contains(r#"User "carol@example.com""#),
        "{body}"
    );
    let seen = sim.requests();
    assert!(!seen.is_empty());
    for r in &seen {
        assert_eq!(
            r.impersonate_user.as_deref(),
            Some("carol@example.com"),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(
            r.impersonate_groups,
            ["fleetdeck:operators", "dev", "sre"],
            "{} {}",
            r.method,
            r.path
        );
    }
    app.stop().await;
    db.cleanup().await;
}
