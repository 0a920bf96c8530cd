//! A workload's logs: which pods are its own (its `spec.selector`), which of their containers
//! have output to read, and the fan-out that decides, as pods come, change and go, which
//! container reads to start and stop, at most [`MAX_PODS`] pods at once. Pure: it takes pods
//! and answers actions; `logs` carries them out.

use std::collections::{BTreeMap, BTreeSet};

use kube::api::DynamicObject;
use serde_json::Value;

/// Pods read at once for one workload; the others wait for a place.
pub const MAX_PODS: usize = 50;

/// A pod as the fan-out sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodView {
    pub name: String,
    pub uid: String,
    /// Its containers (spec order, init containers left out) that have output to read.
    pub readable: Vec<String>,
}

impl PodView {
    /// A container has output once it has run: it is running or terminated, or an earlier
    /// run ended (waiting to restart). Without a status, the pod's phase tells.
    pub fn of(pod: &DynamicObject) -> PodView {
        let statuses = pod.data.pointer("/status/containerStatuses").and_then(Value::as_array);
        let phase = pod.data.pointer("/status/phase").and_then(Value::as_str);
        let has_run = |name: &str| match statuses
            .into_iter()
            .flatten()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(s) => ["/state/running", "/state/terminated", "/lastState/terminated"]
                .iter()
                .any(|p| s.pointer(p).is_some()),
            None => matches!(phase, Some("Running" | "Succeeded" | "Failed")),
        };
        PodView {
            name: pod.metadata.name.clone().unwrap_or_default(),
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            readable: pod
                .data
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .filter(|name| has_run(name))
                .map(str::to_string)
                .collect(),
        }
    }
}

/// What to do for the fan-out.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Read one container's log. `from_start`: the pod appeared after the stream began, so all
    /// of its output is new; otherwise the request's `tailLines`/`sinceSeconds` apply.
    Start {
        pod: String,
        container: String,
        from_start: bool,
    },
    /// Stop every read of the pod (it is gone, or was replaced by a pod of the same name).
    Stop {
        pod: String,
    },
    Notice(String),
}

#[derive(Debug)]
struct Tracked {
    uid: String,
    readable: Vec<String>,
    /// Whether it was there when the stream began.
    initial: bool,
    /// Whether it holds one of the places.
    joined: bool,
    /// Containers whose read was started: each is read once.
    started: BTreeSet<String>,
}

#[derive(Debug)]
pub struct Fanout {
    /// Only this container of each pod, when given.
    container: Option<String>,
    limit: usize,
    pods: BTreeMap<String, Tracked>,
    /// Whether the pods left waiting were reported since the last time all had a place.
    told: bool,
}

impl Fanout {
    pub fn new(container: Option<String>, limit: usize) -> Fanout {
        Fanout {
            container,
            limit,
            pods: BTreeMap::new(),
            told: false,
        }
    }

    /// The workload's pods when the stream begins.
    pub fn begin(&mut self, pods: Vec<PodView>) -> Vec<Action> {
        for pod in pods {
            self.track(pod, true);
        }
        self.settle(Vec::new())
    }

    /// A pod of the workload that appeared or changed since.
    pub fn update(&mut self, pod: PodView) -> Vec<Action> {
        let mut actions = Vec::new();
        match self.pods.get_mut(&pod.name) {
            Some(t) if t.uid == pod.uid => t.readable = pod.readable,
            Some(_) => {
                actions.extend(self.leave(&pod.name));
                self.track(pod, false);
            }
            None => self.track(pod, false),
        }
        self.settle(actions)
    }

    /// A pod that is gone, or no longer the workload's.
    pub fn remove(&mut self, name: &str) -> Vec<Action> {
        let actions = self.leave(name).into_iter().collect();
        self.settle(actions)
    }

    /// Every pod of the workload now (after the cache listed again, or a reader fell behind).
    pub fn resync(&mut self, pods: Vec<PodView>) -> Vec<Action> {
        let now: BTreeSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
        let gone: Vec<String> = self
            .pods
            .keys()
            .filter(|n| !now.contains(n.as_str()))
            .cloned()
            .collect();
        let mut actions: Vec<Action> = gone.iter().filter_map(|n| self.leave(n)).collect();
        for pod in pods {
            actions.extend(self.update(pod));
        }
        self.settle(actions)
    }

    fn track(&mut self, pod: PodView, initial: bool) {
        self.pods.insert(
            pod.name,
            Tracked {
                uid: pod.uid,
                readable: pod.readable,
                initial,
                joined: false,
                started: BTreeSet::new(),
            },
        );
    }

    fn leave(&mut self, name: &str) -> Option<Action> {
        let t = self.pods.remove(name)?;
        t.joined.then(|| Action::Stop { pod: name.to_string() })
    }

