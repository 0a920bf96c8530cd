//! Operations against a simulated cluster: delete, pod restart, rollback and revisions, CronJob
//! trigger, cordon and drain, apply (dry run, conflicts, force, many documents, the risk guard) and the secret
//! reveal — each through the three gates (write gate, operator role, RBAC as the caller), each
//! leaving one audit row with its outcome.

mod common;

use common::*;
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

const R: &str = "resources";

async fn ops_sim() -> Sim {
    let sim = shop_sim().await;
    sim.load_yaml(include_str!("fixtures/operations.yaml")).unwrap();
    sim
}

/// A request under `/api/clusters/`.
async fn cluster_call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    call(app, method, &format!("/api/clusters/{path}"), token, body).await
}

/// The newest audit row of `verb`.
async fn last_audit(app: &TestApp, verb: &str) -> Value {
    app.audit(&format!("verb={verb}"))
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("an audit row for {verb}"))
}

fn audit_fields(row: &Value) -> (String, String, String, String) {
    let s = |k: &str| row[k].as_str().unwrap_or_default().to_string();
    (s("outcome"), s("cluster"), s("namespace"), s("name"))
}

on_both_backends! {
    async fn delete_and_pod_restart_are_audited(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/core/v1/configmaps/orders/settings?propagationPolicy=Foreground"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((&body["kind"], &body["finalizing"], &body["dryRun"]), (&json!("ConfigMap"), &json!(false), &json!(false)));
        assert!(sim.get("v1", "ConfigMap", "orders", "settings").is_none());
        let row = last_audit(&app, "delete").await;
        assert_eq!(audit_fields(&row), ("success".into(), "open".into(), "orders".into(), "settings".into()));
        assert_eq!(row["reason"], "kind=ConfigMap propagationPolicy=Foreground");

        // A dry run keeps the object; a missing one is the apiserver's 404, audited as a failure.
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/core/v1/secrets/orders/db-creds?dryRun=true"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, &body["dryRun"]), (200, &json!(true)), "{body}");
        assert!(sim.get("v1", "Secret", "orders", "db-creds").is_some());
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/core/v1/configmaps/orders/settings"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 404, "kube_not_found");
        assert_eq!(last_audit(&app, "delete").await["outcome"], "failure");
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/core/v1/configmaps/orders/x?propagationPolicy=Later"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 400, "invalid_query");
        // A cluster-scoped object on its own path; a namespaced kind there is refused.
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/core/v1/configmaps/orders"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 400, "namespace_required");

        // A managed pod is deleted for its controller; a bare one only with force.
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/core/v1/pods/orders/api-7c9b4-a/restart"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{body}");
        assert!(sim.get("v1", "Pod", "orders", "api-7c9b4-a").is_none());
        assert_eq!(last_audit(&app, "restart").await["reason"], "deleted for its ReplicaSet to replace");
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/core/v1/pods/shop/web-1/restart"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 409, "unmanaged_pod");
        assert!(sim.get("v1", "Pod", "shop", "web-1").is_some());
        assert_eq!(last_audit(&app, "restart").await["outcome"], "failure");
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/core/v1/pods/shop/web-1/restart?force=true"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{body}");
        assert!(sim.get("v1", "Pod", "shop", "web-1").is_none());
        app.stop().await;
    }

    async fn rollback_to_a_revision_and_trigger_a_cronjob(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let api = format!("open/{R}/apps/v1/deployments/orders/api");
        let (status, body) = cluster_call(&app, Method::GET, &format!("{api}/revisions"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{body}");
        let seen: Vec<(i64, bool, String)> = body["items"].as_array().unwrap().iter()
            .map(|r| (r["revision"].as_i64().unwrap(), r["current"].as_bool().unwrap(), r["images"][0].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(seen, vec![(2, true, "api:2".into()), (1, false, "api:1".into())]);
        assert_eq!(body["items"][1]["changeCause"], "first release");

        let (status, body) = cluster_call(&app, Method::POST, &format!("{api}/rollback"), OPERATOR_TOKEN, Some(json!({}))).await;
        assert_eq!((status, &body), (200, &json!({"revision": 1})));
        let template = sim.get("apps/v1", "Deployment", "orders", "api").unwrap()["spec"]["template"].clone();
        assert_eq!(template["spec"]["containers"][0]["image"], "api:1");
        assert_eq!(template["metadata"]["labels"], json!({"app": "api"}), "no pod-template-hash");
        assert_eq!(last_audit(&app, "rollback").await["reason"], "revision=1");
        let (status, body) = cluster_call(&app, Method::POST, &format!("{api}/rollback"), OPERATOR_TOKEN, Some(json!({"revision": 2}))).await;
        assert_error(status, &body, 409, "already_current");
        let (status, body) = cluster_call(&app, Method::POST, &format!("{api}/rollback"), OPERATOR_TOKEN, Some(json!({"revision": 9}))).await;
        assert_error(status, &body, 404, "revision_not_found");
        assert_eq!(last_audit(&app, "rollback").await["outcome"], "failure");
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/apps/v1/deployments/shop/web/rollback"), OPERATOR_TOKEN, Some(json!({}))).await;
        assert_error(status, &body, 404, "revision_not_found");
        // A StatefulSet's and a DaemonSet's revisions are their ControllerRevisions.
        sim.load_yaml(include_str!("kubesim/tests/fixtures/revisions.yaml")).unwrap();
        let db = format!("open/{R}/apps/v1/statefulsets/shop/db");
        let (_, body) = cluster_call(&app, Method::GET, &format!("{db}/revisions"), VIEWER_TOKEN, None).await;
        let seen: Vec<(&str, bool)> = body["items"].as_array().unwrap().iter().map(|r| (r["object"].as_str().unwrap(), r["current"].as_bool().unwrap())).collect();
        assert_eq!(seen, vec![("db-7f9c8", true), ("db-5b6d4", false)], "{body}");
        let (status, body) = cluster_call(&app, Method::POST, &format!("{db}/rollback"), OPERATOR_TOKEN, Some(json!({}))).await;
        assert_eq!((status, &body), (200, &json!({"revision": 1})));
        let template = sim.get("apps/v1", "StatefulSet", "shop", "db").unwrap()["spec"]["template"].clone();
        assert_eq!(template["spec"]["containers"][0]["image"], "postgres:16");
        assert!(template.get("$patch").is_none(), "{template}");
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/apps/v1/daemonsets/shop/agent/rollback"), OPERATOR_TOKEN, Some(json!({"revision": 1}))).await;
        assert_eq!((status, &body), (200, &json!({"revision": 1})));
        assert_eq!(sim.get("apps/v1", "DaemonSet", "shop", "agent").unwrap()["spec"]["template"]["spec"]["containers"][0]["image"], "agent:1");

        let (status, body) = cluster_call(&app, Method::GET, &format!("open/{R}/batch/v1/cronjobs/orders/report/revisions"), VIEWER_TOKEN, None).await;
        assert_error(status, &body, 400, "action_not_supported");

        let report = format!("open/{R}/batch/v1/cronjobs/orders/report/trigger");
        let (status, body) = cluster_call(&app, Method::POST, &report, OPERATOR_TOKEN, None).await;
        assert_eq!(status, 201, "{body}");
        let job = body["job"].as_str().unwrap().to_string();
        assert!(job.starts_with("report-manual-"), "{job}");
        let made = sim.get("batch/v1", "Job", "orders", &job).expect("the job");
        assert_eq!(made["metadata"]["ownerReferences"][0]["name"], "report");
        assert_eq!(made["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"], "manual");
        assert_eq!(made["spec"]["template"]["spec"]["containers"][0]["image"], "report:1");
        let row = last_audit(&app, "trigger").await;
        assert_eq!((&row["outcome"], &row["reason"]), (&json!("success"), &json!(format!("job={job}"))));
        let (status, body) = cluster_call(&app, Method::POST, &report, OPERATOR_TOKEN, Some(json!({"name": "report-now"}))).await;
        assert_eq!((status, &body["job"]), (201, &json!("report-now")), "{body}");
        let (status, body) = cluster_call(&app, Method::POST, &report, OPERATOR_TOKEN, Some(json!({"name": "report-now"}))).await;
        assert_error(status, &body, 409, "kube_already_exists");
        let (status, body) = cluster_call(&app, Method::POST, &format!("{api}/trigger"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 400, "action_not_supported");
        app.stop().await;
    }

    async fn drain_honours_budgets_and_reports_each_pod(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let node = format!("open/{R}/core/v1/nodes/node-9");
        let (status, preview) = cluster_call(&app, Method::GET, &format!("{node}/drain/preview"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{preview}");
        assert_eq!((&preview["evict"], &preview["skipped"], &preview["blocked"]), (&json!(3), &json!(2), &json!(2)), "{preview}");
        assert_eq!(preview["needsDeleteEmptyDirData"], json!(["orders/cache-0"]));
        let agent = preview["pods"].as_array().unwrap().iter().find(|p| p["name"] == "agent-x1").unwrap();
        assert_eq!(agent["skipReason"], "daemonset");

        // Pods with local data need the flag: refused before anything changes.
        let (status, body) = cluster_call(&app, Method::POST, &format!("{node}/drain"), OPERATOR_TOKEN, Some(json!({}))).await;
        assert_error(status, &body, 409, "drain_refused");
        assert_eq!(body["details"]["pods"][0], json!({"pod": "orders/cache-0", "needs": "deleteEmptyDirData"}));
        assert_eq!(sim.get("v1", "Node", "", "node-9").unwrap()["spec"]["unschedulable"], Value::Null);

        // The budget keeps both api pods until the drain's time runs out.
        let request = app.bearer(Method::POST, &format!("/api/clusters/{node}/drain"), OPERATOR_TOKEN)
            .json(&json!({"deleteEmptyDirData": true, "timeoutSeconds": 2}));
        let mut events = Events::open_with(request).await;
        let mut seen = Vec::new();
        let summary = loop {
            let (event, data) = events.next().await.expect("a frame");
            if event == "done" {
                break data;
            }
            seen.push((event, data["name"].as_str().unwrap_or_default().to_string()));
        };
        assert_eq!(seen[0].0, "plan");
        seen.sort();
        let want: Vec<(String, String)> = [("blocked", "api-7c9b4-a"), ("blocked", "api-7c9b4-b"), ("evicted", "cache-0"),
            ("failed", "api-7c9b4-a"), ("failed", "api-7c9b4-b"), ("plan", "")]
            .iter().map(|(e, n)| (e.to_string(), n.to_string())).collect();
        assert_eq!(seen, want);
        assert_eq!((&summary["evicted"], &summary["timedOut"]), (&json!(1), &json!(true)), "{summary}");
        assert_eq!(summary["failed"][0]["code"], "timeout");
        assert!(events.next().await.is_none(), "the stream ends after done");
        assert_eq!(sim.get("v1", "Node", "", "node-9").unwrap()["spec"]["unschedulable"], true);
        assert!(sim.get("v1", "Pod", "orders", "cache-0").is_none());
        assert!(sim.get("v1", "Pod", "orders", "agent-x1").is_some(), "DaemonSet pods stay");
        let row = wait_for_drain(&app, "failure").await;
        assert_eq!((&row["outcome"], &row["reason"], &row["name"]), (&json!("failure"), &json!("evicted=1 failed=2 timedOut"), &json!("node-9")));

        // Without the budget the rest go, and the drain's row says success.
        let (status, body) = cluster_call(&app, Method::DELETE, &format!("open/{R}/policy/v1/poddisruptionbudgets/orders/api-budget"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{body}");
        let request = app.bearer(Method::POST, &format!("/api/clusters/{node}/drain"), OPERATOR_TOKEN).json(&json!({}));
        let mut events = Events::open_with(request).await;
        let summary = loop {
            let (event, data) = events.next().await.expect("a frame");
            if event == "done" {
                break data;
            }
        };
        assert_eq!((&summary["evicted"], &summary["failed"]), (&json!(2), &json!([])), "{summary}");
        assert_eq!(wait_for_drain(&app, "success").await["reason"], "evicted=2 failed=0");

        let (status, body) = cluster_call(&app, Method::POST, &format!("{node}/uncordon"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, &body), (200, &json!({"unschedulable": false})));
        let (status, body) = cluster_call(&app, Method::POST, &format!("{node}/cordon"), OPERATOR_TOKEN, None).await;
        assert_eq!((status, &body), (200, &json!({"unschedulable": true})));
        assert_eq!(last_audit(&app, "cordon").await["name"], "node-9");
        let (status, body) = cluster_call(&app, Method::POST, &format!("open/{R}/core/v1/namespaces/orders/cordon"), OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 400, "action_not_supported");
        app.stop().await;
    }

    async fn apply_checks_every_document_first(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let settings = format!("open/{R}/core/v1/configmaps/orders/settings/yaml");
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: orders}\ndata: {mode: slow}\n";
        let (status, body) = cluster_call(&app, Method::PUT, &format!("{settings}?dryRun=true"), OPERATOR_TOKEN, Some(json!({"yaml": yaml}))).await;
        assert_eq!((status, &body["data"]["mode"]), (200, &json!("slow")), "{body}");
        assert_eq!(sim.get("v1", "ConfigMap", "orders", "settings").unwrap()["data"]["mode"], "fast");
        assert!(last_audit(&app, "apply").await["reason"].as_str().unwrap().ends_with("dryRun"));
        let (status, body) = cluster_call(&app, Method::PUT, &settings, OPERATOR_TOKEN, Some(json!({"yaml": yaml}))).await;
        assert_eq!(status, 200, "{body}");
        let live = sim.get("v1", "ConfigMap", "orders", "settings").unwrap();
        assert_eq!(live["data"]["mode"], "slow");
        assert!(live["metadata"]["managedFields"].as_array().unwrap().iter().any(|m| m["manager"] == "fleetdeck"));
        let row = last_audit(&app, "apply").await;
        assert_eq!((&row["outcome"], &row["reason"]), (&json!("success"), &json!("ConfigMap/settings")));

        // Another manager takes the field: applying ours again is its conflict, until forced.
        let client = sim_client(&sim).await;
        let other: kube::Api<k8s_openapi::api::core::v1::ConfigMap> = kube::Api::namespaced(client, "orders");
        let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "turbo"}});
        other.patch("settings", &kube::api::PatchParams::apply("kubectl").force(), &kube::api::Patch::Apply(&theirs)).await.unwrap();
        let (status, body) = cluster_call(&app, Method::PUT, &settings, OPERATOR_TOKEN, Some(json!({"yaml": yaml}))).await;
        assert_error(status, &body, 409, "kube_conflict");
        let cause = &body["details"]["kubeStatus"]["details"]["causes"][0];
        assert_eq!((&cause["reason"], &cause["field"]), (&json!("FieldManagerConflict"), &json!(".data.mode")), "{body}");
        let (status, body) = cluster_call(&app, Method::PUT, &format!("{settings}?force=true"), OPERATOR_TOKEN, Some(json!({"yaml": yaml}))).await;
        assert_eq!((status, &body["data"]["mode"]), (200, &json!("slow")), "{body}");

        // The manifest must be the path's object.
        let wrong = yaml.replace("name: settings", "name: other");
        let (status, body) = cluster_call(&app, Method::PUT, &settings, OPERATOR_TOKEN, Some(json!({"yaml": wrong}))).await;
        assert_error(status, &body, 422, "manifest_mismatch");

        // Many documents: checked whole, so a bad last one changes nothing.
        let first = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh}\ndata: {a: b}\n";
        let bad = "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n";
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": format!("{first}---\n{bad}")}))).await;
        assert_error(status, &body, 422, "unknown_kind");
        assert_eq!(body["details"]["document"], 2);
        // The server's dry run refuses the second (its namespace does not exist): nothing is applied.
        let nowhere = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lost, namespace: nowhere}\n";
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": format!("{first}---\n{nowhere}")}))).await;
        assert_error(status, &body, 404, "kube_not_found");
        assert_eq!(body["details"]["document"], 2, "{body}");
        assert!(sim.get("v1", "ConfigMap", "orders", "fresh").is_none(), "nothing applied");
        let (status, body) = cluster_call(&app, Method::POST, "open/apply", OPERATOR_TOKEN, Some(json!({"yaml": "kind: ConfigMap\n"}))).await;
        assert_error(status, &body, 422, "invalid_manifest");

        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec: {containers: [{name: sh, image: busybox}]}\n";
        let both = format!("{first}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: fresh-ns}}\n---\n{pod}");
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": both}))).await;
        assert_eq!(status, 200, "{body}");
        let actions: Vec<(&str, &str, Option<&str>)> = body["items"].as_array().unwrap().iter()
            .map(|i| (i["kind"].as_str().unwrap(), i["action"].as_str().unwrap(), i["namespace"].as_str())).collect();
        assert_eq!(actions, vec![("ConfigMap", "created", Some("orders")), ("Namespace", "created", None), ("Pod", "created", Some("orders"))]);
        assert!(sim.get("v1", "ConfigMap", "orders", "fresh").is_some());
        assert_eq!(sim.get("v1", "Pod", "orders", "debug").unwrap()["spec"]["containers"][0]["image"], "busybox");
        let (_, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": both}))).await;
        assert_eq!(body["items"][0]["action"], "unchanged", "{body}");
        assert_eq!(last_audit(&app, "apply").await["reason"], "ConfigMap/fresh,Namespace/fresh-ns,Pod/debug");
        app.stop().await;
    }

    async fn apply_answers_the_risk_guards_findings_under_warn(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: root-pod}\nspec: {containers: [{name: sh, image: 'busybox:1.36', securityContext: {privileged: true}}]}\n";
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": pod}))).await;
        assert_eq!(status, 200, "{body}");
        assert!(sim.get("v1", "Pod", "orders", "root-pod").is_some(), "warn applies");
        let guard = &body["riskGuard"];
        // The target version is the cluster's (the simulator says v1.33.1).
        assert_eq!(guard["kubernetesVersion"], "1.33", "{guard}");
        let privileged = guard["findings"].as_array().unwrap().iter().find(|f| f["check"] == "privileged_container").expect("privileged_container");
        assert_eq!((&privileged["blocking"], &privileged["container"], &privileged["path"]), (&json!(true), &json!("sh"), &json!("spec.containers[0].securityContext.privileged")));
        assert_eq!((&privileged["object"]["namespace"], &privileged["object"]["document"]), (&json!("orders"), &json!(1)));
        assert!(guard["blocking"].as_u64().unwrap() >= 1 && guard["score"].as_u64().unwrap() < 100, "{guard}");

        // A request may raise the policy to block: nothing is written, not even a dry run's check.
        let second = pod.replace("root-pod", "root-pod-2");
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders&riskGuard=block", OPERATOR_TOKEN, Some(json!({"yaml": second}))).await;
        assert_error(status, &body, 422, "risk_guard_blocked");
        let findings = body["details"]["findings"].as_array().unwrap();
        assert!(!findings.is_empty() && findings.iter().all(|f| f["blocking"] == true), "{body}");
        assert!(sim.get("v1", "Pod", "orders", "root-pod-2").is_none());
        assert_eq!(last_audit(&app, "apply").await["outcome"], "failure");
        // The object's own YAML apply holds to it too.
        let path = format!("open/{R}/core/v1/pods/orders/root-pod/yaml?riskGuard=block");
        let (status, body) = cluster_call(&app, Method::PUT, &path, OPERATOR_TOKEN, Some(json!({"yaml": pod}))).await;
        assert_error(status, &body, 422, "risk_guard_blocked");
        app.stop().await;
    }

    async fn apply_is_refused_by_the_risk_guard_under_block(db) {
        let sim = ops_sim().await;
        let mut s = with_secret_key(db);
        s.write_actions_enabled = true;
        s.risk_guard.policy = fleetdeck::incidents::risk_guard::Policy::Block;
        s.risk_guard.image_allowlist = vec!["ghcr.io/acme".into()];
        let app = TestApp::with(s).await;
        register_sim(&app, "open", &sim, "shared").await;
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n";
        // An image from outside the allowlist blocks, whatever the request asks (it may not lower the policy).
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: outsider}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  \
                   - {name: app, image: 'docker.io/someone/app:1.0', securityContext: {allowPrivilegeEscalation: false}}\n";
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders&riskGuard=off", OPERATOR_TOKEN, Some(json!({"yaml": format!("{config}---\n{pod}")}))).await;
        assert_error(status, &body, 422, "risk_guard_blocked");
        let checks: Vec<&str> = body["details"]["findings"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap()).collect();
        assert_eq!(checks, ["image_not_allowed"], "{body}");
        assert_eq!(body["details"]["findings"][0]["object"]["document"], 2);
        assert!(sim.get("v1", "ConfigMap", "orders", "fine").is_none(), "nothing applied");
        // An API the cluster's version no longer serves blocks (before the cluster is asked about the kind).
        let old = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: old}\nspec: {minAvailable: 1, selector: {matchLabels: {app: x}}}\n";
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": old}))).await;
        assert_error(status, &body, 422, "risk_guard_blocked");
        assert_eq!(body["details"]["findings"][0]["check"], "removed_api", "{body}");
        // What has no blocking finding is applied, its findings answered.
        let (status, body) = cluster_call(&app, Method::POST, "open/apply?namespace=orders", OPERATOR_TOKEN, Some(json!({"yaml": config}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((&body["riskGuard"]["score"], &body["riskGuard"]["blocking"]), (&json!(100), &json!(0)), "{body}");
        assert!(sim.get("v1", "ConfigMap", "orders", "fine").is_some());
        app.stop().await;
    }

    async fn a_secret_value_is_revealed_to_whom_may_get_it(db) {
        let sim = ops_sim().await;
        let app = app_with_sim(db, &sim, false).await;
        let path = "open/secrets/orders/db-creds/data/password";
        let (status, body) = cluster_call(&app, Method::GET, path, VIEWER_TOKEN, None).await;
        assert_error(status, &body, 403, "forbidden");
        let r = app.bearer(Method::GET, &format!("/api/clusters/{path}"), OPERATOR_TOKEN).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store");
        let (status, body) = json(r).await;
        assert_eq!((status, body), (200, json!({"key": "password", "value": "hunter2", "encoding": "utf-8"})));
        let row = last_audit(&app, "secret_reveal").await;
        assert_eq!(audit_fields(&row), ("success".into(), "open".into(), "orders".into(), "db-creds".into()));
        assert_eq!(row["reason"], "key=password");
        assert!(!row.to_string().contains("hunter2"));
        let (_, body) = cluster_call(&app, Method::GET, "open/secrets/orders/db-creds/data/blob", OPERATOR_TOKEN, None).await;
        assert_eq!((&body["value"], &body["encoding"]), (&json!("//8="), &json!("base64")));
        let (status, body) = cluster_call(&app, Method::GET, "open/secrets/orders/db-creds/data/nope", OPERATOR_TOKEN, None).await;
        assert_error(status, &body, 404, "key_not_found");

        // Impersonated: RBAC decides, for viewers too.
        let (status, body) = cluster_call(&app, Method::GET, "guarded/secrets/orders/db-creds/data/password", VIEWER_TOKEN, None).await;
        assert_error(status, &body, 403, "kube_forbidden");
        assert_eq!(last_audit(&app, "secret_reveal").await["outcome"], "denied");
        sim.add_rule(Rule::group("fleetdeck:viewers", &["get"], &[""], &["secrets"], &["orders"]));
        let (status, body) = cluster_call(&app, Method::GET, "guarded/secrets/orders/db-creds/data/password", VIEWER_TOKEN, None).await;
        assert_eq!((status, &body["value"]), (200, &json!("hunter2")));
        app.stop().await;
    }
}

/// The newest row of a drain that ran, with `outcome`, waiting for it: it is written when the
/// drain ends.
async fn wait_for_drain(app: &TestApp, outcome: &str) -> Value {
    for _ in 0..100 {
        let rows = app.audit(&format!("verb=drain&outcome={outcome}")).await;
        if let Some(row) = rows
            .into_iter()
            .find(|r| r["reason"].as_str().is_some_and(|r| r.starts_with("evicted=")))
        {
            return row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {outcome} drain audit row");
}

/// Every action refused by each gate, with its audit outcome; an apiserver failure is a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_passes_the_three_gates() {
    let actions: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::DELETE,
            format!("{R}/core/v1/configmaps/orders/settings"),
            None,
            "delete",
        ),
        (
            Method::POST,
            format!("{R}/core/v1/pods/orders/api-7c9b4-a/restart"),
            None,
            "restart",
        ),
        (
            Method::POST,
            format!("{R}/apps/v1/deployments/orders/api/rollback"),
            Some(json!({})),
            "rollback",
        ),
        (
            Method::POST,
            format!("{R}/batch/v1/cronjobs/orders/report/trigger"),
            None,
            "trigger",
        ),
        (Method::POST, format!("{R}/core/v1/nodes/node-9/cordon"), None, "cordon"),
        (
            Method::POST,
            format!("{R}/core/v1/nodes/node-9/uncordon"),
            None,
            "uncordon",
        ),
        (
            Method::POST,
            format!("{R}/core/v1/nodes/node-9/drain"),
            Some(json!({"deleteEmptyDirData": true})),
            "drain",
        ),
        (
            Method::PUT,
            format!("{R}/core/v1/configmaps/orders/settings/yaml"),
            Some(json!({"yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n"})),
            "apply",
        ),
        (
            Method::POST,
            "apply".to_string(),
            Some(json!({"yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: orders}\n"})),
            "apply",
        ),
    ];
    let sim = ops_sim().await;

    let db = TestDb::sqlite().await;
    let closed = app_with_sim(&db, &sim, false).await;
    for (method, path, body, verb) in &actions {
        let (status, answer) = cluster_call(
            &closed,
            method.clone(),
            &format!("open/{path}"),
            ADMIN_TOKEN,
            body.clone(),
        )
        .await;
        assert_error(status, &answer, 403, "write_actions_disabled");
        assert_eq!(last_audit(&closed, verb).await["outcome"], "denied", "{verb}");
    }
    closed.stop().await;

    let db = TestDb::sqlite().await;
    let app = app_with_sim(&db, &sim, true).await;
    for (method, path, body, verb) in &actions {
        let (status, answer) = cluster_call(
            &app,
            method.clone(),
            &format!("open/{path}"),
            VIEWER_TOKEN,
            body.clone(),
        )
        .await;
        assert_error(status, &answer, 403, "forbidden");
        assert_eq!(last_audit(&app, verb).await["outcome"], "denied", "{verb}");
        // Operators have no Kubernetes rights of their own in the simulator.
        let (status, answer) = cluster_call(
            &app,
            method.clone(),
            &format!("guarded/{path}"),
            OPERATOR_TOKEN,
            body.clone(),
        )
        .await;
        assert_error(status, &answer, 403, "kube_forbidden");
        let row = last_audit(&app, verb).await;
        assert_eq!(
            (&row["outcome"], &row["cluster"]),
            (&json!("denied"), &json!("guarded")),
            "{verb}: {row}"
        );
    }
    assert!(
        sim.get("v1", "ConfigMap", "orders", "settings").is_some(),
        "nothing changed"
    );
    assert!(
        sim.get("v1", "Pod", "orders", "api-7c9b4-a").is_some(),
        "nothing changed"
    );

    // The apiserver failing is a failure.
    sim.fail_resource("", "configmaps", 500, "etcd is on fire");
    let (status, body) = cluster_call(
        &app,
        Method::DELETE,
        &format!("open/{R}/core/v1/configmaps/orders/settings"),
        OPERATOR_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(last_audit(&app, "delete").await["outcome"], "failure");
    sim.clear_faults();

    // A namespaced object named like a node action is still readable.
    let mut named = sim.get("v1", "ConfigMap", "orders", "settings").unwrap();
    named["metadata"] = json!({"name": "drain", "namespace": "orders"});
    sim.create_or_update(named).unwrap();
    let (status, body) = cluster_call(
        &app,
        Method::GET,
        &format!("open/{R}/core/v1/configmaps/orders/drain"),
        VIEWER_TOKEN,
        None,
    )
    .await;
    assert_eq!((status, &body["metadata"]["name"]), (200, &json!("drain")), "{body}");
    app.stop().await;
    db.cleanup().await;
}
