//! What a caller may see of the findings kept about a cluster's objects, which every domain that
//! serves them (or text drawn from them) must honour: on `impersonate` clusters the namespaces
//! where Kubernetes lets the caller list pods, and cluster-scoped objects when they may list
//! nodes; on `shared` clusters our role alone decides. Fails closed.

use std::collections::{HashMap, HashSet};

use crate::AppState;
use crate::auth::Principal;
use crate::clusters::record::AuthzMode;
use crate::clusters::scope::ClusterScope;
use crate::kube::access::Attributes;
use crate::kube::discovery::ResourceInfo;
use crate::store::findings::FindingRow;

/// What a caller may see of the findings of one cluster (and of what is drawn from them).
pub enum View {
    All,
    /// The namespaces (None: every one) and whether cluster-scoped objects are visible.
    Some(Option<HashSet<String>>, bool),
    Nothing,
}

impl View {
    pub fn shows(&self, row: &FindingRow) -> bool {
        self.shows_namespace(&row.namespace)
    }

    /// Whether objects in `namespace` ('' for cluster-scoped ones) are visible.
    pub fn shows_namespace(&self, namespace: &str) -> bool {
        match self {
            View::All => true,
            View::Nothing => false,
            View::Some(namespaces, cluster_scoped) => match namespace {
                "" => *cluster_scoped,
                ns => namespaces.as_ref().is_none_or(|n| n.contains(ns)),
            },
        }
    }
}

fn pods_resource() -> ResourceInfo {
    ResourceInfo::builtin("", "v1", "pods", "Pod", true)
}

/// What `principal` may see of `cluster`'s findings; a cluster that cannot be opened shows
/// nothing (fail closed).
pub async fn view(state: &AppState, principal: &Principal, cluster: &str) -> View {
    let Ok(Some(row)) = state.store.cluster(cluster).await else {
        // Findings of a deleted cluster, resolved by now: history anyone may read.
        return View::All;
    };
    if row.authz_mode != AuthzMode::Impersonate.as_str() {
        return View::All;
    }
    let Ok(scope) = ClusterScope::open(state, principal, cluster).await else {
        return View::Nothing;
    };
    let nodes = scope.allows(state, &Attributes::list("", "nodes", "")).await;
    match scope.namespaces(state, &pods_resource(), None).await {
        Ok(namespaces) => View::Some(namespaces, nodes),
        Err(_) if nodes => View::Some(Some(HashSet::new()), true),
        Err(_) => View::Nothing,
    }
}

/// What the caller may see of each cluster's findings, asked once per cluster.
pub struct Views<'a> {
    state: &'a AppState,
    principal: &'a Principal,
    views: HashMap<String, View>,
}

impl<'a> Views<'a> {
    pub fn new(state: &'a AppState, principal: &'a Principal) -> Views<'a> {
        Views {
            state,
            principal,
            views: HashMap::new(),
        }
    }

    pub fn state(&self) -> &'a AppState {
        self.state
    }

    pub async fn shows(&mut self, cluster: &str, namespace: &str) -> bool {
        if !self.views.contains_key(cluster) {
            let v = view(self.state, self.principal, cluster).await;
            self.views.insert(cluster.to_string(), v);
        }
        self.views[cluster].shows_namespace(namespace)
    }

    /// Whether something drawn from findings at these (cluster, namespace) places is visible:
    /// drawn from none, it is everyone's; else theirs who may see at least one.
    pub async fn shows_any(&mut self, places: &[(String, String)]) -> bool {
        if places.is_empty() {
            return true;
        }
        for (cluster, namespace) in places {
            if self.shows(cluster, namespace).await {
                return true;
            }
        }
        false
    }
}
