//! OIDC login end to end against a real OpenID Provider: `oidc-provider` from npm, run by
//! tests/oidc/op.mjs (installed by scripts/test with `npm ci --prefix tests/oidc`).

mod common;

use std::time::Duration;

use common::oidc::{Op, providers};
use common::{ADMIN_TOKEN, TestApp, TestDb, VIEWER_TOKEN, call};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Method, Response, redirect};
use serde_json::{Value, json};

/// Fleetdeck with the provider `test` (group → role map, no default role) and the test provider.
struct Setup {
    app: TestApp,
    op: Op,
    /// Does not follow redirects: each step is looked at.
    http: Client,
}

async fn setup_with(db: &TestDb, ttl: u64, adjust: impl FnOnce(&mut fleetdeck::config::Settings)) -> Setup {
    let port = common::oidc::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let op = Op::start(&base, ttl).await;
    let down = "  - {id: down, name: Down, issuer: 'http://127.0.0.1:9', clientId: x, clientSecretEnv: SECRET}\n";
    let providers = providers(&op.issuer, down);
    let mut settings = common::with_secret_key(db);
    settings.addr = format!("127.0.0.1:{port}").parse().unwrap();
    settings.public_url = Some(base);
    settings.oidc_providers = providers;
    adjust(&mut settings);
    let app = TestApp::with(settings).await;
    let http = Client::builder().redirect(redirect::Policy::none()).build().unwrap();
    let s = Setup { app, op, http };
    s.wait_until_available().await;
    s
}

async fn setup(db: &TestDb) -> Setup {
    setup_with(db, 3600, |_| {}).await
}

fn set_cookie<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// `name=value` of a Set-Cookie header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

impl Setup {
    async fn auth_config(&self) -> Value {
        let r = self.app.request(Method::GET, "/api/auth/config").send().await.unwrap();
        r.json().await.unwrap()
    }

    async fn wait_until_available(&self) {
        for _ in 0..100 {
            if self.auth_config().await["providers"][0]["available"] == true {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the provider was never discovered");
    }

    /// `GET /api/auth/login`: the provider's URL and the login cookie.
    async fn start(&self, redirect: &str, headers: &[(&str, &str)]) -> (String, String) {
        let mut r = self
            .http
            .get(self.app.url("/api/auth/login"))
            .query(&[("provider", "test"), ("redirect", redirect)]);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
        let cookie = set_cookie(&r, "fleetdeck_oidc").expect("the login cookie").to_string();
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/api/auth/callback", "Max-Age=600"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        (r.headers()[LOCATION].to_str().unwrap().to_string(), cookie)
    }

    /// Signs `user` in at the provider: the URL it sends the browser back to Fleetdeck with.
    async fn authorize(&self, auth_url: &str, user: &str) -> String {
        self.op.authorize(auth_url, user, &self.app.base).await
    }

    async fn callback(&self, url: &str, login_cookie: &str, headers: &[(&str, &str)]) -> Response {
        let mut r = self.http.get(url).header(COOKIE, pair(login_cookie));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().await.unwrap()
    }

    /// A full login of `user`; the callback's response.
    async fn login(&self, user: &str, redirect: &str) -> Response {
        let (auth_url, cookie) = self.start(redirect, &[]).await;
        let back = self.authorize(&auth_url, user).await;
        self.callback(&back, &cookie, &[]).await
    }

    /// A full login that must succeed: the session cookie (`name=value`).
    async fn session(&self, user: &str) -> String {
        let r = self.login(user, "/").await;
        assert_eq!(r.status(), 302);
        pair(set_cookie(&r, "fleetdeck_session").expect("a session cookie"))
    }

    async fn get(&self, path: &str, cookie: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.app.url(path))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

async fn error_code(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or_default().to_string())
}

on_both_backends! {
    async fn a_full_login_opens_a_session_with_groups_role_audit_and_history(db) {
        let s = setup(db).await;
        let r = s.login("alice", "/clusters?tab=pods").await;
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()[LOCATION], "/clusters?tab=pods", "back where the login started");
        let session = set_cookie(&r, "fleetdeck_session").unwrap().to_string();
        for attr in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=43200"] {
            assert!(session.contains(attr), "{session} lacks {attr}");
        }
        assert!(!session.contains("Secure"), "plain HTTP: no Secure");
        assert!(set_cookie(&r, "fleetdeck_oidc").unwrap().contains("Max-Age=0"), "the login cookie is cleared");
        let (status, me) = s.get("/api/auth/whoami", &pair(&session)).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["subject"], "alice");
        assert_eq!(me["displayName"], "Alice A.");
        assert_eq!(me["roles"], json!(["operator"]));
        assert_eq!(me["groups"], json!(["sre"]));
        assert_eq!(me["email"], "alice@example.com");
        assert_eq!(me["method"], "oidc");

