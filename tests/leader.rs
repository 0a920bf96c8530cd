//! Leader election over a Lease in the simulated cluster: one leader at a time, a hand-over when
//! the leader stops, a take-over only after a crashed leader's lease expired, stepping down when
//! the lease cannot be renewed; and the server's `fleetdeck_leader` metric.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, TestDb, settings, sim_client};
use fleetdeck::config::LeaderElection;
use fleetdeck::kube::leader::{Election, Leadership, Timing};
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kubesim::Sim;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const FAST: Timing = Timing {
    lease: Duration::from_millis(1500),
    renew: Duration::from_millis(900),
    retry: Duration::from_millis(100),
};

struct Candidate {
    identity: String,
    leadership: Leadership,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

async fn candidate(sim: &Sim, identity: &str) -> Candidate {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let election = Election::new(config, "default", "fleetdeck-leader", identity, FAST).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let (leadership, task) = election.spawn(async {
        let _ = stopped.await;
    });
    Candidate {
        identity: identity.into(),
        leadership,
        stop: Some(stop),
        task,
    }
}

/// Waits (up to 10 s) until `done` holds; panics with `what` otherwise.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn lease(sim: &Sim) -> Lease {
    Api::<Lease>::namespaced(sim_client(sim).await, "default")
        .get("fleetdeck-leader")
        .await
        .unwrap()
}

fn holder(lease: &Lease) -> Option<String> {
    lease.spec.as_ref().and_then(|s| s.holder_identity.clone())
}

/// Two candidates, once one of them leads: (leader, follower).
async fn two_candidates(sim: &Sim) -> (Candidate, Candidate) {
    let a = candidate(sim, "replica-a").await;
    let b = candidate(sim, "replica-b").await;
    until("one of two leads", || {
        a.leadership.is_leader() || b.leadership.is_leader()
    })
    .await;
    // Several rounds: the follower never leads while the leader renews.
    for _ in 0..20 {
        assert!(!(a.leadership.is_leader() && b.leadership.is_leader()), "two leaders");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if a.leadership.is_leader() { (a, b) } else { (b, a) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_leads_and_hands_over_when_it_stops() {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    let (mut leader, follower) = two_candidates(&sim).await;
    assert!(!follower.leadership.is_leader());
    let held = lease(&sim).await;
    assert_eq!(holder(&held), Some(leader.identity.clone()));
    let spec = held.spec.unwrap();
    assert_eq!(spec.lease_duration_seconds, Some(1));
    assert!(spec.acquire_time.is_some() && spec.renew_time.is_some());

    // A stopping leader releases the lease: the follower takes it at its next try, long before
    // the lease would have expired.
    let stopped_at = Instant::now();
    leader.stop.take().unwrap().send(()).unwrap();
    leader.task.await.unwrap();
    assert!(!leader.leadership.is_leader());
    until("the follower leads", || follower.leadership.is_leader()).await;
    assert!(stopped_at.elapsed() < FAST.lease, "took {:?}", stopped_at.elapsed());
    let taken = lease(&sim).await;
    assert_eq!(holder(&taken), Some(follower.identity.clone()));
    assert_eq!(taken.spec.unwrap().lease_transitions, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_leader_is_replaced_only_once_its_lease_expired() {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    let (leader, follower) = two_candidates(&sim).await;
    let renewed = lease(&sim).await.spec.unwrap().renew_time.unwrap();
    // Gone without releasing (a killed pod): the lease still names it.
    leader.task.abort();
    let crashed_at = Instant::now();
    until("the follower leads", || follower.leadership.is_leader()).await;
    // The follower counts the lease's duration from when it last saw the lease change, so it
    // waited at least that long after the crash, less the one retry the last renewal may precede it by.
    assert!(
        crashed_at.elapsed() >= FAST.lease - FAST.retry,
        "took over after {:?}",
        crashed_at.elapsed()
    );
    let taken = lease(&sim).await.spec.unwrap();
    assert_eq!(taken.holder_identity, Some(follower.identity.clone()));
    assert!(taken.renew_time.unwrap() > renewed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_cannot_renew_steps_down_and_leadership_resumes_when_the_lease_is_back() {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    let (leader, follower) = two_candidates(&sim).await;
    sim.fail_resource("coordination.k8s.io", "leases", 503, "etcd is down");
    until("the leader steps down", || !leader.leadership.is_leader()).await;
    assert!(!follower.leadership.is_leader());
    sim.clear_faults();
    until("someone leads again", || {
        leader.leadership.is_leader() || follower.leadership.is_leader()
    })
    .await;
    assert!(!(leader.leadership.is_leader() && follower.leadership.is_leader()));
}

/// Whether `/metrics` says `fleetdeck_leader` is `value`.
fn leads(metrics: &str, value: u8) -> bool {
    metrics.lines().any(|l| l == format!("fleetdeck_leader {value}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_report_leadership_and_the_survivor_leads_after_a_shutdown() {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    let (db_a, db_b) = (TestDb::sqlite().await, TestDb::sqlite().await);
    let kubeconfig = db_a.dir().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let replica = |db: &TestDb| {
        let mut s = settings(db);
        s.leader.election = LeaderElection::On;
        s.kubeconfig = vec![kubeconfig.clone()];
        s
    };
    let a = TestApp::with(replica(&db_a)).await;
    a.metrics_until(|m| leads(m, 1)).await;
    let b = TestApp::with(replica(&db_b)).await;
    b.metrics_until(|m| leads(m, 0)).await;
    // The holder is the pod's (here the host's) name with a random suffix.
    let first = holder(&lease(&sim).await).unwrap();
    assert!(
        first.rsplit_once('_').is_some_and(|(_, suffix)| suffix.len() == 8),
        "{first}"
    );
    a.stop().await;
    b.metrics_until(|m| leads(m, 1)).await;
    assert_ne!(holder(&lease(&sim).await).unwrap(), first);
    b.stop().await;

    // Without an election (off, or not in a pod), the one replica leads.
    let alone = TestApp::start(&db_a).await;
    alone.metrics_until(|m| leads(m, 1)).await;
    alone.stop().await;
    db_a.cleanup().await;
    db_b.cleanup().await;
}
