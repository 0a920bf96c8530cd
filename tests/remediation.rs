//! Remediation against a simulated cluster, on both backends: proposals from stored findings
//! (the live object read, the diff and the risk guard's result), the two-person rule (the
//! proposer and a viewer cannot approve, another operator can), execution through the action
//! cores (the object changes in the simulator, the audit row names proposer and approver, a fix
//! is recorded), the stale refusal, rejection, and the GitOps artifact, which kubectl applies
//! with a server dry run.

mod common;

use std::path::PathBuf;

use common::*;
use fleetdeck::signals::evaluator::WorkloadRightsizing;
use fleetdeck::signals::rightsizing::{self, Policy, Usage};
use fleetdeck::signals::samples::ContainerSpec;
use fleetdeck::store::findings::FindingWrite;
use fleetdeck::store::workload_signals::{RIGHTSIZING, Replace};
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::{Client, Method};
use serde_json::{Value, json};

/// A Deployment whose pod is OOMKilled, its ReplicaSet between them.
const API: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: app
        image: shop/api:2.1
        resources: {limits: {memory: 256Mi}, requests: {memory: 128Mi}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-6d4
  namespace: shop
  labels: {app: api}
  annotations: {deployment.kubernetes.io/revision: "1"}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: u-api, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: shop/api:2.1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-6d4-x1
  namespace: shop
  labels: {app: api}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-6d4, uid: u-rs, controller: true}]
spec:
  nodeName: node-0
  containers: [{name: app, image: shop/api:2.1, resources: {limits: {memory: 256Mi}}}]
status:
  phase: Running
  containerStatuses:
  - name: app
    ready: false
    restartCount: 6
    image: shop/api:2.1
    imageID: ""
    state: {waiting: {reason: CrashLoopBackOff}}
    lastState: {terminated: {exitCode: 137, reason: OOMKilled}}
"#;

/// The finding the analyzers would make of the pod, written through the store.
async fn oom_finding(db: &TestDb, cluster: &str, id: &str, remediations: Value) {
    let body = json!({
        "id": id, "cluster": cluster,
        "object": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "api-6d4-x1"},
        "class": "pod_oom_killed", "severity": "critical",
        "title": "Container app is crash-looping out of memory",
        "explanation": "Container app of pod shop/api-6d4-x1 is killed for running out of memory (memory limit 256Mi).",
        "evidence": {"containers": [{"name": "app", "image": "shop/api:2.1", "state": "waiting", "reason": "CrashLoopBackOff",
            "ready": false, "restarts": 6, "lastExitCode": 137, "lastReason": "OOMKilled", "memoryLimit": "256Mi"}],
            "events": [], "related": [], "facts": {}, "logs": []},
        "remediations": remediations,
    });
    let store = db.store().await;
    store
        .write_findings(
            &[FindingWrite {
                id,
                cluster,
                namespace: "shop",
                kind: "Pod",
                name: "api-6d4-x1",
                class: "pod_oom_killed",
                severity: "critical",
                body: &body,
            }],
            &[],
            fleetdeck::store::now(),
        )
        .await
        .unwrap();
}

/// A NotReady finding on the shop fixture's node-0, written through the store.
async fn node_finding(db: &TestDb) {
    let body = json!({
        "id": "f-node", "cluster": "open",
        "object": {"apiVersion": "v1", "kind": "Node", "name": "node-0"},
        "class": "node_not_ready", "severity": "critical",
        "title": "Node is not ready", "explanation": "Node node-0 is NotReady.",
        "evidence": {"containers": [], "events": [], "related": [], "facts": {"reason": "KubeletStopped"}, "logs": []},
        "remediations": ["cordon", "drain"],
    });
    let finding = FindingWrite {
        id: "f-node",
        cluster: "open",
        namespace: "",
        kind: "Node",
        name: "node-0",
        class: "node_not_ready",
        severity: "critical",
        body: &body,
    };
    db.store()
        .await
        .write_findings(&[finding], &[], fleetdeck::store::now())
        .await
        .unwrap();
}

async fn sim() -> Sim {
    let sim = shop_sim().await;
    sim.load_yaml(API).unwrap();
    sim
}

