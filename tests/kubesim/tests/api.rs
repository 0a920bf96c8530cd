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
        .send(reqwest::Method::PATCH, path, "application/cbor", json!({}))
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

const OPS: &str = include_str!("fixtures/ops.yaml");

async fn text(r: Response) -> (StatusCode, String) {
    let status = r.status();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn pod_logs_are_scripted_tailed_and_followed() {
    let sim = sim().await;
    sim.load_yaml(OPS).unwrap();
    let api = Api::new(&sim);
    let log = |q: &str| {
        let path = format!("/api/v1/namespaces/ops/pods/{q}");
        api.req(reqwest::Method::GET, &path).send()
    };
    let (code, out) = text(log("api-1/log").await.unwrap()).await;
    assert_eq!(
        (code, out.as_str()),
        (StatusCode::OK, "starting\nlistening on :8080\nready\n")
    );
    let (_, out) = text(log("api-1/log?tailLines=1").await.unwrap()).await;
    assert_eq!(out, "ready\n");
    let (_, out) = text(log("api-1/log?tailLines=1&timestamps=true").await.unwrap()).await;
    assert_eq!(out, "2026-01-01T00:00:00Z ready\n");
    let (_, out) = text(log("api-1/log?limitBytes=5").await.unwrap()).await;
    assert_eq!(out, "start");
    let (_, out) = text(log("api-1/log?previous=true").await.unwrap()).await;
    assert_eq!(out, "panic: boom\n");
    let (code, s) = api.get("/api/v1/namespaces/ops/pods/api-2/log?previous=true").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(
        s["message"],
        "previous terminated container \"api\" in pod \"api-2\" not found"
    );
    let (code, s) = api.get("/api/v1/namespaces/ops/pods/worker-1/log").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(s["reason"], "BadRequest");
    assert_eq!(
        s["message"],
        "a container name must be specified for pod worker-1, choose one of: [worker proxy]"
    );
    let (_, out) = text(log("worker-1/log?container=proxy").await.unwrap()).await;
    assert_eq!(out, "proxy up\n");
    let (code, s) = api.get("/api/v1/namespaces/ops/pods/nope/log").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(s["message"], "pods \"nope\" not found");

    // Appended lines come after the scripted ones and reach followers.
    sim.append_log("ops", "api-2", "api", "first");
    let mut follow = log("api-2/log?follow=true").await.unwrap();
    assert_eq!(follow.status(), StatusCode::OK);
    let chunk = tokio::time::timeout(Duration::from_secs(5), follow.chunk())
        .await
        .unwrap();
    assert_eq!(chunk.unwrap().unwrap(), "first\n");
    sim.append_log("ops", "api-2", "api", "second");
    sim.append_log("ops", "api-1", "api", "elsewhere");
    let chunk = tokio::time::timeout(Duration::from_secs(5), follow.chunk())
        .await
        .unwrap();
    assert_eq!(chunk.unwrap().unwrap(), "second\n");
    // Deleting the pod ends the stream.
    let (code, _) = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/namespaces/ops/pods/api-2",
            JSON,
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let end = tokio::time::timeout(Duration::from_secs(5), follow.chunk())
        .await
        .unwrap();
    assert!(end.unwrap().is_none());
    let (_, out) = text(log("api-1/log?tailLines=1").await.unwrap()).await;
    assert_eq!(out, "elsewhere\n");
    // A followed stream ends once limitBytes is spent.
    let mut limited = log("api-1/log?follow=true&limitBytes=47").await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), limited.chunk())
        .await
        .unwrap();
    assert_eq!(
        first.unwrap().unwrap(),
        "starting\nlistening on :8080\nready\nelsewhere\n"
    );
    sim.append_log("ops", "api-1", "api", "more than enough");
    let rest = tokio::time::timeout(Duration::from_secs(5), limited.chunk())
        .await
        .unwrap();
    assert_eq!(rest.unwrap().unwrap(), "mor");
    let end = tokio::time::timeout(Duration::from_secs(5), limited.chunk())
        .await
        .unwrap();
    assert!(end.unwrap().is_none());
}

fn eviction(name: &str) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "ops"}})
}

async fn evict(api: &Api<'_>, name: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/namespaces/ops/pods/{name}/eviction");
    api.send(reqwest::Method::POST, &path, JSON, eviction(name)).await
}

