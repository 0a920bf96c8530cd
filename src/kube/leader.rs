//! Leader election with a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` does it:
//! the leader renews the lease every `retry` and steps down when it could not renew for `renew`;
//! the others take the lease over once it has not changed for its whole duration. Expiry is
//! measured on this replica's clock from when it last saw the lease change, never from the
//! times written in it, so clocks that disagree between nodes cannot make two leaders.
//! Background tasks that must run once per installation (audit retention, later metering and
//! alerting) ask [`Leadership::is_leader`] before each run.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use tokio::sync::watch;
use tokio::time::Instant;

/// Whether this replica is the leader now; cheap to clone and to ask.
#[derive(Clone, Debug)]
pub struct Leadership(watch::Receiver<bool>);

impl Leadership {
    /// The only replica: leader from the start, for good (no election configured).
    pub fn always() -> Leadership {
        let (tx, rx) = watch::channel(true);
        // The sender may go: the value stays.
        drop(tx);
        Leadership(rx)
    }

    pub fn is_leader(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits for the next change of leadership; `None` once the election has stopped.
    pub async fn changed(&mut self) -> Option<bool> {
        self.0.changed().await.ok()?;
        Some(*self.0.borrow_and_update())
    }

    /// Waits until this replica leads: at once when it does; false once the election has
    /// stopped without it leading (the runtime is ending).
    pub async fn leading(&mut self) -> bool {
        while !self.is_leader() {
            if self.changed().await.is_none() {
                return false;
            }
        }
        true
    }
}

/// How often and how long: client-go's defaults are 15 s, 10 s and 2 s.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long a lease holds without renewal (written into the lease).
    pub lease: Duration,
    /// How long the leader keeps leading while its renewals fail.
    pub renew: Duration,
    /// How often each replica tries to take or renew the lease.
    pub retry: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            lease: Duration::from_secs(15),
            renew: Duration::from_secs(10),
            retry: Duration::from_secs(2),
        }
    }
}

/// What a replica does with the lease it just read.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// No lease yet: create it, held by us.
    Create,
    /// Ours: write a new renew time.
    Renew,
    /// Someone else's and expired, or released: take it over.
    TakeOver,
    /// Someone else's and current.
    Follow,
}

/// The decision, from the lease's holder, whether we saw it unchanged for a whole lease
/// duration (`expired`), and who we are.
pub fn decide(lease: Option<&LeaseSpec>, me: &str, expired: bool) -> Step {
    let Some(spec) = lease else { return Step::Create };
    match spec.holder_identity.as_deref() {
        Some(holder) if holder == me => Step::Renew,
        // Released (no holder) or not renewed in time.
        None | Some("") => Step::TakeOver,
        Some(_) if expired => Step::TakeOver,
        Some(_) => Step::Follow,
    }
}

/// The part of a lease that changes when its holder renews or hands it on (holder, renew time):
/// seeing it change restarts the expiry clock.
type Fingerprint = (Option<String>, Option<String>);

/// The lease's fingerprint as last seen, and when it was first seen so.
type Seen = Option<(Fingerprint, Instant)>;

fn fingerprint(lease: &Lease) -> Fingerprint {
    let spec = lease.spec.as_ref();
    (
        spec.and_then(|s| s.holder_identity.clone()),
        spec.and_then(|s| s.renew_time.as_ref()).map(|t| t.0.to_string()),
    )
}

/// This replica's identity in the lease: the pod's name (or the host's) and a random suffix, as
/// client-go's, so a restarted pod with the same name is a new candidate.
pub fn identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "fleetdeck".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}_{}", &suffix[..8])
}

/// One replica's candidacy for one lease.
pub struct Election {
    api: Api<Lease>,
    name: String,
    identity: String,
    timing: Timing,
}

impl Election {
    /// A candidate reaching the apiserver with `config`; its calls are answered promptly (no
    /// retries inside a call), so a leader that cannot renew notices in time to step down.
    pub fn new(
        mut config: kube::Config,
        namespace: &str,
        name: &str,
        identity: &str,
        timing: Timing,
    ) -> kube::Result<Election> {
        super::client::answer_promptly(&mut config);
        Ok(Election {
            api: Api::namespaced(kube::Client::try_from(config)?, namespace),
            name: name.to_string(),
            identity: identity.to_string(),
            timing,
        })
    }