/// A request of a signed-in user's console client.
async fn as_user(app: &TestApp, client: &Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = client.request(method, app.url(path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    json(r.send().await.unwrap()).await
}

/// A second operator, signed in.
async fn second_operator(app: &TestApp) -> Client {
    app.create_user("olga", "operator", "correct horse battery").await;
    app.login("olga", "correct horse battery").await
}

async fn propose(app: &TestApp, body: Value) -> (u16, Value) {
    call(
        app,
        Method::POST,
        "/api/remediation/propose",
        OPERATOR_TOKEN,
        Some(body),
    )
    .await
}

fn api_deployment(sim: &Sim) -> Value {
    sim.get("apps/v1", "Deployment", "shop", "api").unwrap()
}

async fn last_audit(app: &TestApp, verb: &str) -> Value {
    app.audit(&format!("verb={verb}"))
        .await
        .into_iter()
        .next()
        .expect("an audit row")
}

on_both_backends! {
    async fn a_memory_limit_grows_to_the_rightsizing_when_usage_outgrew_it(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        oom_finding(db, "open", "f-oom", json!(["patch_memory_limit"])).await;
        // The rightsizing saw app peak at 300 Mi (under a limit since lowered to 256Mi):
        // 300 Mi + 15 % = 345 Mi.
        let spec = ContainerSpec { name: "app".into(), memory_limit: Some(256 << 20), ..Default::default() };
        let usage = Usage { memory_peak: 300 << 20, samples: 2880, history_seconds: 86_400, ..Default::default() };
        let policy = Policy { min_history_seconds: 86_400, cpu_hour: 0.04, memory_gib_hour: 0.005 };
        let container = rightsizing::recommend(&spec, Some(&usage), (false, false), 2, &policy);
        assert_eq!(container.recommended.memory_limit, Some(345 << 20));
        let at = fleetdeck::store::now();
        let body = WorkloadRightsizing {
            cluster: "open".into(), namespace: "shop".into(), kind: "Deployment".into(), name: "api".into(),
            replicas: 2, monthly_savings: container.monthly_savings, containers: vec![container], computed_at: at,
        };
        let key = ("shop".to_string(), "Deployment".to_string(), "api".to_string());
        let rows = [("open".to_string(), key, serde_json::to_string(&body).unwrap())];
        app.server.state.store.replace_workload_signals(RIGHTSIZING, at, Replace::Cluster("open"), &rows).await.unwrap();

        let (status, proposed) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit"})).await;
        assert_eq!(status, 201, "{proposed}");
        assert_eq!(proposed["items"][0]["params"], json!({"memory": "345Mi", "container": "app"}));
        // A limit given wins over the recommendation.
        let (status, proposed) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit", "params": {"memory": "1Gi"}})).await;
        assert_eq!(status, 201, "{proposed}");
        assert_eq!(proposed["items"][0]["params"]["memory"], "1Gi");
    }

    async fn a_memory_limit_is_proposed_approved_by_another_and_executed(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        oom_finding(db, "open", "f-oom", json!(["patch_memory_limit", "rollback"])).await;

        // The proposal, for an incident opened from the finding: the Deployment up the pod's
        // controller chain, the exact change and its risk.
        let (status, incident) = call(&app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(json!({"findingIds": ["f-oom"]}))).await;
        assert_eq!(status, 201, "{incident}");
        let incident = incident["id"].as_str().unwrap().to_string();
        let (status, body) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit", "incidentId": "nope"})).await;
        assert_error(status, &body, 422, "unknown_incident");
        let (status, proposed) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit", "incidentId": incident})).await;
        assert_eq!(status, 201, "{proposed}");
        assert_eq!(proposed["items"].as_array().unwrap().len(), 1, "{proposed}");
        let r = &proposed["items"][0];
        assert_eq!(r["state"], "proposed");
        assert_eq!((r["kind"].as_str(), r["incidentId"].as_str(), r["proposedBy"].as_str()),
            (Some("patch_memory_limit"), Some(incident.as_str()), Some("token:operator")));
        assert_eq!(r["target"], json!({"group": "apps", "version": "v1", "resource": "deployments", "kind": "Deployment", "namespace": "shop", "name": "api"}));
        assert_eq!(r["params"], json!({"memory": "384Mi", "container": "app"}));
        let diff = r["change"]["diff"].as_str().unwrap();
        assert!(diff.contains("-            memory: 256Mi\n+            memory: 384Mi"), "{diff}");
        assert!(r["change"]["before"].as_str().unwrap().contains("memory: 256Mi"));
        assert_eq!(r["change"]["resourceVersion"], api_deployment(&sim)["metadata"]["resourceVersion"]);
        assert!(r["risk"]["score"].is_u64(), "the risk guard ran on the result: {r}");
        let checks: Vec<&str> = r["risk"]["findings"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap()).collect();
        assert!(checks.contains(&"missing_readiness_probe"), "the after-object has no probes: {r}");
        assert!(!checks.contains(&"missing_memory_limit"), "it has its limit: {r}");
        let id = r["id"].as_str().unwrap().to_string();

        // Viewers read it; the list filters.
        let (status, got) = call(&app, Method::GET, &format!("/api/remediation/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!((status, got["id"].as_str()), (200, Some(id.as_str())));
        let (_, list) = call(&app, Method::GET, &format!("/api/remediation?state=proposed&incidentId={incident}"), VIEWER_TOKEN, None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        let (_, list) = call(&app, Method::GET, "/api/remediation?state=approved", VIEWER_TOKEN, None).await;
        assert_eq!(list["items"], json!([]));

        // Nothing runs before approval; the proposer and a viewer cannot approve.
        let execute = format!("/api/remediation/{id}/execute");
        let (status, body) = call(&app, Method::POST, &execute, OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_approved");
        let approve = format!("/api/remediation/{id}/approve");
        let (status, body) = call(&app, Method::POST, &approve, OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 403, "approver_is_proposer");
        assert_eq!(last_audit(&app, "remediation_approve").await["outcome"], "denied");
        let (status, body) = call(&app, Method::POST, &approve, VIEWER_TOKEN, None).await;
        assert_error(status, &body, 403, "forbidden");

        // Another operator approves.
        let olga = second_operator(&app).await;
        let (status, approved) = as_user(&app, &olga, Method::POST, &approve, Some(json!({"note": "limit is too tight"}))).await;
        assert_eq!(status, 200, "{approved}");
        assert_eq!((approved["state"].as_str(), approved["decidedBy"].as_str(), approved["decisionNote"].as_str()),
            (Some("approved"), Some("olga"), Some("limit is too tight")));
        let (status, body) = as_user(&app, &olga, Method::POST, &approve, None).await;
        assert_error(status, &body, 409, "remediation_not_pending");

        // A server that stopped mid-execution leaves its claim: it holds others off for 10
        // minutes, then counts as abandoned.
        let store = db.store().await;
        let long_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(11);
        let cutoff = long_ago - chrono::TimeDelta::minutes(10);
        assert!(store.claim_remediation(&id, "ghost", long_ago, cutoff).await.unwrap());
        assert!(!store.claim_remediation(&id, "other", long_ago, cutoff).await.unwrap(), "a claim in force holds");

        // Executed through the action core: the simulator's Deployment has the new limit.
        let (status, done) = call(&app, Method::POST, &execute, OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!((done["state"].as_str(), done["executedBy"].as_str()), (Some("executed"), Some("token:operator")));
        assert!(done["result"]["resourceVersion"].is_string(), "{done}");
        let live = api_deployment(&sim);
        assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"], "384Mi");
        assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"], "128Mi");
        let row = last_audit(&app, "remediation_execute").await;
        let reason = row["reason"].as_str().unwrap();
        assert_eq!((row["outcome"].as_str(), row["actor"].as_str(), row["name"].as_str()), (Some("success"), Some("token:operator"), Some("api")), "{row}");
        assert!(reason.contains("proposedBy=token:operator") && reason.contains("approvedBy=olga"), "{reason}");
        // Once only.
        let (status, body) = call(&app, Method::POST, &execute, OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_approved");

        // Each step is on the incident's timeline, by whoever took it.
        let (_, detail) = call(&app, Method::GET, &format!("/api/incidents/{incident}"), VIEWER_TOKEN, None).await;
        let steps: Vec<(&str, &str)> = detail["timeline"].as_array().unwrap().iter()
            .filter(|e| e["kind"].as_str().unwrap().starts_with("remediation_"))
            .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect();
        assert_eq!(steps, [("remediation_proposed", "token:operator"), ("remediation_approved", "olga"), ("remediation_executed", "token:operator")], "{detail}");
        let executed = detail["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "remediation_executed").unwrap();
        assert_eq!(executed["title"], "Remediation patch_memory_limit of Deployment shop/api executed");
        assert_eq!(executed["detail"]["remediationId"], json!(id));

        // The fix is in memory.
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-oom", VIEWER_TOKEN, None).await;
        let fix = &fixes["items"][0];
        assert_eq!((fix["action"].as_str(), fix["success"].as_bool(), fix["class"].as_str()),
            (Some("patch_memory_limit"), Some(true), Some("pod_oom_killed")), "{fixes}");

        // Propose, approve and reject are audited too.
        assert_eq!(last_audit(&app, "remediation_propose").await["outcome"], "success");
        assert_eq!(last_audit(&app, "remediation_approve").await["actor"], "olga");
        app.stop().await;
    }

    async fn a_rightsizing_is_proposed_for_a_workload_and_executed_after_approval(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let workload = json!({"cluster": "open", "namespace": "shop", "kind": "Deployment", "name": "api"});
        let resources = json!([{"container": "app", "cpuRequest": "250m", "memoryRequest": "148Mi", "memoryLimit": "148Mi"}]);
        let (status, proposed) = propose(&app, json!({"workload": workload, "params": {"resources": resources}})).await;
        assert_eq!(status, 201, "{proposed}");
        let r = &proposed["items"][0];
        assert_eq!((r["kind"].as_str(), r.get("findingId")), (Some("set_resources"), None), "{r}");
        assert_eq!(r["params"], json!({"resources": resources}));
        let diff = r["change"]["diff"].as_str().unwrap();
        assert!(diff.contains("-            memory: 256Mi\n+            memory: 148Mi"), "{diff}");
        assert!(diff.contains("+            cpu: 250m"), "{diff}");
        let id = r["id"].as_str().unwrap().to_string();
        assert!(last_audit(&app, "remediation_propose").await["reason"].as_str().unwrap().contains("workload=Deployment"));

        let olga = second_operator(&app).await;
        let (status, approved) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
        assert_eq!(status, 200, "{approved}");
        let (status, done) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, done["state"].as_str()), (200, Some("executed")), "{done}");
        let live = api_deployment(&sim);
        assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({"limits": {"memory": "148Mi"}, "requests": {"cpu": "250m", "memory": "148Mi"}}));
        // No finding: no fix is remembered.
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes", VIEWER_TOKEN, None).await;
        assert_eq!(fixes["items"], json!([]), "{fixes}");

        // Refusals: both subjects or none, a finding's kind for a workload, no resources, a bad
        // quantity, a container the workload lacks, a kind that is no workload.
        oom_finding(db, "open", "f-oom", json!(["patch_memory_limit"])).await;
        let cases = [
            (json!({"findingId": "f-oom", "workload": workload}), 422, "invalid_subject"),
            (json!({"params": {}}), 422, "invalid_subject"),
            (json!({"workload": workload, "kind": "restart"}), 422, "remediation_not_applicable"),
            (json!({"findingId": "f-oom", "kind": "set_resources", "params": {"resources": resources}}), 422, "remediation_not_applicable"),
            (json!({"workload": workload}), 422, "invalid_params"),
            (json!({"workload": workload, "params": {"resources": [{"container": "app", "cpuRequest": "lots"}]}}), 422, "invalid_params"),
            (json!({"workload": workload, "params": {"resources": [{"container": "app"}]}}), 422, "invalid_params"),
            (json!({"workload": workload, "params": {"resources": [{"container": "sidecar", "cpuRequest": "1"}]}}), 422, "remediation_not_applicable"),
            (json!({"workload": {"cluster": "open", "namespace": "shop", "kind": "Pod", "name": "api-6d4-x1"}, "params": {"resources": resources}}), 422, "remediation_not_applicable"),
            (json!({"workload": {"cluster": "open", "namespace": "shop", "kind": "Deployment", "name": "gone"}, "params": {"resources": resources}}), 404, "kube_not_found"),
        ];
        for (body, want, code) in cases {
            let (status, got) = propose(&app, body.clone()).await;
            assert_error(status, &got, want, code);
        }
        let (status, body) = call(&app, Method::POST, "/api/remediation/propose", VIEWER_TOKEN,
            Some(json!({"workload": workload, "params": {"resources": resources}}))).await;
        assert_error(status, &body, 403, "forbidden");
        app.stop().await;
    }

    async fn a_cordon_is_proposed_for_a_node_and_executed_after_approval(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        node_finding(db).await;

        let (status, proposed) = propose(&app, json!({"findingId": "f-node", "kind": "cordon"})).await;
        assert_eq!(status, 201, "{proposed}");
        let r = &proposed["items"][0];
        assert_eq!(r["target"], json!({"group": "", "version": "v1", "resource": "nodes", "kind": "Node", "name": "node-0"}));
        assert!(r["change"]["diff"].as_str().unwrap().contains("+  unschedulable: true"), "{r}");
        let id = r["id"].as_str().unwrap().to_string();
        let olga = second_operator(&app).await;
        let (status, approved) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
        assert_eq!(status, 200, "{approved}");
        // A twin proposed from the same version of the node goes stale once the first runs.
        let (_, twin) = propose(&app, json!({"findingId": "f-node", "kind": "cordon"})).await;
        let twin = twin["items"][0]["id"].as_str().unwrap().to_string();
        as_user(&app, &olga, Method::POST, &format!("/api/remediation/{twin}/approve"), None).await;

        // Committed through Git instead, it is the node's `spec.unschedulable`.
        let (status, artifact) = call(&app, Method::GET, &format!("/api/remediation/{id}/gitops"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{artifact}");
        let patch = artifact["kustomizePatch"].as_str().unwrap();
        assert!(patch.contains("kind: Node") && patch.contains("unschedulable: true"), "{patch}");

        let (status, done) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, done["state"].as_str()), (200, Some("executed")), "{done}");
        assert_eq!(sim.get("v1", "Node", "", "node-0").unwrap()["spec"]["unschedulable"], true);
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-node", VIEWER_TOKEN, None).await;
        assert_eq!((fixes["items"][0]["action"].as_str(), fixes["items"][0]["success"].as_bool()), (Some("cordon"), Some(true)), "{fixes}");
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{twin}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_stale");
        app.stop().await;
    }

    async fn a_drain_runs_on_after_the_answer_and_records_its_end(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        node_finding(db).await;
        let pods_api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::all(sim_client(&sim).await);
        let on_node = async || {
            let node_0 = kube::api::ListParams::default().fields("spec.nodeName=node-0");
            pods_api.list(&node_0).await.unwrap().items.len()
        };
        let pods = on_node().await;
        assert!(pods > 0, "the fixture runs pods on node-0");

        // Pods no controller owns would be lost: refused at once, unless the proposal says force.
        let (status, body) = propose(&app, json!({"findingId": "f-node", "kind": "drain"})).await;
        assert_error(status, &body, 409, "drain_refused");
        let (status, proposed) = propose(&app, json!({"findingId": "f-node", "kind": "drain", "params": {"force": true}})).await;
        assert_eq!(status, 201, "{proposed}");
        assert_eq!(proposed["items"][0]["params"], json!({"force": true}));
        let id = proposed["items"][0]["id"].as_str().unwrap().to_string();
        let olga = second_operator(&app).await;
        as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;

        // Answered at once, cordoned, evicting on: the result is the drain's progress.
        let (status, running) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, running["state"].as_str()), (202, Some("approved")), "{running}");
        assert!(running["executedBy"].is_string(), "{running}");
        assert_eq!((&running["result"]["node"], &running["result"]["toEvict"]), (&json!("node-0"), &json!(pods)), "{running}");
        assert_eq!(sim.get("v1", "Node", "", "node-0").unwrap()["spec"]["unschedulable"], true);
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_approved");

        let mut done = Value::Null;
        for _ in 0..100 {
            let (_, now) = call(&app, Method::GET, &format!("/api/remediation/{id}"), VIEWER_TOKEN, None).await;
            if now["state"] != "approved" {
                done = now;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(done["state"], "executed", "{done}");
        assert_eq!((&done["result"]["evicted"], &done["result"]["failed"]), (&json!(pods), &json!([])), "{done}");
        assert_eq!(on_node().await, 0);
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-node", VIEWER_TOKEN, None).await;
        assert_eq!((fixes["items"][0]["action"].as_str(), fixes["items"][0]["success"].as_bool()), (Some("drain"), Some(true)), "{fixes}");
        // The request's audit row is written when the drain ends, and says how it ended.
        let mut row = Value::Null;
        for _ in 0..50 {
            if let Some(r) = app.audit("verb=remediation_execute&outcome=success").await.into_iter().next() {
                row = r;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(row["outcome"], "success", "{row}");
        let reason = row["reason"].as_str().unwrap();
        assert!(reason.contains("approvedBy=olga") && reason.ends_with(&format!("evicted={pods} failed=0")), "{reason}");
        app.stop().await;
    }

    async fn a_rollback_is_proposed_for_a_deployment_and_executed_after_approval(db) {
        let sim = sim().await;
        sim.load_yaml(include_str!("fixtures/operations.yaml")).unwrap();
        // Revision 2 added a sidecar and an env var, which going back to revision 1 removes.
        let revision_2 = json!([{"name": "api", "image": "api:2", "env": [{"name": "MODE", "value": "fast"}]},
            {"name": "proxy", "image": "proxy:1"}]);
        let mut deployment = sim.get("apps/v1", "Deployment", "orders", "api").unwrap();
        let mut current = sim.get("apps/v1", "ReplicaSet", "orders", "api-7c9b4").unwrap();
        deployment["spec"]["template"]["spec"]["containers"] = revision_2.clone();
        current["spec"]["template"]["spec"]["containers"] = revision_2;
        sim.load_objects([deployment, current]).unwrap();
        let app = app_with_sim(db, &sim, true).await;
        let body = json!({
            "id": "f-api", "cluster": "open",
            "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "orders", "name": "api"},
            "class": "workload_unavailable", "severity": "critical",
            "title": "Deployment has no available replicas", "explanation": "0 of 2 available.",
            "evidence": {"containers": [], "events": [], "related": [], "facts": {}, "logs": []},
            "remediations": ["rollback", "restart"],
        });
        let finding = FindingWrite {
            id: "f-api", cluster: "open", namespace: "orders", kind: "Deployment", name: "api",
            class: "workload_unavailable", severity: "critical", body: &body,
        };
        db.store().await.write_findings(&[finding], &[], fleetdeck::store::now()).await.unwrap();

        // Back to the revision before the current one: the diff shows the image going back.
        let (status, proposed) = propose(&app, json!({"findingId": "f-api", "kind": "rollback"})).await;
        assert_eq!(status, 201, "{proposed}");
        let r = &proposed["items"][0];
        let diff = r["change"]["diff"].as_str().unwrap();
        let changed = |sign: char, text: &str| diff.lines().any(|l| l.starts_with(sign) && l.ends_with(text));
        assert!(changed('-', "image: api:2") && changed('+', "image: api:1"), "{diff}");
        let id = r["id"].as_str().unwrap().to_string();
        let olga = second_operator(&app).await;
        let (status, approved) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
        assert_eq!(status, 200, "{approved}");
        // Through Git, the patch removes what the rollback removes: a strategic merge (what
        // kustomize renders) of it onto the Deployment gives the rolled-back template.
        let (_, artifact) = call(&app, Method::GET, &format!("/api/remediation/{id}/gitops"), VIEWER_TOKEN, None).await;
        let patch: Value = yaml_serde::from_str(artifact["kustomizePatch"].as_str().unwrap()).unwrap();
        let mut rendered = sim.get("apps/v1", "Deployment", "orders", "api").unwrap();
        kubesim::patch::strategic_merge_patch(&mut rendered, &patch);
        // A twin would roll back again, to api:2; the first one's write makes it stale instead.
        let (_, twin) = propose(&app, json!({"findingId": "f-api", "kind": "rollback"})).await;
        let twin = twin["items"][0]["id"].as_str().unwrap().to_string();
        as_user(&app, &olga, Method::POST, &format!("/api/remediation/{twin}/approve"), None).await;

        let (status, done) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, done["state"].as_str(), done["result"]["revision"].as_i64()), (200, Some("executed"), Some(1)), "{done}");
        let live = sim.get("apps/v1", "Deployment", "orders", "api").unwrap();
        let containers = live["spec"]["template"]["spec"]["containers"].as_array().unwrap();
        assert_eq!((containers.len(), &containers[0]["image"], containers[0].get("env")), (1, &json!("api:1"), None));
        assert_eq!(rendered["spec"]["template"], live["spec"]["template"], "{patch}");
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{twin}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_stale");
        let live = sim.get("apps/v1", "Deployment", "orders", "api").unwrap();
        assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["image"], "api:1");
        app.stop().await;
    }

    async fn bad_proposals_stale_changes_and_rejections_are_refused(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        oom_finding(db, "open", "f-oom", json!(["patch_memory_limit", "scale", "rollback"])).await;

        let (status, body) = propose(&app, json!({"findingId": "nope"})).await;
        assert_error(status, &body, 404, "finding_not_found");
        let (status, body) = propose(&app, json!({"findingId": "f-oom", "kind": "cordon"})).await;
        assert_error(status, &body, 422, "remediation_not_applicable");
        let (status, body) = propose(&app, json!({"findingId": "f-oom", "kind": "scale"})).await;
        assert_error(status, &body, 422, "invalid_params");
        let (status, body) = call(&app, Method::POST, "/api/remediation/propose", VIEWER_TOKEN, Some(json!({"findingId": "f-oom"}))).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = propose(&app, json!({"findingId": "f-oom", "params": {"replicas": 1, "bogus": 1}})).await;
        assert_error(status, &body, 400, "invalid_body");

        // Without a kind: each that can be made; scale without replicas and a rollback without
        // a previous revision are skipped, with why.
        let (status, all) = propose(&app, json!({"findingId": "f-oom"})).await;
        assert_eq!(status, 201, "{all}");
        let kinds: Vec<&str> = all["items"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["patch_memory_limit"], "{all}");
        let skipped: Vec<(&str, &str)> = all["skipped"].as_array().unwrap().iter()
            .map(|s| (s["kind"].as_str().unwrap(), s["code"].as_str().unwrap())).collect();
        assert_eq!(skipped, [("scale", "invalid_params"), ("rollback", "revision_not_found")], "{all}");

        // Stale: the Deployment changed between proposal and execution.
        let (status, scale) = propose(&app, json!({"findingId": "f-oom", "kind": "scale", "params": {"replicas": 4}})).await;
        assert_eq!(status, 201, "{scale}");
        let id = scale["items"][0]["id"].as_str().unwrap().to_string();
        assert!(scale["items"][0]["change"]["diff"].as_str().unwrap().contains("-  replicas: 2\n+  replicas: 4"), "{scale}");
        let olga = second_operator(&app).await;
        let (status, _) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
        assert_eq!(status, 200);
        let client = sim_client(&sim).await;
        let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> = kube::Api::namespaced(client, "shop");
        deployments.patch("api", &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"metadata": {"labels": {"touched": "yes"}}}))).await.unwrap();
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_stale");
        assert_eq!(api_deployment(&sim)["spec"]["replicas"], 2, "nothing changed");
        assert_eq!(last_audit(&app, "remediation_execute").await["outcome"], "failure");
        let (_, failed) = call(&app, Method::GET, &format!("/api/remediation/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!(failed["state"], "failed");
        assert!(failed["error"].as_str().unwrap().starts_with("remediation_stale:"), "{failed}");
        // Nothing ran, so memory learns nothing about scaling.
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes", VIEWER_TOKEN, None).await;
        assert_eq!(fixes["items"].as_array().unwrap().len(), 0, "{fixes}");
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_approved");

        // Proposed again, it runs, and a memory limit proposed beside it goes stale.
        let (_, again) = propose(&app, json!({"findingId": "f-oom", "kind": "scale", "params": {"replicas": 4}})).await;
        let id = again["items"][0]["id"].as_str().unwrap().to_string();
        as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
        let (_, memory) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit"})).await;
        let memory = memory["items"][0]["id"].as_str().unwrap().to_string();
        as_user(&app, &olga, Method::POST, &format!("/api/remediation/{memory}/approve"), None).await;
        let (status, done) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, done["result"].clone()), (200, json!({"replicas": 4})), "{done}");
        assert_eq!(api_deployment(&sim)["spec"]["replicas"], 4);
        let limits = api_deployment(&sim)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].clone();
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{memory}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_stale");
        assert_eq!(api_deployment(&sim)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"], limits);

        // Rejected: never runs; decided once.
        let (_, third) = propose(&app, json!({"findingId": "f-oom", "kind": "scale", "params": {"replicas": 9}})).await;
        let id = third["items"][0]["id"].as_str().unwrap().to_string();
        let (status, rejected) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/reject"), Some(json!({"note": "no"}))).await;
        assert_eq!((status, rejected["state"].as_str()), (200, Some("rejected")), "{rejected}");
        let row = last_audit(&app, "remediation_reject").await;
        assert!(row["reason"].as_str().unwrap().contains("rejectedBy=olga"), "{row}");
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/approve"), ADMIN_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_pending");
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/execute"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "remediation_not_approved");
        assert_eq!(api_deployment(&sim)["spec"]["replicas"], 4);
        let (status, body) = call(&app, Method::GET, "/api/remediation/nope", VIEWER_TOKEN, None).await;
        assert_error(status, &body, 404, "remediation_not_found");
        app.stop().await;
    }

    async fn the_gitops_artifact_applies_with_a_server_dry_run(db) {
        let sim = sim().await;
        let app = app_with_sim(db, &sim, true).await;
        oom_finding(db, "open", "f-oom", json!(["patch_memory_limit", "restart", "delete_pod"])).await;
        let (_, p) = propose(&app, json!({"findingId": "f-oom", "kind": "patch_memory_limit", "params": {"memory": "1Gi"}})).await;
        let id = p["items"][0]["id"].as_str().unwrap().to_string();

        let (status, a) = call(&app, Method::POST, &format!("/api/remediation/{id}/gitops"), VIEWER_TOKEN, Some(json!({"path": "apps/shop"}))).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(a["fileName"], "apps/shop/deployment-api-patch-memory-limit.yaml");
        assert!(a["kustomization"].as_str().unwrap().contains("- path: apps/shop/deployment-api-patch-memory-limit.yaml"), "{a}");
        assert!(a["unifiedDiff"].as_str().unwrap().contains("+            memory: 1Gi"), "{a}");
        let patch: Value = yaml_serde::from_str(a["kustomizePatch"].as_str().unwrap()).unwrap();
        assert_eq!((patch["apiVersion"].as_str(), patch["kind"].as_str()), (Some("apps/v1"), Some("Deployment")));
        assert_eq!(patch["metadata"], json!({"name": "api", "namespace": "shop"}));
        assert!(patch["spec"].get("replicas").is_none() && patch.get("status").is_none(), "only the change: {patch}");
        let r = app.bearer(Method::GET, &format!("/api/remediation/{id}/gitops?format=patch"), VIEWER_TOKEN).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/yaml");
        assert_eq!(r.text().await.unwrap(), a["kustomizePatch"].as_str().unwrap());
        let (status, body) = call(&app, Method::POST, &format!("/api/remediation/{id}/gitops"), VIEWER_TOKEN, Some(json!({"path": "../etc"}))).await;
        assert_error(status, &body, 422, "invalid_path");
        assert_eq!(last_audit(&app, "remediation_gitops").await["outcome"], "failure");

        // A restart of a crash-looping pod restarts its Deployment (a rollout), declaratively too.
        let (status, r) = propose(&app, json!({"findingId": "f-oom", "kind": "restart"})).await;
        assert_eq!(status, 201, "{r}");
        let restart = &r["items"][0];
        assert_eq!((restart["target"]["kind"].as_str(), restart["target"]["name"].as_str()), (Some("Deployment"), Some("api")));
        assert!(restart["change"]["diff"].as_str().unwrap().contains("+        kubectl.kubernetes.io/restartedAt: "), "{restart}");
        assert!(restart["risk"]["score"].is_u64(), "{restart}");
        let (status, a) = call(&app, Method::GET, &format!("/api/remediation/{}/gitops", restart["id"].as_str().unwrap()), VIEWER_TOKEN, None).await;
        assert_eq!((status, a["fileName"].as_str()), (200, Some("deployment-api-restart.yaml")), "{a}");

        // A pod delete has no declarative form.
        let (_, d) = propose(&app, json!({"findingId": "f-oom", "kind": "delete_pod"})).await;
        let pod = &d["items"][0];
        assert_eq!((pod["target"]["kind"].as_str(), pod["change"]["after"].as_str()), (Some("Pod"), Some("")), "{d}");
        let (status, body) = call(&app, Method::GET, &format!("/api/remediation/{}/gitops", pod["id"].as_str().unwrap()), VIEWER_TOKEN, None).await;
        assert_error(status, &body, 422, "gitops_not_applicable");

        // The patch merged onto the live object, applied by kubectl with a server dry run.
        let Some(kubectl) = kubectl() else { app.stop().await; return };
        // Rendered as kustomize does: a strategic merge onto the object.
        let mut object = api_deployment(&sim);
        kubesim::patch::strategic_merge_patch(&mut object, &patch);
        for field in ["resourceVersion", "uid", "managedFields", "creationTimestamp", "generation"] {
            object["metadata"].as_object_mut().unwrap().remove(field);
        }
        object.as_object_mut().unwrap().remove("status");
        let dir = tempfile::tempdir().unwrap();
        let (file, kubeconfig) = (dir.path().join("deployment.yaml"), dir.path().join("kubeconfig"));
        std::fs::write(&file, yaml_serde::to_string(&object).unwrap()).unwrap();
        std::fs::write(&kubeconfig, sim.kubeconfig_for_token(sim.admin_token())).unwrap();
        let out = tokio::process::Command::new(kubectl)
            .arg("--kubeconfig").arg(&kubeconfig)
            .args(["apply", "--server-side", "--dry-run=server", "--field-manager=gitops", "-f"]).arg(&file)
            .output().await.unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "kubectl failed: {stdout}{stderr}");
        assert!(stdout.contains("deployment.apps/api serverside-applied (server dry run)"), "{stdout}");
        assert_eq!(api_deployment(&sim)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"], "256Mi", "a dry run");
        app.stop().await;
    }

    async fn execution_on_an_impersonate_cluster_acts_as_the_executor(db) {
        let sim = sim().await;
        // Operators may read what a proposal reads, not change it yet.
        sim.add_rule(Rule::group("fleetdeck:operators", &["get", "list", "watch"],
            &["apps", ""], &["deployments", "replicasets", "pods"], &["shop"]));
        let app = app_with_sim(db, &sim, true).await;
        oom_finding(db, "guarded", "f-guarded", json!(["scale"])).await;
        let olga = second_operator(&app).await;
        let approved = |replicas: u32| {
            let (app, olga) = (&app, &olga);
            async move {
                let (status, p) = propose(app, json!({"findingId": "f-guarded", "kind": "scale", "params": {"replicas": replicas}})).await;
                assert_eq!(status, 201, "{p}");
                let id = p["items"][0]["id"].as_str().unwrap().to_string();
                let (status, _) = as_user(app, olga, Method::POST, &format!("/api/remediation/{id}/approve"), None).await;
                assert_eq!(status, 200);
                id
            }
        };

        // Kubernetes refuses the executor: the remediation failed, and memory says so.
        let id = approved(3).await;
        let (status, body) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/execute"), None).await;
        assert_error(status, &body, 403, "kube_forbidden");
        assert_eq!(last_audit(&app, "remediation_execute").await["outcome"], "denied");
        let (_, failed) = call(&app, Method::GET, &format!("/api/remediation/{id}"), OPERATOR_TOKEN, None).await;
        assert_eq!((failed["state"].as_str(), failed["executedBy"].as_str()), (Some("failed"), Some("olga")), "{failed}");
        assert!(failed["error"].as_str().unwrap().starts_with("kube_forbidden"), "{failed}");
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-guarded", VIEWER_TOKEN, None).await;
        assert_eq!((fixes["items"][0]["action"].as_str(), fixes["items"][0]["success"].as_bool()), (Some("scale"), Some(false)), "{fixes}");
        assert_eq!(api_deployment(&sim)["spec"]["replicas"], 2);

        // Allowed to scale, the executor's own identity makes the change.
        sim.add_rule(Rule::group("fleetdeck:operators", &["get", "patch", "update"],
            &["apps"], &["deployments", "deployments/scale"], &["shop"]));
        let id = approved(3).await;
        let (status, done) = as_user(&app, &olga, Method::POST, &format!("/api/remediation/{id}/execute"), None).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(api_deployment(&sim)["spec"]["replicas"], 3);
        let seen = sim.requests();
        assert!(seen.iter().any(|r| r.method == "PATCH" && r.path.ends_with("/deployments/api/scale")
            && r.impersonate_user.as_deref() == Some("olga")), "the scale went as the executor");
        app.stop().await;
    }
}

/// Self-approval where the environment allows it (the test clusters are `prod`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_approval_is_allowed_only_in_listed_environments() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let mut s = with_secret_key(&db);
    s.write_actions_enabled = true;
    s.remediation_self_approval_environments = vec!["prod".into()];
    let app = TestApp::with(s).await;
    register_sim(&app, "open", &sim, "shared").await;
    oom_finding(&db, "open", "f-oom", json!(["patch_memory_limit"])).await;
    let (_, p) = propose(&app, json!({"findingId": "f-oom"})).await;
    let id = p["items"][0]["id"].as_str().unwrap().to_string();
    let (status, approved) = call(
        &app,
        Method::POST,
        &format!("/api/remediation/{id}/approve"),
        OPERATOR_TOKEN,
        None,
    )
    .await;
    assert_eq!(
        (status, approved["decidedBy"].as_str()),
        (200, Some("token:operator")),
        "{approved}"
    );
    app.stop().await;
}

const KUBECTL: &str = "/usr/bin/kubectl";

/// The machine's kubectl, or None (and a note) when it has none.
fn kubectl() -> Option<PathBuf> {
    let path = PathBuf::from(KUBECTL);
    if !path.exists() {
        eprintln!("skipping the kubectl dry run: {KUBECTL} not found");
        return None;
    }
    Some(path)
}
