//! Usage metering and invoices against a simulated cluster, on both backends: two passes of the
//! metering at chosen times over scripted requests and usage, read back through `GET /api/usage`
//! (by project, namespace and hour, the idle capacity) and `GET /api/usage/snapshot` against
//! hand-computed figures; who reads what; usage from outside (`POST /api/usage/ingest`):
//! idempotent, checked record by record, all or nothing; rate cards, the invoice of the month to
//! the cent, its CSV, issuing it and credit notes.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use fleetdeck::AppState;
use fleetdeck::billing::meter::Meter;
use kubesim::Sim;
use kubesim::metrics::MetricsKind;
use reqwest::Method;
use serde_json::{Value, json};

/// Two nodes (6 CPUs, 12Gi allocatable); in `acme-web` two running pods of 500m/1Gi each, a
/// finished pod and an unscheduled one (neither holds anything); in `globex-api` one of
/// 250m/512Mi; in `kube-system` one of 100m/128Mi.
const CLUSTER: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {allocatable: {cpu: "4", memory: 8Gi}}
---
apiVersion: v1
kind: Node
metadata: {name: node-b}
status: {allocatable: {cpu: "2", memory: 4Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: acme-web}
spec: {nodeName: node-a, containers: [{name: app, image: web:1, resources: {requests: {cpu: 500m, memory: 1Gi}}}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: acme-web}
spec: {nodeName: node-b, containers: [{name: app, image: web:1, resources: {requests: {cpu: 500m, memory: 1Gi}}}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: job-1, namespace: acme-web}
spec: {nodeName: node-a, containers: [{name: job, image: job:1, resources: {requests: {cpu: "1", memory: 1Gi}}}]}
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: waiting, namespace: acme-web}
spec: {containers: [{name: app, image: web:1, resources: {requests: {cpu: "2", memory: 1Gi}}}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: globex-api}
spec: {nodeName: node-a, containers: [{name: api, image: api:1, resources: {requests: {cpu: 250m, memory: 512Mi}}}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-1, namespace: kube-system}
spec: {nodeName: node-b, containers: [{name: dns, image: dns:1, resources: {requests: {cpu: 100m, memory: 128Mi}}}]}
status: {phase: Running}
"#;

fn usage(sim: &Sim, namespace: &str, pod: &str, container: &str, cpu: &str, memory: &str) {
    sim.set_usage(MetricsKind::Pod, namespace, pod, container, cpu, memory)
        .unwrap();
}

struct Fleet {
    app: TestApp,
    _sim: Sim,
    acme: String,
    web: String,
    globex: String,
    api: String,
}

/// The app with the simulator as `open`, tenants acme (project web: `acme-web`) and globex
/// (project api: `globex-api`), metered twice at 10:00 and 10:30 with passes of 30 minutes:
/// between them web-1 uses 1.5 CPUs instead of 200m and api-1 100m instead of 1 CPU.
async fn metered(db: &TestDb) -> Fleet {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    sim.load_yaml(CLUSTER).unwrap();
    usage(&sim, "acme-web", "web-1", "app", "200m", "512Mi");
    usage(&sim, "acme-web", "web-2", "app", "300m", "2Gi");
    usage(&sim, "globex-api", "api-1", "api", "1", "256Mi");
    usage(&sim, "kube-system", "dns-1", "dns", "50m", "64Mi");
    let app = app_with_sim(db, &sim, false).await;
    let mut ids = Vec::new();
    for (tenant, project) in [("acme", "web"), ("globex", "api")] {
        let t = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": tenant})).await;
        let t = t["id"].as_str().unwrap().to_string();
        let p = created(
            &app,
            "/api/projects",
            ADMIN_TOKEN,
            json!({"tenantId": t, "name": project, "cluster": "open"}),
        )
        .await;
        assert_eq!(p["namespace"], format!("{tenant}-{project}"));
        ids.push((t, p["id"].as_str().unwrap().to_string()));
    }
    let mut settings = with_secret_key(db);
    settings.metering_interval = Duration::from_secs(1800);
    let state = AppState::new(settings, db.store().await);
    let cluster = state.store.cluster("open").await.unwrap().unwrap();
    let mut meter = Meter::default();
    let at = |s: &str| s.parse().unwrap();
    assert_eq!(
        meter
            .meter_cluster(&state, &cluster, at("2026-11-30T10:00:00Z"))
            .await
            .unwrap(),
        3
    );
    usage(&sim, "acme-web", "web-1", "app", "1500m", "512Mi");
    usage(&sim, "globex-api", "api-1", "api", "100m", "256Mi");
    assert_eq!(
        meter
            .meter_cluster(&state, &cluster, at("2026-11-30T10:30:00Z"))
            .await
            .unwrap(),
        3
    );
    let [(acme, web), (globex, api)] = <[_; 2]>::try_from(ids).unwrap();
    Fleet {
        app,
        _sim: sim,
        acme,
        web,
        globex,
        api,
    }
}

const DAY: &str = "from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z";

async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, body) = call(app, Method::GET, path, token, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// (project or namespace, resource) → (quantity, requested, used).
fn by_key(report: &Value, key: &str) -> BTreeMap<(String, String), (String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_string();
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                (text(&l[key]), text(&l["resource"])),
                (text(&l["quantity"]), text(&l["requested"]), text(&l["used"])),
            )
        })
        .collect()
}

fn line(quantity: &str, requested: &str, used: &str) -> (String, String, String) {
    (quantity.into(), requested.into(), used.into())
}

on_both_backends! {
    async fn metered_usage_by_hand(db) {
        let f = metered(db).await;
        // acme-web: CPU requested 1000m both passes, used 500m then 1800m: costs 1000m, 1800m,
        // for 30 minutes each: 0.5 + 0.9 = 1.4 core-hours; requested 1; used 0.25 + 0.9 = 1.15.
        // Memory: 2Gi requested, 2.5Gi used both times: 2.5 GiB-hours.
        // globex-api: 250m requested, used 1000m then 100m: 0.5 + 0.125 = 0.625; used 0.55.
        // kube-system, which no project holds: 100m and 128Mi requested, less used.
        let report = get(&f.app, &format!("/api/usage?{DAY}"), ADMIN_TOKEN).await;
        assert_eq!(report["groupBy"], "project");
        let lines = by_key(&report, "projectId");
        assert_eq!(lines[&(f.web.clone(), "cpu".into())], line("1.4", "1", "1.15"));
        assert_eq!(lines[&(f.web.clone(), "memory".into())], line("2.5", "2", "2.5"));
        assert_eq!(lines[&(f.api.clone(), "cpu".into())], line("0.625", "0.25", "0.55"));
        assert_eq!(lines[&(f.api.clone(), "memory".into())], line("0.5", "0.5", "0.25"));
        assert_eq!(lines[&("-".into(), "cpu".into())], line("0.1", "0.1", "0.05"));
        assert_eq!(lines[&("-".into(), "memory".into())], line("0.125", "0.125", "0.0625"));
        assert_eq!(lines.len(), 6);
        // Idle: 6 CPUs less 2,100m then 2,150m; 12Gi less 3.125Gi both times.
        let idle: Vec<(&str, &str, &str)> = report["idle"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["resource"].as_str().unwrap(), i["allocatable"].as_str().unwrap(), i["idle"].as_str().unwrap()))
            .collect();
        assert_eq!(idle, [("cpu", "6", "3.875"), ("memory", "12", "8.875")]);
        assert_eq!(report["idle"][0]["cluster"], "open");

        // By namespace: the cluster and namespace of each line; by hour: one hour.
        let by_namespace = get(&f.app, &format!("/api/usage?{DAY}&groupBy=namespace"), ADMIN_TOKEN).await;
        let lines = by_key(&by_namespace, "namespace");
        assert_eq!(lines[&("kube-system".into(), "cpu".into())].0, "0.1");
        assert_eq!(lines[&("acme-web".into(), "cpu".into())].0, "1.4");
        let by_hour = get(&f.app, &format!("/api/usage?{DAY}&groupBy=hour"), ADMIN_TOKEN).await;
        let lines = by_key(&by_hour, "period");
        // 1.4 + 0.625 + 0.1 core-hours in the hour from 10:00.
        assert_eq!(lines[&("2026-11-30T10:00:00Z".into(), "cpu".into())].0, "2.125");
        let by_day = get(&f.app, &format!("/api/usage?{DAY}&groupBy=day&tenant={}", f.acme), ADMIN_TOKEN).await;
        assert_eq!(by_key(&by_day, "period")[&("2026-11-30".into(), "cpu".into())].0, "1.4");
        assert_eq!(by_day["idle"], json!([]), "idle capacity is the whole cluster's, not a tenant's");
        // Outside the span: nothing.
        let before = get(&f.app, "/api/usage?from=2026-11-29T00:00:00Z&to=2026-11-30T10:00:00Z", ADMIN_TOKEN).await;
        assert_eq!(before["lines"], json!([]));

        // The snapshot: the second pass as it measured it.
        let now = get(&f.app, "/api/usage/snapshot", ADMIN_TOKEN).await;
        let web = now["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "acme-web").unwrap();
        assert_eq!((web["cpuRequest"].as_i64(), web["cpuUsage"].as_i64()), (Some(1000), Some(1800)));
        assert_eq!(web["memoryUsage"].as_i64(), Some(5 * 512 * 1024 * 1024));
        assert_eq!((web["tenantId"].as_str(), web["projectId"].as_str()), (Some(f.acme.as_str()), Some(f.web.as_str())));
        assert_eq!(web["measuredAt"], "2026-11-30T10:30:00Z");
        assert_eq!(now["clusters"][0]["cpuIdle"].as_i64(), Some(3850));
    }

    async fn tenants_and_projects_read_their_own_usage(db) {
        let f = metered(db).await;
        let tenant_key = scoped_key(&f.app, "tenant", &format!("tenant:{}", f.acme)).await;
        let project_key = scoped_key(&f.app, "project", &format!("project:{}", f.api)).await;
        let projects = |report: &Value| -> Vec<String> {
            let mut ids: Vec<String> = report["lines"].as_array().unwrap().iter()
                .map(|l| l["projectId"].as_str().unwrap_or("-").to_string()).collect();
            ids.dedup();
            ids
        };
        let mine = get(&f.app, &format!("/api/usage?{DAY}"), &tenant_key).await;
        assert_eq!(projects(&mine), [f.web.as_str()]);
        assert_eq!(mine["idle"], json!([]));
        let theirs = get(&f.app, &format!("/api/usage?{DAY}"), &project_key).await;
        assert_eq!(projects(&theirs), [f.api.as_str()]);
        let snapshot = get(&f.app, "/api/usage/snapshot", &tenant_key).await;
        let namespaces: Vec<&str> = snapshot["namespaces"].as_array().unwrap().iter().map(|n| n["namespace"].as_str().unwrap()).collect();
        assert_eq!(namespaces, ["acme-web"]);
        assert_eq!(snapshot["clusters"], json!([]));
        // Staff read everything; what is out of reach does not exist.
        assert_eq!(projects(&get(&f.app, &format!("/api/usage?{DAY}"), VIEWER_TOKEN).await).len(), 3);
        let (status, r) = call(&f.app, Method::GET, &format!("/api/usage?tenant={}", f.globex), &tenant_key, None).await;
        assert_error(status, &r, 404, "tenant_not_found");
        let (status, r) = call(&f.app, Method::GET, &format!("/api/usage/snapshot?project={}", f.web), &project_key, None).await;
        assert_error(status, &r, 404, "project_not_found");
        for (query, code) in [
            ("from=2026-12-08T00:00:00Z&to=2026-12-07T00:00:00Z", "invalid_range"),
            ("from=2025-01-01T00:00:00Z&to=2026-12-07T00:00:00Z", "range_too_long"),
            ("from=2026-10-01T00:00:00Z&to=2026-12-07T00:00:00Z&groupBy=hour", "range_too_long"),
        ] {
            let (status, r) = call(&f.app, Method::GET, &format!("/api/usage?{query}"), ADMIN_TOKEN, None).await;
            assert_error(status, &r, 422, code);
        }
        let (status, _) = call(&f.app, Method::GET, "/api/usage?groupBy=week", ADMIN_TOKEN, None).await;
        assert_eq!(status, 400);
    }

    async fn ingested_usage_is_idempotent_checked_and_all_or_nothing(db) {
        let f = metered(db).await;
        let record = |project: Option<&str>, resource: &str, quantity: &str| json!({
            "hour": "2026-11-30T10:00:00Z", "tenantId": f.acme, "projectId": project,
            "source": "object-store", "resource": resource, "unit": "GiB-hours", "quantity": quantity,
        });
        let post = |body: Value, token: &'static str| {
            let app = &f.app;
            async move { call(app, Method::POST, "/api/usage/ingest", token, Some(body)).await }
        };
        let two = json!({"records": [record(Some(f.web.as_str()), "storage", "12.5"), record(None, "egress", "3")]});
        let (status, r) = post(two.clone(), ADMIN_TOKEN).await;
        assert_eq!((status, &r), (200, &json!({"records": 2, "replaced": 0})));
        // Sent again: the same two groups are replaced, nothing is counted twice.
        let (status, r) = post(two, ADMIN_TOKEN).await;
        assert_eq!((status, &r), (200, &json!({"records": 2, "replaced": 2})));
        let one = json!({"records": [record(Some(f.web.as_str()), "storage", "20.000001")]});
        assert_eq!(post(one, ADMIN_TOKEN).await.1["replaced"], 1);
        let report = get(&f.app, &format!("/api/usage?{DAY}&tenant={}", f.acme), ADMIN_TOKEN).await;
        let lines = by_key(&report, "projectId");
        assert_eq!(lines[&(f.web.clone(), "storage".into())].0, "20.000001");
        assert_eq!(lines[&("-".into(), "egress".into())].0, "3", "the tenant's own usage has no project");
        assert_eq!(lines[&(f.web.clone(), "cpu".into())].0, "1.4");
        let audit = f.app.audit("verb=ingest").await;
        assert_eq!(audit.len(), 3);

        // Each bad record is named; nothing of a refused post is kept.
        let bad = |r: Value| json!({"records": [record(Some(f.web.as_str()), "storage", "1"), r]});
        let globex_project = json!({"hour": "2026-12-07T11:00:00Z", "tenantId": f.acme, "projectId": f.api,
            "source": "s", "resource": "storage", "unit": "u", "quantity": "1"});
        let mut late = record(None, "storage", "1");
        late["hour"] = json!("2026-11-30T10:30:00Z");
        let mut nobody = record(None, "storage", "1");
        nobody["tenantId"] = json!("nobody");
        for (body, code) in [
            (bad(record(Some(f.web.as_str()), "storage", "2")), "duplicate_record"),
            (bad(record(None, "cpu", "1")), "reserved_resource"),
            (bad(record(None, "storage", "1.0000001")), "invalid_quantity"),
            (bad(late), "invalid_hour"),
            (bad(nobody), "unknown_tenant"),
            (bad(globex_project), "unknown_project"),
            (json!({"records": []}), "no_records"),
            (json!({"records": vec![record(None, "storage", "1"); 2001]}), "too_many_records"),
        ] {
            let (status, r) = post(body, ADMIN_TOKEN).await;
            assert_error(status, &r, 422, code);
            if code != "no_records" && code != "too_many_records" {
                assert!(r["error"].as_str().unwrap().starts_with("records[1]."), "{r}");
            }
        }
        let report = get(&f.app, &format!("/api/usage?{DAY}&tenant={}", f.acme), ADMIN_TOKEN).await;
        assert_eq!(by_key(&report, "projectId")[&(f.web.clone(), "storage".into())].0, "20.000001");
        let (status, _) = post(json!({"records": [record(None, "storage", "1")]}), OPERATOR_TOKEN).await;
        assert_eq!(status, 403);
    }
}

