//! Incidents and postmortems through the API, on both backends: opening from findings written
//! through the store (title, severity and the matched runbook's steps), the detail and its
//! timeline, notes, steps, resolving and the read-only afterwards, the replay, the evidence
//! bundle (JSON and Markdown, without env values), postmortems, roles, bad inputs with their
//! codes, keyset pages, and the audit rows a timeline shows to whom.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use fleetdeck::audit::model::{AuditEvent, Outcome};
use fleetdeck::store::Store;
use fleetdeck::store::findings::FindingWrite;
use kubesim::Rule;
use reqwest::Method;
use serde_json::{Value, json};

/// A finding as the analyzers store it; the container evidence also carries an `env` list, which
/// no analyzer writes, to show that nothing outside the finding's fields is ever served.
fn finding_body(id: &str, class: &str, severity: &str, kind: &str, name: &str, event_at: DateTime<Utc>) -> Value {
    json!({
        "id": id, "cluster": "prod",
        "object": {"apiVersion": "v1", "kind": kind, "namespace": "shop", "name": name},
        "class": class, "severity": severity, "title": format!("{name}: {class}"),
        "explanation": "It keeps failing.",
        "evidence": {
            "containers": [{"name": "app", "image": "shop/api:1.2", "state": "waiting", "reason": "CrashLoopBackOff",
                            "ready": false, "restarts": 7, "lastExitCode": 1,
                            "env": [{"name": "DB_PASSWORD", "value": "hunter2-secret"}]}],
            "events": [{"reason": "BackOff", "message": "Back-off restarting failed container", "count": 7,
                        "lastSeen": event_at}],
            "related": [], "facts": {"restarts": "7"}, "logs": []
        },
        "remediations": ["restart"]
    })
}

async fn write_finding(
    store: &Store,
    id: &str,
    class: &str,
    severity: &str,
    kind: &str,
    name: &str,
    at: DateTime<Utc>,
) {
    write_finding_in(store, "prod", "shop", id, (class, severity, kind, name), at).await;
}

/// A finding about `kind` `name` in `namespace` of `cluster`.
async fn write_finding_in(
    store: &Store,
    cluster: &str,
    namespace: &str,
    id: &str,
    (class, severity, kind, name): (&str, &str, &str, &str),
    at: DateTime<Utc>,
) {
    let mut body = finding_body(id, class, severity, kind, name, at + Duration::minutes(5));
    body["cluster"] = json!(cluster);
    body["object"]["namespace"] = json!(namespace);
    let write = FindingWrite {
        id,
        cluster,
        namespace,
        kind,
        name,
        class,
        severity,
        body: &body,
    };
    store.write_findings(&[write], &[], at).await.unwrap();
}

async fn create_runbook(app: &TestApp, title: &str, body: &str, classes: &[&str]) -> String {
    let req = json!({"title": title, "body": body, "classes": classes});
    let (status, rb) = call(app, Method::POST, "/api/memory/runbooks", OPERATOR_TOKEN, Some(req)).await;
    assert_eq!(status, 201, "{rb}");
    rb["id"].as_str().unwrap().to_string()
}

