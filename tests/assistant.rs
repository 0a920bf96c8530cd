//! The assistant through the API, on both backends: retrieval over a fixed corpus of runbooks,
//! findings, incidents and docs (the order of citations, the mirror kept current by runbook
//! writes), findings and incidents a caller may not see never cited (an impersonate cluster),
//! feedback changing the order, the telemetry, and the OpenAI-compatible path against a local
//! stub of `/chat/completions` that checks the prompt holds the cited context and no secret; the
//! stub down, the answer is extractive and the fallback is counted.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use common::*;
use fleetdeck::config::{AssistantApiKey, AssistantModelSettings};
use fleetdeck::store::Store;
use fleetdeck::store::findings::FindingWrite;
use kubesim::Rule;
use reqwest::Method;
use serde_json::{Value, json};

async fn ask(app: &TestApp, token: &str, question: &str) -> Value {
    let (status, answer) = call(
        app,
        Method::POST,
        "/api/assistant",
        token,
        Some(json!({"question": question})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The citations as `kind:id`.
fn cited(answer: &Value) -> Vec<String> {
    answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["kind"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect()
}

/// The citations among `ids`, in the answer's order.
fn cited_of(answer: &Value, ids: &[&str]) -> Vec<String> {
    cited(answer)
        .into_iter()
        .filter(|c| ids.iter().any(|id| c.ends_with(&format!(":{id}"))))
        .collect()
}

async fn create_runbook(app: &TestApp, title: &str, body: &str) -> String {
    let (status, rb) = call(
        app,
        Method::POST,
        "/api/memory/runbooks",
        OPERATOR_TOKEN,
        Some(json!({"title": title, "body": body})),
    )
    .await;
    assert_eq!(status, 201, "{rb}");
    rb["id"].as_str().unwrap().to_string()
}

async fn write_finding(store: &Store, cluster: &str, namespace: &str, id: &str, name: &str, explanation: &str) {
    let body = json!({
        "id": id, "cluster": cluster,
        "object": {"apiVersion": "v1", "kind": "Pod", "namespace": namespace, "name": name},
        "class": "pod_oom_killed", "severity": "critical", "title": format!("{name}: pod_oom_killed"),
        "explanation": explanation,
        "evidence": {"containers": [], "events": [], "related": [], "facts": {}, "logs": []},
        "remediations": []
    });
    let write = FindingWrite {
        id,
        cluster,
        namespace,
        kind: "Pod",
        name,
        class: "pod_oom_killed",
        severity: "critical",
        body: &body,
    };
    store
        .write_findings(&[write], &[], fleetdeck::store::now())
        .await
        .unwrap();
}

/// An app with the `shop` simulator registered as `guarded` (impersonate): operators and viewers
/// may list pods in `shop` only.
async fn guarded_app(settings: fleetdeck::config::Settings) -> (TestApp, kubesim::Sim) {
    let sim = shop_sim().await;
    sim.add_rule(Rule::group(
        "fleetdeck:operators",
        &["get", "list", "watch"],
        &[""],
        &["pods"],
        &["shop"],
    ));
    sim.add_rule(Rule::group(
        "fleetdeck:viewers",
        &["get", "list", "watch"],
        &[""],
        &["pods"],
        &["shop"],
    ));
    sim.add_rule(Rule::group("fleetdeck:admins", &["*"], &["*"], &["*"], &[]));
    let app = TestApp::with(settings).await;
    register_sim(&app, "guarded", &sim, "impersonate").await;
    (app, sim)
}

/// Audit rows with `verb`, once the audit writer has appended `n` of them.
async fn audit_rows(app: &TestApp, verb: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let rows = app.audit(&format!("verb={verb}")).await;
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} audit rows {verb}");
}

on_both_backends! {
    async fn answers_cite_what_the_caller_may_see_in_rank_order(db) {
        let (app, _sim) = guarded_app(with_secret_key(db)).await;
        let store = db.store().await;
        let oom = create_runbook(&app, "Raise the memory limit of OOMKilled pods",
            "When a container is OOMKilled it used more memory than its limit.\n\
             Raise the memory limit of the Deployment, then roll it out.\nCheck usage with kubectl top pod.").await;
        let crash = create_runbook(&app, "Crash loops",
            "A pod in a crash loop restarts again and again. Read the previous logs with kubectl logs -p.").await;
        let dns = create_runbook(&app, "CoreDNS lookups fail",
            "When pods cannot resolve service names, check the CoreDNS pods and the kube-dns Service.").await;
        write_finding(&store, "guarded", "shop", "f-shop", "api-1",
            "api-1 was OOMKilled: it used more memory than its limit while serving zebra traffic.").await;
        write_finding(&store, "guarded", "other", "f-other", "db-1", "db-1 was OOMKilled during the zebra backup.").await;

        // The runbook that holds every word first, then the finding that holds one.
        let (_, a) = call(&app, Method::POST, "/api/assistant", VIEWER_TOKEN,
            Some(json!({"question": "How do I raise the memory limit of an OOMKilled pod?", "limit": 10}))).await;
        assert_eq!(cited_of(&a, &[&oom, &crash, &dns, "f-shop", "f-other"])[..2],
                   [format!("runbook:{oom}"), "finding:f-shop".to_string()], "{a}");
        assert_eq!(a["mode"], "extractive");
        assert!(a["queryId"].as_str().is_some_and(|q| !q.is_empty()), "{a}");
        let first = &a["citations"][0];
        assert_eq!(first["link"], format!("/api/memory/runbooks/{oom}"));
        assert_eq!(first["title"], "Raise the memory limit of OOMKilled pods");
        assert_eq!(first["snippet"], "When a container is OOMKilled it used more memory than its limit.");
        assert!(first["score"].as_f64().unwrap() > a["citations"][1]["score"].as_f64().unwrap(), "{a}");
        assert!(a["answer"].as_str().unwrap().starts_with("When a container is OOMKilled it used more memory than its limit [1]."), "{a}");

        let a = ask(&app, VIEWER_TOKEN, "CoreDNS cannot resolve service names").await;
        assert_eq!(cited(&a)[0], format!("runbook:{dns}"), "{a}");
        let a = ask(&app, VIEWER_TOKEN, "restarts again and again, previous logs").await;
        assert_eq!(cited(&a)[0], format!("runbook:{crash}"), "{a}");

        // The docs are searched by section.
        let a = ask(&app, VIEWER_TOKEN, "How does the audit hash chain verify its rows?").await;
        let docs: Vec<String> = cited(&a).into_iter().filter(|c| c.starts_with("doc:")).collect();
        assert!(!docs.is_empty(), "{a}");
        let doc = a["citations"].as_array().unwrap().iter().find(|c| c["kind"] == "doc").unwrap();
        assert!(doc["id"].as_str().unwrap().contains(".md#"), "{doc}");
        assert_eq!(doc["link"], format!("docs/{}", doc["id"].as_str().unwrap()));

        // A finding in a namespace the viewer may not list pods in is never cited; admins see both.
        let a = ask(&app, VIEWER_TOKEN, "zebra").await;
        assert_eq!(cited(&a), ["finding:f-shop"], "{a}");
        assert!(!a.to_string().contains("db-1"), "{a}");
        for _ in 0..3 {
            let a = ask(&app, ADMIN_TOKEN, "zebra").await;
            let mut both = cited(&a);
            both.sort();
            assert_eq!(both, ["finding:f-other", "finding:f-shop"], "{a}");
        }
        // `cluster` keeps to one cluster's findings.
        let (_, a) = call(&app, Method::POST, "/api/assistant", ADMIN_TOKEN,
            Some(json!({"question": "zebra", "cluster": "elsewhere"}))).await;
        assert_eq!(cited(&a), Vec::<String>::new(), "{a}");

        // An incident opened from the hidden finding (its summary and notes) is not cited to
        // them either; one from a visible finding is, through its notes too.
        let (status, hidden) = call(&app, Method::POST, "/api/incidents", ADMIN_TOKEN,
            Some(json!({"findingIds": ["f-other"], "summary": "Quokka payments failed"}))).await;
        assert_eq!(status, 201, "{hidden}");
        let (status, seen) = call(&app, Method::POST, "/api/incidents", ADMIN_TOKEN,
            Some(json!({"findingIds": ["f-shop"], "summary": "Checkout slow"}))).await;
        assert_eq!(status, 201, "{seen}");
        let seen = seen["id"].as_str().unwrap().to_string();
        let (status, _) = call(&app, Method::POST, &format!("/api/incidents/{seen}/notes"), ADMIN_TOKEN,
            Some(json!({"body": "The quokka cache was cold."}))).await;
        assert_eq!(status, 201);
        let a = ask(&app, VIEWER_TOKEN, "quokka").await;
        assert_eq!(cited(&a), [format!("incident:{seen}")], "{a}");
        assert_eq!(a["citations"][0]["snippet"], "The quokka cache was cold.");
        let a = ask(&app, ADMIN_TOKEN, "quokka").await;
        assert_eq!(cited(&a).len(), 2, "{a}");

        // The mirror follows the runbooks' writes.
        let (status, _) = call(&app, Method::PUT, &format!("/api/memory/runbooks/{dns}"), OPERATOR_TOKEN,
            Some(json!({"title": "CoreDNS lookups fail", "body": "Look for a wombat in the Corefile."}))).await;
        assert_eq!(status, 200);
        assert_eq!(cited(&ask(&app, VIEWER_TOKEN, "wombat").await), [format!("runbook:{dns}")]);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/memory/runbooks/{dns}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        let a = ask(&app, VIEWER_TOKEN, "wombat").await;
        assert_eq!(cited(&a), Vec::<String>::new(), "{a}");
        assert!(a["answer"].as_str().unwrap().starts_with("Nothing in the runbooks"), "{a}");

        // Bad questions.
        for (body, status, code) in [
            (json!({"question": "  "}), 422, "invalid_question"),
            (json!({"question": "x".repeat(1001)}), 422, "question_too_long"),
            (json!({"question": "x", "limit": 0}), 422, "invalid_limit"),
            (json!({"question": "x", "limit": 11}), 422, "invalid_limit"),
            (json!({"question": "x", "extra": 1}), 400, "invalid_body"),
        ] {
            let (got, e) = call(&app, Method::POST, "/api/assistant", VIEWER_TOKEN, Some(body)).await;
            assert_error(got, &e, status, code);
        }
        let r = app.request(Method::POST, "/api/assistant").json(&json!({"question": "x"})).send().await.unwrap();
        assert_eq!(r.status(), 401);

        // Telemetry: operators; the references cited most of those they may see.
        let (status, _) = call(&app, Method::GET, "/api/rag/telemetry", VIEWER_TOKEN, None).await;
        assert_eq!(status, 403);
        let (status, e) = call(&app, Method::GET, "/api/rag/telemetry?days=0", OPERATOR_TOKEN, None).await;
        assert_error(status, &e, 422, "invalid_days");
        let (status, t) = call(&app, Method::GET, "/api/rag/telemetry", OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{t}");
        assert_eq!((t["queries"].as_u64(), t["byMode"]["extractive"].as_u64(), t["byMode"]["model"].as_u64()),
                   (Some(13), Some(13), Some(0)), "{t}");
        assert_eq!(t["modelFallbacks"], 0);
        let rate = t["answeredWithCitationsRate"].as_f64().unwrap();
        assert!((rate - 11.0 / 13.0).abs() < 1e-9, "{t}");
        assert!(t["latencyMs"]["p95"].as_u64().unwrap() >= t["latencyMs"]["p50"].as_u64().unwrap());
        let top: Vec<String> = t["topCited"].as_array().unwrap().iter()
            .map(|c| format!("{}:{}:{}", c["kind"].as_str().unwrap(), c["id"].as_str().unwrap(), c["count"])).collect();
        assert_eq!(top[0], "finding:f-shop:5", "{t}");
        assert!(!top.iter().any(|c| c.starts_with("finding:f-other")), "hidden from operators: {t}");
        let (_, t) = call(&app, Method::GET, "/api/rag/telemetry", ADMIN_TOKEN, None).await;
        assert!(t["topCited"].as_array().unwrap().iter().any(|c| c["id"] == "f-other" && c["count"] == 3), "admins see it: {t}");

        // The questions are audited by id, never by their text.
        let rows = audit_rows(&app, "ask", 13).await;
        assert!(rows.iter().all(|r| !r.to_string().contains("zebra")), "{rows:?}");
        store.close().await;
        app.stop().await;
    }

    async fn feedback_reorders_references(db) {
        let app = TestApp::start(db).await;
        // Two runbooks the search cannot tell apart.
        let a = create_runbook(&app, "Restart the flamingo alpha", "Restart the flamingo pods one by one.").await;
        let b = create_runbook(&app, "Restart the flamingo gamma", "Restart the flamingo pods one by one.").await;
        let question = json!({"question": "restart flamingo", "limit": 2});
        let (_, first) = call(&app, Method::POST, "/api/assistant", VIEWER_TOKEN, Some(question.clone())).await;
        let before = cited(&first);
        assert_eq!(before.len(), 2, "{first}");
        let (top, second) = (before[0].clone(), before[1].clone());
        assert!([format!("runbook:{a}"), format!("runbook:{b}")].contains(&top));
        let query = first["queryId"].as_str().unwrap();
        let top_id = top.trim_start_matches("runbook:");

        // The top one was not helpful: it drops below the other.
        let verdict = |helpful: bool| json!({"queryId": query, "kind": "runbook", "id": top_id, "helpful": helpful});
        let (status, body) = call(&app, Method::POST, "/api/assistant/references/feedback", VIEWER_TOKEN, Some(verdict(false))).await;
        assert_eq!(status, 204, "{body}");
        let (_, again) = call(&app, Method::POST, "/api/assistant", VIEWER_TOKEN, Some(question.clone())).await;
        assert_eq!(cited(&again), [second.clone(), top.clone()], "{again}");

        // Given again, the verdict is replaced: helpful lifts it back.
        let (status, _) = call(&app, Method::POST, "/api/assistant/references/feedback", VIEWER_TOKEN, Some(verdict(true))).await;
        assert_eq!(status, 204);
        let (_, back) = call(&app, Method::POST, "/api/assistant", VIEWER_TOKEN, Some(question.clone())).await;
        assert_eq!(cited(&back), [top.clone(), second.clone()], "{back}");
        let score = |v: &Value, i: usize| v["citations"][i]["score"].as_f64().unwrap();
        assert!((score(&back, 0) / score(&back, 1) - 1.1).abs() < 1e-6, "one vote is 10%: {back}");

        // Bad feedback.
        let bad = |q: &str, kind: &str, id: &str| json!({"queryId": q, "kind": kind, "id": id, "helpful": true});
        for (token, body, status, code) in [
            (VIEWER_TOKEN, bad("nope", "runbook", top_id), 404, "query_not_found"),
            (OPERATOR_TOKEN, bad(query, "runbook", top_id), 404, "query_not_found"),
            (VIEWER_TOKEN, bad(query, "runbook", "other"), 422, "reference_not_cited"),
            (VIEWER_TOKEN, bad(query, "finding", top_id), 422, "reference_not_cited"),
            (VIEWER_TOKEN, bad(query, "page", top_id), 400, "invalid_body"),
        ] {
            let (got, e) = call(&app, Method::POST, "/api/assistant/references/feedback", token, Some(body)).await;
            assert_error(got, &e, status, code);
        }

        let (_, t) = call(&app, Method::GET, "/api/rag/telemetry", OPERATOR_TOKEN, None).await;
        assert_eq!((t["feedback"]["helpful"].as_i64(), t["feedback"]["unhelpful"].as_i64()), (Some(1), Some(0)), "{t}");
        let rows = audit_rows(&app, "feedback", 2).await;
        assert!(rows.iter().any(|r| r["name"] == format!("runbook/{top_id}")), "{rows:?}");
        app.stop().await;
    }

    async fn the_model_writes_from_scrubbed_context_and_falls_back_when_down(db) {
        let stub = Stub::start().await;
        let mut settings = settings(db);
        settings.assistant = Some(AssistantModelSettings {
            url: format!("http://{}/v1", stub.addr),
            model: "tiny".into(),
            api_key: Some(AssistantApiKey("stub-key-0123456789".into())),
            max_context_tokens: 1500,
            timeout: Duration::from_secs(5),
        });
        let app = TestApp::with(settings).await;
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ";
        let body = format!(
            "Rotate the billing database credentials when the pods fail to connect.\n\
             Connect with password=hunter2-planted and the token {jwt}.\n\
             -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAplanted\n-----END RSA PRIVATE KEY-----\n\
             The key id is AKIAPLANTED000000000.\n{}",
            "Then restart the billing pods. ".repeat(200)
        );
        let runbook = create_runbook(&app, "Billing database credentials", &body).await;

        let question = "Billing pods fail to connect to the database; token=question-secret-123?";
        let a = ask(&app, VIEWER_TOKEN, question).await;
        assert_eq!(a["mode"], "model", "{a}");
        assert_eq!(a["answer"], "Rotate them [1].");
        assert_eq!(cited(&a)[0], format!("runbook:{runbook}"));
        let text = a.to_string();
        for secret in ["hunter2-planted", "eyJzdWIiOiJwbGFudGVkIn0", "MIIEpAIBAAKCAQEAplanted", "AKIAPLANTED000000000",
                       "question-secret-123", "stub-key-0123456789"] {
            assert!(!text.contains(secret), "{secret} in the answer: {text}");
        }

        let requests = stub.requests();
        assert_eq!(requests.len(), 1);
        let (auth, sent) = &requests[0];
        assert_eq!(auth, "Bearer stub-key-0123456789");
        assert_eq!(sent["model"], "tiny");
        let system = sent["messages"][0]["content"].as_str().unwrap();
        let user = sent["messages"][1]["content"].as_str().unwrap();
        assert!(system.contains("only the numbered context") && system.contains("[1]"), "{system}");
        assert!(user.contains("[1] (runbook) Billing database credentials"), "{user}");
        assert!(user.contains("Rotate the billing database credentials when the pods fail to connect."), "{user}");
        assert!(user.ends_with("Question: Billing pods fail to connect to the database; token=[REDACTED]"), "{user}");
        let prompt = sent.to_string();
        for secret in ["hunter2-planted", "eyJzdWIiOiJwbGFudGVkIn0", "MIIEpAIBAAKCAQEAplanted", "AKIAPLANTED000000000",
                       "question-secret-123"] {
            assert!(!prompt.contains(secret), "{secret} sent to the model: {prompt}");
        }
        // The budget: the long runbook is cut, the whole prompt within 1500 tokens (chars / 3).
        let chars = system.chars().count() + user.chars().count();
        assert!(chars.div_ceil(3) <= 1500 && chars > 3000, "{chars} characters");
        assert!(user.contains('…'), "cut: {user}");

        // Only the scrubbed question is kept.
        let store = db.store().await;
        let kept = store.assistant_query(a["queryId"].as_str().unwrap()).await.unwrap().unwrap();
        assert_eq!(kept.question, "Billing pods fail to connect to the database; token=[REDACTED]");
        assert_eq!((kept.mode.as_str(), kept.model_fallback), ("model", false));

        // The model down: the extractive answer, and the fallback counted.
        stub.stop().await;
        let a = ask(&app, VIEWER_TOKEN, question).await;
        assert_eq!(a["mode"], "extractive", "{a}");
        assert_eq!(cited(&a)[0], format!("runbook:{runbook}"));
        assert!(a["answer"].as_str().unwrap().contains("[1]"), "{a}");
        assert!(!a.to_string().contains("hunter2-planted"), "{a}");
        let (_, t) = call(&app, Method::GET, "/api/rag/telemetry", OPERATOR_TOKEN, None).await;
        assert_eq!((t["queries"].as_u64(), t["byMode"]["model"].as_u64(), t["byMode"]["extractive"].as_u64(),
                    t["modelFallbacks"].as_u64()), (Some(2), Some(1), Some(1), Some(1)), "{t}");
        store.close().await;
        app.stop().await;
    }
}

/// The requests a stub received: (Authorization header, body).
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A local OpenAI-compatible endpoint: `POST /v1/chat/completions` records each request's
/// Authorization header and body and answers "Rotate them [1].".
struct Stub {
    addr: std::net::SocketAddr,
    seen: Seen,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Stub {
    async fn start() -> Stub {
        async fn complete(
            State(seen): State<Seen>,
            headers: HeaderMap,
            axum::Json(body): axum::Json<Value>,
        ) -> axum::Json<Value> {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push((auth, body));
            axum::Json(json!({"id": "c1", "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": " Rotate them [1]. "}, "finish_reason": "stop"}]}))
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(complete))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Stub {
            addr,
            seen,
            shutdown,
            task,
        }
    }

    fn requests(&self) -> Vec<(String, Value)> {
        self.seen.lock().unwrap().clone()
    }

    /// Stops listening and closes its connections.
    async fn stop(self) {
        let _ = self.shutdown.send(());
        self.task.await.unwrap();
    }
}
