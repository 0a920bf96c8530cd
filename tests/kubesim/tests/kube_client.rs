//! Fleetdeck talks to clusters through kube::Client; it must work against kubesim unchanged.

mod common;

use common::client::client_for;
use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use kubesim::{Rule, Sim, SimConfig};
use serde_json::json;

const FIXTURES: &str = include_str!("fixtures/shop.yaml");

#[tokio::test]
async fn list_get_patch_conflict_over_tls() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    let client = client_for(&sim, sim.admin_token(), None).await;

    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let web = pods.list(&ListParams::default().labels("app=web")).await.unwrap();
    assert_eq!(web.items.len(), 1);
    assert_eq!(web.items[0].metadata.name.as_deref(), Some("web-1"));
    let all: Api<Pod> = Api::all(client.clone());
    let running = all
        .list(&ListParams::default().fields("spec.nodeName=node-0").limit(1))
        .await
        .unwrap();
    assert_eq!(running.items.len(), 1);
    assert!(running.metadata.continue_.is_some());

    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let scale = deploys
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(5));

    let cms: Api<ConfigMap> = Api::namespaced(client, "shop");
    let mut cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "c"}, "data": {"k": "1"}})).unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    cm.metadata.resource_version = created.metadata.resource_version.clone();
    // A real change, so the resourceVersion moves (a no-op write keeps it, as in the apiserver).
    cm.data = Some([("k".to_string(), "2".to_string())].into());
    cms.replace("c", &PostParams::default(), &cm).await.unwrap();
    // The same (now stale) resourceVersion again: 409 Conflict.
    let err = cms.replace("c", &PostParams::default(), &cm).await.unwrap_err();
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "Conflict");
        }
        other => panic!("expected a Status, got {other:?}"),
    }
}

#[tokio::test]
async fn watch_delivers_typed_events() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim, sim.admin_token(), None).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let rv = sim.resource_version().to_string();
    let mut stream = cms
        .watch(&WatchParams::default().timeout(5), &rv)
        .await
        .unwrap()
        .boxed();
    sim.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w", "namespace": "default"}}))
        .unwrap();
    match stream.try_next().await.unwrap().unwrap() {
        WatchEvent::Added(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("w")),
        other => panic!("expected ADDED, got {other:?}"),
    }
}

#[tokio::test]
async fn impersonation_headers_are_recorded_and_decide_access() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    sim.add_token("fleetdeck-token", "fleetdeck", &[]);
    sim.add_rule(Rule::user(
        "fleetdeck",
        &["impersonate"],
        &[""],
        &["users", "groups"],
        &[],
    ));
    let client = client_for(&sim, "fleetdeck-token", Some(("viewer", "viewers"))).await;

    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    assert_eq!(pods.list(&ListParams::default()).await.unwrap().items.len(), 2);
    let err = pods.delete("web-1", &Default::default()).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 403), "{err:?}");

    let reviews: Api<SelfSubjectAccessReview> = Api::all(client);
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some("watch".into()),
                resource: Some("pods".into()),
                namespace: Some("shop".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = reviews.create(&PostParams::default(), &review).await.unwrap();
    assert!(answer.status.unwrap().allowed);

    let recorded = sim.requests();
    let list = recorded
        .iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods" && r.method == "GET")
        .unwrap();
    assert_eq!(list.authenticated_user.as_deref(), Some("fleetdeck"));
    assert_eq!(list.impersonate_user.as_deref(), Some("viewer"));
    assert_eq!(list.impersonate_groups, ["viewers"]);
}

#[tokio::test]
async fn expired_resource_version_arrives_as_a_410_error_event() {
    let sim = Sim::start(SimConfig {
        history_limit: 5,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for i in 0..10 {
        sim.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c{i}"), "namespace": "default"}}))
            .unwrap();
    }
    let client = client_for(&sim, sim.admin_token(), None).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut stream = cms
        .watch(&WatchParams::default().timeout(5), "1")
        .await
        .unwrap()
        .boxed();
    match stream.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(status) => {
            assert_eq!(status.code, 410);
            assert_eq!(status.reason, "Expired");
        }
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
}

#[tokio::test]
async fn server_side_apply_with_conflicts_and_force() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    let client = client_for(&sim, sim.admin_token(), None).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "shop");
    let config =
        |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": v}});
    let created = cms
        .patch("ssa", &PatchParams::apply("fleetdeck"), &Patch::Apply(config("1")))
        .await
        .unwrap();
    assert_eq!(created.data.unwrap()["a"], "1");
    let managed = created.metadata.managed_fields.unwrap();
    assert_eq!(
        (managed[0].manager.as_deref(), managed[0].operation.as_deref()),
        (Some("fleetdeck"), Some("Apply"))
    );

    let err = cms
        .patch("ssa", &PatchParams::apply("other"), &Patch::Apply(config("2")))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"fleetdeck\": .data.a"
    );

    let forced = cms
        .patch("ssa", &PatchParams::apply("other").force(), &Patch::Apply(config("2")))
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["a"], "2");
}