fn kinds(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["source"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect()
}

fn sorted(timeline: &Value) -> bool {
    let at: Vec<DateTime<Utc>> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    at.windows(2).all(|w| w[0] <= w[1])
}

on_both_backends! {
    async fn an_incident_is_opened_worked_resolved_and_written_up(db) {
        let app = TestApp::start(db).await;
        let store = db.store().await;
        let t0 = fleetdeck::store::now() - Duration::minutes(30);
        write_finding(&store, "f-svc", "service_no_ready_endpoints", "warning", "Service", "api", t0).await;
        write_finding(&store, "f-crash", "pod_crash_loop", "critical", "Pod", "api-1", t0 + Duration::minutes(2)).await;
        let crash = create_runbook(&app, "Crash loops", "# Crash loop\n1. Not this\n- [ ] Read the previous logs\n  kubectl logs -p\n- [ ] Roll back", &["pod_crash_loop"]).await;
        create_runbook(&app, "Endpoints", "- [ ] Check the selector", &["service_no_ready_endpoints"]).await;
        create_runbook(&app, "Nodes", "- [ ] Drain", &["node_not_ready"]).await;

        // Viewers read; operators open.
        let req = json!({"findingIds": ["f-svc", "f-crash", "f-svc"], "summary": "Checkout fails"});
        let (status, e) = call(&app, Method::POST, "/api/incidents", VIEWER_TOKEN, Some(req.clone())).await;
        assert_eq!(status, 403, "{e}");
        let (status, inc) = call(&app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(req)).await;
        assert_eq!(status, 201, "{inc}");
        let id = inc["id"].as_str().unwrap().to_string();
        // The most severe finding's title and severity; the runbook of its class, its task list as steps.
        assert_eq!((inc["title"].as_str(), inc["severity"].as_str(), inc["state"].as_str()),
                   (Some("api-1: pod_crash_loop"), Some("critical"), Some("open")));
        assert_eq!(inc["runbook"], json!({"id": crash, "title": "Crash loops"}));
        let steps: Vec<&str> = inc["steps"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
        assert_eq!(steps, ["Read the previous logs", "Roll back"]);
        assert_eq!((inc["steps"][0]["step"].as_i64(), inc["steps"][0]["detail"].as_str(), inc["steps"][0]["state"].as_str()),
                   (Some(1), Some("kubectl logs -p"), Some("pending")));
        let ids: Vec<&str> = inc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["f-svc", "f-crash"]);
        assert!(inc["findings"][1]["firstSeen"].is_string() && inc["findings"][1]["resolvedAt"].is_null(), "{inc}");
        let timeline = kinds(&inc["timeline"]);
        assert_eq!(&timeline[..2], ["finding:finding_seen", "finding:finding_seen"]);
        for want in ["event:BackOff", "incident:opened", "incident:finding_linked"] {
            assert!(timeline.iter().any(|k| k == want), "{want} in {timeline:?}");
        }
        assert!(sorted(&inc["timeline"]));

        // The list: newest first, filtered.
        let list = |q: &'static str| { let app = &app; async move { call(app, Method::GET, &format!("/api/incidents?{q}"), VIEWER_TOKEN, None).await } };
        for (q, n) in [("", 1), ("state=open", 1), ("severity=critical", 1), ("cluster=prod", 1), ("cluster=staging", 0),
                       ("state=resolved", 0), ("severity=info", 0)] {
            let (status, l) = list(q).await;
            assert_eq!((status, l["items"].as_array().unwrap().len()), (200, n), "{q}: {l}");
        }
        let (status, got) = call(&app, Method::GET, &format!("/api/incidents/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!((status, got["id"].as_str()), (200, Some(id.as_str())));

        // Notes and steps.
        let notes = format!("/api/incidents/{id}/notes");
        let (status, note) = call(&app, Method::POST, &notes, OPERATOR_TOKEN, Some(json!({"body": "Logs say **OOM**"}))).await;
        assert_eq!(status, 201, "{note}");
        assert_eq!((note["author"].as_str(), note["body"].as_str()), (Some("token:operator"), Some("Logs say **OOM**")));
        let (status, e) = call(&app, Method::POST, &notes, OPERATOR_TOKEN, Some(json!({"body": "  "}))).await;
        assert_error(status, &e, 422, "invalid_note");
        let (status, _) = call(&app, Method::POST, &notes, VIEWER_TOKEN, Some(json!({"body": "x"}))).await;
        assert_eq!(status, 403);
        let step = |n: &str| format!("/api/incidents/{id}/steps/{n}");
        let (status, s) = call(&app, Method::PATCH, &step("1"), OPERATOR_TOKEN, Some(json!({"state": "done", "note": "seen"}))).await;
        assert_eq!(status, 200, "{s}");
        assert_eq!((s["state"].as_str(), s["note"].as_str(), s["updatedBy"].as_str()), (Some("done"), Some("seen"), Some("token:operator")));
        let (status, s) = call(&app, Method::PATCH, &step("2"), OPERATOR_TOKEN, Some(json!({"state": "skipped"}))).await;
        assert_eq!((status, s["state"].as_str()), (200, Some("skipped")));
        let (status, e) = call(&app, Method::PATCH, &step("9"), OPERATOR_TOKEN, Some(json!({"state": "done"}))).await;
        assert_error(status, &e, 404, "step_not_found");
        let (status, e) = call(&app, Method::PATCH, &step("1"), OPERATOR_TOKEN, Some(json!({}))).await;
        assert_error(status, &e, 422, "invalid_step");
        let (status, e) = call(&app, Method::PATCH, &step("1"), OPERATOR_TOKEN, Some(json!({"state": "finished"}))).await;
        assert_error(status, &e, 400, "invalid_body");
        let (status, e) = call(&app, Method::PATCH, "/api/incidents/nope/steps/1", OPERATOR_TOKEN, Some(json!({"state": "done"}))).await;
        assert_error(status, &e, 404, "incident_not_found");
        let (status, e) = call(&app, Method::GET, "/api/incidents/nope", VIEWER_TOKEN, None).await;
        assert_error(status, &e, 404, "incident_not_found");
        let noted_at: DateTime<Utc> = note["at"].as_str().unwrap().parse().unwrap();

        // Resolve; then it is read-only.
        let resolve = format!("/api/incidents/{id}/resolve");
        let (status, e) = call(&app, Method::POST, &resolve, OPERATOR_TOKEN, Some(json!({"resolution": ""}))).await;
        assert_error(status, &e, 422, "invalid_resolution");
        let (status, done) = call(&app, Method::POST, &resolve, OPERATOR_TOKEN, Some(json!({"resolution": "Rolled back"}))).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!((done["state"].as_str(), done["resolution"].as_str(), done["resolvedBy"].as_str()),
                   (Some("resolved"), Some("Rolled back"), Some("token:operator")));
        let (status, e) = call(&app, Method::POST, &resolve, OPERATOR_TOKEN, Some(json!({"resolution": "again"}))).await;
        assert_error(status, &e, 409, "incident_resolved");
        let (status, e) = call(&app, Method::PATCH, &step("1"), OPERATOR_TOKEN, Some(json!({"state": "pending"}))).await;
        assert_error(status, &e, 409, "incident_resolved");
        let (status, e) = call(&app, Method::POST, &notes, OPERATOR_TOKEN, Some(json!({"body": "late"}))).await;
        assert_error(status, &e, 409, "incident_resolved");
        let timeline = kinds(&done["timeline"]);
        assert_eq!(timeline.iter().filter(|k| *k == "note:note").count(), 1, "{timeline:?}");
        assert_eq!(timeline.iter().filter(|k| *k == "incident:step_changed").count(), 2, "{timeline:?}");
        assert_eq!(timeline.last().map(String::as_str), Some("incident:resolved"));

        // The replay: entries in order, offsets from the first finding, the state after each.
        let (status, r) = call(&app, Method::GET, &format!("/api/incidents/{id}/replay"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{r}");
        let entries = r["entries"].as_array().unwrap();
        assert_eq!(entries.len(), done["timeline"].as_array().unwrap().len());
        assert!(sorted(&r["entries"]));
        assert_eq!((entries[0]["offsetMs"].as_i64(), entries[0]["state"]["openFindings"].as_i64()), (Some(0), Some(1)));
        assert_eq!(r["state"], json!({"phase": "resolved", "openFindings": 2, "stepsDone": 1, "stepsTotal": 2}));
        let offsets: Vec<i64> = entries.iter().map(|e| e["offsetMs"].as_i64().unwrap()).collect();
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
        let at = noted_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true).replace('+', "%2B");
        let (status, then) = call(&app, Method::GET, &format!("/api/incidents/{id}/replay?at={at}"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{then}");
        assert!(then["entries"].as_array().unwrap().len() < entries.len());
        assert_eq!(then["entries"].as_array().unwrap().last().unwrap()["source"], "note");
        assert_eq!(then["state"], json!({"phase": "open", "openFindings": 2, "stepsDone": 0, "stepsTotal": 2}));
        let (status, e) = call(&app, Method::GET, &format!("/api/incidents/{id}/replay?at=yesterday"), VIEWER_TOKEN, None).await;
        assert_error(status, &e, 400, "invalid_query");

        // The postmortem.
        let pm_path = format!("/api/incidents/{id}/postmortem");
        let pm = json!({"summary": "Checkout was down", "impactStart": t0, "impactEnd": t0 + Duration::minutes(20),
            "rootCause": "A bad release", "actions": [{"title": "Add a canary", "owner": "sre"}], "remediationIds": ["rem-1"]});
        let mut backwards = pm.clone();
        backwards["impactEnd"] = json!(t0 - Duration::minutes(1));
        let (status, e) = call(&app, Method::POST, &pm_path, OPERATOR_TOKEN, Some(backwards)).await;
        assert_error(status, &e, 422, "invalid_postmortem");
        let (status, _) = call(&app, Method::POST, &pm_path, VIEWER_TOKEN, Some(pm.clone())).await;
        assert_eq!(status, 403);
        let (status, e) = call(&app, Method::POST, "/api/incidents/nope/postmortem", OPERATOR_TOKEN, Some(pm.clone())).await;
        assert_error(status, &e, 404, "incident_not_found");
        let (status, written) = call(&app, Method::POST, &pm_path, OPERATOR_TOKEN, Some(pm.clone())).await;
        assert_eq!(status, 201, "{written}");
        assert_eq!(written["actions"], json!([{"title": "Add a canary", "owner": "sre", "done": false}]));
        assert_eq!(written["remediationIds"], json!(["rem-1"]));
        assert_eq!(written["timeline"], done["timeline"]);
        let mut again = pm.clone();
        again["rootCause"] = json!("A bad release without a canary");
        let (status, rewritten) = call(&app, Method::POST, &pm_path, OPERATOR_TOKEN, Some(again)).await;
        assert_eq!(status, 200, "{rewritten}");
        assert_eq!((rewritten["id"].clone(), rewritten["createdAt"].clone()), (written["id"].clone(), written["createdAt"].clone()));
        let pm_id = written["id"].as_str().unwrap().to_string();
        let (status, got) = call(&app, Method::GET, &format!("/api/postmortems/{pm_id}"), VIEWER_TOKEN, None).await;
        assert_eq!((status, got["rootCause"].as_str()), (200, Some("A bad release without a canary")));
        // The incident's detail carries it, so the workbench shows it without another request.
        let (status, d) = call(&app, Method::GET, &format!("/api/incidents/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!((status, &d["postmortem"]["id"]), (200, &json!(pm_id)), "{d}");
        let (status, l) = call(&app, Method::GET, "/api/postmortems", VIEWER_TOKEN, None).await;
        assert_eq!((status, l["items"].as_array().unwrap().len()), (200, 1), "{l}");
        let (status, e) = call(&app, Method::GET, "/api/postmortems/nope", VIEWER_TOKEN, None).await;
        assert_error(status, &e, 404, "postmortem_not_found");

        // The evidence bundle: JSON and Markdown, never an env value.
        let (status, bundle) = call(&app, Method::GET, &format!("/api/incidents/{id}/evidence"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{bundle}");
        assert_eq!(bundle["incident"]["id"].as_str(), Some(id.as_str()));
        assert_eq!(bundle["findings"][1]["evidence"]["containers"][0]["lastExitCode"].as_i64(), Some(1), "{bundle}");
        assert_eq!(bundle["steps"].as_array().unwrap().len(), 2);
        assert_eq!(bundle["notes"][0]["body"].as_str(), Some("Logs say **OOM**"));
        assert_eq!(bundle["postmortem"]["id"].as_str(), Some(pm_id.as_str()));
        assert!(bundle["generatedAt"].is_string() && bundle["timeline"].as_array().unwrap().len() > 5);
        let r = app.bearer(Method::GET, &format!("/api/incidents/{id}/evidence?format=markdown"), VIEWER_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
        assert_eq!(r.headers()["content-disposition"].to_str().unwrap(), format!("attachment; filename=\"incident-{id}-evidence.md\""));
        let md = r.text().await.unwrap();
        for want in ["# Incident: api-1: pod_crash_loop", "## Findings (2)", "## Steps", "1. [x] Read the previous logs — seen",
                     "## Notes", "> Logs say **OOM**", "## Timeline", "## Postmortem", "- [ ] Add a canary (sre)"] {
            assert!(md.contains(want), "{want:?} in\n{md}");
        }
        assert!(!bundle.to_string().contains("hunter2") && !md.contains("hunter2") && !bundle.to_string().contains("DB_PASSWORD"),
                "an env value leaked");
        let (status, e) = call(&app, Method::GET, &format!("/api/incidents/{id}/evidence?format=pdf"), VIEWER_TOKEN, None).await;
        assert_error(status, &e, 400, "invalid_query");

        // Every write left its audit row.
        for (verb, kind) in [("create", "incident"), ("note", "incident"), ("step_update", "incident"), ("resolve", "incident")] {
            let rows = app.audit(&format!("verb={verb}&name={id}")).await;
            assert!(rows.iter().any(|r| r["resourceType"] == kind && r["outcome"] == "success"), "{verb}: {rows:?}");
        }
        let rows = app.audit(&format!("verb=write&name={pm_id}")).await;
        assert_eq!(rows.iter().filter(|r| r["resourceType"] == "postmortem").count(), 2, "{rows:?}");
        store.close().await;
        app.stop().await;
    }

    async fn bad_inputs_manual_incidents_and_pages(db) {
        let app = TestApp::start(db).await;
        let store = db.store().await;
        write_finding(&store, "f-node", "node_not_ready", "critical", "Node", "node-1", fleetdeck::store::now()).await;
        let post = |body: Value| { let app = &app; async move { call(app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(body)).await } };
        for (body, status, code) in [
            (json!({}), 422, "invalid_incident"),
            (json!({"title": "  "}), 422, "invalid_incident"),
            (json!({"title": "x".repeat(201)}), 422, "invalid_incident"),
            (json!({"title": "t", "summary": "x".repeat(16 * 1024 + 1)}), 422, "invalid_incident"),
            (json!({"findingIds": ["nope"]}), 422, "unknown_finding"),
            (json!({"findingIds": ["f-node", "nope"]}), 422, "unknown_finding"),
            (json!({"title": "t", "runbookId": "nope"}), 422, "unknown_runbook"),
            (json!({"title": "t", "severity": "huge"}), 400, "invalid_body"),
            (json!({"title": "t", "extra": 1}), 400, "invalid_body"),
        ] {
            let (got, e) = post(body.clone()).await;
            assert_error(got, &e, status, code);
        }
        let (_, list) = call(&app, Method::GET, "/api/incidents", VIEWER_TOKEN, None).await;
        assert_eq!(list["items"], json!([]), "nothing was half-written");

        // By hand: severity warning, no findings; the runbook given, its ordered list as steps.
        let runbook = create_runbook(&app, "Generic", "Do this:\n\n1. Look around\n2. Write it down\n", &[]).await;
        let (status, manual) = post(json!({"title": "Slow checkout", "runbookId": runbook})).await;
        assert_eq!(status, 201, "{manual}");
        assert_eq!((manual["severity"].as_str(), manual["findings"].as_array().unwrap().len()), (Some("warning"), 0));
        let steps: Vec<&str> = manual["steps"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
        assert_eq!(steps, ["Look around", "Write it down"]);
        // From a finding whose class no runbook is for: no steps; the given title and severity win.
        let (status, node) = post(json!({"findingIds": ["f-node"], "title": "Node down", "severity": "info"})).await;
        assert_eq!(status, 201, "{node}");
        assert_eq!((node["title"].as_str(), node["severity"].as_str()), (Some("Node down"), Some("info")));
        assert!(node["runbook"].is_null() && node["steps"] == json!([]), "{node}");
        let (status, third) = post(json!({"title": "Third"})).await;
        assert_eq!(status, 201, "{third}");

        // Keyset pages, newest first.
        let (status, page) = call(&app, Method::GET, "/api/incidents?limit=2", VIEWER_TOKEN, None).await;
        assert_eq!(status, 200);
        let titles = |p: &Value| p["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(titles(&page), ["Third", "Node down"]);
        let next = page["continue"].as_str().unwrap().to_string();
        let (_, rest) = call(&app, Method::GET, &format!("/api/incidents?limit=2&continue={next}"), VIEWER_TOKEN, None).await;
        assert_eq!(titles(&rest), ["Slow checkout"]);
        assert!(rest["continue"].is_null(), "{rest}");
        for (q, code) in [("limit=0", "invalid_query"), ("limit=501", "invalid_query"), ("continue=zzz", "invalid_continue"),
                          ("state=closed", "invalid_query")] {
            let (status, e) = call(&app, Method::GET, &format!("/api/incidents?{q}"), VIEWER_TOKEN, None).await;
            assert_error(status, &e, 400, code);
        }
        let (status, e) = call(&app, Method::GET, "/api/postmortems?continue=zzz", VIEWER_TOKEN, None).await;
        assert_error(status, &e, 400, "invalid_continue");
        store.close().await;
        app.stop().await;
    }

    async fn timeline_audit_rows_are_shown_to_admins_and_their_actors(db) {
        let app = TestApp::start(db).await;
        let store = db.store().await;
        let now = fleetdeck::store::now();
        write_finding(&store, "f-crash", "pod_crash_loop", "critical", "Pod", "api-1", now - Duration::minutes(20)).await;
        let row = |id: &str, actor: &str, minutes_ago: i64, name: &str| AuditEvent {
            id: id.into(), at: now - Duration::minutes(minutes_ago), actor: actor.into(), actor_method: "token".into(),
            verb: "delete".into(), resource_type: "pod".into(), cluster: Some("prod".into()), namespace: Some("shop".into()),
            name: Some(name.into()), outcome: Outcome::Success, http_status: 200, request_id: format!("req-{id}"),
            client_ip: "127.0.0.1".into(), reason: None,
        };
        for r in [
            row("a-admin", "token:admin", 50, "api-1"),
            row("a-operator", "token:operator", 10, "api-1"),
            // Before the hour that leads up to the first finding, and about another object.
            row("a-old", "token:admin", 90, "api-1"),
            row("a-other", "token:admin", 10, "web-1"),
        ] {
            store.insert_audit(&r).await.unwrap();
        }
        let (status, inc) = call(&app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(json!({"findingIds": ["f-crash"]}))).await;
        assert_eq!(status, 201, "{inc}");
        let id = inc["id"].as_str().unwrap();
        let audit_ids = |detail: &Value| -> Vec<String> {
            detail["timeline"].as_array().unwrap().iter().filter(|e| e["source"] == "audit")
                .map(|e| e["detail"]["requestId"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(audit_ids(&inc), ["req-a-operator"], "the operator sees only their own");
        let (_, as_viewer) = call(&app, Method::GET, &format!("/api/incidents/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!(audit_ids(&as_viewer), Vec::<String>::new());
        let (_, as_admin) = call(&app, Method::GET, &format!("/api/incidents/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!(audit_ids(&as_admin), ["req-a-admin", "req-a-operator"]);
        let entry = as_admin["timeline"].as_array().unwrap().iter().find(|e| e["source"] == "audit").unwrap();
        assert_eq!((entry["actor"].as_str(), entry["kind"].as_str()), (Some("token:admin"), Some("delete")));
        assert_eq!(entry["object"], json!({"cluster": "prod", "namespace": "shop", "name": "api-1"}));

        // A postmortem written by an admin keeps its rows, but shows them as the reader may see them.
        let pm = json!({"summary": "s", "impactStart": now, "impactEnd": now});
        let (status, written) = call(&app, Method::POST, &format!("/api/incidents/{id}/postmortem"), ADMIN_TOKEN, Some(pm)).await;
        assert_eq!(status, 201, "{written}");
        assert_eq!(audit_ids(&written), ["req-a-admin", "req-a-operator"]);
        let pm_id = written["id"].as_str().unwrap();
        let (_, read) = call(&app, Method::GET, &format!("/api/postmortems/{pm_id}"), OPERATOR_TOKEN, None).await;
        assert_eq!(audit_ids(&read), ["req-a-operator"]);
        let (_, bundle) = call(&app, Method::GET, &format!("/api/incidents/{id}/evidence"), VIEWER_TOKEN, None).await;
        assert_eq!(audit_ids(&bundle), Vec::<String>::new());
        assert_eq!(audit_ids(&bundle["postmortem"]), Vec::<String>::new());

        // Other work (remediation) records its events through the store; they join the timeline.
        let detail = json!({"title": "Restart proposed", "remediationId": "rem-1"});
        assert!(store.record_incident_event(id, "remediation_proposed", "token:operator", detail.clone()).await.unwrap());
        assert!(!store.record_incident_event("nope", "remediation_proposed", "token:operator", detail).await.unwrap());
        let (_, after) = call(&app, Method::GET, &format!("/api/incidents/{id}"), VIEWER_TOKEN, None).await;
        let last = after["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["source"].as_str(), last["kind"].as_str(), last["title"].as_str()),
                   (Some("incident"), Some("remediation_proposed"), Some("Restart proposed")), "{last}");
        assert_eq!((last["actor"].as_str(), last["detail"]["remediationId"].as_str()), (Some("token:operator"), Some("rem-1")));
        store.close().await;
        app.stop().await;
    }

    async fn findings_a_caller_may_not_see_are_unknown_to_them(db) {
        let sim = shop_sim().await;
        // On this impersonate cluster operators and viewers may list pods in shop only.
        sim.add_rule(Rule::group("fleetdeck:operators", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        sim.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        sim.add_rule(Rule::group("fleetdeck:admins", &["*"], &["*"], &["*"], &[]));
        let app = TestApp::with(with_secret_key(db)).await;
        register_sim(&app, "guarded", &sim, "impersonate").await;
        let store = db.store().await;
        let at = fleetdeck::store::now();
        write_finding_in(&store, "guarded", "shop", "f-shop", ("pod_crash_loop", "critical", "Pod", "api-1"), at).await;
        write_finding_in(&store, "guarded", "other", "f-other", ("pod_crash_loop", "critical", "Pod", "db-1"), at).await;

        let (status, e) = call(&app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(json!({"findingIds": ["f-other"]}))).await;
        assert_error(status, &e, 422, "unknown_finding");
        let (status, mine) = call(&app, Method::POST, "/api/incidents", OPERATOR_TOKEN, Some(json!({"findingIds": ["f-shop"]}))).await;
        assert_eq!(status, 201, "{mine}");

        // An admin opens one from both; a viewer sees only the finding (and its entries) in shop.
        let (status, both) = call(&app, Method::POST, "/api/incidents", ADMIN_TOKEN, Some(json!({"findingIds": ["f-shop", "f-other"]}))).await;
        assert_eq!((status, both["findings"].as_array().unwrap().len()), (201, 2), "{both}");
        let id = both["id"].as_str().unwrap();
        let (status, seen) = call(&app, Method::GET, &format!("/api/incidents/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{seen}");
        let ids: Vec<&str> = seen["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["f-shop"]);
        let objects: Vec<&Value> = seen["timeline"].as_array().unwrap().iter().filter_map(|e| e.get("object")).collect();
        assert!(!objects.is_empty() && objects.iter().all(|o| o["namespace"] == "shop"), "{objects:?}");

        // One opened only from what they may not see does not exist for them: not listed, 404
        // everywhere, nothing they can write to; its postmortem likewise.
        let (status, hidden) = call(&app, Method::POST, "/api/incidents", ADMIN_TOKEN, Some(json!({"findingIds": ["f-other"]}))).await;
        assert_eq!(status, 201, "{hidden}");
        let hidden = hidden["id"].as_str().unwrap();
        let pm = json!({"summary": "s", "impactStart": at, "impactEnd": at});
        let (status, written) = call(&app, Method::POST, &format!("/api/incidents/{hidden}/postmortem"), ADMIN_TOKEN, Some(pm)).await;
        assert_eq!(status, 201, "{written}");
        let (_, list) = call(&app, Method::GET, "/api/incidents", VIEWER_TOKEN, None).await;
        let listed: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert!(listed.contains(&id) && !listed.contains(&hidden), "{list}");
        let (_, list) = call(&app, Method::GET, "/api/incidents", ADMIN_TOKEN, None).await;
        assert!(list["items"].as_array().unwrap().iter().any(|i| i["id"] == hidden), "admins see it: {list}");
        for path in ["", "/replay", "/evidence"] {
            let (status, e) = call(&app, Method::GET, &format!("/api/incidents/{hidden}{path}"), VIEWER_TOKEN, None).await;
            assert_error(status, &e, 404, "incident_not_found");
        }
        let (status, e) = call(&app, Method::POST, &format!("/api/incidents/{hidden}/notes"), OPERATOR_TOKEN, Some(json!({"body": "hi"}))).await;
        assert_error(status, &e, 404, "incident_not_found");
        let (status, e) = call(&app, Method::POST, &format!("/api/incidents/{hidden}/resolve"), OPERATOR_TOKEN, Some(json!({"resolution": "x"}))).await;
        assert_error(status, &e, 404, "incident_not_found");
        let (status, e) = call(&app, Method::GET, &format!("/api/postmortems/{}", written["id"].as_str().unwrap()), VIEWER_TOKEN, None).await;
        assert_error(status, &e, 404, "postmortem_not_found");
        let (_, pms) = call(&app, Method::GET, "/api/postmortems", VIEWER_TOKEN, None).await;
        assert_eq!(pms["items"], json!([]), "{pms}");
        store.close().await;
        app.stop().await;
    }
}
