//! The wire protocol, exercised over plain HTTP with a generic client.

use std::time::{Duration, Instant};

use kubesim::{Rule, Sim, SimConfig};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

async fn sim() -> Sim {
    Sim::start(SimConfig {
        tls: false,
        history_limit: 50,
        bookmark_interval: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

struct Api<'a> {
    sim: &'a Sim,
    client: Client,
    token: String,
}

impl<'a> Api<'a> {
    fn new(sim: &'a Sim) -> Self {
        Self {
            sim,
            client: Client::new(),
            token: sim.admin_token().to_string(),
        }
    }

    fn as_token(sim: &'a Sim, token: &str) -> Self {
        Self {
            sim,
            client: Client::new(),
            token: token.to_string(),
        }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.sim.url()))
            .bearer_auth(&self.token)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        body(self.req(reqwest::Method::GET, path).send().await.unwrap()).await
    }

    async fn send(&self, method: reqwest::Method, path: &str, content_type: &str, b: Value) -> (StatusCode, Value) {
        let r = self
            .req(method, path)
            .header("content-type", content_type)
            .body(b.to_string())
            .send()
            .await
            .unwrap();
        body(r).await
    }
}

async fn body(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap())
}

const JSON: &str = "application/json";

fn pod(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
           "spec": {"containers": [{"name": "app", "image": "nginx:1"}, {"name": "side", "image": "envoy:1"}]}})
}

#[tokio::test]
async fn crud_with_conflicts_and_real_status_errors() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (code, created) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/namespaces/default/pods",
            JSON,
            pod("p", json!({})),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    let (code, err) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/namespaces/default/pods",
            JSON,
            pod("p", json!({})),
        )
        .await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_eq!(
        err,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "pods \"p\" already exists", "reason": "AlreadyExists",
               "details": {"name": "p", "kind": "pods"}, "code": 409})
    );
    let (code, err) = api.get("/api/v1/namespaces/default/pods/nope").await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (StatusCode::NOT_FOUND, Some("NotFound"))
    );

    let mut update = created.clone();
    update["metadata"]["labels"] = json!({"a": "b"});
    let (code, updated) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/namespaces/default/pods/p",
            JSON,
            update.clone(),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_ne!(
        updated["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
    let (code, err) = api
        .send(reqwest::Method::PUT, "/api/v1/namespaces/default/pods/p", JSON, update)
        .await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_eq!(err["reason"], "Conflict");

    let (code, _) = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/namespaces/default/pods/p",
            JSON,
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = api.get("/api/v1/namespaces/default/pods/p").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patches_and_subresources() {
    let sim = sim().await;
    let api = Api::new(&sim);
    api.send(
        reqwest::Method::POST,
        "/api/v1/namespaces/default/pods",
        JSON,
        pod("p", json!({"a": "1"})),
    )
    .await;
    let path = "/api/v1/namespaces/default/pods/p";
    let (_, p) = api
        .send(
            reqwest::Method::PATCH,
            path,
            "application/strategic-merge-patch+json",
            json!({"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}}),
        )
        .await;
    assert_eq!(p["spec"]["containers"][0]["image"], "nginx:2");
    assert_eq!(p["spec"]["containers"][1]["name"], "side");
    let (_, p) = api
        .send(
            reqwest::Method::PATCH,
            path,
            "application/merge-patch+json",
            json!({"metadata": {"labels": {"a": null, "b": "2"}}}),
        )
        .await;
    assert_eq!(p["metadata"]["labels"], json!({"b": "2"}));
    let (_, p) = api
        .send(
            reqwest::Method::PATCH,
            path,
            "application/json-patch+json",
            json!([{"op": "replace", "path": "/spec/containers/1/image", "value": "envoy:2"}]),
        )
        .await;
    assert_eq!(p["spec"]["containers"][1]["image"], "envoy:2");
    let (code, p) = api
        .send(
            reqwest::Method::PATCH,
            &format!("{path}/status"),
            "application/merge-patch+json",
            json!({"status": {"phase": "Running"}}),
        )
        .await;
    assert_eq!((code, p["status"]["phase"].as_str()), (StatusCode::OK, Some("Running")));
    let (code, _) = api
        .send(reqwest::Method::PATCH, path, "application/apply-patch+yaml", json!({}))
        .await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    sim.create(
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "default"},
                      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}}}),
    )
    .unwrap();
    let scale = "/apis/apps/v1/namespaces/default/statefulsets/db/scale";
    let (_, s) = api.get(scale).await;
    assert_eq!(
        (s["kind"].as_str(), s["spec"]["replicas"].as_i64()),
        (Some("Scale"), Some(1))
    );
    assert_eq!(s["status"]["selector"], "app=db");
    let (_, s) = api
        .send(
            reqwest::Method::PATCH,
            scale,
            "application/merge-patch+json",
            json!({"spec": {"replicas": 4}}),
        )
        .await;
    assert_eq!(s["spec"]["replicas"], 4);
    assert_eq!(
        sim.get("apps/v1", "StatefulSet", "default", "db").unwrap()["spec"]["replicas"],
        4
    );
}

