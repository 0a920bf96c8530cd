//! Watch faults and load for Fleetdeck's watch caches: a compaction forces every watcher
//! to list again, and a benchmark can write into a large simulator from its own process.

mod common;

use std::time::{Duration, Instant};

use common::client::client_for;
use common::kubectl::{FIXTURES, Kubectl, words};
use futures_util::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, WatchEvent, WatchParams};
use kube::runtime::watcher::{self, Event};
use kubesim::{Sim, SimConfig};

async fn shop() -> Sim {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    sim
}

/// The watcher's next item in a few seconds, as "Init", "InitApply(web-1)", … or the error.
async fn next<S: Stream<Item = watcher::Result<Event<Pod>>> + Unpin>(stream: &mut S) -> String {
    let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the watcher went quiet")
        .expect("the watcher ended");
    match item {
        Ok(event) => event.to_string(),
        Err(watcher::Error::WatchError(status)) => format!("Error({} {})", status.code, status.reason),
        Err(other) => format!("Error({other})"),
    }
}

const WEB_2: &str = "{apiVersion: v1, kind: Pod, metadata: {name: web-2, namespace: shop}, spec: {containers: [{name: web, image: nginx:1.27}]}}";

#[tokio::test]
async fn a_compaction_makes_kube_runtimes_watcher_list_again() {
    let sim = shop().await;
    let client = client_for(&sim, sim.admin_token(), None).await;
    for config in [watcher::Config::default(), watcher::Config::default().streaming_lists()] {
        let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
        let mut events = watcher::watcher(pods.clone(), config).boxed();
        for want in ["Init", "InitApply(db-1)", "InitApply(web-1)", "InitDone"] {
            assert_eq!(next(&mut events).await, want);
        }
        // A change seen proves the watch is open.
        sim.load_yaml(WEB_2).unwrap();
        assert_eq!(next(&mut events).await, "Apply(web-2)");

        sim.compact();
        assert_eq!(next(&mut events).await, "Error(410 Expired)");
        for want in [
            "Init",
            "InitApply(db-1)",
            "InitApply(web-1)",
            "InitApply(web-2)",
            "InitDone",
        ] {
            assert_eq!(next(&mut events).await, want);
        }
        pods.delete("web-2", &Default::default()).await.unwrap();
        assert_eq!(next(&mut events).await, "Delete(web-2)");
    }
}

#[tokio::test]
async fn a_watch_from_before_a_compaction_gets_410_and_one_from_after_does_not() {
    let sim = shop().await;
    let client = client_for(&sim, sim.admin_token(), None).await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let before = sim.resource_version().to_string();
    sim.load_yaml(
        "{apiVersion: v1, kind: Pod, metadata: {name: a, namespace: shop}, spec: {containers: [{name: c, image: i}]}}",
    )
    .unwrap();
    sim.compact();

    let mut stream = pods.watch(&WatchParams::default(), &before).await.unwrap().boxed();
    match stream.next().await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));
            assert_eq!(
                status.message,
                format!("too old resource version: {before} ({})", sim.resource_version() + 1)
            );
        }
        other => panic!("{other:?}"),
    }

    // The current resourceVersion is still a place to resume from.
    let now = sim.resource_version().to_string();
    let mut stream = pods.watch(&WatchParams::default(), &now).await.unwrap().boxed();
    sim.load_yaml(
        "{apiVersion: v1, kind: Pod, metadata: {name: b, namespace: shop}, spec: {containers: [{name: c, image: i}]}}",
    )
    .unwrap();
    match stream.next().await {
        Some(Ok(WatchEvent::Added(pod))) => assert_eq!(pod.metadata.name.as_deref(), Some("b")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_watch_ends_on_a_compaction() {
    let sim = shop().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let watch = tokio::spawn(async move { k.run(&["get", "pods", "-n", "shop", "-w"]).await });
    // Once kubectl's watch is open, compact under it.
    let started = Instant::now();
    while !sim
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/shop/pods" && r.query.contains("watch=true"))
    {
        assert!(started.elapsed() < Duration::from_secs(20), "kubectl never watched");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.compact();
    let out = tokio::time::timeout(Duration::from_secs(20), watch)
        .await
        .expect("kubectl kept watching")
        .unwrap();
    // What kubectl does with the apiserver's ERROR event: prints the Status and stops.
    assert!(out.ok, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(words(lines[3]), ["STATUS", "REASON", "MESSAGE"]);
    assert_eq!(words(lines[4])[..3], ["Failure", "Expired", "too"]);
    assert_eq!(lines.len(), 5, "{}", out.stdout);
}

/// What a benchmark of watch caches needs: ~100 pod updates a second into a 10,000-pod
/// simulator, written from the benchmark's own process with `get` and
/// `create_or_update`, each reaching every watcher.
#[tokio::test]
async fn a_large_simulator_takes_pod_updates_from_its_process_and_fans_them_out() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let objects = kubesim::generate::cluster(5, 10_000, 50, 1);
    let names: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .map(|o| {
            let meta = &o["metadata"];
            (
                meta["namespace"].as_str().unwrap().into(),
                meta["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    sim.load_objects(objects).unwrap();
    assert_eq!(names.len(), 10_000);

    let client = client_for(&sim, sim.admin_token(), None).await;
    let pods: Api<Pod> = Api::all(client);
    let from = sim.resource_version().to_string();
    let mut stream = pods.watch(&WatchParams::default(), &from).await.unwrap().boxed();

    const UPDATES: usize = 300;
    let started = Instant::now();
    for (i, (ns, name)) in names.iter().step_by(names.len() / UPDATES).take(UPDATES).enumerate() {
        let mut pod = sim.get("v1", "Pod", ns, name).unwrap();
        pod["metadata"]["annotations"]["bench.fleetdeck.dev/seq"] = i.to_string().into();
        sim.create_or_update(pod).unwrap();
    }
    let took = started.elapsed();
    // A debug build on two cores manages thousands a second; 100 is the need.
    assert!(took < Duration::from_secs(3), "{UPDATES} updates took {took:?}");

    for i in 0..UPDATES {
        match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
            Ok(Some(Ok(WatchEvent::Modified(pod)))) => {
                assert_eq!(
                    pod.metadata.annotations.unwrap()["bench.fleetdeck.dev/seq"],
                    i.to_string()
                );
            }
            other => panic!("update {i}: {other:?}"),
        }
    }
}