    /// Runs the election until `stop` resolves, then gives the lease up if it holds it, so another
    /// replica takes over at once rather than after the lease's duration.
    pub fn spawn(self, stop: impl Future<Output = ()> + Send + 'static) -> (Leadership, tokio::task::JoinHandle<()>) {
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            tokio::select! {
                () = self.run(&tx) => {}
                () = stop => {}
            }
            if *tx.borrow() {
                tx.send_replace(false);
                if let Err(e) = self.release().await {
                    tracing::warn!(error = %e, lease = self.name, "could not release the leader lease");
                }
            }
        });
        (Leadership(rx), task)
    }

    async fn run(&self, leading: &watch::Sender<bool>) {
        let mut seen: Seen = None;
        let mut renewed = Instant::now();
        loop {
            let now = Instant::now();
            match self.try_lead(&mut seen, now).await {
                Ok(true) => {
                    renewed = now;
                    if !leading.send_replace(true) {
                        tracing::info!(lease = self.name, identity = self.identity, "became the leader");
                    }
                }
                Ok(false) => {
                    if leading.send_replace(false) {
                        tracing::warn!(lease = self.name, "lost the leader lease to another replica");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, lease = self.name, "leader election: cannot reach the lease");
                    if *leading.borrow() && now.duration_since(renewed) >= self.timing.renew {
                        leading.send_replace(false);
                        tracing::warn!(
                            lease = self.name,
                            "stepped down: could not renew the leader lease in time"
                        );
                    }
                }
            }
            tokio::time::sleep(self.timing.retry).await;
        }
    }

    /// Reads the lease and creates, renews or takes it over; whether we hold it afterwards.
    async fn try_lead(&self, seen: &mut Seen, now: Instant) -> kube::Result<bool> {
        let current = self.api.get_opt(&self.name).await?;
        let expired = match &current {
            None => true,
            Some(lease) => {
                let print = fingerprint(lease);
                let since = match seen.take() {
                    Some((p, at)) if p == print => at,
                    _ => now,
                };
                *seen = Some((print, since));
                now.duration_since(since) >= self.timing.lease
            }
        };
        let step = decide(current.as_ref().and_then(|l| l.spec.as_ref()), &self.identity, expired);
        let stamp = MicroTime(Timestamp::now());
        let spec = |transitions: i32, acquired: Option<MicroTime>| LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(i32::try_from(self.timing.lease.as_secs().max(1)).unwrap_or(i32::MAX)),
            acquire_time: Some(acquired.unwrap_or_else(|| stamp.clone())),
            renew_time: Some(stamp.clone()),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        };
        if step == Step::Follow {
            return Ok(false);
        }
        let written = match current {
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(spec(0, None)),
                };
                self.api.create(&PostParams::default(), &lease).await
            }
            Some(mut lease) => {
                let old = lease.spec.take().unwrap_or_default();
                let transitions = old.lease_transitions.unwrap_or(0);
                lease.spec = Some(if step == Step::Renew {
                    spec(transitions, old.acquire_time)
                } else {
                    spec(transitions + 1, None)
                });
                // The lease's resourceVersion makes this a compare-and-swap: of two replicas
                // taking over at once, one gets a 409.
                self.api.replace(&self.name, &PostParams::default(), &lease).await
            }
        };
        match written {
            Ok(lease) => {
                *seen = Some((fingerprint(&lease), now));
                Ok(true)
            }
            // Another replica wrote first (created it, or changed it since we read it).
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Hands the lease on: no holder and a one-second duration, as client-go's `ReleaseOnCancel`.
    async fn release(&self) -> kube::Result<()> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(Timestamp::now()));
        self.api.replace(&self.name, &PostParams::default(), &lease).await?;
        tracing::info!(lease = self.name, "released the leader lease");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_by(holder: Option<&str>) -> LeaseSpec {
        LeaseSpec {
            holder_identity: holder.map(str::to_string),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn no_lease_is_created() {
        assert_eq!(decide(None, "a", false), Step::Create);
    }

    #[test]
    fn our_lease_is_renewed_even_when_it_looks_expired() {
        assert_eq!(decide(Some(&held_by(Some("a"))), "a", false), Step::Renew);
        assert_eq!(decide(Some(&held_by(Some("a"))), "a", true), Step::Renew);
    }

    #[test]
    fn another_holder_is_followed_until_its_lease_expires() {
        assert_eq!(decide(Some(&held_by(Some("b"))), "a", false), Step::Follow);
        assert_eq!(decide(Some(&held_by(Some("b"))), "a", true), Step::TakeOver);
    }

    #[test]
    fn a_released_lease_is_taken_at_once() {
        assert_eq!(decide(Some(&held_by(None)), "a", false), Step::TakeOver);
        assert_eq!(decide(Some(&held_by(Some(""))), "a", false), Step::TakeOver);
    }

    #[test]
    fn the_fingerprint_changes_with_holder_and_renewal_only() {
        let lease = |holder: &str, renewed: i64, rv: &str| Lease {
            metadata: ObjectMeta {
                resource_version: Some(rv.into()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.into()),
                renew_time: Some(MicroTime(Timestamp::from_second(renewed).unwrap())),
                ..LeaseSpec::default()
            }),
        };
        assert_eq!(fingerprint(&lease("b", 10, "1")), fingerprint(&lease("b", 10, "2")));
        assert_ne!(fingerprint(&lease("b", 10, "1")), fingerprint(&lease("b", 11, "1")));
        assert_ne!(fingerprint(&lease("b", 10, "1")), fingerprint(&lease("c", 10, "1")));
    }
}