#[tokio::test]
async fn list_selectors_paging_and_tables() {
    let sim = sim().await;
    let api = Api::new(&sim);
    for (i, app) in ["web", "web", "db"].iter().enumerate() {
        api.send(
            reqwest::Method::POST,
            "/api/v1/namespaces/default/pods",
            JSON,
            pod(&format!("p{i}"), json!({"app": app})),
        )
        .await;
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, l) = api.get("/api/v1/pods?labelSelector=app%20in%20(web)").await;
    assert_eq!(names(&l), ["p0", "p1"]);
    assert_eq!(l["kind"], "PodList");
    let (_, l) = api
        .get("/api/v1/namespaces/default/pods?fieldSelector=metadata.name!%3Dp0")
        .await;
    assert_eq!(names(&l), ["p1", "p2"]);
    let (code, err) = api.get("/api/v1/pods?fieldSelector=spec.bogus%3Dx").await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (StatusCode::BAD_REQUEST, Some("BadRequest"))
    );

    let (_, page) = api.get("/api/v1/pods?limit=2").await;
    assert_eq!(names(&page), ["p0", "p1"]);
    assert_eq!(page["metadata"]["remainingItemCount"], 1);
    let token = page["metadata"]["continue"].as_str().unwrap();
    let (_, page) = api.get(&format!("/api/v1/pods?limit=2&continue={token}")).await;
    assert_eq!(names(&page), ["p2"]);
    assert!(page["metadata"]["continue"].is_null());

    let r = api
        .req(
            reqwest::Method::GET,
            "/api/v1/namespaces/default/pods?includeObject=Metadata",
        )
        .header(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .send()
        .await
        .unwrap();
    let (_, t) = body(r).await;
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["rows"][0]["cells"][0], "p0");
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

/// Reads newline-delimited watch events until `n` arrive or the stream ends.
async fn events(mut r: Response, n: usize, limit: Duration) -> Vec<Value> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let deadline = Instant::now() + limit;
    while out.len() < n && Instant::now() < deadline {
        match tokio::time::timeout_at(deadline.into(), r.chunk()).await {
            Ok(Ok(Some(c))) => buf.extend_from_slice(&c),
            _ => break,
        }
        while let Some(i) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            out.push(serde_json::from_slice(&line).unwrap());
        }
    }
    out
}

