//! The permission matrix of the tenancy roles on every route of the API: a `tenant:` key and a
//! `project:` key call each operation of the tenancy surface (the scope gate's prefixes) on their
//! own objects and on another tenant's, and every other operation of the OpenAPI document answers
//! them 403 `scope_forbids_route`. An operation added under the surface fails the test until the
//! matrix says what each key gets; any other is proved closed.

mod common;

use std::collections::BTreeSet;

use common::*;
use fleetdeck::auth::scope_gate::TENANCY_SURFACE;
use reqwest::Method;
use serde_json::{Value, json};

fn on_surface(path: &str) -> bool {
    TENANCY_SURFACE
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Calls and checks each row, recording the operations covered.
struct Matrix<'a> {
    app: &'a TestApp,
    tenant_key: String,
    project_key: String,
    covered: BTreeSet<(String, String)>,
}

impl Matrix<'_> {
    /// `template` called as `path` with `body`: the tenant key expects `t`, the project key `p`
    /// (a status, or a status and error code).
    async fn row(&mut self, method: Method, template: &str, path: &str, body: Option<Value>, t: Want, p: Want) {
        self.covered
            .insert((method.as_str().to_lowercase(), template.to_string()));
        for (who, token, want) in [
            ("tenant", self.tenant_key.clone(), t),
            ("project", self.project_key.clone(), p),
        ] {
            let mut request = self.app.bearer(method.clone(), path, &token);
            if let Some(b) = &body {
                request = request.json(b);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            // Not all answers are JSON (the YAML contract).
            let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
            let code = answer.get("code").and_then(Value::as_str).unwrap_or("");
            assert!(
                status == want.0 && want.1.is_none_or(|c| c == code),
                "{method} {path} as the {who} key: got {status} {code}, want {want:?}: {answer}"
            );
        }
    }
}