    /// Gives free places to waiting pods (in name order), starts the reads that can start, and
    /// says so once when pods are left waiting.
    fn settle(&mut self, mut actions: Vec<Action>) -> Vec<Action> {
        let mut joined = self.pods.values().filter(|t| t.joined).count();
        for (name, t) in self.pods.iter_mut() {
            if !t.joined && joined < self.limit {
                t.joined = true;
                joined += 1;
            }
            if !t.joined {
                continue;
            }
            let wanted = t
                .readable
                .iter()
                .filter(|c| self.container.as_ref().is_none_or(|only| only == *c));
            for container in wanted {
                if t.started.insert(container.clone()) {
                    actions.push(Action::Start {
                        pod: name.clone(),
                        container: container.clone(),
                        from_start: !t.initial,
                    });
                }
            }
        }
        let waiting = self.pods.len() - joined;
        if waiting == 0 {
            self.told = false;
        } else if !self.told {
            self.told = true;
            actions.push(Action::Notice(format!(
                "the workload has {} pods; the logs of {} are read, the others when a place frees up",
                self.pods.len(),
                self.limit
            )));
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, data: Value) -> DynamicObject {
        let mut o: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "uid": format!("{name}-uid")}}))
        .unwrap();
        o.data = data;
        o
    }

    #[test]
    fn containers_are_readable_once_they_ran() {
        let p = pod(
            "p",
            json!({
                "spec": {"initContainers": [{"name": "init"}],
                         "containers": [{"name": "app"}, {"name": "sidecar"}, {"name": "crashy"}, {"name": "done"}]},
                "status": {"phase": "Running", "containerStatuses": [
                    {"name": "app", "state": {"running": {}}},
                    {"name": "sidecar", "state": {"waiting": {"reason": "ContainerCreating"}}},
                    {"name": "crashy", "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1}}},
                    {"name": "done", "state": {"terminated": {"exitCode": 0}}}]}}),
        );
        let v = PodView::of(&p);
        assert_eq!((v.name.as_str(), v.uid.as_str()), ("p", "p-uid"));
        assert_eq!(v.readable, ["app", "crashy", "done"]);

        let bare = |phase: &str| {
            pod(
                "q",
                json!({"spec": {"containers": [{"name": "a"}]}, "status": {"phase": phase}}),
            )
        };
        assert_eq!(PodView::of(&bare("Running")).readable, ["a"]);
        assert!(PodView::of(&bare("Pending")).readable.is_empty());
    }

    fn view(name: &str, uid: &str, readable: &[&str]) -> PodView {
        PodView {
            name: name.into(),
            uid: uid.into(),
            readable: readable.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn start(pod: &str, container: &str, from_start: bool) -> Action {
        Action::Start {
            pod: pod.into(),
            container: container.into(),
            from_start,
        }
    }

    #[test]
    fn pods_join_change_and_leave() {
        let mut f = Fanout::new(None, MAX_PODS);
        assert_eq!(
            f.begin(vec![view("a", "1", &["app", "proxy"]), view("b", "2", &[])]),
            [start("a", "app", false), start("a", "proxy", false)]
        );
        // A container that starts later is read once, with the request's window (the pod was there).
        assert_eq!(f.update(view("b", "2", &["app"])), [start("b", "app", false)]);
        assert_eq!(f.update(view("b", "2", &["app"])), []);
        // A new pod is read from its start; a pod replaced under the same name starts over.
        assert_eq!(f.update(view("c", "3", &["app"])), [start("c", "app", true)]);
        assert_eq!(
            f.update(view("a", "9", &["app"])),
            [Action::Stop { pod: "a".into() }, start("a", "app", true)]
        );
        assert_eq!(f.remove("c"), [Action::Stop { pod: "c".into() }]);
        assert_eq!(f.remove("c"), []);
        assert_eq!(
            f.resync(vec![view("b", "2", &["app"]), view("d", "4", &["app"])]),
            [Action::Stop { pod: "a".into() }, start("d", "app", true)]
        );
    }

    #[test]
    fn one_container_when_asked() {
        let mut f = Fanout::new(Some("proxy".into()), MAX_PODS);
        assert_eq!(
            f.begin(vec![view("a", "1", &["app", "proxy"]), view("b", "2", &["app"])]),
            [start("a", "proxy", false)]
        );
    }

    #[test]
    fn the_bound_leaves_pods_waiting_for_a_place() {
        let mut f = Fanout::new(None, 2);
        let actions = f.begin(vec![
            view("a", "1", &["c"]),
            view("b", "2", &["c"]),
            view("z", "3", &["c"]),
        ]);
        assert_eq!(actions[..2], [start("a", "c", false), start("b", "c", false)]);
        assert!(matches!(&actions[2], Action::Notice(m) if m.contains("3 pods") && m.contains("of 2")));
        assert_eq!(f.update(view("y", "4", &["c"])), [], "told once");
        // A place frees up: the first waiting pod by name takes it.
        assert_eq!(f.remove("a"), [Action::Stop { pod: "a".into() }, start("y", "c", true)]);
        assert_eq!(
            f.remove("y"),
            [Action::Stop { pod: "y".into() }, start("z", "c", false)]
        );
        let mut again = f.update(view("x", "5", &["c"]));
        assert!(
            matches!(again.pop(), Some(Action::Notice(_))),
            "told again after all had a place"
        );
    }
}