on_both_backends! {
    async fn invoices_to_the_cent_issued_once_and_credited(db) {
        let f = metered(db).await;
        let put = |path: String, body: Value, token: &'static str| {
            let app = &f.app;
            async move { call(app, Method::PUT, &path, token, Some(body)).await }
        };
        let rate = |resource: &str, unit: &str, price: &str| json!({"resource": resource, "unit": unit, "price": price});
        let card = json!({"currency": "EUR", "rates": [
            rate("cpu", "core-hours", "10.031"), rate("memory", "GiB-hours", "0.75"), rate("storage", "GiB-hours", "0.0002"),
        ]});
        assert_eq!(put("/api/rates".into(), card.clone(), VIEWER_TOKEN).await.0, 403);
        let (status, r) = put("/api/rates".into(), json!({"currency": "euro", "rates": []}), ADMIN_TOKEN).await;
        assert_error(status, &r, 422, "invalid_currency");
        let negative = json!({"currency": "EUR", "rates": [rate("cpu", "core-hours", "-1")]});
        let (status, r) = put("/api/rates".into(), negative, ADMIN_TOKEN).await;
        assert_error(status, &r, 422, "invalid_rates");
        assert_eq!(put("/api/rates".into(), card, ADMIN_TOKEN).await.0, 200);
        let overrides = json!({"rates": [rate("cpu", "core-hours", "12.5")]});
        let (status, rates) = put(format!("/api/tenants/{}/rates", f.acme), overrides, ADMIN_TOKEN).await;
        assert_eq!(status, 200, "{rates}");
        let effective: Vec<(&str, &str)> = rates["effective"].as_array().unwrap().iter()
            .map(|r| (r["resource"].as_str().unwrap(), r["price"].as_str().unwrap())).collect();
        assert_eq!(effective, [("cpu", "12.5"), ("memory", "0.75"), ("storage", "0.0002")]);
        let storage = json!({"records": [{"hour": "2026-11-30T11:00:00Z", "tenantId": f.acme, "projectId": f.web,
            "source": "object-store", "resource": "storage", "unit": "GiB-hours", "quantity": "125"}]});
        assert_eq!(call(&f.app, Method::POST, "/api/usage/ingest", ADMIN_TOKEN, Some(storage)).await.0, 200);

        // acme/web: 1.4 core-hours × 12.5 = 17.50; 2.5 GiB-hours × 0.75 = 1.875 → 1.88;
        // 125 GiB-hours × 0.0002 = 0.025 → 0.03. Subtotal 19.41.
        let tenant_key = scoped_key(&f.app, "tenant", &format!("tenant:{}", f.acme)).await;
        let invoice = get(&f.app, &format!("/api/invoices/{}?month=2026-11", f.acme), &tenant_key).await;
        assert_eq!((invoice["status"].as_str(), invoice["currency"].as_str()), (Some("draft"), Some("EUR")));
        let lines: Vec<(&str, &str, &str, &str, &str)> = invoice["lines"].as_array().unwrap().iter()
            .map(|l| (l["projectName"].as_str().unwrap(), l["resource"].as_str().unwrap(), l["quantity"].as_str().unwrap(),
                      l["price"].as_str().unwrap(), l["amount"].as_str().unwrap()))
            .collect();
        assert_eq!(lines, [
            ("web", "cpu", "1.4", "12.5", "17.50"),
            ("web", "memory", "2.5", "0.75", "1.88"),
            ("web", "storage", "125", "0.0002", "0.03"),
        ]);
        assert_eq!((invoice["subtotal"].as_str(), invoice["total"].as_str()), (Some("19.41"), Some("19.41")));
        // globex/api at the defaults: 0.625 × 10.031 = 6.269375 → 6.27; 0.5 × 0.75 = 0.375 → 0.38.
        let globex = get(&f.app, &format!("/api/invoices/{}?month=2026-11", f.globex), ADMIN_TOKEN).await;
        assert_eq!(globex["subtotal"], "6.65");
        let path = format!("/api/invoices/{}?month=2026-11", f.globex);
        let (status, r) = call(&f.app, Method::GET, &path, &tenant_key, None).await;
        assert_error(status, &r, 404, "tenant_not_found");
        let path = format!("/api/invoices/{}?month=2026-1", f.acme);
        let (status, r) = call(&f.app, Method::GET, &path, ADMIN_TOKEN, None).await;
        assert_error(status, &r, 422, "invalid_month");

        let path = format!("/api/invoices/{}/csv?month=2026-11", f.acme);
        let r = f.app.bearer(Method::GET, &path, ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains("acme-2026-11.csv"));
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("project,resource,unit,quantity,price,amount\r\nweb,cpu,core-hours,1.4,12.5,17.50\r\n"), "{csv}");
        assert!(csv.ends_with(",subtotal,,,,19.41\r\n,total,,,,19.41\r\n"), "{csv}");

        // Issued once, for a month that has ended; then it never changes.
        let finalize = |tenant: String, month: &str| {
            let (app, body) = (&f.app, json!({"month": month}));
            async move { call(app, Method::POST, &format!("/api/invoices/{tenant}/finalize"), ADMIN_TOKEN, Some(body)).await }
        };
        let (status, r) = finalize(f.acme.clone(), "2099-01").await;
        assert_error(status, &r, 422, "month_not_over");
        let (status, issued) = finalize(f.acme.clone(), "2026-11").await;
        assert_eq!(status, 201, "{issued}");
        assert_eq!((issued["status"].as_str(), issued["number"].as_str()), (Some("issued"), Some("acme-2026-11")));
        let (status, r) = finalize(f.acme.clone(), "2026-11").await;
        assert_error(status, &r, 409, "invoice_issued");
        let cheaper = json!({"currency": "EUR", "rates": [rate("cpu", "core-hours", "1"), rate("memory", "GiB-hours", "1")]});
        assert_eq!(put("/api/rates".into(), cheaper, ADMIN_TOKEN).await.0, 200);
        let again = get(&f.app, &format!("/api/invoices/{}?month=2026-11", f.acme), ADMIN_TOKEN).await;
        assert_eq!((again["subtotal"].as_str(), again["lines"].as_array().unwrap().len()), (Some("19.41"), 3));
        // A draft prices at today's rates: 0.625 → 0.63, and 0.50.
        let draft = get(&f.app, &format!("/api/invoices/{}?month=2026-11", f.globex), ADMIN_TOKEN).await;
        assert_eq!(draft["subtotal"], "1.13");

        // Credit notes: against issued invoices, never beyond their total.
        let credit = |tenant: String, amount: &str| {
            let body = json!({"month": "2026-11", "amount": amount, "reason": "outage on 30 November"});
            let app = &f.app;
            async move { call(app, Method::POST, &format!("/api/invoices/{tenant}/credit-notes"), ADMIN_TOKEN, Some(body)).await }
        };
        let (status, note) = credit(f.acme.clone(), "5").await;
        assert_eq!((status, note["amount"].as_str()), (201, Some("5.00")));
        let (status, r) = credit(f.acme.clone(), "14.42").await;
        assert_error(status, &r, 422, "credit_exceeds_total");
        let (status, r) = credit(f.acme.clone(), "0.001").await;
        assert_error(status, &r, 422, "invalid_amount");
        let (status, r) = credit(f.globex.clone(), "1").await;
        assert_error(status, &r, 409, "invoice_not_issued");
        let credited = get(&f.app, &format!("/api/invoices/{}?month=2026-11", f.acme), &tenant_key).await;
        assert_eq!((credited["subtotal"].as_str(), credited["total"].as_str()), (Some("19.41"), Some("14.41")));
        assert_eq!(credited["creditNotes"][0]["reason"], "outage on 30 November");
        // Issuing is audited, refusals too: the month not over, then issued already.
        let issues: Vec<String> = f.app.audit("verb=issue").await.iter()
            .map(|e| format!("{} {}", e["outcome"].as_str().unwrap(), e["name"].as_str().unwrap_or("-"))).collect();
        assert_eq!(issues.iter().filter(|i| *i == "success acme-2026-11").count(), 1, "{issues:?}");
        assert_eq!(issues.len(), 3, "{issues:?}");
    }
}