        let rows = s.app.audit("verb=login&actor=alice").await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["actorMethod"], "oidc");
        assert_eq!(rows[0]["outcome"], "success");

        let (status, logins) = s.get("/api/users/alice/logins", &pair(&session)).await;
        assert_eq!(status, 200, "the user reads their own history");
        assert_eq!(logins["items"][0]["method"], "oidc");
        assert_eq!(logins["items"][0]["provider"], "test");
        assert_eq!(logins["items"][0]["outcome"], "success");
        assert_eq!(logins["items"][0]["clientIp"], "127.0.0.1");
        let r = s.app.bearer(Method::GET, "/api/users/alice/logins", VIEWER_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 403, "not someone else's");
        let r = s.app.bearer(Method::GET, "/api/users/alice/logins", ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 200, "an admin reads anyone's");
        s.app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_map_to_the_highest_role_and_unmapped_users_are_denied() {
    let db = TestDb::sqlite().await;
    let s = setup(&db).await;
    let bob = s.session("bob").await;
    assert_eq!(s.get("/api/auth/whoami", &bob).await.1["roles"], json!(["admin"]));

    let r = s.login("carol", "/").await;
    assert_eq!(error_code(r).await, (403, "no_role_mapped".to_string()));
    let (auth_url, cookie) = s.start("/", &[]).await;
    let back = s.authorize(&auth_url, "carol").await;
    let r = s
        .callback(&back, &cookie, &[("accept", "text/html,application/xhtml+xml")])
        .await;
    assert_eq!(r.status(), 302, "a browser lands on the login page");
    assert_eq!(r.headers()[LOCATION], "/login?error=no_role_mapped");
    assert!(set_cookie(&r, "fleetdeck_session").is_none());

    let r = s
        .app
        .bearer(Method::GET, "/api/users/carol/logins", ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let logins: Value = r.json().await.unwrap();
    assert_eq!(logins["items"].as_array().unwrap().len(), 2);
    assert_eq!(logins["items"][0]["outcome"], "denied");
    assert_eq!(logins["items"][0]["reason"], "no_role_mapped");
    let rows = s.app.audit("verb=login&actor=carol").await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["outcome"] == "denied" && r["reason"] == "no_role_mapped"),
        "{rows:?}"
    );
    s.app.stop().await;
}

