//! Cluster onboarding with join tokens, against a simulated cluster: the command shown with a new
//! token is run as it is (curl piped into the machine's real kubectl), the Job's own script posts
//! the registration (kubesim runs no Jobs), and the cluster is then read through the inventory.
//! Then every refusal, with its code.

mod common;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use fleetdeck::store::Db;
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

const KUBECTL: &str = "/usr/bin/kubectl";
const AGENT: &str = "system:serviceaccount:fleetdeck-agent:fleetdeck-agent";

/// Settings with a secret key and a rate limit these tests stay under.
fn generous(db: &TestDb) -> fleetdeck::config::Settings {
    let mut s = with_secret_key(db);
    s.login_rate_limit = 1000;
    s
}

/// A folder with an admin kubeconfig of `sim`, as HOME and KUBECONFIG for kubectl.
fn kubectl_home(sim: &Sim) -> (tempfile::TempDir, Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let env = vec![
        ("HOME", dir.path().display().to_string()),
        ("KUBECONFIG", kubeconfig.display().to_string()),
    ];
    (dir, env)
}

async fn create_token(app: &TestApp, cluster: &str, sim: &Sim, extra: Value) -> (u16, Value) {
    let mut body = json!({"server": sim.url(), "environment": "prod"});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    call(
        app,
        Method::POST,
        &format!("/api/clusters/{cluster}/join-token"),
        ADMIN_TOKEN,
        Some(body),
    )
    .await
}

/// A new token's value and id.
async fn new_token(app: &TestApp, cluster: &str, sim: &Sim) -> (String, String) {
    let (status, body) = create_token(app, cluster, sim, json!({})).await;
    assert_eq!(status, 201, "{body}");
    (
        body["value"].as_str().unwrap().into(),
        body["token"]["id"].as_str().unwrap().into(),
    )
}

/// The registration as the Job would post it, with an agent token issued by the simulator.
fn registration(sim: &Sim, token: &str, cluster: &str) -> Value {
    json!({
        "joinToken": token, "cluster": cluster,
        "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap()),
        "token": sim.issue_token("fleetdeck-agent", "fleetdeck-agent", Duration::from_secs(3600)),
    })
}