/// A status, and the error code when it matters.
#[derive(Debug, Clone, Copy)]
struct Want(u16, Option<&'static str>);

const OK: Want = Want(200, None);
const CREATED: Want = Want(201, None);
const GONE: Want = Want(204, None);
const HIDDEN: Want = Want(404, None);
const FORBIDDEN: Want = Want(403, Some("forbidden"));
const UNKNOWN_TENANT: Want = Want(422, Some("unknown_tenant"));

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn the_tenancy_roles_reach_their_own_objects_and_nothing_else(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        created(&app, "/api/clusters", ADMIN_TOKEN, json!({"name": "prod", "environment": "prod"})).await;
        let acme = id(&created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await);
        let globex = id(&created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "globex"})).await);
        let project = |tenant: &str, name: &str| json!({"tenantId": tenant, "name": name, "cluster": "prod"});
        let web = id(&created(&app, "/api/projects", ADMIN_TOKEN, project(&acme, "web")).await);
        let db_project = id(&created(&app, "/api/projects", ADMIN_TOKEN, project(&acme, "db")).await);
        let shop = id(&created(&app, "/api/projects", ADMIN_TOKEN, project(&globex, "shop")).await);
        let app_in = |project: &str, name: &str| json!({"projectId": project, "name": name, "spec": {"image": "nginx:1.27"}});
        let api = id(&created(&app, "/api/apps", ADMIN_TOKEN, app_in(&web, "api")).await);
        let pg = id(&created(&app, "/api/apps", ADMIN_TOKEN, app_in(&db_project, "pg")).await);
        let cart = id(&created(&app, "/api/apps", ADMIN_TOKEN, app_in(&shop, "cart")).await);
        let plan = id(&created(&app, "/api/plans", ADMIN_TOKEN, json!({"name": "team", "price": "10", "currency": "USD"})).await);
        let order = |tenant: &str| json!({"tenantId": tenant, "planId": plan});
        let acme_order = id(&created(&app, "/api/orders", ADMIN_TOKEN, order(&acme)).await);
        let globex_order = id(&created(&app, "/api/orders", ADMIN_TOKEN, order(&globex)).await);
        let mut m = Matrix {
            app: &app,
            tenant_key: scoped_key(&app, "tenant", &format!("tenant:{acme}")).await,
            project_key: scoped_key(&app, "project", &format!("project:{web}")).await,
            covered: BTreeSet::new(),
        };
        use Method as M;

        // Signed in: who they are, the console's settings, the contract.
        m.row(M::GET, "/api/auth/config", "/api/auth/config", None, OK, OK).await;
        m.row(M::GET, "/api/auth/whoami", "/api/auth/whoami", None, OK, OK).await;
        m.row(M::GET, "/api/openapi.json", "/api/openapi.json", None, OK, OK).await;
        m.row(M::GET, "/api/openapi.yaml", "/api/openapi.yaml", None, OK, OK).await;
        m.row(M::POST, "/api/auth/logout", "/api/auth/logout", None, GONE, GONE).await;
        // Signing in again: reachable (these asked wrongly, so the route itself answers).
        let unknown_provider = Want(404, None);
        m.row(M::GET, "/api/auth/login", "/api/auth/login?provider=none", None, unknown_provider, unknown_provider).await;
        let wrong = Some(json!({"username": "nobody", "password": "not-a-password"}));
        let unauthenticated = Want(401, Some("invalid_credentials"));
        m.row(M::POST, "/api/auth/login", "/api/auth/login", wrong, unauthenticated, unauthenticated).await;
        let bad_callback = Want(400, None);
        m.row(M::GET, "/api/auth/callback", "/api/auth/callback", None, bad_callback, bad_callback).await;
        let session_required = Want(403, Some("session_required"));
        m.row(M::GET, "/api/auth/logout/everywhere", "/api/auth/logout/everywhere", None, session_required, session_required).await;

        // Tenants: the tenant key reads its own; nobody scoped changes one.
        let (t, t_id) = ("/api/tenants/{id}", |x: &str| format!("/api/tenants/{x}"));
        m.row(M::GET, "/api/tenants", "/api/tenants", None, OK, OK).await;
        m.row(M::POST, "/api/tenants", "/api/tenants", Some(json!({"name": "initech"})), Want(403, None), Want(403, None)).await;
        m.row(M::GET, t, &t_id(&acme), None, OK, HIDDEN).await;
        m.row(M::GET, t, &t_id(&globex), None, HIDDEN, HIDDEN).await;
        m.row(M::PATCH, t, &t_id(&acme), Some(json!({"displayName": "Mine"})), FORBIDDEN, HIDDEN).await;
        m.row(M::DELETE, t, &t_id(&acme), None, FORBIDDEN, HIDDEN).await;
        m.row(M::DELETE, t, &t_id(&globex), None, HIDDEN, HIDDEN).await;
        let rates = "/api/tenants/{id}/rates";
        m.row(M::GET, rates, &format!("{}/rates", t_id(&acme)), None, OK, HIDDEN).await;
        m.row(M::GET, rates, &format!("{}/rates", t_id(&globex)), None, HIDDEN, HIDDEN).await;
        m.row(M::PUT, rates, &format!("{}/rates", t_id(&acme)), Some(json!({"rates": []})), Want(403, None), Want(403, None)).await;

        // Projects: the tenant key makes and changes its tenant's; the project key reads its own.
        let (p, p_id) = ("/api/projects/{id}", |x: &str| format!("/api/projects/{x}"));
        m.row(M::GET, "/api/projects", "/api/projects", None, OK, OK).await;
        m.row(M::POST, "/api/projects", "/api/projects", Some(project(&acme, "extra")), CREATED, UNKNOWN_TENANT).await;
        m.row(M::POST, "/api/projects", "/api/projects", Some(project(&globex, "extra")), UNKNOWN_TENANT, UNKNOWN_TENANT).await;
        m.row(M::GET, p, &p_id(&web), None, OK, OK).await;
        m.row(M::GET, p, &p_id(&db_project), None, OK, HIDDEN).await;
        m.row(M::GET, p, &p_id(&shop), None, HIDDEN, HIDDEN).await;
        m.row(M::PATCH, p, &p_id(&web), Some(json!({"quota": {"pods": 10}})), OK, FORBIDDEN).await;
        m.row(M::PATCH, p, &p_id(&shop), Some(json!({"quota": {"pods": 10}})), HIDDEN, HIDDEN).await;
        let (_, all) = call(&app, M::GET, "/api/projects", ADMIN_TOKEN, None).await;
        let extra = all["items"].as_array().unwrap().iter().find(|p| p["name"] == "extra").map(id).unwrap();
        m.row(M::DELETE, p, &format!("{}?cascade=false", p_id(&shop)), None, HIDDEN, HIDDEN).await;
        m.row(M::DELETE, p, &format!("{}?cascade=false", p_id(&web)), None, Want(409, Some("project_not_empty")), FORBIDDEN).await;
        m.row(M::DELETE, p, &format!("{}?cascade=false", p_id(&extra)), None, GONE, HIDDEN).await;
        let kubeconfig = "/api/projects/{id}/kubeconfig";
        let no_connection = Want(409, Some("no_connection"));
        m.row(M::POST, kubeconfig, &format!("{}/kubeconfig", p_id(&web)), Some(json!({})), no_connection, no_connection).await;
        m.row(M::POST, kubeconfig, &format!("{}/kubeconfig", p_id(&shop)), Some(json!({})), HIDDEN, HIDDEN).await;
        let token = Some(json!({"projectId": web}));
        m.row(M::POST, "/api/tokens/project", "/api/tokens/project", token, CREATED, FORBIDDEN).await;
        let unknown_project = Want(422, Some("unknown_project"));
        let token = Some(json!({"projectId": shop}));
        m.row(M::POST, "/api/tokens/project", "/api/tokens/project", token, unknown_project, unknown_project).await;

        // Apps: both keys change their project's; the tenant key its tenant's.
        let (a, a_id) = ("/api/apps/{id}", |x: &str| format!("/api/apps/{x}"));
        m.row(M::GET, "/api/apps", "/api/apps", None, OK, OK).await;
        m.row(M::POST, "/api/apps", "/api/apps", Some(app_in(&shop, "x")), Want(422, None), Want(422, None)).await;
        let spec = Some(json!({"image": "nginx:1.28", "replicas": 2}));
        m.row(M::GET, a, &a_id(&api), None, OK, OK).await;
        m.row(M::GET, a, &a_id(&pg), None, OK, HIDDEN).await;
        m.row(M::GET, a, &a_id(&cart), None, HIDDEN, HIDDEN).await;
        m.row(M::PUT, a, &a_id(&api), spec.clone(), OK, OK).await;
        m.row(M::PUT, a, &a_id(&cart), spec, HIDDEN, HIDDEN).await;
        m.row(M::DELETE, a, &a_id(&cart), None, HIDDEN, HIDDEN).await;
        // Made by each key in turn, in its own project.
        for key in [m.tenant_key.clone(), m.project_key.clone()] {
            let made = created(&app, "/api/apps", &key, app_in(&web, if key == m.tenant_key { "t" } else { "p" })).await;
            let (status, _) = call(&app, M::DELETE, &a_id(&id(&made)), &key, None).await;
            assert_eq!(status, 204);
        }

        // The platform's policy binds them: they read it.
        m.row(M::GET, "/api/platform/policy", "/api/platform/policy", None, OK, OK).await;
        m.row(M::PUT, "/api/platform/policy", "/api/platform/policy", Some(json!({})), Want(403, None), Want(403, None)).await;

        // Usage and invoices: the tenant's, the project's.
        m.row(M::GET, "/api/usage", &format!("/api/usage?tenant={acme}"), None, OK, HIDDEN).await;
        m.row(M::GET, "/api/usage", &format!("/api/usage?project={web}"), None, OK, OK).await;
        m.row(M::GET, "/api/usage", &format!("/api/usage?tenant={globex}"), None, HIDDEN, HIDDEN).await;
        m.row(M::GET, "/api/usage/snapshot", "/api/usage/snapshot", None, OK, OK).await;
        let ingest = json!({"records": [{"hour": "2026-11-01T00:00:00Z", "tenantId": acme, "source": "s3", "resource": "storage", "unit": "GiB-hours", "quantity": "1"}]});
        m.row(M::POST, "/api/usage/ingest", "/api/usage/ingest", Some(ingest), Want(403, None), Want(403, None)).await;
        let (inv, inv_of) = ("/api/invoices/{tenant}", |x: &str| format!("/api/invoices/{x}?month=2026-11"));
        m.row(M::GET, inv, &inv_of(&acme), None, OK, HIDDEN).await;
        m.row(M::GET, inv, &inv_of(&globex), None, HIDDEN, HIDDEN).await;
        m.row(M::GET, "/api/invoices/{tenant}/csv", &format!("/api/invoices/{acme}/csv?month=2026-11"), None, OK, HIDDEN).await;
        m.row(M::GET, "/api/invoices/{tenant}/csv", &format!("/api/invoices/{globex}/csv?month=2026-11"), None, HIDDEN, HIDDEN).await;
        let month = Some(json!({"month": "2026-11"}));
        m.row(M::POST, "/api/invoices/{tenant}/finalize", &format!("/api/invoices/{acme}/finalize"), month, Want(403, None), Want(403, None)).await;
        let credit = Some(json!({"month": "2026-11", "amount": "1", "reason": "goodwill"}));
        m.row(M::POST, "/api/invoices/{tenant}/credit-notes", &format!("/api/invoices/{acme}/credit-notes"), credit, Want(403, None), Want(403, None)).await;

        // Plans: on sale to read; orders: the tenant's own, placed and canceled by its key.
        let (pl, pl_id) = ("/api/plans/{id}", format!("/api/plans/{plan}"));
        let terms = Some(json!({"name": "big", "price": "1", "currency": "USD"}));
        m.row(M::GET, "/api/plans", "/api/plans", None, OK, OK).await;
        m.row(M::POST, "/api/plans", "/api/plans", terms.clone(), Want(403, None), Want(403, None)).await;
        m.row(M::GET, pl, &pl_id, None, OK, OK).await;
        m.row(M::PUT, pl, &pl_id, terms, Want(403, None), Want(403, None)).await;
        m.row(M::DELETE, pl, &pl_id, None, Want(403, None), Want(403, None)).await;
        let (o, o_id) = ("/api/orders/{id}", |x: &str| format!("/api/orders/{x}"));
        m.row(M::GET, "/api/orders", "/api/orders", None, OK, OK).await;
        m.row(M::POST, "/api/orders", "/api/orders", Some(order(&acme)), CREATED, UNKNOWN_TENANT).await;
        m.row(M::POST, "/api/orders", "/api/orders", Some(order(&globex)), UNKNOWN_TENANT, UNKNOWN_TENANT).await;
        m.row(M::GET, o, &o_id(&acme_order), None, OK, HIDDEN).await;
        m.row(M::GET, o, &o_id(&globex_order), None, HIDDEN, HIDDEN).await;
        let not_configured = Want(403, Some("stripe_not_configured"));
        m.row(M::POST, "/api/orders/{id}/checkout", &format!("{}/checkout", o_id(&acme_order)), None, not_configured, HIDDEN).await;
        m.row(M::POST, "/api/orders/{id}/checkout", &format!("{}/checkout", o_id(&globex_order)), None, HIDDEN, HIDDEN).await;
        m.row(M::POST, "/api/orders/{id}/pay", &format!("{}/pay", o_id(&acme_order)), None, Want(403, None), Want(403, None)).await;
        m.row(M::POST, "/api/orders/{id}/cancel", &format!("{}/cancel", o_id(&globex_order)), None, HIDDEN, HIDDEN).await;
        let (_, project_cancels) = call(&app, M::POST, &format!("{}/cancel", o_id(&acme_order)), &m.project_key, None).await;
        assert_eq!(project_cancels["code"], "order_not_found");
        let (status, canceled) = call(&app, M::POST, &format!("{}/cancel", o_id(&acme_order)), &m.tenant_key, None).await;
        assert_eq!((status, canceled["status"].as_str()), (200, Some("canceled")));
        m.row(M::GET, "/api/billing/entitlement", "/api/billing/entitlement", None, OK, Want(422, Some("tenant_required"))).await;
        let other = format!("/api/billing/entitlement?tenant={globex}");
        m.row(M::GET, "/api/billing/entitlement", &other, None, HIDDEN, HIDDEN).await;

        // What the lists hold for each.
        let names = |list: &Value, key: &str| {
            let mut n: Vec<String> = list["items"].as_array().unwrap().iter().map(|i| i[key].as_str().unwrap().to_string()).collect();
            n.sort();
            n
        };
        let (_, orders) = call(&app, M::GET, "/api/orders", &m.tenant_key, None).await;
        assert!(names(&orders, "tenantId").iter().all(|t| *t == acme), "{orders}");
        let (_, orders) = call(&app, M::GET, "/api/orders", &m.project_key, None).await;
        assert_eq!(orders["items"], json!([]));
        let (_, projects) = call(&app, M::GET, "/api/projects", &m.tenant_key, None).await;
        assert_eq!(names(&projects, "name"), ["db", "web"]);
        let (_, projects) = call(&app, M::GET, "/api/projects", &m.project_key, None).await;
        assert_eq!(names(&projects, "name"), ["web"]);

        // Every other operation is closed to them, before any handler; every surface one is above.
        let (_, spec) = call(&app, M::GET, "/api/openapi.json", ADMIN_TOKEN, None).await;
        let mut closed = 0;
        for (template, item) in spec["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys().filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str())) {
                if on_surface(template) {
                    assert!(m.covered.contains(&(method.clone(), template.clone())), "{method} {template} is on the surface but not in the matrix");
                    continue;
                }
                if !template.starts_with("/api/") {
                    continue;
                }
                let path = template.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
                for key in [&m.tenant_key, &m.project_key] {
                    let r = app.bearer(method.to_uppercase().parse().unwrap(), &path, key).send().await.unwrap();
                    let (status, body) = json(r).await;
                    assert_eq!((status, body["code"].as_str()), (403, Some("scope_forbids_route")), "{method} {template}");
                }
                closed += 1;
            }
        }
        assert!(closed > 150, "{closed} operations closed");
    }
}
