//! One cluster's facts, kept by kind, namespace and name, with the indexes the analyzers need
//! (an owner's children, the events and EndpointSlices about an object, who reads an object by
//! name), and the answer to "which objects' findings does this change touch?".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kube::api::DynamicObject;

use super::facts::{EventFacts, Facts, FactsError, Kind, Object, ObjectKey, PodFacts, extract};
use crate::kube::discovery::ResourceInfo;

type Names = BTreeMap<String, Object>;

#[derive(Debug, Default)]
pub struct ClusterFacts {
    /// kind → namespace ("" when cluster-scoped) → name → facts.
    objects: BTreeMap<Kind, BTreeMap<String, Names>>,
    /// Controller owner → what it controls (ReplicaSet → pods, Deployment → ReplicaSets, …).
    children: HashMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// Object → the Warning Events about it and, for a Service, its EndpointSlices.
    about: HashMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// Object → the objects whose analysis reads it by name, whether it exists or not (a pod
    /// its ConfigMaps, Secrets, claims and, while unbound, its node; an Ingress its Services,
    /// TLS Secrets and class; a webhook configuration its Services; an HPA its target; a
    /// PVC its StorageClass).
    readers: HashMap<ObjectKey, BTreeSet<ObjectKey>>,
}

impl ClusterFacts {
    /// Takes in a new or changed object; answers the objects whose findings must be recomputed
    /// (before and after the change). A kind diagnostics does not read changes nothing.
    pub fn apply(
        &mut self,
        resource: &ResourceInfo,
        object: &DynamicObject,
    ) -> Result<BTreeSet<ObjectKey>, FactsError> {
        let Some((key, object)) = extract(resource, object)? else {
            return Ok(BTreeSet::new());
        };
        Ok(self.insert(key, object))
    }

    /// `apply` with facts already extracted.
    pub fn insert(&mut self, key: ObjectKey, object: Object) -> BTreeSet<ObjectKey> {
        let mut affected = self.remove(&key);
        self.link(&key, &object, true);
        let names = self
            .objects
            .entry(key.kind)
            .or_default()
            .entry(key.namespace.clone())
            .or_default();
        names.insert(key.name.clone(), object);
        affected.extend(self.dependents(&key));
        affected
    }

    /// Forgets a deleted object; answers the objects whose findings must be recomputed (the
    /// object itself among them, which now has none).
    pub fn delete(&mut self, resource: &ResourceInfo, namespace: &str, name: &str) -> BTreeSet<ObjectKey> {
        match Kind::of(&resource.group, &resource.kind) {
            Some(kind) => self.remove(&ObjectKey::new(kind, namespace, name)),
            None => BTreeSet::new(),
        }
    }

    fn remove(&mut self, key: &ObjectKey) -> BTreeSet<ObjectKey> {
        let mut affected = self.dependents(key);
        let namespaces = self.objects.get_mut(&key.kind);
        let Some(names) = namespaces.and_then(|n| n.get_mut(&key.namespace)) else {
            return affected;
        };
        let Some(old) = names.remove(&key.name) else {
            return affected;
        };
        if names.is_empty() {
            self.objects.get_mut(&key.kind).map(|n| n.remove(&key.namespace));
        }
        self.link(key, &old, false);
        affected.insert(key.clone());
        affected
    }

    /// Adds or removes the index entries of `object`.
    fn link(&mut self, key: &ObjectKey, object: &Object, add: bool) {
        let edit = |index: &mut HashMap<ObjectKey, BTreeSet<ObjectKey>>, target: ObjectKey| {
            if add {
                index.entry(target).or_default().insert(key.clone());
            } else if let Some(set) = index.get_mut(&target) {
                set.remove(key);
                if set.is_empty() {
                    index.remove(&target);
                }
            }
        };
        if let Some(owner) = &object.meta.owner {
            edit(&mut self.children, owner.clone());
        }
        if let Some(subject) = subject(key, &object.facts) {
            edit(&mut self.about, subject);
        }
        for read in reads(key, &object.facts) {
            edit(&mut self.readers, read);
        }
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Object> {
        self.objects.get(&key.kind)?.get(&key.namespace)?.get(&key.name)
    }

    /// Whether an object exists (a ConfigMap, a Secret, a Service named by another).
    pub fn contains(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.objects
            .get(&kind)
            .and_then(|n| n.get(namespace))
            .is_some_and(|n| n.contains_key(name))
    }

    /// Every object of `kind`, by namespace and name.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = (&str, &str, &Object)> {
        let namespaces = self.objects.get(&kind).into_iter().flatten();
        namespaces.flat_map(|(ns, names)| names.iter().map(move |(name, o)| (ns.as_str(), name.as_str(), o)))
    }

