//! Auth against the real app: roles, credentials, sessions, API keys, CSRF, rate limit, users, first admin.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends! {
    async fn every_role_against_read_and_write_routes(db) {
        let app = TestApp::start(db).await;
        let flux_key = create_key(&app, OPERATOR_TOKEN, "flux", "flux-reader").await;
        // (credential, GET /api/audit, GET /api/users, POST /api/users)
        let cases = [
            (ADMIN_TOKEN, 200, 200, 201),
            (OPERATOR_TOKEN, 200, 403, 403),
            (VIEWER_TOKEN, 200, 403, 403),
            (flux_key.as_str(), 403, 403, 403),
        ];
        for (i, (token, audit, read, write)) in cases.into_iter().enumerate() {
            let r = app.bearer(Method::GET, "/api/audit", token).send().await.unwrap();
            assert_eq!(r.status(), audit, "case {i} audit");
            let r = app.bearer(Method::GET, "/api/users", token).send().await.unwrap();
            assert_eq!(r.status(), read, "case {i} list users");
            let body = json!({"username": format!("user{i}"), "role": "viewer", "password": "a long password"});
            let (status, body) = json(app.bearer(Method::POST, "/api/users", token).json(&body).send().await.unwrap()).await;
            assert_eq!(status, write, "case {i} create user: {body}");
            if write == 403 {
                assert_error(status, &body, 403, "forbidden");
            }
        }
        let denied = app.audit("verb=create&outcome=denied").await;
        assert_eq!(denied.len(), 3, "each refused write is audited as denied");
        assert!(denied.iter().all(|e| e["reason"] == "forbidden" && e["httpStatus"] == 403));
        app.stop().await;
    }

    async fn bad_and_expired_credentials_get_401(db) {
        let mut settings = settings(db);
        settings.session_ttl = Duration::from_secs(1);
        let app = TestApp::with(settings).await;
        for auth in ["Bearer nope-not-a-token", "Bearer fdk_unknownkeyvalue", "Basic YWRtaW46YWRtaW4=", "Bearer "] {
            let r = app.request(Method::GET, "/api/auth/whoami").header("authorization", auth).send().await.unwrap();
            let (status, body) = json(r).await;
            assert_error(status, &body, 401, "invalid_credentials");
        }
        let (status, body) = json(app.request(Method::GET, "/api/auth/whoami").send().await.unwrap()).await;
        assert_error(status, &body, 401, "unauthenticated");
        let r = app.request(Method::GET, "/api/auth/whoami").header("cookie", "fleetdeck_session=forged").send().await.unwrap();
        assert_eq!(r.status(), 401);

        // An API key past its expiry.
        let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
        let r = app
            .bearer(Method::POST, "/api/auth/api-keys", ADMIN_TOKEN)
            .json(&json!({"name": "short", "role": "viewer", "expiresAt": soon}))
            .send()
            .await
            .unwrap();
        let (status, key) = json(r).await;
        assert_eq!(status, 201);
        let secret = key["secret"].as_str().unwrap();
        assert_eq!(app.bearer(Method::GET, "/api/auth/whoami", secret).send().await.unwrap().status(), 200);

        // A session past its TTL (1 s here).
        app.create_user("sam", "viewer", "sam's long password").await;
        let c = app.login("sam", "sam's long password").await;
        assert_eq!(c.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 200);
        tokio::time::sleep(Duration::from_millis(1700)).await;
        assert_eq!(c.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 401, "session expired");
        let (status, body) = json(app.bearer(Method::GET, "/api/auth/whoami", secret).send().await.unwrap()).await;
        assert_error(status, &body, 401, "invalid_credentials");

        // Plain 401s are counted, not audited.
        let metrics = app.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("fleetdeck_auth_rejections_total{reason=\"invalid_bearer\"}"), "{metrics}");
        assert!(app.audit("outcome=failure").await.is_empty());
        app.stop().await;
    }

    async fn login_sets_a_session_cookie_and_logout_revokes_it(db) {
        let app = TestApp::start(db).await;
        let c = app.session_client();
        let r = c.post(app.url("/api/auth/login")).json(&json!({"token": OPERATOR_TOKEN})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("fleetdeck_session="), "{cookie}");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        assert!(!cookie.contains("Secure"), "plain HTTP from an untrusted peer: no Secure");
        let (_, me) = json(c.get(app.url("/api/auth/whoami")).send().await.unwrap()).await;
        assert_eq!(me["subject"], "token:operator");
        assert_eq!(me["roles"], json!(["operator"]));
        assert_eq!(me["method"], "token");
        assert!(me["expiresAt"].is_string());

        let secret = cookie.split(';').next().unwrap().to_string();
        assert_eq!(c.post(app.url("/api/auth/logout")).send().await.unwrap().status(), 204);
        let r = app.request(Method::GET, "/api/auth/whoami").header("cookie", &secret).send().await.unwrap();
        assert_eq!(r.status(), 401, "the old cookie no longer works");

        let (status, body) = json(c.post(app.url("/api/auth/login")).json(&json!({"token": "wrong-token-value"})).send().await.unwrap()).await;
        assert_error(status, &body, 401, "invalid_credentials");
        let (status, body) = json(c.post(app.url("/api/auth/login")).json(&json!({"username": "x"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_login");

        let events = app.audit("verb=login").await;
        assert_eq!(events.len(), 3);
        assert_eq!(events[1]["outcome"], "failure");
        assert_eq!(events[1]["reason"], "unknown_token");
        assert_eq!(events[2]["outcome"], "success");
        assert_eq!(events[2]["actor"], "token:operator");
        assert_eq!(app.audit("verb=logout&outcome=success").await.len(), 1);
        app.stop().await;
    }

    async fn secure_cookie_behind_a_trusted_https_proxy(db) {
        let mut s = settings(db);
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        let app = TestApp::with(s).await;
        let r = app
            .request(Method::POST, "/api/auth/login")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-for", "203.0.113.7")
            .json(&json!({"token": ADMIN_TOKEN}))
            .send()
            .await
            .unwrap();
        assert!(r.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
        let events = app.audit("verb=login").await;
        assert_eq!(events[0]["clientIp"], "203.0.113.7");
        app.stop().await;
    }

    async fn session_survives_a_restart_on_the_same_database(db) {
        let app = TestApp::start(db).await;
        app.create_user("rita", "operator", "rita's long password").await;
        let cookie = login_cookie(&app, json!({"username": "rita", "password": "rita's long password"})).await;
        app.stop().await;
        let app = TestApp::start(db).await;
        let (status, me) = json(app.request(Method::GET, "/api/auth/whoami").header("cookie", &cookie).send().await.unwrap()).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["subject"], "rita");
        assert_eq!(me["method"], "password");
        app.stop().await;
    }

    async fn csrf_guards_cookie_writes_but_not_bearer_ones(db) {
        let app = TestApp::start(db).await;
        let cookie = login_cookie(&app, json!({"token": ADMIN_TOKEN})).await;
        let body = json!({"name": "k", "role": "viewer"}).to_string();
        let post = |origin: Option<&str>, fetch_site: Option<&str>, content_type: &str| {
            let mut r = app
                .request(Method::POST, "/api/auth/api-keys")
                .header("cookie", &cookie)
                .header("content-type", content_type)
                .body(body.clone());
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
            if let Some(s) = fetch_site {
                r = r.header("sec-fetch-site", s);
            }
            r
        };
        for (origin, site, ct) in [
            (None, None, "application/json"),
            (Some("https://evil.example"), None, "application/json"),
            (None, Some("cross-site"), "application/json"),
            (Some(app.base.as_str()), None, "text/plain"),
            (Some(app.base.as_str()), None, "application/x-www-form-urlencoded"),
        ] {
            let (status, body) = json(post(origin, site, ct).send().await.unwrap()).await;
            assert_error(status, &body, 403, "csrf_rejected");
        }
        assert_eq!(post(Some(&app.base), None, "application/json").send().await.unwrap().status(), 201);
        assert_eq!(post(None, Some("same-origin"), "application/json").send().await.unwrap().status(), 201);
        // Bearer requests carry no ambient credential and are exempt.
        let r = app.bearer(Method::POST, "/api/auth/api-keys", ADMIN_TOKEN).header("content-type", "application/json").body(body.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let denied = app.audit("outcome=denied&verb=api_key_create").await;
        assert_eq!(denied.len(), 5);
        assert!(denied.iter().all(|e| e["reason"] == "csrf_rejected" && e["actor"] == "token:admin"));
        app.stop().await;
    }

    async fn login_attempts_are_rate_limited_per_client(db) {
        let mut s = settings(db);
        s.login_rate_limit = 3;
        let app = TestApp::with(s).await;
        for _ in 0..3 {
            let r = app.request(Method::POST, "/api/auth/login").json(&json!({"username": "admin", "password": "guess guess guess"})).send().await.unwrap();
            assert_eq!(r.status(), 401);
        }
        let r = app.request(Method::POST, "/api/auth/login").json(&json!({"token": ADMIN_TOKEN})).send().await.unwrap();
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry), "retry after {retry}");
        let (status, body) = json(r).await;
        assert_error(status, &body, 429, "rate_limited");
        // Bearer-authenticated calls are not limited.
        for _ in 0..10 {
            assert_eq!(app.bearer(Method::GET, "/api/auth/whoami", VIEWER_TOKEN).send().await.unwrap().status(), 200);
        }
        let limited = app.audit("verb=login&outcome=failure").await;
        assert_eq!(limited[0]["reason"], "rate_limited");
        assert_eq!(limited[0]["httpStatus"], 429);
        app.stop().await;
    }

    async fn api_keys_are_shown_once_work_and_can_be_revoked(db) {
        let app = TestApp::start(db).await;
        app.create_user("olga", "operator", "olga's long password").await;
        let c = app.login("olga", "olga's long password").await;
        let (status, created) = json(c.post(app.url("/api/auth/api-keys")).json(&json!({"name": "ci", "role": "viewer"})).send().await.unwrap()).await;
        assert_eq!(status, 201, "{created}");
        let secret = created["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("fdk_") && secret.starts_with(created["prefix"].as_str().unwrap()));
        let (_, list) = json(c.get(app.url("/api/auth/api-keys")).send().await.unwrap()).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(items[0].get("secret").is_none() && !list.to_string().contains(&secret), "the secret is shown once");
        assert!(items[0]["lastUsedAt"].is_null());

        let (status, me) = json(app.bearer(Method::GET, "/api/auth/whoami", &secret).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(me["subject"], "olga");
        assert_eq!(me["roles"], json!(["viewer"]), "the key's role, not the owner's");
        assert_eq!(me["method"], "api_key");
        let (_, list) = json(c.get(app.url("/api/auth/api-keys")).send().await.unwrap()).await;
        assert!(list["items"][0]["lastUsedAt"].is_string(), "last use recorded");

        let (status, body) = json(c.post(app.url("/api/auth/api-keys")).json(&json!({"name": "up", "role": "admin"})).send().await.unwrap()).await;
        assert_error(status, &body, 403, "role_too_high");
        let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let (status, body) = json(c.post(app.url("/api/auth/api-keys")).json(&json!({"name": "old", "role": "viewer", "expiresAt": past})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_expiry");
        let (status, body) = json(app.bearer(Method::POST, "/api/auth/api-keys", &secret).json(&json!({"name": "x", "role": "viewer"})).send().await.unwrap()).await;
        assert_error(status, &body, 403, "api_key_cannot_create_keys");
        // Nobody else can revoke it.
        let id = created["id"].as_str().unwrap();
        let r = app.bearer(Method::DELETE, &format!("/api/auth/api-keys/{id}"), ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(c.delete(app.url(&format!("/api/auth/api-keys/{id}"))).send().await.unwrap().status(), 204);
        assert_eq!(app.bearer(Method::GET, "/api/auth/whoami", &secret).send().await.unwrap().status(), 401);

        // A disabled owner's keys stop working.
        let (_, k2) = json(c.post(app.url("/api/auth/api-keys")).json(&json!({"name": "ci2", "role": "operator"})).send().await.unwrap()).await;
        let s2 = k2["secret"].as_str().unwrap();
        assert_eq!(app.bearer(Method::GET, "/api/auth/whoami", s2).send().await.unwrap().status(), 200);
        let r = app.bearer(Method::PUT, "/api/users/olga", ADMIN_TOKEN).json(&json!({"disabled": true})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(app.bearer(Method::GET, "/api/auth/whoami", s2).send().await.unwrap().status(), 401);
        assert_eq!(c.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 401, "disabling ends sessions");

        let audit = app.audit("actor=olga&verb=api_key_create&outcome=success").await;
        assert_eq!(audit.len(), 2);
        assert_eq!(audit[1]["name"], "ci");
        let all = serde_json::to_string(&app.audit("limit=500").await).unwrap();
        assert!(!all.contains(&secret) && !all.contains(s2), "no secret in the audit log");
        app.stop().await;
    }

    async fn users_are_managed_by_admins(db) {
        let app = TestApp::start(db).await;
        let admin = |m: Method, p: &str| app.bearer(m, p, ADMIN_TOKEN);
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "Bad Name", "role": "viewer", "password": "long enough pw"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_username");
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "bob", "role": "viewer", "password": "short"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "weak_password");
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "bob", "role": "flux-reader", "password": "long enough pw"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_role");
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "bob", "role": "root", "password": "long enough pw"})).send().await.unwrap()).await;
        assert_error(status, &body, 400, "invalid_body");
        app.create_user("bob", "admin", "bob's long password").await;
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "bob", "role": "viewer", "password": "long enough pw"})).send().await.unwrap()).await;
        assert_error(status, &body, 409, "conflict");

        let (status, bob) = json(admin(Method::GET, "/api/users/bob").send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(bob["displayName"], "bob");
        assert!(bob.get("passwordHash").is_none() && !bob.to_string().contains("argon2"));
        let (status, body) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"role": "operator"})).send().await.unwrap()).await;
        assert_error(status, &body, 409, "last_admin");
        app.create_user("ann", "admin", "ann's long password").await;
        let (status, bob) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"displayName": "Bob B.", "role": "operator"})).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(bob["role"], "operator");
        assert_eq!(bob["displayName"], "Bob B.");
        assert_eq!(bob["email"], Value::Null);

        // A mail address is kept lowercase, refused when it is not one, and removed by "".
        let (status, body) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"email": "not an address"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_email");
        let (_, bob) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"email": " Bob@Example.com "})).send().await.unwrap()).await;
        assert_eq!(bob["email"], "bob@example.com");
        let (_, bob) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"displayName": "Bob"})).send().await.unwrap()).await;
        assert_eq!(bob["email"], "bob@example.com", "absent fields are kept");
        let (_, bob) = json(admin(Method::PUT, "/api/users/bob").json(&json!({"email": ""})).send().await.unwrap()).await;
        assert_eq!(bob["email"], Value::Null);
        let (status, body) = json(admin(Method::POST, "/api/users").json(&json!({"username": "cat", "role": "viewer", "password": "long enough pw", "email": "@"})).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_email");
        let (status, cat) = json(admin(Method::POST, "/api/users").json(&json!({"username": "cat", "role": "viewer", "password": "long enough pw", "email": "cat@example.com"})).send().await.unwrap()).await;
        assert_eq!((status, &cat["email"]), (201, &json!("cat@example.com")));
        assert_eq!(admin(Method::DELETE, "/api/users/cat").send().await.unwrap().status(), 204);

        // The last enabled admin can be neither demoted, disabled nor deleted.
        assert_eq!(admin(Method::PUT, "/api/users/bob").json(&json!({"role": "viewer"})).send().await.unwrap().status(), 200);
        let (status, body) = json(admin(Method::PUT, "/api/users/ann").json(&json!({"disabled": true})).send().await.unwrap()).await;
        assert_error(status, &body, 409, "last_admin");
        let (status, body) = json(admin(Method::DELETE, "/api/users/ann").send().await.unwrap()).await;
        assert_error(status, &body, 409, "last_admin");
        let (status, body) = json(admin(Method::PUT, "/api/users/ann").json(&json!({"role": "operator"})).send().await.unwrap()).await;
        assert_error(status, &body, 409, "last_admin");

        // A disabled user cannot sign in; enabled again, they can.
        assert_eq!(admin(Method::PUT, "/api/users/bob").json(&json!({"disabled": true})).send().await.unwrap().status(), 200);
        let r = app.request(Method::POST, "/api/auth/login").json(&json!({"username": "bob", "password": "bob's long password"})).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(admin(Method::PUT, "/api/users/bob").json(&json!({"disabled": false, "password": "bob's new long password"})).send().await.unwrap().status(), 200);
        app.login("bob", "bob's new long password").await;

        let (_, list) = json(admin(Method::GET, "/api/users").send().await.unwrap()).await;
        let names: Vec<_> = list["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["ann", "bob"]);
        assert_eq!(admin(Method::DELETE, "/api/users/bob").send().await.unwrap().status(), 204);
        assert_eq!(admin(Method::GET, "/api/users/bob").send().await.unwrap().status(), 404);
        let kinds: Vec<_> = app.audit("actor=token:admin").await.iter().map(|e| format!("{} {} {}", e["verb"], e["name"], e["outcome"])).collect();
        assert!(kinds.contains(&"\"delete\" \"bob\" \"success\"".to_string()), "{kinds:?}");
        assert!(kinds.contains(&"\"update\" \"ann\" \"failure\"".to_string()), "{kinds:?}");
        app.stop().await;
    }

    async fn users_change_their_own_password(db) {
        let app = TestApp::start(db).await;
        app.create_user("pat", "viewer", "pat's long password").await;
        let c = app.login("pat", "pat's long password").await;
        let other = app.login("pat", "pat's long password").await;
        let change = |current: &str, new: &str| {
            c.put(app.url("/api/auth/password")).json(&json!({"currentPassword": current, "newPassword": new}))
        };
        let (status, body) = json(change("wrong password!!", "pat's new long password").send().await.unwrap()).await;
        assert_error(status, &body, 403, "wrong_password");
        let (status, body) = json(change("pat's long password", "short").send().await.unwrap()).await;
        assert_error(status, &body, 422, "weak_password");
        assert_eq!(change("pat's long password", "pat's new long password").send().await.unwrap().status(), 204);
        assert_eq!(c.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 200, "this session stays");
        assert_eq!(other.get(app.url("/api/auth/whoami")).send().await.unwrap().status(), 401, "other sessions end");
        app.login("pat", "pat's new long password").await;
        let (status, body) = json(app.bearer(Method::PUT, "/api/auth/password", ADMIN_TOKEN).json(&json!({"currentPassword": "x", "newPassword": "y"})).send().await.unwrap()).await;
        assert_error(status, &body, 403, "not_a_user");
        app.stop().await;
    }

    async fn first_start_creates_an_admin_once(db) {
        if db.backend != "sqlite" {
            return; // the password file lives beside the SQLite store
        }
        let mut s = settings(db);
        s.auth_tokens.clear();
        let app = TestApp::with(s.clone()).await;
        let file = db.dir().join("fleetdeck-initial-admin-password");
        let password = std::fs::read_to_string(&file).unwrap().trim().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (_, config) = json(app.request(Method::GET, "/api/auth/config").send().await.unwrap()).await;
        assert_eq!(config, json!({"methods": ["password"], "providers": [], "registration": false, "proxy": false}));
        let c = app.login("admin", &password).await;
        app.stop().await;
        let app = TestApp::with(s).await;
        let r = app.request(Method::POST, "/api/auth/login").json(&json!({"username": "admin", "password": password})).send().await.unwrap();
        assert_eq!(r.status(), 200, "the same admin, not a new one");
        let c2 = app.session_client();
        let r = c2.post(app.url("/api/auth/login")).json(&json!({"username": "admin", "password": password})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = c2.put(app.url("/api/auth/password")).json(&json!({"currentPassword": password, "newPassword": "a brand new admin password"})).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert!(!file.exists(), "the initial password file is removed once the password changes");
        drop(c);
        app.stop().await;
    }
}

/// Signs in and returns the `fleetdeck_session=…` pair to send as a Cookie header.
async fn login_cookie(app: &TestApp, body: serde_json::Value) -> String {
    let r = app
        .request(Method::POST, "/api/auth/login")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn create_key(app: &TestApp, token: &str, name: &str, role: &str) -> String {
    let r = app
        .bearer(Method::POST, "/api/auth/api-keys", token)
        .json(&json!({"name": name, "role": role}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(r).await;
    assert_eq!(status, 201, "{body}");
    body["secret"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_write_gate_refuses_until_enabled() {
    use axum::routing::post;
    use fleetdeck::auth::write_gate::WriteActionsEnabled;
    for (enabled, want) in [(false, 403), (true, 200)] {
        let db = TestDb::sqlite().await;
        let mut s = settings(&db);
        s.write_actions_enabled = enabled;
        let state = fleetdeck::AppState::new(s, db.store().await);
        let router = axum::Router::new()
            .route("/scale", post(|_: WriteActionsEnabled| async { "scaled" }))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, router).into_future());
        let (status, body) = match reqwest::Client::new()
            .post(format!("http://{addr}/scale"))
            .send()
            .await
            .unwrap()
        {
            r if r.status() == 200 => (200, serde_json::Value::Null),
            r => json(r).await,
        };
        assert_eq!(status, want);
        if !enabled {
            assert_eq!(body["code"], "write_actions_disabled");
        }
    }
}

on_both_backends! {
    async fn concurrent_user_and_key_writes_all_succeed(db) {
        let app = TestApp::start(db).await;
        for i in 0..8 {
            app.create_user(&format!("user-{i}"), "viewer", "long enough password").await;
        }
        // Each of these reads, then writes, in one transaction; on SQLite a transaction that had
        // read before another connection wrote could not take the write lock (a 500).
        let writes = (0..48).map(|i| {
            let r = if i % 2 == 0 {
                app.bearer(Method::PUT, &format!("/api/users/user-{}", i % 8), ADMIN_TOKEN)
                    .json(&json!({"displayName": format!("User {i}")}))
            } else {
                app.bearer(Method::DELETE, &format!("/api/auth/api-keys/no-such-key-{i}"), ADMIN_TOKEN)
            };
            tokio::spawn(async move { r.send().await.unwrap().status().as_u16() })
        });
        let mut statuses = Vec::new();
        for write in writes.collect::<Vec<_>>() {
            statuses.push(write.await.unwrap());
        }
        for (i, status) in statuses.iter().enumerate() {
            assert_eq!(*status, if i % 2 == 0 { 200 } else { 404 }, "write {i}: {statuses:?}");
        }
        app.stop().await;
    }

    async fn concurrent_demotions_leave_an_admin(db) {
        let app = TestApp::start(db).await;
        for i in 0..6 {
            app.create_user(&format!("admin-{i}"), "admin", "long enough password").await;
        }
        // Demoting every local admin at once: each checks that another is left, so one must stay.
        let demotions = (0..6).map(|i| {
            let r = app
                .bearer(Method::PUT, &format!("/api/users/admin-{i}"), ADMIN_TOKEN)
                .json(&json!({"role": "viewer"}));
            tokio::spawn(async move { r.send().await.unwrap().status().as_u16() })
        });
        let mut statuses = Vec::new();
        for d in demotions.collect::<Vec<_>>() {
            statuses.push(d.await.unwrap());
        }
        statuses.sort();
        assert_eq!(statuses, [200, 200, 200, 200, 200, 409], "{statuses:?}");
        let (_, users) = json(app.bearer(Method::GET, "/api/users", ADMIN_TOKEN).send().await.unwrap()).await;
        let admins = users["items"].as_array().unwrap().iter().filter(|u| u["role"] == "admin").count();
        assert_eq!(admins, 1);
        app.stop().await;
    }
}

on_both_backends! {
    async fn password_logins_go_into_the_login_history(db) {
        let app = TestApp::start(db).await;
        app.create_user("rita", "viewer", "rita's long password").await;
        let c = app.session_client();
        for password in ["wrong password!!", "rita's long password"] {
            c.post(app.url("/api/auth/login"))
                .json(&json!({"username": "rita", "password": password}))
                .send()
                .await
                .unwrap();
        }
        let (status, page) = json(c.get(app.url("/api/users/rita/logins?limit=1")).send().await.unwrap()).await;
        assert_eq!(status, 200, "rita reads her own history: {page}");
        let newest = &page["items"][0];
        assert_eq!((newest["method"].as_str(), newest["outcome"].as_str()), (Some("password"), Some("success")));
        let before = page["next"].as_str().expect("an older page");
        let path = format!("/api/users/rita/logins?before={before}");
        let (_, page) = json(app.bearer(Method::GET, &path, ADMIN_TOKEN).send().await.unwrap()).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["outcome"], "failure");
        assert_eq!(page["items"][0]["reason"], "wrong_password");
        assert_eq!(page["next"], serde_json::Value::Null);
        let r = c.get(app.url("/api/users/admin/logins")).send().await.unwrap();
        assert_eq!(r.status(), 403, "not another user's");
        app.stop().await;
    }
}