#[tokio::test]
async fn watch_streams_changes_bookmarks_and_expiry() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let rv = sim.resource_version();
    let r = api
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "1"}});
    api.send(reqwest::Method::POST, "/api/v1/namespaces/default/configmaps", JSON, cm)
        .await;
    api.send(
        reqwest::Method::PATCH,
        "/api/v1/namespaces/default/configmaps/c",
        "application/merge-patch+json",
        json!({"data": {"k": "2"}}),
    )
    .await;
    api.send(
        reqwest::Method::DELETE,
        "/api/v1/namespaces/default/configmaps/c",
        JSON,
        json!({}),
    )
    .await;
    let evs = events(r, 4, Duration::from_secs(5)).await;
    let types: Vec<&str> = evs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[..3], ["ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(evs[1]["object"]["data"]["k"], "2");
    assert_eq!(types[3], "BOOKMARK");

    // Push the history window (50 changes) past the starting point.
    for i in 0..60 {
        sim.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("x{i}"), "namespace": "default"}}))
            .unwrap();
    }
    let r = api
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/configmaps?watch=true&resourceVersion={rv}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let evs = events(r, 1, Duration::from_secs(5)).await;
    assert_eq!(evs[0]["type"], "ERROR");
    assert_eq!(evs[0]["object"]["code"], 410);
    assert_eq!(evs[0]["object"]["reason"], "Expired");

    // timeoutSeconds ends the stream.
    let r = api
        .req(reqwest::Method::GET, "/api/v1/nodes?watch=1&timeoutSeconds=1")
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    let evs = events(r, 100, Duration::from_secs(5)).await;
    assert!(evs.is_empty());
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn authentication_rbac_and_impersonation() {
    let sim = sim().await;
    sim.add_token("alice-token", "alice", &["dev"]);
    sim.add_rule(Rule::group("dev", &["get", "list"], &[""], &["pods"], &["default"]));
    sim.add_token("proxy-token", "fleetdeck", &[]);
    sim.add_rule(Rule::user(
        "fleetdeck",
        &["impersonate"],
        &[""],
        &["users", "groups"],
        &[],
    ));

    let (code, s) = Api::as_token(&sim, "wrong").get("/api/v1/pods").await;
    assert_eq!(
        (code, s["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("Unauthorized"))
    );
    let (code, _) = Client::new()
        .get(format!("{}/version", sim.url()))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(code, StatusCode::OK);

    let alice = Api::as_token(&sim, "alice-token");
    assert_eq!(alice.get("/api/v1/namespaces/default/pods").await.0, StatusCode::OK);
    let (code, s) = alice.get("/api/v1/namespaces/other/pods").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        s["message"],
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"other\""
    );

    // alice may not impersonate; fleetdeck may, and then alice's rules decide.
    let r = alice
        .req(reqwest::Method::GET, "/api/v1/namespaces/default/pods")
        .header("impersonate-user", "bob")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let proxy = Api::as_token(&sim, "proxy-token");
    let r = proxy
        .req(reqwest::Method::GET, "/api/v1/namespaces/default/pods")
        .header("impersonate-user", "alice")
        .header("impersonate-group", "dev")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = proxy
        .req(reqwest::Method::GET, "/api/v1/nodes")
        .header("impersonate-user", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let rec = sim
        .requests()
        .into_iter()
        .find(|r| r.authenticated_user.as_deref() == Some("fleetdeck"))
        .unwrap();
    assert_eq!(rec.impersonate_user.as_deref(), Some("alice"));
    assert_eq!(rec.impersonate_groups, ["dev"]);
    assert_eq!(rec.user.as_deref(), Some("alice"));
    assert_eq!(rec.status, 200);

    let (code, review) = alice
        .send(
            reqwest::Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            JSON,
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                     "spec": {"resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "default"}}}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(review["status"]["allowed"], false);
}

#[tokio::test]
async fn discovery_documents() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, v) = api.get("/version").await;
    assert_eq!(v["gitVersion"], "v1.33.1");
    assert_eq!(v["minor"], "33");
    let (_, v) = api.get("/api").await;
    assert_eq!(v["versions"], json!(["v1"]));
    let (_, v) = api.get("/apis").await;
    assert_eq!(v["kind"], "APIGroupList");
    let (_, v) = api.get("/apis/apps/v1").await;
    let deploy = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments")
        .unwrap();
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert_eq!(deploy["categories"], json!(["all"]));
    assert_eq!(api.get("/apis/nope/v1").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fault_injection() {
    let sim = sim().await;
    let api = Api::new(&sim);
    sim.fail_resource("", "pods", 503, "etcd is sad");
    let (code, s) = api.get("/api/v1/pods").await;
    assert_eq!(
        (code, s["reason"].as_str(), s["message"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("ServiceUnavailable"),
            Some("etcd is sad")
        )
    );
    assert_eq!(api.get("/api/v1/nodes").await.0, StatusCode::OK);
    sim.clear_faults();
    sim.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(api.get("/api/v1/pods").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.clear_faults();

    sim.set_unreachable(true);
    assert!(api.req(reqwest::Method::GET, "/api/v1/pods").send().await.is_err());
    sim.set_unreachable(false);
    assert_eq!(api.get("/api/v1/pods").await.0, StatusCode::OK);
}

#[tokio::test]
async fn generated_cluster_loads_and_lists() {
    let sim = sim().await;
    let n = sim.load_objects(kubesim::generate::cluster(5, 300, 6, 7)).unwrap();
    assert!(n > 300);
    let api = Api::new(&sim);
    let (_, l) = api
        .get("/api/v1/pods?fieldSelector=status.phase%3DPending&limit=500")
        .await;
    assert!(!l["items"].as_array().unwrap().is_empty());
    let (_, l) = api.get("/api/v1/nodes").await;
    assert_eq!(l["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn dropped_watches_end_and_delete_preconditions_hold() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let r = api
        .req(reqwest::Method::GET, "/api/v1/namespaces?watch=1")
        .send()
        .await
        .unwrap();
    let reader = tokio::spawn(events(r, 100, Duration::from_secs(10)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    sim.drop_watches();
    let evs = reader.await.unwrap();
    // The four built-in namespaces arrived as ADDED, then the stream ended early.
    assert_eq!(evs.len(), 4);
    assert!(started.elapsed() < Duration::from_secs(5));

    api.send(
        reqwest::Method::POST,
        "/api/v1/namespaces/default/pods",
        JSON,
        pod("p", json!({})),
    )
    .await;
    let (code, s) = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/namespaces/default/pods/p",
            JSON,
            json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-it"}}),
        )
        .await;
    assert_eq!((code, s["reason"].as_str()), (StatusCode::CONFLICT, Some("Conflict")));
    let (code, _) = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/namespaces/default/pods?labelSelector=x%3Dy",
            JSON,
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert!(sim.get("v1", "Pod", "default", "p").is_some());
    let (code, l) = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/namespaces/default/pods",
            JSON,
            json!({}),
        )
        .await;
    assert_eq!((code, l["items"].as_array().unwrap().len()), (StatusCode::OK, 1));
    assert!(sim.get("v1", "Pod", "default", "p").is_none());
}