/// A budget-refused eviction comes back as the apiserver's 429 at once, provided the
/// client does not retry 429s itself (kube does by default, for up to minutes).
#[tokio::test]
async fn eviction_refused_by_a_budget_is_a_prompt_429_without_default_retries() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(include_str!("fixtures/ops.yaml")).unwrap();
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token())).unwrap();
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    config.default_retry = false;
    let pods: Api<Pod> = Api::namespaced(Client::try_from(config).unwrap(), "ops");
    let started = std::time::Instant::now();
    let err = pods.evict("api-1", &Default::default()).await.unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!((status.code, status.reason.as_str()), (429, "TooManyRequests"));
    assert!(sim.get("v1", "Pod", "ops", "api-1").is_some());
}

/// kube's aggregated discovery (two requests) sees what the per-group one does, CRDs included.
#[tokio::test]
async fn aggregated_discovery_matches_the_per_group_one() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(include_str!("fixtures/widgets-crd.yaml")).unwrap();
    let client = client_for(&sim, sim.admin_token(), None).await;
    let summary = |d: &kube::Discovery| {
        let mut out: Vec<String> = d
            .groups()
            .flat_map(|g| {
                g.recommended_resources().into_iter().map(|(ar, caps)| {
                    format!(
                        "{}/{} {} {:?} {:?}",
                        ar.group,
                        ar.version,
                        ar.plural,
                        caps.scope,
                        caps.subresources.len()
                    )
                })
            })
            .collect();
        out.sort();
        out
    };
    sim.clear_requests();
    let aggregated = kube::Discovery::new(client.clone()).run_aggregated().await.unwrap();
    assert_eq!(sim.requests().len(), 2, "one request for /api, one for /apis");
    let legacy = kube::Discovery::new(client).run().await.unwrap();
    assert_eq!(summary(&aggregated), summary(&legacy));
    assert!(
        summary(&aggregated)
            .iter()
            .any(|s| s.starts_with("example.com/v1 widgets Namespaced"))
    );
}

/// kube-runtime's watcher, in both list strategies: list then watch, and the streaming
/// list (`sendInitialEvents`) that ends its initial state with a marked bookmark.
#[tokio::test]
async fn runtime_watchers_see_the_initial_state_then_changes() {
    use kube::runtime::watcher::{self, Event};
    let sim = Sim::start(SimConfig {
        bookmark_interval: std::time::Duration::from_millis(200),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    let client = client_for(&sim, sim.admin_token(), None).await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let mut expected = vec!["db-1".to_string(), "web-1".to_string()];
    for config in [watcher::Config::default(), watcher::Config::default().streaming_lists()] {
        let streaming = config.initial_list_strategy == watcher::InitialListStrategy::StreamingList;
        let mut events = watcher::watcher(pods.clone(), config).boxed();
        let mut initial = Vec::new();
        loop {
            let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.try_next())
                .await
                .expect("the initial state ends")
                .unwrap()
                .unwrap();
            match event {
                Event::Init => {}
                Event::InitApply(p) => initial.push(p.metadata.name.unwrap()),
                Event::InitDone => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        initial.sort();
        assert_eq!(initial, expected, "streaming: {streaming}");
        let name = format!("new-{streaming}");
        expected.push(name.clone());
        expected.sort();
        sim.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"}}))
            .unwrap();
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), events.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let Event::Apply(p) = next else {
            panic!("unexpected {next:?}")
        };
        assert_eq!(p.metadata.name.as_deref(), Some(name.as_str()));
    }
    let streamed = sim
        .requests()
        .into_iter()
        .any(|r| r.query.contains("sendInitialEvents=true"));
    assert!(streamed);
}