    /// Every object, by kind, namespace and name.
    pub fn every(&self) -> impl Iterator<Item = (Kind, &str, &str, &Object)> {
        self.objects
            .keys()
            .flat_map(|kind| self.all(*kind).map(|(ns, name, o)| (*kind, ns, name, o)))
    }

    /// The objects of `kind` in `namespace`, by name.
    pub fn in_namespace(&self, kind: Kind, namespace: &str) -> impl Iterator<Item = (&str, &Object)> {
        let names = self
            .objects
            .get(&kind)
            .and_then(|n| n.get(namespace))
            .into_iter()
            .flatten();
        names.map(|(name, o)| (name.as_str(), o))
    }

    /// The pods of `namespace`, by name.
    pub fn pods(&self, namespace: &str) -> impl Iterator<Item = (&str, &Object, &PodFacts)> {
        self.in_namespace(Kind::Pod, namespace)
            .filter_map(|(name, o)| match &o.facts {
                Facts::Pod(p) => Some((name, o, p.as_ref())),
                _ => None,
            })
    }

    /// What `owner` controls.
    pub fn children(&self, owner: &ObjectKey) -> impl Iterator<Item = &ObjectKey> {
        self.children.get(owner).into_iter().flatten()
    }

    /// The pods an owner controls, directly or through its ReplicaSets (a Deployment's).
    pub fn pods_of(&self, owner: &ObjectKey) -> Vec<(&ObjectKey, &Object)> {
        let replica_sets = self.children(owner).filter(|k| k.kind == Kind::ReplicaSet);
        let through = replica_sets.flat_map(|rs| self.children(rs));
        let pods = self.children(owner).chain(through).filter(|k| k.kind == Kind::Pod);
        pods.filter_map(|k| self.get(k).map(|o| (k, o))).collect()
    }

    /// The Warning Events about `key` (the only ones kept), newest first.
    pub fn events(&self, key: &ObjectKey) -> Vec<&EventFacts> {
        let mut events: Vec<&EventFacts> = self.unordered_events(key).collect();
        events.sort_by_key(|e| std::cmp::Reverse(e.last));
        events
    }

    /// The Events about `key`, in no particular order.
    pub fn unordered_events(&self, key: &ObjectKey) -> impl Iterator<Item = &EventFacts> {
        let keys = self
            .about
            .get(key)
            .into_iter()
            .flatten()
            .filter(|k| k.kind == Kind::Event);
        keys.filter_map(|k| match self.get(k).map(|o| &o.facts) {
            Some(Facts::Event(e)) => Some(e.as_ref()),
            _ => None,
        })
    }

    /// The EndpointSlices of a Service.
    pub fn endpoint_slices(&self, service: &ObjectKey) -> impl Iterator<Item = &Object> {
        let slices = self
            .about
            .get(service)
            .into_iter()
            .flatten()
            .filter(|k| k.kind == Kind::EndpointSlice);
        slices.filter_map(|k| self.get(k))
    }

    /// The objects that read `key` by name.
    pub fn readers(&self, key: &ObjectKey) -> impl Iterator<Item = &ObjectKey> {
        self.readers.get(key).into_iter().flatten()
    }