on_both_backends! {
    async fn groups_mapped_to_a_tenancy_scope_sign_in_with_its_reach(db) {
        // The tenants exist before the provider's groups are mapped to them.
        let admin = TestApp::start(db).await;
        let mut ids = Vec::new();
        for name in ["acme", "globex"] {
            let (status, t) = call(&admin, Method::POST, "/api/tenants", ADMIN_TOKEN, Some(json!({"name": name}))).await;
            assert_eq!(status, 201, "{t}");
            ids.push(t["id"].as_str().unwrap().to_string());
        }
        admin.stop().await;
        let (acme, globex) = (ids[0].clone(), ids[1].clone());
        let scopes = [
            ("customers", format!("tenant:{acme}")),
            ("partners", format!("tenant:{globex}")),
            ("ghosts", "tenant:gone".to_string()),
        ];
        // ID tokens live 32 s: with renewal 30 s before expiry, a session renews after 2 s.
        let s = setup_with(db, 32, |settings| {
            settings.oidc_providers[0].tenancy_scopes =
                scopes.iter().map(|(g, scope)| (g.to_string(), scope.parse().unwrap())).collect();
        })
        .await;
        let op = &s.op;
        let groups = |user: &str, groups: Value| {
            let path = format!("/admin/groups?user={user}");
            async move { op.admin(&path, Some(groups)).await }
        };

        groups("carol", json!(["interns", "customers"])).await;
        let carol = s.session("carol").await;
        let (_, me) = s.get("/api/auth/whoami", &carol).await;
        assert_eq!((&me["roles"], &me["scope"]), (&json!(["tenant"]), &json!(format!("tenant:{acme}"))));
        let (_, list) = s.get("/api/tenants", &carol).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["id"], acme.as_str());
        let (status, _) = s.get(&format!("/api/tenants/{globex}"), &carol).await;
        assert_eq!(status, 404, "another tenant is out of reach");

        // A role wins: staff in a customer's group stay staff.
        groups("alice", json!(["sre", "customers"])).await;
        let alice = s.session("alice").await;
        let (_, me) = s.get("/api/auth/whoami", &alice).await;
        assert_eq!((&me["roles"], &me["scope"]), (&json!(["operator"]), &Value::Null));

        groups("dave", json!(["customers", "partners"])).await;
        assert_eq!(error_code(s.login("dave", "/").await).await, (403, "ambiguous_tenancy_scope".to_string()));
        groups("dave", json!(["ghosts"])).await;
        assert_eq!(error_code(s.login("dave", "/").await).await, (403, "tenancy_scope_not_found".to_string()));

        // The session's tenant is deleted: its renewal ends it.
        let (status, r) = call(&s.app, Method::DELETE, &format!("/api/tenants/{acme}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204, "{r}");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let r = s.http.get(s.app.url("/api/auth/whoami")).header(COOKIE, &carol).send().await.unwrap();
        assert_eq!(error_code(r).await, (401, "reauth_required".to_string()));
        s.app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_renew_once_with_the_refresh_token_and_end_when_it_fails() {
    let db = TestDb::sqlite().await;
    // ID tokens live 32 s: with renewal 30 s before expiry, the session renews after 2 s.
    let s = setup_with(&db, 32, |_| {}).await;
    let alice = s.session("alice").await;
    assert_eq!(s.op.admin("/admin/stats", None).await["refreshes"], 0);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    s.op.admin("/admin/groups?user=alice", Some(json!(["admins"]))).await;
    let whoami = (0..5).map(|_| s.get("/api/auth/whoami", &alice));
    for (status, me) in futures::future::join_all(whoami).await {
        assert_eq!(status, 200, "{me}");
    }
    assert_eq!(
        s.op.admin("/admin/stats", None).await["refreshes"],
        1,
        "concurrent requests renew once"
    );
    let (_, me) = s.get("/api/auth/whoami", &alice).await;
    assert_eq!(me["roles"], json!(["admin"]), "groups are mapped again on renewal");
    assert_eq!(me["groups"], json!(["admins"]));

    s.op.admin("/admin/fail-refresh?on=1", None).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = s
        .http
        .get(s.app.url("/api/auth/whoami"))
        .header(COOKIE, &alice)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (401, "reauth_required".to_string()));
    let (status, _) = s.get("/api/auth/whoami", &alice).await;
    assert_eq!(status, 401, "the session ended");
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_gives_the_end_session_url_and_logout_everywhere_ends_every_session() {
    let db = TestDb::sqlite().await;
    let s = setup(&db).await;
    let (one, two, three) = (
        s.session("alice").await,
        s.session("alice").await,
        s.session("alice").await,
    );
    let bob = s.session("bob").await;
    let origin = ("origin", s.app.base.clone());
    let r = s
        .http
        .post(s.app.url("/api/auth/logout"))
        .header(COOKIE, &one)
        .header(origin.0, &origin.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let url = body["endSessionUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/session/end?", s.op.issuer)), "{url}");
    assert!(url.contains("id_token_hint="), "{url}");
    let back = format!("post_logout_redirect_uri={}", urlencode(&format!("{}/", s.app.base)));
    assert!(url.contains(&back), "{url} lacks {back}");
    assert_eq!(s.get("/api/auth/whoami", &one).await.0, 401);
    assert_eq!(s.get("/api/auth/whoami", &two).await.0, 200, "only that session ended");

    let everywhere = s.app.url("/api/auth/logout/everywhere");
    let r = s
        .http
        .get(&everywhere)
        .header(COOKIE, &two)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r).await,
        (403, "csrf_rejected".to_string()),
        "a link from another site"
    );
    let r = s.http.get(&everywhere).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert_eq!(error_code(r).await, (403, "session_required".to_string()));
    let r = s
        .http
        .get(&everywhere)
        .header(COOKIE, &two)
        .header(origin.0, &origin.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["sessionsEnded"], 2);
    assert_eq!(
        s.get("/api/auth/whoami", &three).await.0,
        401,
        "every session of alice ended"
    );
    assert_eq!(s.get("/api/auth/whoami", &bob).await.0, 200, "not bob's");
    let rows = s.app.audit("verb=logout_everywhere").await;
    let outcomes: Vec<_> = rows
        .iter()
        .map(|r| (r["actor"].as_str(), r["outcome"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Some("alice"), Some("success")),
            (Some("token:admin"), Some("denied")),
            (Some("alice"), Some("denied"))
        ]
    );
    s.app.stop().await;
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_signing_key_is_fetched_and_a_tampered_id_token_is_rejected() {
    let db = TestDb::sqlite().await;
    let s = setup(&db).await;
    s.session("alice").await;
    s.op.admin("/admin/rotate", None).await;
    s.session("alice").await;

    s.op.admin("/admin/tamper?on=1", None).await;
    let r = s.login("alice", "/").await;
    assert_eq!(error_code(r).await, (401, "oidc_token_invalid".to_string()));
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_pkce_expiry_and_provider_errors_are_rejected() {
    let db = TestDb::sqlite().await;
    let s = setup(&db).await;
    let (auth_a, cookie_a) = s.start("/", &[]).await;
    let (auth_b, cookie_b) = s.start("/", &[]).await;
    let back_a = s.authorize(&auth_a, "alice").await;
    let state_b = reqwest::Url::parse(&auth_b)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();

    let wrong_state = back_a.replace("state=", "state=x");
    let r = s.callback(&wrong_state, &cookie_a, &[]).await;
    assert_eq!(error_code(r).await, (400, "oidc_state_mismatch".to_string()));
    let r = s.http.get(&back_a).send().await.unwrap();
    assert_eq!(
        error_code(r).await,
        (400, "oidc_login_expired".to_string()),
        "no login cookie"
    );

    // A's code with B's login (state and PKCE verifier): the provider refuses the verifier.
    let code_a = reqwest::Url::parse(&back_a)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let injected = s.app.url(&format!("/api/auth/callback?code={code_a}&state={state_b}"));
    let r = s.callback(&injected, &cookie_b, &[]).await;
    assert_eq!(error_code(r).await, (401, "oidc_code_rejected".to_string()));

    let denied = s
        .app
        .url(&format!("/api/auth/callback?error=access_denied&state={state_b}"));
    let r = s.callback(&denied, &cookie_b, &[]).await;
    assert_eq!(error_code(r).await, (400, "oidc_access_denied".to_string()));

    let r = s
        .http
        .get(s.app.url("/api/auth/login?provider=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (404, "oidc_provider_unknown".to_string()));
    let r = s
        .http
        .get(s.app.url("/api/auth/login?provider=down"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (503, "oidc_provider_unavailable".to_string()));
    assert_eq!(
        s.auth_config().await["providers"][1],
        json!({"id": "down", "name": "Down", "available": false})
    );
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_redirects_only_to_same_origin_paths() {
    let db = TestDb::sqlite().await;
    let s = setup(&db).await;
    for evil in [
        "https://evil.example.com/",
        "//evil.example.com",
        "/\\evil.example.com",
        "javascript:alert(1)",
    ] {
        let r = s.login("alice", evil).await;
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()[LOCATION], "/", "{evil}");
    }
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_rate_limited_and_cookies_are_secure_behind_a_tls_proxy() {
    let db = TestDb::sqlite().await;
    let s = setup_with(&db, 3600, |settings| {
        settings.login_rate_limit = 2;
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let https = [("x-forwarded-proto", "https")];
    let (auth_url, cookie) = s.start("/", &https).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
    let back = s.authorize(&auth_url, "alice").await;
    let r = s.callback(&back, &cookie, &https).await;
    assert_eq!(r.status(), 302);
    assert!(set_cookie(&r, "fleetdeck_session").unwrap().contains("; Secure"));
    let r = s.callback(&back, &cookie, &[]).await;
    assert_eq!(
        error_code(r).await,
        (401, "oidc_code_rejected".to_string()),
        "a code works once"
    );
    let r = s.callback(&back, &cookie, &[]).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    s.app.stop().await;
}
