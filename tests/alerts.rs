//! Alerting through the API, on both backends: a finding rule delivering to a real Alertmanager
//! and to local Slack, PagerDuty and signed-webhook receivers (the signature verified), dedup over
//! repeated evaluations, the repeat interval, acknowledgement stopping repeats, the resolution
//! sent when the finding clears; an SLO page rule; retries logged attempt by attempt; the SSRF
//! guard refusing internal URLs as channels are saved; secrets never in a response, an audit row
//! or the store in clear; visibility on an impersonate cluster; every bad input's code.

mod common;

use std::time::Duration;

use common::receivers::*;
use common::*;
use fleetdeck::config::Settings;
use fleetdeck::signals::alerts::dispatch::{Evaluation, evaluate};
use fleetdeck::signals::evaluator::WorkloadSlo;
use fleetdeck::signals::outbound::ssrf::AllowList;
use fleetdeck::signals::slo::{self, TargetSource, Totals, WINDOWS};
use fleetdeck::store::findings::FindingWrite;
use fleetdeck::store::workload_signals::{Replace, SLO, SignalRow};
use fleetdeck::store::{Db, Store};
use kubesim::Rule;
use reqwest::Method;
use serde_json::{Value, json};

/// Settings with a secret key and the dispatcher's loop off (the tests evaluate at their own
/// times); `allow` is the outbound allow-list.
fn alert_settings(db: &TestDb, allow: &str) -> Settings {
    let mut s = with_secret_key(db);
    s.alerting = false;
    s.outbound_allow_cidrs = AllowList::parse(allow).unwrap();
    s
}