#[tokio::test]
async fn evictions_honour_disruption_budgets() {
    let sim = sim().await;
    sim.load_yaml(OPS).unwrap();
    let api = Api::new(&sim);
    let post = |name: &'static str| evict(&api, name);
    let (code, s) = post("api-1").await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(s["reason"], "TooManyRequests");
    assert_eq!(
        s["message"],
        "Cannot evict pod as it would violate the pod's disruption budget."
    );
    assert_eq!(s["details"]["causes"][0]["reason"], "DisruptionBudget");
    assert!(sim.get("v1", "Pod", "ops", "api-1").is_some());

    let (code, s) = post("worker-1").await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(s["status"], "Success");
    assert!(sim.get("v1", "Pod", "ops", "worker-1").is_none());
    let (code, _) = post("worker-1").await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // A looser budget lets one api pod go, then holds the other.
    let (code, _) = api
        .send(
            reqwest::Method::PATCH,
            "/apis/policy/v1/namespaces/ops/poddisruptionbudgets/api",
            "application/merge-patch+json",
            json!({"spec": {"minAvailable": 1}}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(post("api-1").await.0, StatusCode::CREATED);
    assert_eq!(post("api-2").await.0, StatusCode::TOO_MANY_REQUESTS);

    // RBAC: create on pods/eviction.
    sim.add_token("evictor", "evictor", &[]);
    let evictor = Api::as_token(&sim, "evictor");
    let path = "/api/v1/namespaces/ops/pods/api-2/eviction";
    let (code, s) = evictor.send(reqwest::Method::POST, path, JSON, eviction("api-2")).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        s["message"],
        "pods \"api-2\" is forbidden: User \"evictor\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"ops\""
    );
    sim.add_rule(Rule::user("evictor", &["create"], &[""], &["pods/eviction"], &["ops"]));
    let (code, _) = evictor.send(reqwest::Method::POST, path, JSON, eviction("api-2")).await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn token_requests_issue_expiring_service_account_tokens() {
    let sim = sim().await;
    sim.load_yaml(OPS).unwrap();
    let api = Api::new(&sim);
    let request = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}});
    let (code, s) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/namespaces/ops/serviceaccounts/nobody/token",
            JSON,
            request.clone(),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(s["message"], "serviceaccounts \"nobody\" not found");
    let (code, s) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/namespaces/ops/serviceaccounts/builder/token",
            JSON,
            request,
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(s["kind"], "TokenRequest");
    assert_eq!(s["spec"]["expirationSeconds"], 3600);
    let expires = chrono_like_seconds(s["status"]["expirationTimestamp"].as_str().unwrap());
    let token = s["status"]["token"].as_str().unwrap().to_string();

    let sa = Api::as_token(&sim, &token);
    let (code, _) = sa.get("/api/v1/namespaces/ops/pods").await;
    assert_eq!(code, StatusCode::OK);
    let (code, s) = sa.get("/api/v1/namespaces/shop/pods").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        s["message"],
        "pods is forbidden: User \"system:serviceaccount:ops:builder\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\""
    );
    let seen = sim.requests();
    let last = seen.last().unwrap();
    assert_eq!(
        last.groups,
        [
            "system:serviceaccounts",
            "system:serviceaccounts:ops",
            "system:authenticated"
        ]
    );
    assert!(expires > 0);

    let short = sim.issue_token("ops", "builder", Duration::from_secs(1));
    let short_api = Api::as_token(&sim, &short);
    assert_eq!(short_api.get("/api/v1/namespaces/ops/pods").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (code, s) = short_api.get("/api/v1/namespaces/ops/pods").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(s["reason"], "Unauthorized");
}

/// Seconds in an RFC 3339 timestamp's time of day, enough to see it parses as one.
fn chrono_like_seconds(ts: &str) -> u32 {
    assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
    let hms: Vec<u32> = ts[11..19].split(':').map(|p| p.parse().unwrap()).collect();
    hms[0] * 3600 + hms[1] * 60 + hms[2] + 1
}

#[tokio::test]
async fn streaming_lists_need_not_older_than_and_bookmarks() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (code, status) = api
        .get("/api/v1/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true")
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        status["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
    );
    let (code, _) = api
        .get("/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan")
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bodies_may_be_yaml() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let r = api
        .req(reqwest::Method::POST, "/api/v1/namespaces/default/configmaps")
        .header("content-type", "application/yaml")
        .body("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {a: b}\n")
        .send()
        .await
        .unwrap();
    let (code, cm) = body(r).await;
    assert_eq!((code, &cm["data"]), (StatusCode::CREATED, &json!({"a": "b"})));
    let (code, status) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/namespaces/default/configmaps",
            "text/plain",
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{status}");
}

/// OpenAPI v3 documents carry their hash as an ETag; asking again with it is a 304.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_v3_documents_have_etags() {
    let sim = sim().await;
    let api = Api::new(&sim);
    for path in ["/openapi/v3", "/openapi/v3/apis/apps/v1"] {
        let r = api.req(reqwest::Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2, "{etag}");
        let again = api
            .req(reqwest::Method::GET, path)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(
            (again.status(), again.headers()["etag"].to_str().unwrap()),
            (StatusCode::NOT_MODIFIED, etag.as_str())
        );
        let other = api
            .req(reqwest::Method::GET, path)
            .header("if-none-match", "\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }
    // The root's hashes are the documents' ETags.
    let (_, root) = api.get("/openapi/v3").await;
    let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let hash = url.split("hash=").nth(1).unwrap();
    let r = api
        .req(reqwest::Method::GET, "/openapi/v3/apis/apps/v1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), format!("\"{hash}\""));
}