    /// The objects whose findings depend on `key` as it is now: itself, the owners above it,
    /// the subject it is about (an Event's object, an EndpointSlice's Service), who reads it by
    /// name, and who selects it or falls back on it (a pod: the Services, budgets and network
    /// policies whose selectors match it and the claims it mounts; a default StorageClass or
    /// IngressClass: the claims and Ingresses that name none).
    pub fn dependents(&self, key: &ObjectKey) -> BTreeSet<ObjectKey> {
        let mut out = BTreeSet::from([key.clone()]);
        out.extend(self.readers(key).cloned());
        let Some(object) = self.get(key) else {
            return out;
        };
        let mut owner = object.meta.owner.clone();
        // Stops at a key already seen: owner references could form a loop.
        while let Some(o) = owner.filter(|o| !out.contains(o)) {
            owner = self.get(&o).and_then(|x| x.meta.owner.clone());
            out.insert(o);
        }
        out.extend(subject(key, &object.facts));
        let ns = &key.namespace;
        match &object.facts {
            Facts::Pod(pod) => {
                let selecting = |kind: Kind, matches: &dyn Fn(&Facts) -> bool| {
                    self.in_namespace(kind, ns)
                        .filter(|(_, o)| matches(&o.facts))
                        .map(|(name, _)| ObjectKey::new(kind, ns, name))
                        .collect::<Vec<_>>()
                };
                out.extend(selecting(Kind::Service, &|f| {
                    matches!(f, Facts::Service(s) if !s.selector.is_empty() && s.selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
                }));
                out.extend(selecting(
                    Kind::PodDisruptionBudget,
                    &|f| matches!(f, Facts::PodDisruptionBudget(p) if p.selector.matches(&pod.labels)),
                ));
                out.extend(selecting(
                    Kind::NetworkPolicy,
                    &|f| matches!(f, Facts::NetworkPolicy(p) if p.selector.matches(&pod.labels)),
                ));
                out.extend(
                    pod.claims
                        .iter()
                        .map(|c| ObjectKey::new(Kind::PersistentVolumeClaim, ns, c)),
                );
            }
            Facts::StorageClass(_) => out.extend(
                self.all(Kind::PersistentVolumeClaim)
                    .filter(
                        |(_, _, o)| matches!(&o.facts, Facts::PersistentVolumeClaim(p) if p.storage_class.is_none()),
                    )
                    .map(|(ns, name, _)| ObjectKey::new(Kind::PersistentVolumeClaim, ns, name)),
            ),
            Facts::IngressClass { .. } => out.extend(
                self.all(Kind::Ingress)
                    .filter(|(_, _, o)| matches!(&o.facts, Facts::Ingress(i) if i.class.is_none()))
                    .map(|(ns, name, _)| ObjectKey::new(Kind::Ingress, ns, name)),
            ),
            _ => {}
        }
        out
    }
}

/// What an object is about: an Event's involved object, an EndpointSlice's Service.
fn subject(key: &ObjectKey, facts: &Facts) -> Option<ObjectKey> {
    match facts {
        Facts::Event(e) => e.involved.clone(),
        Facts::EndpointSlice(s) => s
            .service
            .as_ref()
            .map(|svc| ObjectKey::new(Kind::Service, &key.namespace, svc)),
        _ => None,
    }
}

/// The objects an object's analysis reads by name.
fn reads(key: &ObjectKey, facts: &Facts) -> Vec<ObjectKey> {
    let ns = &key.namespace;
    let named = |kind: Kind, names: &[String]| names.iter().map(|n| ObjectKey::new(kind, ns, n)).collect::<Vec<_>>();
    match facts {
        Facts::Pod(p) => {
            let mut keys = named(Kind::ConfigMap, &p.config_maps);
            keys.extend(named(Kind::Secret, &p.secrets));
            keys.extend(named(Kind::PersistentVolumeClaim, &p.claims));
            // An unbound pod reads its node's taints (a DaemonSet pod pending on a tainted node).
            if !p.bound
                && let Some(node) = &p.node
            {
                keys.push(ObjectKey::new(Kind::Node, "", node));
            }
            keys
        }
        Facts::Ingress(i) => {
            let mut keys = named(Kind::Service, &i.services);
            keys.extend(named(Kind::Secret, &i.tls_secrets));
            keys.extend(i.class.iter().map(|c| ObjectKey::new(Kind::IngressClass, "", c)));
            keys
        }
        Facts::Webhooks(hooks) => hooks
            .iter()
            .filter_map(|w| w.service.as_ref())
            .map(|(ns, name)| ObjectKey::new(Kind::Service, ns, name))
            .collect(),
        Facts::HorizontalPodAutoscaler(h) => h.target(ns).into_iter().collect(),
        Facts::PersistentVolumeClaim(p) => {
            let class = p.storage_class.as_deref().filter(|c| !c.is_empty());
            class
                .map(|c| ObjectKey::new(Kind::StorageClass, "", c))
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::fixtures::{facts_of, key, resource};
    use super::*;

    fn pod(name: &str, labels: serde_json::Value, owner: Option<(&str, &str)>) -> serde_json::Value {
        let owners: Vec<_> = owner
            .map(|(kind, name)| json!({"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "u", "controller": true}))
            .into_iter()
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "labels": labels, "ownerReferences": owners},
            "spec": {"containers": [{"name": "app", "image": "shop:1", "envFrom": [{"configMapRef": {"name": "shop-config"}}]}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
            "status": {"phase": "Running"}})
    }

    fn neighbourhood() -> ClusterFacts {
        facts_of(&[
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": 1}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d", "controller": true}]}}),
            pod("web-1-a", json!({"app": "web"}), Some(("ReplicaSet", "web-1"))),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"}, "spec": {"selector": {"app": "api"}}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "other"}, "spec": {"selector": {"app": "web"}}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "shop"},
                "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"tls": [{"secretName": "web-tls"}], "rules": [{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "web"}}}]}}]}}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "guard"},
                "webhooks": [{"name": "guard.shop.io", "clientConfig": {"service": {"namespace": "shop", "name": "web"}}}]}),
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}}),
        ])
    }

    fn keys(list: &[(Kind, &str, &str)]) -> BTreeSet<ObjectKey> {
        list.iter().map(|(k, ns, n)| key(*k, ns, n)).collect()
    }

    #[test]
    fn a_pod_change_touches_its_owner_chain_and_what_selects_it() {
        let mut facts = neighbourhood();
        let changed = pod(
            "web-1-a",
            json!({"app": "web", "tier": "front"}),
            Some(("ReplicaSet", "web-1")),
        );
        let affected = facts
            .apply(&resource(&changed), &serde_json::from_value(changed).unwrap())
            .unwrap();
        assert_eq!(
            affected,
            keys(&[
                (Kind::Pod, "shop", "web-1-a"),
                (Kind::ReplicaSet, "shop", "web-1"),
                (Kind::Deployment, "shop", "web"),
                (Kind::Service, "shop", "web"),
                (Kind::PodDisruptionBudget, "shop", "web"),
                (Kind::NetworkPolicy, "shop", "deny"),
                (Kind::PersistentVolumeClaim, "shop", "data"),
            ])
        );
    }

    #[test]
    fn a_relabelled_pod_touches_what_selected_it_before_and_what_selects_it_now() {
        let mut facts = neighbourhood();
        let changed = pod("web-1-a", json!({"app": "api"}), Some(("ReplicaSet", "web-1")));
        let affected = facts
            .apply(&resource(&changed), &serde_json::from_value(changed).unwrap())
            .unwrap();
        for (kind, name) in [
            (Kind::Service, "web"),
            (Kind::Service, "api"),
            (Kind::NetworkPolicy, "deny"),
        ] {
            assert!(affected.contains(&key(kind, "shop", name)), "{name}");
        }
        assert!(!affected.contains(&key(Kind::Service, "other", "web")));
    }

    #[test]
    fn a_service_change_touches_the_ingresses_and_webhooks_naming_it() {
        let facts = neighbourhood();
        assert_eq!(
            facts.dependents(&key(Kind::Service, "shop", "web")),
            keys(&[
                (Kind::Service, "shop", "web"),
                (Kind::Ingress, "shop", "web"),
                (Kind::ValidatingWebhookConfiguration, "", "guard"),
            ])
        );
    }

    #[test]
    fn a_missing_config_map_or_secret_appearing_touches_the_objects_waiting_on_it() {
        let mut facts = neighbourhood();
        let config =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop-config", "namespace": "shop"}});
        let affected = facts
            .apply(&resource(&config), &serde_json::from_value(config).unwrap())
            .unwrap();
        assert_eq!(
            affected,
            keys(&[(Kind::ConfigMap, "shop", "shop-config"), (Kind::Pod, "shop", "web-1-a")])
        );
        let tls = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web-tls", "namespace": "shop"}});
        let affected = facts
            .apply(&resource(&tls), &serde_json::from_value(tls).unwrap())
            .unwrap();
        assert_eq!(
            affected,
            keys(&[(Kind::Secret, "shop", "web-tls"), (Kind::Ingress, "shop", "web")])
        );
    }

    #[test]
    fn an_event_touches_its_object_and_a_workload_its_autoscaler() {
        let mut facts = neighbourhood();
        let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-1-a.1", "namespace": "shop"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "web-1-a"},
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container", "count": 3});
        let affected = facts
            .apply(&resource(&event), &serde_json::from_value(event).unwrap())
            .unwrap();
        assert_eq!(
            affected,
            keys(&[(Kind::Event, "shop", "web-1-a.1"), (Kind::Pod, "shop", "web-1-a")])
        );
        assert_eq!(facts.events(&key(Kind::Pod, "shop", "web-1-a")).len(), 1);
        let hpa = key(Kind::HorizontalPodAutoscaler, "shop", "web");
        assert!(facts.dependents(&key(Kind::Deployment, "shop", "web")).contains(&hpa));
    }

    #[test]
    fn defaults_slices_and_nodes_touch_what_falls_back_on_them() {
        let facts = facts_of(&[
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "plain", "namespace": "shop"}, "spec": {}}),
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "fast", "namespace": "shop"},
                "spec": {"storageClassName": "fast"}}),
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}}),
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "web-x", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "agent-x", "namespace": "shop"},
                "spec": {"containers": [{"name": "agent", "image": "agent:1"}],
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}}}),
        ]);
        let standard = key(Kind::StorageClass, "", "standard");
        assert_eq!(
            facts.dependents(&standard),
            keys(&[
                (Kind::StorageClass, "", "standard"),
                (Kind::PersistentVolumeClaim, "shop", "plain")
            ])
        );
        let fast = facts.dependents(&key(Kind::StorageClass, "", "fast"));
        assert!(
            fast.contains(&key(Kind::PersistentVolumeClaim, "shop", "fast")),
            "a missing class named by a claim"
        );
        assert!(
            facts
                .dependents(&key(Kind::EndpointSlice, "shop", "web-x"))
                .contains(&key(Kind::Service, "shop", "web"))
        );
        assert!(
            facts
                .dependents(&key(Kind::Node, "", "n1"))
                .contains(&key(Kind::Pod, "shop", "agent-x")),
            "an unbound pod pinned to it"
        );
    }

    #[test]
    fn a_deletion_forgets_the_object_and_its_index_entries() {
        let mut facts = neighbourhood();
        let rs = key(Kind::ReplicaSet, "shop", "web-1");
        assert_eq!(facts.pods_of(&key(Kind::Deployment, "shop", "web")).len(), 1);
        let affected = facts.delete(
            &resource(&json!({"apiVersion": "v1", "kind": "Pod"})),
            "shop",
            "web-1-a",
        );
        assert!(affected.contains(&key(Kind::Pod, "shop", "web-1-a")) && affected.contains(&rs));
        assert!(facts.get(&key(Kind::Pod, "shop", "web-1-a")).is_none());
        assert_eq!(facts.pods_of(&key(Kind::Deployment, "shop", "web")).len(), 0);
        assert_eq!(facts.readers(&key(Kind::ConfigMap, "shop", "shop-config")).count(), 0);
    }

    #[test]
    fn kinds_diagnostics_does_not_read_change_nothing() {
        let mut facts = ClusterFacts::default();
        let crd =
            json!({"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "shop"}});
        assert!(
            facts
                .apply(&resource(&crd), &serde_json::from_value(crd).unwrap())
                .unwrap()
                .is_empty()
        );
    }
}