/// The raw text of a response, for secret checks.
async fn text(app: &TestApp, path: &str, token: &str) -> String {
    let r = app.bearer(Method::GET, path, token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn create_channel(app: &TestApp, body: Value) -> String {
    let (status, c) = call(app, Method::POST, "/api/alerts/channels", ADMIN_TOKEN, Some(body)).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn create_rule(app: &TestApp, body: Value) -> Value {
    let (status, r) = call(app, Method::POST, "/api/alerts/rules", OPERATOR_TOKEN, Some(body)).await;
    assert_eq!(status, 201, "{r}");
    r
}

async fn write_finding(store: &Store, cluster: &str, namespace: &str, id: &str, severity: &str) {
    let body = json!({
        "id": id, "cluster": cluster,
        "object": {"apiVersion": "v1", "kind": "Pod", "namespace": namespace, "name": "api-1"},
        "class": "pod_crash_loop", "severity": severity, "title": format!("api-1 crash-loops ({id})"),
        "explanation": "api-1 restarted 12 times in 10 minutes.",
        "evidence": {"containers": [], "events": [], "related": [], "facts": {}, "logs": []},
        "remediations": []
    });
    let write = FindingWrite {
        id,
        cluster,
        namespace,
        kind: "Pod",
        name: "api-1",
        class: "pod_crash_loop",
        severity,
        body: &body,
    };
    store
        .write_findings(&[write], &[], fleetdeck::store::now())
        .await
        .unwrap();
}

async fn resolve_finding(store: &Store, id: &str) {
    store.write_findings(&[], &[id], fleetdeck::store::now()).await.unwrap();
}

async fn eval_at(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> Evaluation {
    evaluate(&app.server.state, at).await.unwrap()
}

fn evaluation(opened: usize, repeated: usize, resolved: usize, deliveries: usize) -> Evaluation {
    Evaluation {
        opened,
        repeated,
        resolved,
        deliveries,
    }
}

/// The alerts a token sees.
async fn alerts(app: &TestApp, query: &str, token: &str) -> Vec<Value> {
    let (status, list) = call(app, Method::GET, &format!("/api/alerts/lifecycle?{query}"), token, None).await;
    assert_eq!(status, 200, "{list}");
    list["alerts"].as_array().unwrap().clone()
}

/// Waits until `receiver` was sent `n` requests.
async fn received(receiver: &Receiver, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        let got = receiver.received();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver got {} requests, not {n}", receiver.received().len());
}

/// The audit rows of `resource_type=…` as JSON text, once there are `n`.
async fn audit_text(app: &TestApp, resource_type: &str, n: usize) -> String {
    for _ in 0..100 {
        let rows: Vec<Value> = app
            .audit("limit=500")
            .await
            .into_iter()
            .filter(|r| r["resourceType"] == resource_type)
            .collect();
        if rows.len() >= n {
            return serde_json::to_string(&rows).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} audit rows of {resource_type}");
}

/// SLO results as the evaluator keeps them in `workload_signals`, one per (name, status).
/// Stores the SLOs of `prod`'s Deployments in shop as the evaluator would: every window `ready` of
/// 1,000 replicas ready against 99.9 %, 985 paging (98.5 %), 995 ticketing, 1,000 ok.
async fn write_slos(store: &Store, rows: &[(&str, &str)]) {
    let at = fleetdeck::store::now();
    let rows: Vec<SignalRow> = rows
        .iter()
        .map(|(name, status)| {
            let ready = match *status {
                "page" => 985,
                "ticket" => 995,
                _ => 1000,
            };
            let totals = Totals { desired: 1000, ready };
            let figures = slo::evaluate(
                (99.9, TargetSource::Default),
                30 * 86400,
                totals,
                &[totals; WINDOWS.len()],
            );
            assert_eq!(figures.status.as_str(), *status);
            let item = WorkloadSlo {
                cluster: "prod".into(),
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: name.to_string(),
                slo: figures,
                last_sample_at: None,
                computed_at: at,
            };
            let key = ("shop".to_string(), "Deployment".to_string(), name.to_string());
            ("prod".to_string(), key, serde_json::to_string(&item).unwrap())
        })
        .collect();
    store
        .replace_workload_signals(SLO, at, Replace::Cluster("prod"), &rows)
        .await
        .unwrap();
}

const SLACK_SECRET: &str = "SLACKPATHSECRET";
const PD_SECRET: &str = "PDROUTINGSECRET";
const HOOK_SECRET: &str = "whsec_HOOKSECRET";

on_both_backends! {
    async fn a_finding_rule_reaches_every_channel_once_repeats_and_resolves(db) {
        let am = Alertmanager::start().await;
        let slack = Receiver::start(vec![ok()]).await;
        let pd = Receiver::start(vec![(202, vec![], r#"{"status":"success"}"#.into())]).await;
        let hook = Receiver::start(vec![ok()]).await;
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        let store = db.store().await;
        let channels = vec![
            create_channel(&app, json!({"name": "am", "kind": "alertmanager", "settings": {"url": am.url()}})).await,
            create_channel(&app, json!({"name": "slack", "kind": "slack",
                "webhookUrl": slack.url(&format!("/services/T0/B0/{SLACK_SECRET}"))})).await,
            create_channel(&app, json!({"name": "pd", "kind": "pagerduty",
                "settings": {"url": pd.url("/v2/enqueue")}, "routingKey": PD_SECRET})).await,
            create_channel(&app, json!({"name": "hook", "kind": "webhook",
                "settings": {"url": hook.url("/hook")}, "secret": HOOK_SECRET})).await,
        ];
        let rule = create_rule(&app, json!({"name": "crash loops", "channelIds": channels,
            "source": {"type": "finding", "minSeverity": "warning", "classes": ["pod_crash_loop"]}})).await;
        assert_eq!(rule["repeatInterval"], "4h");
        assert_eq!(rule["repeatIntervalSeconds"], 14400);
        assert_eq!(rule["enabled"], true);
        let (_, rules) = call(&app, Method::GET, "/api/alerts/rules", VIEWER_TOKEN, None).await;
        assert_eq!(rules["rules"].as_array().unwrap().len(), 1);

        write_finding(&store, "prod", "shop", "f-crash", "critical").await;
        write_finding(&store, "prod", "shop", "f-minor", "info").await;
        let t0 = fleetdeck::store::now();
        assert_eq!(eval_at(&app, t0).await, evaluation(1, 0, 0, 4));
        let firing = alerts(&app, "state=firing", VIEWER_TOKEN).await;
        assert_eq!(firing.len(), 1, "{firing:?}");
        let alert = &firing[0];
        let id = alert["id"].as_str().unwrap().to_string();
        assert_eq!(alert["ruleId"], rule["id"]);
        assert_eq!(alert["title"], "api-1 crash-loops (f-crash)");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["cluster"], "prod");
        assert_eq!(alert["namespace"], "shop");
        assert_eq!(alert["labels"]["finding"], "f-crash");

        // Alertmanager holds it, active, with our labels.
        let held = am.ours(&id).await;
        assert_eq!(held.len(), 1, "{held:?}");
        assert_eq!(held[0]["status"]["state"], "active");
        assert_eq!(held[0]["labels"]["cluster"], "prod");
        assert_eq!(held[0]["labels"]["namespace"], "shop");
        assert_eq!(held[0]["labels"]["severity"], "critical");
        assert_eq!(held[0]["annotations"]["summary"], "api-1 restarted 12 times in 10 minutes.");
        // Slack, PagerDuty, and the webhook with a signature its receiver verifies.
        let s = received(&slack, 1).await;
        assert_eq!(s[0].path, format!("/services/T0/B0/{SLACK_SECRET}"));
        assert!(s[0].json()["text"].as_str().unwrap().starts_with("[FIRING:critical] api-1 crash-loops"), "{}", s[0].json());
        let p = received(&pd, 1).await;
        assert_eq!(p[0].json()["event_action"], "trigger");
        assert_eq!(p[0].json()["routing_key"], PD_SECRET);
        assert_eq!(p[0].json()["dedup_key"], id.as_str());
        let h = received(&hook, 1).await;
        assert!(verify(HOOK_SECRET, &h[0].headers, &h[0].body));
        assert_eq!(h[0].json()["alert"]["id"], id.as_str());
        assert_eq!(h[0].json()["alert"]["state"], "firing");

        // Dedup: evaluated again, nothing is sent.
        assert_eq!(eval_at(&app, t0 + chrono::Duration::minutes(1)).await, evaluation(0, 0, 0, 0));
        assert_eq!(eval_at(&app, t0 + chrono::Duration::minutes(239)).await, evaluation(0, 0, 0, 0));
        assert_eq!(slack.received().len(), 1);
        // The repeat interval passed: sent again, once.
        assert_eq!(eval_at(&app, t0 + chrono::Duration::hours(4)).await, evaluation(0, 1, 0, 4));
        assert_eq!(eval_at(&app, t0 + chrono::Duration::hours(5)).await, evaluation(0, 0, 0, 0));
        assert_eq!(received(&slack, 2).await.len(), 2);
        assert_eq!(received(&pd, 2).await[1].json()["event_action"], "trigger");

        // Acknowledged: no repeat.
        let (status, acked) = call(&app, Method::POST, "/api/alerts/lifecycle", OPERATOR_TOKEN,
            Some(json!({"id": id, "action": "acknowledge", "note": "looking"}))).await;
        assert_eq!(status, 200, "{acked}");
        assert_eq!(acked["state"], "acknowledged");
        assert_eq!(acked["acknowledgedBy"], "token:operator");
        assert_eq!(acked["note"], "looking");
        assert!(acked["acknowledgedAt"].is_string());
        assert_eq!(eval_at(&app, t0 + chrono::Duration::hours(12)).await, evaluation(0, 0, 0, 0));
        assert_eq!(slack.received().len(), 2);

        // The finding clears: resolved, and every channel is told.
        resolve_finding(&store, "f-crash").await;
        assert_eq!(eval_at(&app, fleetdeck::store::now()).await, evaluation(0, 0, 1, 4));
        let s = received(&slack, 3).await;
        assert!(s[2].json()["text"].as_str().unwrap().starts_with("[RESOLVED:critical]"), "{}", s[2].json());
        assert_eq!(received(&pd, 3).await[2].json()["event_action"], "resolve");
        let h = received(&hook, 3).await;
        assert_eq!(h[2].json()["alert"]["state"], "resolved");
        assert!(h[2].json()["alert"]["endedAt"].is_string());
        for _ in 0..50 {
            if am.ours(&id).await.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(am.ours(&id).await, Vec::<Value>::new(), "Alertmanager still holds it as active");
        let resolved = alerts(&app, "state=resolved", VIEWER_TOKEN).await;
        assert_eq!(resolved.len(), 1);
        assert!(resolved[0].get("resolvedBy").is_none(), "{}", resolved[0]);
        assert_eq!(eval_at(&app, fleetdeck::store::now()).await, evaluation(0, 0, 0, 0));

        // The delivery log: 3 sends × 4 channels, each in one attempt.
        let (status, log) = call(&app, Method::GET, &format!("/api/alerts/deliveries?alert={id}"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{log}");
        let log = log["deliveries"].as_array().unwrap();
        assert_eq!(log.len(), 12);
        assert!(log.iter().all(|d| d["delivered"] == true && d["attempts"].as_array().unwrap().len() == 1), "{log:?}");
        assert_eq!(log.iter().filter(|d| d["state"] == "resolved").count(), 4);
        assert_eq!(log[0]["attempts"][0]["number"], 1);
        let (_, pd_log) = call(&app, Method::GET, &format!("/api/alerts/deliveries?channel={}&limit=2", channels[2]), OPERATOR_TOKEN, None).await;
        assert_eq!(pd_log["deliveries"].as_array().unwrap().len(), 2);
        assert_eq!(pd_log["deliveries"][0]["channelKind"], "pagerduty");
        assert_eq!(pd_log["deliveries"][0]["state"], "resolved");

        // Secrets: in no response, audit row, or stored in clear.
        let mut seen = String::new();
        seen += &text(&app, "/api/alerts/channels", OPERATOR_TOKEN).await;
        for c in &channels {
            seen += &text(&app, &format!("/api/alerts/channels/{c}"), OPERATOR_TOKEN).await;
        }
        seen += &text(&app, "/api/alerts/deliveries", OPERATOR_TOKEN).await;
        seen += &text(&app, "/api/alerts/lifecycle", OPERATOR_TOKEN).await;
        seen += &audit_text(&app, "alert_channel", 4).await;
        seen += &audit_text(&app, "alert", 1).await;
        let stored: Vec<(String, Option<String>)> = match &store.db {
            Db::Sqlite(pool) => sqlx::query_as("SELECT settings, sealed_secrets FROM alert_channels").fetch_all(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_as("SELECT settings, sealed_secrets FROM alert_channels").fetch_all(pool).await.unwrap(),
        };
        seen += &format!("{stored:?}");
        for secret in [SLACK_SECRET, PD_SECRET, HOOK_SECRET] {
            assert!(!seen.contains(secret), "{secret} was shown");
        }
        let (_, listed) = call(&app, Method::GET, "/api/alerts/channels", OPERATOR_TOKEN, None).await;
        let flags: Vec<(String, bool, bool, bool)> = listed["channels"].as_array().unwrap().iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["webhookUrlConfigured"].as_bool().unwrap(),
                      c["routingKeyConfigured"].as_bool().unwrap(), c["secretConfigured"].as_bool().unwrap()))
            .collect();
        assert_eq!(flags, vec![
            ("am".to_string(), false, false, false),
            ("hook".to_string(), false, false, true),
            ("pd".to_string(), false, true, false),
            ("slack".to_string(), true, false, false),
        ]);
        app.stop().await;
    }

    async fn an_slo_page_rule_fires_while_the_workload_pages(db) {
        let hook = Receiver::start(vec![ok()]).await;
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        let store = db.store().await;
        let channel = create_channel(&app, json!({"name": "hook", "kind": "webhook", "settings": {"url": hook.url("/")}})).await;
        let rule = create_rule(&app, json!({"name": "slo pages", "channelIds": [channel], "repeatInterval": "30m",
            "source": {"type": "slo", "clusters": ["prod"]}})).await;
        assert_eq!(rule["source"], json!({"type": "slo", "statuses": ["page"], "clusters": ["prod"], "namespaces": []}));
        write_slos(&store, &[("api", "page"), ("web", "ticket"), ("db", "ok")]).await;
        let t0 = fleetdeck::store::now();
        assert_eq!(eval_at(&app, t0).await, evaluation(1, 0, 0, 1));
        let open = alerts(&app, "", VIEWER_TOKEN).await;
        assert_eq!(open.len(), 1);
        assert_eq!(open[0]["title"], "SLO burn (page) of Deployment shop/api");
        assert_eq!(open[0]["severity"], "critical");
        assert_eq!(open[0]["labels"]["slo_status"], "page");
        let h = received(&hook, 1).await;
        assert!(h[0].headers.get("x-fleetdeck-signature").is_none(), "no secret, no signature");
        assert_eq!(h[0].json()["alert"]["summary"],
            "The error budget of Deployment shop/api burns fast (availability 98.500% for a target of 99.9%).");
        assert_eq!(eval_at(&app, t0 + chrono::Duration::minutes(31)).await, evaluation(0, 1, 0, 1));

        // api recovers (ticket only): resolved.
        write_slos(&store, &[("api", "ticket"), ("web", "ticket"), ("db", "ok")]).await;
        assert_eq!(eval_at(&app, t0 + chrono::Duration::minutes(32)).await, evaluation(0, 0, 1, 1));
        assert_eq!(received(&hook, 3).await[2].json()["alert"]["state"], "resolved");

        // A disabled rule raises nothing.
        let (status, _) = call(&app, Method::PUT, &format!("/api/alerts/rules/{}", rule["id"].as_str().unwrap()), OPERATOR_TOKEN,
            Some(json!({"name": "slo pages", "channelIds": [channel], "enabled": false,
                        "source": {"type": "slo", "statuses": ["page", "ticket"]}}))).await;
        assert_eq!(status, 200);
        assert_eq!(eval_at(&app, t0 + chrono::Duration::minutes(33)).await, evaluation(0, 0, 0, 0));
        app.stop().await;
    }

    async fn a_receiver_failing_twice_is_tried_three_times_and_logged(db) {
        let hook = Receiver::start(vec![
            (503, vec![], "busy".into()),
            (503, vec![], "busy".into()),
            ok(),
        ]).await;
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        let channel = create_channel(&app, json!({"name": "hook", "kind": "webhook", "settings": {"url": hook.url("/")}})).await;
        let (status, sent) = call(&app, Method::POST, "/api/alerts/dispatch", OPERATOR_TOKEN, Some(json!({
            "title": "Deploy window opens", "summary": "web is deployed at 14:00", "severity": "warning",
            "cluster": "prod", "labels": {"team": "web"}}))).await;
        assert_eq!(status, 200, "{sent}");
        assert_eq!(sent["alert"]["state"], "firing");
        assert!(sent["alert"].get("ruleId").is_none());
        let attempts = sent["deliveries"][0]["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 3, "{sent}");
        assert_eq!(attempts.iter().map(|a| a["status"].as_u64().unwrap()).collect::<Vec<_>>(), [503, 503, 200]);
        assert_eq!(attempts[0]["errorCode"], "receiver_error");
        assert_eq!(attempts[0]["message"], "the receiver answered 503: busy");
        assert!(attempts[2].get("errorCode").is_none());
        assert_eq!(sent["deliveries"][0]["delivered"], true);
        assert_eq!(hook.received().len(), 3);
        let (_, log) = call(&app, Method::GET, &format!("/api/alerts/deliveries?channel={channel}"), OPERATOR_TOKEN, None).await;
        assert_eq!(log["deliveries"][0]["attempts"].as_array().unwrap().len(), 3);
        assert_eq!(log["deliveries"][0]["channelName"], "hook");

        // Resolved by hand: the resolution is sent; it cannot be resolved or acknowledged again.
        let id = sent["alert"]["id"].as_str().unwrap();
        let (status, done) = call(&app, Method::POST, "/api/alerts/lifecycle", OPERATOR_TOKEN,
            Some(json!({"id": id, "action": "resolve"}))).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["resolvedBy"], "token:operator");
        assert_eq!(received(&hook, 4).await[3].json()["alert"]["state"], "resolved");
        for action in ["resolve", "acknowledge"] {
            let (status, e) = call(&app, Method::POST, "/api/alerts/lifecycle", OPERATOR_TOKEN,
                Some(json!({"id": id, "action": action}))).await;
            assert_error(status, &e, 409, "invalid_transition");
        }
        // The test route answers the attempts; a 400 is not retried.
        let bad = Receiver::start(vec![(400, vec![], "no".into())]).await;
        let other = create_channel(&app, json!({"name": "bad", "kind": "webhook", "enabled": false, "settings": {"url": bad.url("/")}})).await;
        let (status, result) = call(&app, Method::POST, "/api/alerts/test", ADMIN_TOKEN, Some(json!({"channelId": other}))).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["delivered"], false);
        assert_eq!(result["attempts"].as_array().unwrap().len(), 1);
        assert_eq!(result["attempts"][0]["errorCode"], "rejected");
        assert_eq!(bad.received()[0].json()["alert"]["title"], "Fleetdeck test alert");
        app.stop().await;
    }

    async fn internal_urls_are_refused_when_channels_are_saved(db) {
        let app = TestApp::with(alert_settings(db, "")).await;
        let am = |url: &str| json!({"name": "am", "kind": "alertmanager", "settings": {"url": url}});
        for (body, code) in [
            (am("http://127.0.0.1:9093"), "destination_not_allowed"),
            (am("http://localhost:9093"), "destination_not_allowed"),
            (am("http://[::1]:9093"), "destination_not_allowed"),
            (am("http://10.1.2.3/"), "destination_not_allowed"),
            (am("http://172.16.0.1/"), "destination_not_allowed"),
            (am("http://169.254.169.254/latest/meta-data/"), "destination_not_allowed"),
            (am("file:///etc/passwd"), "url_not_allowed"),
            (am("http://user:pw@example.com/"), "url_not_allowed"),
            (json!({"name": "s", "kind": "slack", "webhookUrl": "http://192.168.0.10/hook"}), "destination_not_allowed"),
            (json!({"name": "p", "kind": "pagerduty", "routingKey": "k", "settings": {"url": "http://127.0.0.1:1/"}}), "destination_not_allowed"),
            (json!({"name": "w", "kind": "webhook", "settings": {"url": "http://0.0.0.0:8080/"}}), "destination_not_allowed"),
            (json!({"name": "e", "kind": "email", "settings": {"host": "127.0.0.1", "from": "a@example.com", "to": ["b@example.com"]}}), "destination_not_allowed"),
        ] {
            let (status, e) = call(&app, Method::POST, "/api/alerts/channels", ADMIN_TOKEN, Some(body.clone())).await;
            assert_error(status, &e, 400, code);
            assert!(!e.to_string().contains("user:pw"), "{e}");
        }
        let (_, list) = call(&app, Method::GET, "/api/alerts/channels", ADMIN_TOKEN, None).await;
        assert_eq!(list["channels"], json!([]));
        app.stop().await;
    }

    async fn secrets_are_write_only_and_need_the_secret_key(db) {
        let hook = Receiver::start(vec![ok()]).await;
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        let body = |secret: Option<&str>| {
            let mut b = json!({"name": "hook", "kind": "webhook", "settings": {"url": hook.url("/")}});
            if let Some(s) = secret {
                b["secret"] = json!(s);
            }
            b
        };
        let id = create_channel(&app, body(Some("whsec_KEEPME"))).await;
        let path = format!("/api/alerts/channels/{id}");
        let (_, c) = call(&app, Method::GET, &path, OPERATOR_TOKEN, None).await;
        assert_eq!(c["secretConfigured"], true);
        assert_eq!(c["enabled"], true);
        // Omitted: kept (the test delivery is signed with it).
        let (status, c) = call(&app, Method::PUT, &path, ADMIN_TOKEN, Some(body(None))).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["secretConfigured"], true);
        let (_, result) = call(&app, Method::POST, "/api/alerts/test", ADMIN_TOKEN, Some(json!({"channelId": id}))).await;
        assert_eq!(result["delivered"], true, "{result}");
        let got = received(&hook, 1).await;
        assert!(verify("whsec_KEEPME", &got[0].headers, &got[0].body));
        // Empty: cleared.
        let (_, c) = call(&app, Method::PUT, &path, ADMIN_TOKEN, Some(body(Some("")))).await;
        assert_eq!(c["secretConfigured"], false);
        call(&app, Method::POST, "/api/alerts/test", ADMIN_TOKEN, Some(json!({"channelId": id}))).await;
        assert!(received(&hook, 2).await[1].headers.get("x-fleetdeck-signature").is_none());

        let tg = create_channel(&app, json!({"name": "tg", "kind": "telegram",
            "settings": {"url": "http://127.0.0.1:9/", "chatId": "-10042"}, "botToken": "123:TGSECRET"})).await;
        let shown = text(&app, &format!("/api/alerts/channels/{tg}"), OPERATOR_TOKEN).await;
        assert!(shown.contains("\"botTokenConfigured\":true") && !shown.contains("TGSECRET"), "{shown}");
        let shown = audit_text(&app, "alert_channel", 4).await;
        assert!(!shown.contains("TGSECRET") && !shown.contains("KEEPME"), "{shown}");

        // Roles: operators read, admins write; viewers do neither.
        let (status, e) = call(&app, Method::POST, "/api/alerts/channels", OPERATOR_TOKEN, Some(body(None))).await;
        assert_error(status, &e, 403, "forbidden");
        let (status, _) = call(&app, Method::GET, "/api/alerts/channels", VIEWER_TOKEN, None).await;
        assert_eq!(status, 403);
        let (status, _) = call(&app, Method::GET, "/api/alerts/deliveries", VIEWER_TOKEN, None).await;
        assert_eq!(status, 403);
        let (status, _) = call(&app, Method::POST, "/api/alerts/test", OPERATOR_TOKEN, Some(json!({"channelId": id}))).await;
        assert_eq!(status, 403);
        app.stop().await;

        // Without a secret key: a channel with a secret is refused, one without is fine.
        let mut plain = settings(db);
        plain.alerting = false;
        plain.alert_delivery = false;
        plain.outbound_allow_cidrs = AllowList::parse("127.0.0.1/32").unwrap();
        let app = TestApp::with(plain).await;
        let (status, e) = call(&app, Method::POST, "/api/alerts/channels", ADMIN_TOKEN,
            Some(json!({"name": "s", "kind": "slack", "webhookUrl": hook.url("/x")}))).await;
        assert_error(status, &e, 400, "secret_key_required");
        let am = create_channel(&app, json!({"name": "am", "kind": "alertmanager", "settings": {"url": hook.url("/")}})).await;
        // The sealed one cannot be opened, so it cannot be changed here either.
        let (status, e) = call(&app, Method::PUT, &format!("/api/alerts/channels/{tg}"), ADMIN_TOKEN,
            Some(json!({"name": "tg", "kind": "telegram", "settings": {"url": "http://127.0.0.1:9/", "chatId": "-10042"}}))).await;
        assert_error(status, &e, 400, "secret_key_required");
        // Deliveries off: nothing leaves, the attempt says why.
        let before = hook.received().len();
        let (_, result) = call(&app, Method::POST, "/api/alerts/test", ADMIN_TOKEN, Some(json!({"channelId": am}))).await;
        assert_eq!(result["delivered"], false);
        assert_eq!(result["attempts"][0]["errorCode"], "delivery_off");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(hook.received().len(), before);
        app.stop().await;
    }

    async fn bad_inputs_answer_stable_codes(db) {
        let hook = Receiver::start(vec![ok()]).await;
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        let (status, e) = call(&app, Method::POST, "/api/alerts/dispatch", OPERATOR_TOKEN, Some(json!({"title": "x"}))).await;
        assert_error(status, &e, 400, "no_channels");
        let hook_body = json!({"name": "hook", "kind": "webhook", "settings": {"url": hook.url("/")}});
        let channel = create_channel(&app, hook_body.clone()).await;
        let post = |path: &'static str, token: &'static str, body: Value| {
            let app = &app;
            async move { call(app, Method::POST, path, token, Some(body)).await }
        };
        for (body, status_code, code) in [
            (hook_body.clone(), 409, "name_taken"),
            (json!({"name": "x", "kind": "sms"}), 400, "invalid_body"),
            (json!({"name": "", "kind": "webhook", "settings": {"url": hook.url("/")}}), 400, "invalid_name"),
            (json!({"name": "x", "kind": "webhook"}), 400, "invalid_channel"),
            (json!({"name": "x", "kind": "alertmanager", "settings": {"url": hook.url("/")}, "botToken": "t"}), 400, "invalid_channel"),
            (json!({"name": "x", "kind": "email", "settings": {"host": "127.0.0.1", "from": "a@example.com", "to": ["nope"]}}), 400, "invalid_channel"),
            (json!({"name": "x", "kind": "webhook", "settings": {"url": hook.url("/"), "colour": "red"}}), 400, "invalid_body"),
        ] {
            let (status, e) = post("/api/alerts/channels", ADMIN_TOKEN, body).await;
            assert_error(status, &e, status_code, code);
        }
        let rule = |channels: Value, repeat: &str| json!({"name": "r", "channelIds": channels, "repeatInterval": repeat,
            "source": {"type": "finding"}});
        for (body, status_code, code) in [
            (rule(json!([]), "4h"), 400, "invalid_rule"),
            (rule(json!(["nope"]), "4h"), 400, "unknown_channel"),
            (rule(json!([channel]), "10s"), 400, "invalid_repeat_interval"),
            (rule(json!([channel]), "soon"), 400, "invalid_repeat_interval"),
            (rule(json!([channel]), "31d"), 400, "invalid_repeat_interval"),
            (json!({"name": "r", "channelIds": [channel], "source": {"type": "bogus"}}), 400, "invalid_body"),
            (json!({"name": "r", "channelIds": [channel], "source": {"type": "slo", "statuses": []}}), 400, "invalid_rule"),
            (json!({"name": "r", "channelIds": [channel], "source": {"type": "finding", "minSeverity": "huge"}}), 400, "invalid_body"),
        ] {
            let (status, e) = post("/api/alerts/rules", OPERATOR_TOKEN, body).await;
            assert_error(status, &e, status_code, code);
        }
        let made = create_rule(&app, rule(json!([channel, channel]), "90m")).await;
        assert_eq!(made["channelIds"], json!([channel]));
        assert_eq!(made["repeatInterval"], "90m");
        let (status, e) = post("/api/alerts/rules", OPERATOR_TOKEN, rule(json!([channel]), "4h")).await;
        assert_error(status, &e, 409, "name_taken");
        let (status, e) = post("/api/alerts/rules", VIEWER_TOKEN, rule(json!([channel]), "4h")).await;
        assert_error(status, &e, 403, "forbidden");

        let (status, e) = call(&app, Method::DELETE, &format!("/api/alerts/channels/{channel}"), ADMIN_TOKEN, None).await;
        assert_error(status, &e, 409, "channel_in_use");
        let (status, e) = call(&app, Method::PUT, &format!("/api/alerts/channels/{channel}"), ADMIN_TOKEN,
            Some(json!({"name": "hook", "kind": "slack", "webhookUrl": hook.url("/")}))).await;
        assert_error(status, &e, 400, "invalid_channel");
        for (method, path) in [
            (Method::GET, "/api/alerts/channels/nope"),
            (Method::DELETE, "/api/alerts/channels/nope"),
            (Method::DELETE, "/api/alerts/rules/nope"),
        ] {
            let (status, e) = call(&app, method, path, ADMIN_TOKEN, None).await;
            assert_error(status, &e, 404, "not_found");
        }
        let (status, e) = call(&app, Method::PUT, "/api/alerts/rules/nope", OPERATOR_TOKEN, Some(rule(json!([channel]), "4h"))).await;
        assert_error(status, &e, 404, "not_found");
        let (status, e) = post("/api/alerts/test", ADMIN_TOKEN, json!({"channelId": "nope"})).await;
        assert_error(status, &e, 404, "not_found");
        let (status, e) = post("/api/alerts/lifecycle", OPERATOR_TOKEN, json!({"id": "nope", "action": "acknowledge"})).await;
        assert_error(status, &e, 404, "not_found");
        let (status, e) = post("/api/alerts/lifecycle", OPERATOR_TOKEN, json!({"id": "nope", "action": "snooze"})).await;
        assert_error(status, &e, 400, "invalid_body");
        let (status, e) = post("/api/alerts/lifecycle", VIEWER_TOKEN, json!({"id": "nope", "action": "resolve"})).await;
        assert_error(status, &e, 403, "forbidden");
        for (body, code) in [
            (json!({"title": " "}), "invalid_alert"),
            (json!({"title": "x", "channelIds": ["nope"]}), "unknown_channel"),
            (json!({"title": "x", "severity": "loud"}), "invalid_body"),
        ] {
            let (status, e) = post("/api/alerts/dispatch", OPERATOR_TOKEN, body).await;
            assert_error(status, &e, 400, code);
        }
        for (path, code) in [
            ("/api/alerts/lifecycle?limit=0", "invalid_limit"),
            ("/api/alerts/lifecycle?limit=501", "invalid_limit"),
            ("/api/alerts/lifecycle?state=bogus", "invalid_query"),
            ("/api/alerts/deliveries?limit=0", "invalid_limit"),
        ] {
            let (status, e) = call(&app, Method::GET, path, OPERATOR_TOKEN, None).await;
            assert_error(status, &e, 400, code);
        }
        let (status, _) = call(&app, Method::DELETE, &format!("/api/alerts/rules/{}", made["id"].as_str().unwrap()), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 204);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/alerts/channels/{channel}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        app.stop().await;
    }

    async fn alerts_about_namespaces_the_caller_cannot_see_are_hidden(db) {
        let hook = Receiver::start(vec![ok()]).await;
        let sim = shop_sim().await;
        for group in ["fleetdeck:operators", "fleetdeck:viewers"] {
            sim.add_rule(Rule::group(group, &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        }
        sim.add_rule(Rule::group("fleetdeck:admins", &["*"], &["*"], &["*"], &[]));
        let app = TestApp::with(alert_settings(db, "127.0.0.1/32")).await;
        register_sim(&app, "guarded", &sim, "impersonate").await;
        let store = db.store().await;
        let channel = create_channel(&app, json!({"name": "hook", "kind": "webhook", "settings": {"url": hook.url("/")}})).await;
        create_rule(&app, json!({"name": "all", "channelIds": [channel], "source": {"type": "finding"}})).await;
        write_finding(&store, "guarded", "shop", "f-shop", "warning").await;
        write_finding(&store, "guarded", "other", "f-other", "warning").await;
        assert_eq!(eval_at(&app, fleetdeck::store::now()).await, evaluation(2, 0, 0, 2));

        assert_eq!(alerts(&app, "", ADMIN_TOKEN).await.len(), 2);
        let seen = alerts(&app, "cluster=guarded", VIEWER_TOKEN).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["namespace"], "shop");
        let (_, log) = call(&app, Method::GET, "/api/alerts/deliveries", OPERATOR_TOKEN, None).await;
        assert_eq!(log["deliveries"].as_array().unwrap().len(), 1, "{log}");
        let hidden = alerts(&app, "", ADMIN_TOKEN).await.into_iter().find(|a| a["namespace"] == "other").unwrap();
        let (status, e) = call(&app, Method::POST, "/api/alerts/lifecycle", OPERATOR_TOKEN,
            Some(json!({"id": hidden["id"], "action": "acknowledge"}))).await;
        assert_error(status, &e, 404, "not_found");
        app.stop().await;
    }
}