async fn register(app: &TestApp, body: Value) -> (u16, Value) {
    json(
        app.request(Method::POST, "/api/join/register")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn manifest(app: &TestApp, token: &str) -> (u16, String) {
    let r = app
        .request(Method::GET, "/join")
        .query(&[("token", token)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn code(text: &str) -> String {
    serde_json::from_str::<Value>(text).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Moves a token's expiry into the past, as time would.
async fn expire(db: &TestDb, id: &str) {
    let sql = "UPDATE join_tokens SET expires_at = $1 WHERE id = $2";
    let past = chrono::Utc::now() - chrono::TimeDelta::minutes(1);
    let changed = match db.store().await.db {
        Db::Sqlite(pool) => sqlx::query(sql)
            .bind(past)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(pool) => sqlx::query(sql)
            .bind(past)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(changed, 1);
}

on_both_backends! {
    async fn a_cluster_joins_with_the_command_and_its_token_is_used_up(db) {
        if !Path::new(KUBECTL).exists() {
            eprintln!("skipping: {KUBECTL} not found");
            return;
        }
        let sim = shop_sim().await;
        let app = TestApp::with(generous(db)).await;
        let (status, created) = create_token(&app, "edge", &sim, json!({"labels": {"region": "eu"}, "displayName": "Edge 1"})).await;
        assert_eq!(status, 201, "{created}");
        let value = created["value"].as_str().unwrap().to_string();
        let id = created["token"]["id"].as_str().unwrap().to_string();
        assert!(value.starts_with("fdj_"), "{value}");
        assert_eq!((&created["token"]["state"], &created["token"]["cluster"], &created["token"]["createdBy"]),
            (&json!("active"), &json!("edge"), &json!("token:admin")));
        let ttl = chrono::DateTime::parse_from_rfc3339(created["token"]["expiresAt"].as_str().unwrap()).unwrap()
            - chrono::DateTime::parse_from_rfc3339(created["token"]["createdAt"].as_str().unwrap()).unwrap();
        assert_eq!(ttl.num_seconds(), 900, "15 minutes by default");
        let command = created["command"].as_str().unwrap();
        assert_eq!(command, format!("curl -sfL '{}/join?token={value}' | kubectl apply -f -", app.base));

        // The command, as the admin runs it against the cluster.
        let (_home, env) = kubectl_home(&sim);
        let (ok, out, err) = shell(command, env.clone()).await;
        assert!(ok, "{out}\n{err}");
        for line in ["namespace/fleetdeck-agent created", "serviceaccount/fleetdeck-agent created",
            "secret/fleetdeck-agent-token created", "clusterrole.rbac.authorization.k8s.io/fleetdeck-agent created",
            "clusterrolebinding.rbac.authorization.k8s.io/fleetdeck-agent created"] {
            assert!(out.contains(line), "{line}: {out}");
        }
        let job_name = format!("fleetdeck-join-{}", &id[..8]);
        let job = sim.get("batch/v1", "Job", "fleetdeck-agent", &job_name).expect("the Job");
        let binding = sim.get("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "fleetdeck-agent").unwrap();
        assert_eq!(binding["subjects"][0]["name"], "fleetdeck-agent");
        assert!(sim.get("v1", "ServiceAccount", "fleetdeck-agent", "fleetdeck-agent").is_some());
        // The applied ClusterRoleBinding is what lets the agent's token read and impersonate.

        // kubesim runs no Jobs: do what its pod would. The token controller's part: a service
        // account token (TokenRequest through kubectl) and the CA, where the Job mounts them.
        let (ok, agent_token, err) = shell("kubectl create token fleetdeck-agent -n fleetdeck-agent --duration=24h", env.clone()).await;
        assert!(ok, "{err}");
        let mount = tempfile::tempdir().unwrap();
        std::fs::write(mount.path().join("token"), agent_token.trim()).unwrap();
        std::fs::write(mount.path().join("ca.crt"), sim.ca_pem().unwrap()).unwrap();
        // The Job's container: its script with its environment (the join token from its Secret).
        let container = &job["spec"]["template"]["spec"]["containers"][0];
        let secret = sim.get("v1", "Secret", "fleetdeck-agent", &job_name).expect("the join Secret");
        let join_token = match secret["stringData"]["token"].as_str() {
            Some(t) => t.to_string(),
            None => String::from_utf8(STANDARD.decode(secret["data"]["token"].as_str().unwrap()).unwrap()).unwrap(),
        };
        assert_eq!(join_token, value);
        let mut job_env = vec![("JOIN_TOKEN", join_token), ("SERVICE_ACCOUNT_DIR", mount.path().display().to_string())];
        for e in container["env"].as_array().unwrap() {
            if let (Some(name), Some(v)) = (e["name"].as_str(), e["value"].as_str())
                && name != "SERVICE_ACCOUNT_DIR"
            {
                job_env.push((name, v.to_string()));
            }
        }
        let script = container["command"][2].as_str().unwrap();
        let (ok, out, err) = shell(script, job_env.clone()).await;
        assert!(ok, "the Job's script: {out}\n{err}");
        let joined: Value = serde_json::from_str(&out).unwrap();
        assert_eq!((&joined["name"], &joined["source"], &joined["server"]), (&json!("edge"), &json!("registered"), &json!(sim.url())));

        // Registered as the token said, and read with the agent's token.
        let (_, clusters) = call(&app, Method::GET, "/api/clusters", VIEWER_TOKEN, None).await;
        let edge = clusters["items"].as_array().unwrap().iter().find(|c| c["name"] == "edge").expect("edge is listed").clone();
        assert_eq!((&edge["displayName"], &edge["labels"], &edge["environment"], &edge["authzMode"]),
            (&json!("Edge 1"), &json!({"region": "eu"}), &json!("prod"), &json!("shared")));
        sim.clear_requests();
        let (status, namespaces) = call(&app, Method::GET, "/api/clusters/edge/namespaces", VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{namespaces}");
        let names: Vec<&str> = namespaces["items"].as_array().unwrap().iter().filter_map(|n| n["name"].as_str()).collect();
        assert!(names.contains(&"shop") && names.contains(&"fleetdeck-agent"), "{names:?}");
        assert!(sim.requests().iter().any(|r| r.path == "/api/v1/namespaces" && r.user.as_deref() == Some(AGENT)),
            "Fleetdeck reads as the agent");

        // Used up: the lifecycle says by whom; the command and the Job's post are refused.
        let (_, tokens) = call(&app, Method::GET, "/api/clusters/edge/join-tokens", ADMIN_TOKEN, None).await;
        let t = &tokens["items"][0];
        assert_eq!((&t["id"], &t["state"], &t["usedBy"]), (&json!(id), &json!("used"), &json!("edge")), "{t}");
        assert!(t["usedAt"].is_string() && t.get("value").is_none(), "{t}");
        let (status, text) = manifest(&app, &value).await;
        assert_eq!((status, code(&text)), (410, "join_token_used".to_string()));
        let (ok, out, _) = shell(script, job_env).await;
        assert!(!ok && out.contains("join_token_used"), "{out}");

        // Audited, and no secret in any row.
        let rows = app.audit("limit=50").await;
        for verb in ["join_token_create", "join_manifest", "cluster_join"] {
            assert!(rows.iter().any(|r| r["verb"] == verb && r["cluster"] == "edge"), "{verb}: {rows:?}");
        }
        let joins: Vec<&Value> = rows.iter().filter(|r| r["verb"] == "cluster_join").collect();
        assert_eq!((&joins[0]["actor"], &joins[0]["outcome"]), (&json!(format!("join-token:{id}")), &json!("failure")), "the refused reuse");
        assert_eq!(joins[1]["outcome"], "success");
        let all = serde_json::to_string(&rows).unwrap();
        let secret_part = value.split_once('.').unwrap().1;
        assert!(!all.contains(secret_part) && !all.contains(agent_token.trim()), "no secret in the audit log");
        app.stop().await;
    }

    async fn refusals_have_stable_codes(db) {
        let sim = shop_sim().await;
        let app = TestApp::with(generous(db)).await;
        register_sim(&app, "open", &sim, "shared").await;
        sim.add_rule(Rule::user(AGENT, &["list"], &[""], &["namespaces"], &[]));

        // Admins only.
        for token in [OPERATOR_TOKEN, VIEWER_TOKEN] {
            let (status, body) = call(&app, Method::POST, "/api/clusters/edge/join-token", token,
                Some(json!({"server": sim.url(), "environment": "prod"}))).await;
            assert_error(status, &body, 403, "forbidden");
            let (status, body) = call(&app, Method::GET, "/api/clusters/edge/join-tokens", token, None).await;
            assert_error(status, &body, 403, "forbidden");
            let (status, body) = call(&app, Method::DELETE, "/api/tokens/x", token, None).await;
            assert_error(status, &body, 403, "forbidden");
        }
        // What the token is created with is checked at once.
        for (cluster, extra, want_status, want_code) in [
            ("open", json!({}), 409, "cluster_name_taken"),
            ("Not_A_Name", json!({}), 422, "invalid_name"),
            ("edge", json!({"environment": "nowhere"}), 422, "invalid_environment"),
            ("edge", json!({"ttlSeconds": 10}), 422, "invalid_ttl"),
            ("edge", json!({"ttlSeconds": 86_401}), 422, "invalid_ttl"),
            ("edge", json!({"server": "ftp://x"}), 422, "invalid_server"),
        ] {
            let (status, body) = create_token(&app, cluster, &sim, extra).await;
            assert_error(status, &body, want_status, want_code);
        }
        let (status, body) = create_token(&app, "edge", &sim, json!({"ttlSeconds": 86_400})).await;
        assert_eq!(status, 201, "{body}");

        // Unknown, malformed or wrong: one answer.
        let (value, id) = new_token(&app, "edge", &sim).await;
        for bad in ["nope".to_string(), "fdj_x.y".to_string(), format!("fdj_{id}.wrong"), format!("{value}x")] {
            let (status, text) = manifest(&app, &bad).await;
            assert_eq!((status, code(&text)), (401, "join_token_invalid".to_string()), "{bad}");
            let (status, body) = register(&app, registration(&sim, &bad, "edge")).await;
            assert_error(status, &body, 401, "join_token_invalid");
        }
        // A token for another cluster name.
        let (status, body) = register(&app, registration(&sim, &value, "other")).await;
        assert_error(status, &body, 403, "join_token_wrong_cluster");

        // Revoked: idempotent, the answer is the token as it is.
        let (status, revoked) = call(&app, Method::DELETE, &format!("/api/tokens/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!((status, &revoked["state"], &revoked["revokedBy"]), (200, &json!("revoked"), &json!("token:admin")), "{revoked}");
        let (status, again) = call(&app, Method::DELETE, &format!("/api/tokens/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!((status, &again["revokedAt"]), (200, &revoked["revokedAt"]));
        let (status, text) = manifest(&app, &value).await;
        assert_eq!((status, code(&text)), (410, "join_token_revoked".to_string()));
        let (status, body) = register(&app, registration(&sim, &value, "edge")).await;
        assert_error(status, &body, 410, "join_token_revoked");
        let (status, body) = call(&app, Method::DELETE, "/api/tokens/no-such-token", ADMIN_TOKEN, None).await;
        assert_error(status, &body, 404, "not_found");

        // Expired; revoking it changes nothing.
        let (value, id) = new_token(&app, "edge", &sim).await;
        expire(db, &id).await;
        let (status, text) = manifest(&app, &value).await;
        assert_eq!((status, code(&text)), (410, "join_token_expired".to_string()));
        let (status, body) = register(&app, registration(&sim, &value, "edge")).await;
        assert_error(status, &body, 410, "join_token_expired");
        let (_, body) = call(&app, Method::DELETE, &format!("/api/tokens/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!((&body["state"], &body["revokedAt"]), (&json!("expired"), &Value::Null));

        // The name was taken meanwhile: refused, and the token stays active.
        let (value, id) = new_token(&app, "late", &sim).await;
        let (status, _) = call(&app, Method::POST, "/api/clusters", ADMIN_TOKEN, Some(json!({"name": "late", "environment": "dev"}))).await;
        assert_eq!(status, 201);
        let (status, text) = manifest(&app, &value).await;
        assert_eq!((status, code(&text)), (409, "cluster_name_taken".to_string()));
        let (status, body) = register(&app, registration(&sim, &value, "late")).await;
        assert_error(status, &body, 409, "cluster_name_taken");
        let (_, tokens) = call(&app, Method::GET, "/api/clusters/late/join-tokens", ADMIN_TOKEN, None).await;
        assert_eq!((&tokens["items"][0]["id"], &tokens["items"][0]["state"]), (&json!(id), &json!("active")));

        // The credentials must work before anything is stored.
        let (value, _) = new_token(&app, "edge", &sim).await;
        let mut bad = registration(&sim, &value, "edge");
        bad["token"] = json!("not-a-token");
        let (status, body) = register(&app, bad).await;
        assert_error(status, &body, 422, "connection_failed");

        // Two joins racing with one token: one registers, the other finds it used.
        let (a, b) = tokio::join!(register(&app, registration(&sim, &value, "edge")), register(&app, registration(&sim, &value, "edge")));
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [201, 410], "{a:?} {b:?}");
        let loser = if a.0 == 410 { a.1 } else { b.1 };
        assert_error(410, &loser, 410, "join_token_used");
        app.stop().await;
    }

    async fn joins_are_rate_limited_per_client(db) {
        let mut s = with_secret_key(db);
        s.login_rate_limit = 3;
        let app = TestApp::with(s).await;
        for _ in 0..3 {
            let (status, _) = manifest(&app, "fdj_x.y").await;
            assert_eq!(status, 401);
        }
        let r = app.request(Method::GET, "/join").query(&[("token", "fdj_x.y")]).send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        let (status, body) = register(&app, json!({"joinToken": "fdj_x.y", "cluster": "a", "certificateAuthorityData": "", "token": ""})).await;
        assert_error(status, &body, 429, "rate_limited");
        app.stop().await;
    }
}
