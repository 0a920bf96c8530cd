//! The catalog as one value: entries, clusters and assignments. Every write loads it, applies a
//! change here (pure, validated against the whole catalog), and stores the difference.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::model::*;
use super::validate::{find_cycle, unknown};
use crate::clusters::record::{self, ClusterError, ClusterMeta};
use crate::names::{check_annotations, check_labels, is_dns_label};

#[derive(Debug, Clone, PartialEq)]
pub enum CatalogError {
    /// 422 with a code of its own.
    Invalid {
        code: &'static str,
        message: String,
    },
    /// 409: the id or name is taken.
    Duplicate(String),
    NotFound(String),
    /// 422: ids that name nothing.
    UnknownReference {
        kind: &'static str,
        ids: Vec<String>,
    },
    /// 422: a `depends_on` cycle.
    Cycle(Vec<String>),
    /// 409: clusters (or components) still use the entry.
    InUse {
        message: String,
        clusters: Vec<String>,
        components: Vec<String>,
    },
}

fn invalid(code: &'static str, message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid {
        code,
        message: message.into(),
    }
}

/// A kind of catalog entry: where it lives in the catalog and what makes one valid.
pub trait Entry: Clone + PartialEq + serde::Serialize + serde::de::DeserializeOwned {
    /// The stored kind.
    const KIND: &'static str;
    /// For messages.
    const WHAT: &'static str;
    fn id(&self) -> &str;
    fn entries(catalog: &Catalog) -> &BTreeMap<String, Self>;
    fn entries_mut(catalog: &mut Catalog) -> &mut BTreeMap<String, Self>;
    /// Rules on the entry alone (references are checked on the whole catalog).
    fn check(&self) -> Result<(), CatalogError>;
}

fn check_id(what: &str, id: &str) -> Result<(), CatalogError> {
    if is_dns_label(id) {
        Ok(())
    } else {
        Err(invalid(
            "invalid_id",
            format!("{what} id {id:?} must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)"),
        ))
    }
}

fn non_empty(field: &str, value: &str) -> Result<(), CatalogError> {
    if value.trim().is_empty() {
        Err(invalid("invalid_field", format!("{field} cannot be empty")))
    } else {
        Ok(())
    }
}

impl Entry for PlatformComponent {
    const KIND: &'static str = COMPONENT;
    const WHAT: &'static str = "platform component";
    fn id(&self) -> &str {
        &self.id
    }
    fn entries(c: &Catalog) -> &BTreeMap<String, Self> {
        &c.components
    }
    fn entries_mut(c: &mut Catalog) -> &mut BTreeMap<String, Self> {
        &mut c.components
    }
    fn check(&self) -> Result<(), CatalogError> {
        check_id(Self::WHAT, &self.id)?;
        non_empty("component_path", &self.component_path)?;
        non_empty("component_version", &self.component_version)?;
        non_empty("oci_url", &self.oci_url)?;
        non_empty("oci_tag", &self.oci_tag)?;
        let mut seen = BTreeSet::new();
        if let Some(dup) = self.depends_on.iter().find(|d| !seen.insert(d.as_str())) {
            return Err(invalid("invalid_field", format!("depends_on names {dup:?} twice")));
        }
        Ok(())
    }
}

impl Entry for FluxNamespace {
    const KIND: &'static str = NAMESPACE;
    const WHAT: &'static str = "namespace";
    fn id(&self) -> &str {
        &self.id
    }
    fn entries(c: &Catalog) -> &BTreeMap<String, Self> {
        &c.namespaces
    }
    fn entries_mut(c: &mut Catalog) -> &mut BTreeMap<String, Self> {
        &mut c.namespaces
    }
    fn check(&self) -> Result<(), CatalogError> {
        check_id(Self::WHAT, &self.id)?;
        check_labels(&self.labels).map_err(|m| invalid("invalid_labels", m))?;
        check_annotations(&self.annotations).map_err(|m| invalid("invalid_annotations", m))
    }
}

impl Entry for FluxRoleBinding {
    const KIND: &'static str = ROLEBINDING;
    const WHAT: &'static str = "role binding";
    fn id(&self) -> &str {
        &self.id
    }
    fn entries(c: &Catalog) -> &BTreeMap<String, Self> {
        &c.rolebindings
    }
    fn entries_mut(c: &mut Catalog) -> &mut BTreeMap<String, Self> {
        &mut c.rolebindings
    }
    fn check(&self) -> Result<(), CatalogError> {
        check_id(Self::WHAT, &self.id)?;
        non_empty("role", &self.role)?;
        if self.subjects.is_empty() {
            return Err(invalid("invalid_subject", "a role binding needs at least one subject"));
        }
        for s in &self.subjects {
            non_empty("subjects[].name", &s.name)?;
            match (s.kind, &s.namespace) {
                (SubjectKind::ServiceAccount, None) => {
                    return Err(invalid(
                        "invalid_subject",
                        format!("ServiceAccount subject {:?} needs a namespace", s.name),
                    ));
                }
                (SubjectKind::ServiceAccount, Some(ns)) if !is_dns_label(ns) => {
                    return Err(invalid(
                        "invalid_subject",
                        format!("namespace {ns:?} is not a DNS-1123 label"),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Sorted, without duplicates, empty patches dropped; a component assigned twice is an error.
pub fn normalize(mut a: ClusterAssignments) -> Result<ClusterAssignments, CatalogError> {
    a.platform_components.sort_by(|x, y| x.id.cmp(&y.id));
    if let Some(w) = a.platform_components.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(invalid(
            "duplicate_assignment",
            format!("platform component {:?} is assigned twice", w[0].id),
        ));
    }
    for list in [&mut a.namespaces, &mut a.rolebindings] {
        list.sort();
        list.dedup();
    }
    a.patches.retain(|_, p| !p.is_empty());
    Ok(a)
}

impl ClusterAssignments {
    fn is_empty(&self) -> bool {
        self.platform_components.is_empty() && self.namespaces.is_empty() && self.rolebindings.is_empty()
    }
}

impl Catalog {
    /// Every reference names something, and `depends_on` has no cycle.
    pub fn check_references(&self) -> Result<(), CatalogError> {
        let components: BTreeSet<&str> = self.components.keys().map(String::as_str).collect();
        let deps = unknown(
            self.components
                .values()
                .flat_map(|c| c.depends_on.iter().map(String::as_str)),
            &components,
        );
        if !deps.is_empty() {
            return Err(CatalogError::UnknownReference {
                kind: COMPONENT,
                ids: deps,
            });
        }
        let graph: BTreeMap<&str, Vec<&str>> = self
            .components
            .values()
            .map(|c| (c.id.as_str(), c.depends_on.iter().map(String::as_str).collect()))
            .collect();
        if let Some(cycle) = find_cycle(&graph) {
            return Err(CatalogError::Cycle(cycle));
        }
        let namespaces: BTreeSet<&str> = self.namespaces.keys().map(String::as_str).collect();
        let rolebindings: BTreeSet<&str> = self.rolebindings.keys().map(String::as_str).collect();
        for (cluster, a) in &self.assignments {
            if !self.clusters.contains_key(cluster) {
                return Err(CatalogError::NotFound(format!("no cluster named {cluster}")));
            }
            let checks = [
                (
                    COMPONENT,
                    unknown(a.platform_components.iter().map(|c| c.id.as_str()), &components),
                ),
                (NAMESPACE, unknown(a.namespaces.iter().map(String::as_str), &namespaces)),
                (
                    ROLEBINDING,
                    unknown(a.rolebindings.iter().map(String::as_str), &rolebindings),
                ),
            ];
            for (kind, ids) in checks {
                if !ids.is_empty() {
                    return Err(CatalogError::UnknownReference { kind, ids });
                }
            }
            let assigned: BTreeSet<&str> = a.platform_components.iter().map(|c| c.id.as_str()).collect();
            let stray = unknown(a.patches.keys().map(String::as_str), &assigned);
            if !stray.is_empty() {
                return Err(CatalogError::UnknownReference {
                    kind: "patches",
                    ids: stray,
                });
            }
        }
        Ok(record::check_unique_dns(&self.clusters)?)
    }

    pub fn create<E: Entry>(&mut self, entry: E) -> Result<(), CatalogError> {
        entry.check()?;
        let map = E::entries_mut(self);
        if map.contains_key(entry.id()) {
            return Err(CatalogError::Duplicate(format!(
                "a {} with id {} exists",
                E::WHAT,
                entry.id()
            )));
        }
        map.insert(entry.id().to_string(), entry);
        self.check_references()
    }

    pub fn update<E: Entry>(&mut self, id: &str, entry: E) -> Result<(), CatalogError> {
        if entry.id() != id {
            return Err(invalid(
                "id_mismatch",
                format!("the body's id {:?} is not the path's {id:?}", entry.id()),
            ));
        }
        entry.check()?;
        match E::entries_mut(self).get_mut(id) {
            Some(slot) => *slot = entry,
            None => return Err(CatalogError::NotFound(format!("no {} with id {id}", E::WHAT))),
        }
        self.check_references()
    }

    /// Removes an entry; with `force`, also every reference to it (assignments, patches, depends_on).
    pub fn delete<E: Entry>(&mut self, id: &str, force: bool) -> Result<(), CatalogError> {
        if !E::entries(self).contains_key(id) {
            return Err(CatalogError::NotFound(format!("no {} with id {id}", E::WHAT)));
        }
        let clusters: Vec<String> = self
            .assignments
            .iter()
            .filter(|(_, a)| a.uses(E::KIND, id))
            .map(|(c, _)| c.clone())
            .collect();
        let components: Vec<String> = match E::KIND {
            COMPONENT => self
                .components
                .values()
                .filter(|c| c.depends_on.iter().any(|d| d == id))
                .map(|c| c.id.clone())
                .collect(),
            _ => vec![],
        };
        if !(force || clusters.is_empty() && components.is_empty()) {
            let mut users = clusters.iter().map(|c| format!("cluster {c}")).collect::<Vec<_>>();
            users.extend(components.iter().map(|c| format!("component {c}")));
            return Err(CatalogError::InUse {
                message: format!(
                    "{} {id} is still used by {}; delete with ?force=true to remove those references",
                    E::WHAT,
                    users.join(", ")
                ),
                clusters,
                components,
            });
        }
        E::entries_mut(self).remove(id);
        for a in self.assignments.values_mut() {
            a.remove(E::KIND, id);
        }
        self.assignments.retain(|_, a| !a.is_empty());
        if E::KIND == COMPONENT {
            for c in self.components.values_mut() {
                c.depends_on.retain(|d| d != id);
            }
        }
        self.check_references()
    }

    pub fn set_assignments(&mut self, cluster: &str, a: ClusterAssignments) -> Result<(), CatalogError> {
        if !self.clusters.contains_key(cluster) {
            return Err(CatalogError::NotFound(format!("no cluster named {cluster}")));
        }
        let a = normalize(a)?;
        if a.is_empty() && a.patches.is_empty() {
            self.assignments.remove(cluster);
        } else {
            self.assignments.insert(cluster.to_string(), a);
        }
        self.check_references()
    }

    pub fn assignments_of(&self, cluster: &str) -> ClusterAssignments {
        self.assignments.get(cluster).cloned().unwrap_or_default()
    }

    /// Upserts everything the document names, in one step; with `prune`, removes entries it does
    /// not name and the assignments of clusters it does not name. Clusters it does not know are
    /// created as metadata-only records; known clusters keep their display name and source.
    pub fn import(&mut self, doc: CatalogDocument, prune: bool, environments: &[String]) -> Result<(), CatalogError> {
        fn ids<'a>(what: &str, list: impl Iterator<Item = &'a str>) -> Result<BTreeSet<String>, CatalogError> {
            let mut seen = BTreeSet::new();
            for id in list {
                if !seen.insert(id.to_string()) {
                    return Err(invalid(
                        "duplicate_in_document",
                        format!("the document names {what} {id:?} twice"),
                    ));
                }
            }
            Ok(seen)
        }
        let component_ids = ids(
            "platform component",
            doc.platform_components.iter().map(|c| c.id.as_str()),
        )?;
        let namespace_ids = ids("namespace", doc.namespaces.iter().map(|c| c.id.as_str()))?;
        let rolebinding_ids = ids("role binding", doc.rolebindings.iter().map(|c| c.id.as_str()))?;
        let cluster_names = ids("cluster", doc.clusters.iter().map(|c| c.name.as_str()))?;
        fn upsert<E: Entry>(
            cat: &mut Catalog,
            list: Vec<E>,
            keep: &BTreeSet<String>,
            prune: bool,
        ) -> Result<(), CatalogError> {
            for e in list {
                e.check()?;
                E::entries_mut(cat).insert(e.id().to_string(), e);
            }
            if prune {
                E::entries_mut(cat).retain(|id, _| keep.contains(id));
            }
            Ok(())
        }
        upsert(self, doc.platform_components, &component_ids, prune)?;
        upsert(self, doc.namespaces, &namespace_ids, prune)?;
        upsert(self, doc.rolebindings, &rolebinding_ids, prune)?;
        if prune {
            self.assignments.retain(|name, _| cluster_names.contains(name));
        }
        for c in doc.clusters {
            let meta = match self.clusters.get(&c.name) {
                Some(old) => ClusterMeta {
                    dns: c.dns,
                    environment: c.environment,
                    labels: c.labels,
                    ..old.clone()
                },
                None => ClusterMeta {
                    display_name: c.name.clone(),
                    name: c.name,
                    dns: c.dns,
                    environment: c.environment,
                    labels: c.labels,
                    source: record::METADATA_ONLY.into(),
                },
            };
            record::check(&meta, environments)?;
            let name = meta.name.clone();
            self.clusters.insert(name.clone(), meta);
            let a = ClusterAssignments {
                platform_components: c.platform_components,
                namespaces: c.namespaces,
                rolebindings: c.rolebindings,
                patches: c.patches,
            };
            let a = normalize(a)?;
            if a.is_empty() && a.patches.is_empty() {
                self.assignments.remove(&name);
            } else {
                self.assignments.insert(name, a);
            }
        }
        self.check_references()
    }

    /// The catalog as one document, everything sorted by id or name.
    pub fn export(&self) -> CatalogDocument {
        CatalogDocument {
            platform_components: self.components.values().cloned().collect(),
            namespaces: self.namespaces.values().cloned().collect(),
            rolebindings: self.rolebindings.values().cloned().collect(),
            clusters: self
                .clusters
                .values()
                .map(|m| {
                    let a = self.assignments_of(&m.name);
                    ClusterDocument {
                        name: m.name.clone(),
                        dns: m.dns.clone(),
                        environment: m.environment.clone(),
                        labels: m.labels.clone(),
                        platform_components: a.platform_components,
                        namespaces: a.namespaces,
                        rolebindings: a.rolebindings,
                        patches: a.patches,
                    }
                })
                .collect(),
        }
    }
}

impl ClusterAssignments {
    fn uses(&self, kind: &str, id: &str) -> bool {
        match kind {
            COMPONENT => self.platform_components.iter().any(|c| c.id == id),
            NAMESPACE => self.namespaces.iter().any(|n| n == id),
            _ => self.rolebindings.iter().any(|r| r == id),
        }
    }

    fn remove(&mut self, kind: &str, id: &str) {
        match kind {
            COMPONENT => {
                self.platform_components.retain(|c| c.id != id);
                self.patches.remove(id);
            }
            NAMESPACE => self.namespaces.retain(|n| n != id),
            _ => self.rolebindings.retain(|r| r != id),
        }
    }
}

fn count<K: Ord, V: PartialEq>(old: &BTreeMap<K, V>, new: &BTreeMap<K, V>) -> Counts {
    let mut c = Counts::default();
    for (k, v) in new {
        match old.get(k) {
            None => c.created += 1,
            Some(o) if o == v => c.unchanged += 1,
            Some(_) => c.updated += 1,
        }
    }
    c.deleted = old.keys().filter(|k| !new.contains_key(k)).count();
    c
}

/// What changed between two catalogs, per kind; a cluster counts as changed when its metadata or
/// its assignments did.
pub fn counts(old: &Catalog, new: &Catalog) -> [Counts; 4] {
    let clusters = |c: &Catalog| -> BTreeMap<String, (ClusterMeta, ClusterAssignments)> {
        c.clusters
            .values()
            .map(|m| (m.name.clone(), (m.clone(), c.assignments_of(&m.name))))
            .collect()
    };
    [
        count(&old.components, &new.components),
        count(&old.namespaces, &new.namespaces),
        count(&old.rolebindings, &new.rolebindings),
        count(&clusters(old), &clusters(new)),
    ]
}

impl From<ClusterError> for CatalogError {
    fn from(e: ClusterError) -> CatalogError {
        match e {
            ClusterError::Invalid { code, message } => CatalogError::Invalid { code, message },
            ClusterError::Duplicate(m) => CatalogError::Duplicate(m),
            ClusterError::NotFound(m) => CatalogError::NotFound(m),
        }
    }
}

impl CatalogError {
    /// HTTP status, code, message and details, for the API error.
    pub fn parts(&self) -> (u16, &'static str, String, Option<serde_json::Value>) {
        match self {
            CatalogError::Invalid { code, message } => (422, code, message.clone(), None),
            CatalogError::Duplicate(m) => (409, "conflict", m.clone(), None),
            CatalogError::NotFound(m) => (404, "not_found", m.clone(), None),
            CatalogError::UnknownReference { kind, ids } => (
                422,
                "unknown_reference",
                format!("unknown {kind} ids: {}", ids.join(", ")),
                Some(json!({"kind": kind, "ids": ids})),
            ),
            CatalogError::Cycle(cycle) => (
                422,
                "dependency_cycle",
                format!("depends_on has a cycle: {}", cycle.join(" → ")),
                Some(json!({"cycle": cycle})),
            ),
            CatalogError::InUse {
                message,
                clusters,
                components,
            } => (
                409,
                "in_use",
                message.clone(),
                Some(json!({"clusters": clusters, "components": components})),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::clusters::record::test_cluster;

    const ENVS: &[&str] = &["dev", "prod"];

    fn envs() -> Vec<String> {
        ENVS.iter().map(|s| s.to_string()).collect()
    }

    fn component(id: &str, deps: &[&str]) -> PlatformComponent {
        PlatformComponent {
            id: id.into(),
            component_path: id.into(),
            component_version: "latest".into(),
            cluster_env_enabled: false,
            oci_url: "oci://registry.example.com/charts".into(),
            oci_tag: "1.0.0".into(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            description: String::new(),
        }
    }

    fn assign(ids: &[&str]) -> ClusterAssignments {
        ClusterAssignments {
            platform_components: ids
                .iter()
                .map(|id| ComponentAssignment {
                    id: id.to_string(),
                    enabled: true,
                    oci_tag: None,
                    component_path: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        c.create(component("a", &[])).unwrap();
        c.create(component("b", &["a"])).unwrap();
        for meta in [test_cluster("one", Some("one.example.com")), test_cluster("two", None)] {
            record::create(&mut c.clusters, meta, &envs()).unwrap();
        }
        c
    }

    #[test]
    fn create_rejects_bad_ids_duplicates_unknown_deps_and_cycles() {
        let mut c = catalog();
        assert!(matches!(
            c.clone().create(component("Bad_Id", &[])),
            Err(CatalogError::Invalid { code: "invalid_id", .. })
        ));
        assert!(matches!(
            c.clone().create(component("a", &[])),
            Err(CatalogError::Duplicate(_))
        ));
        let mut probe = c.clone();
        assert_eq!(
            probe.create(component("c", &["zz"])),
            Err(CatalogError::UnknownReference {
                kind: COMPONENT,
                ids: vec!["zz".into()]
            })
        );
        let mut probe = c.clone();
        assert_eq!(
            probe.update("a", component("a", &["b"])),
            Err(CatalogError::Cycle(vec!["a".into(), "b".into(), "a".into()]))
        );
        assert!(matches!(
            c.update("a", component("b", &[])),
            Err(CatalogError::Invalid {
                code: "id_mismatch",
                ..
            })
        ));
    }

    #[test]
    fn assignments_must_name_known_things() {
        let mut c = catalog();
        assert_eq!(
            c.clone().set_assignments("one", assign(&["a", "nope"])),
            Err(CatalogError::UnknownReference {
                kind: COMPONENT,
                ids: vec!["nope".into()]
            })
        );
        let mut a = assign(&["a"]);
        a.patches.insert("b".into(), [("k".to_string(), json!(1))].into());
        assert_eq!(
            c.clone().set_assignments("one", a),
            Err(CatalogError::UnknownReference {
                kind: "patches",
                ids: vec!["b".into()]
            })
        );
        assert!(matches!(
            c.set_assignments("one", assign(&["a", "a"])),
            Err(CatalogError::Invalid {
                code: "duplicate_assignment",
                ..
            })
        ));
        assert!(matches!(
            c.set_assignments("ghost", assign(&["a"])),
            Err(CatalogError::NotFound(_))
        ));
        c.set_assignments("one", assign(&["b", "a"])).unwrap();
        let ids: Vec<_> = c
            .assignments_of("one")
            .platform_components
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["a", "b"], "normalized by id");
    }

    #[test]
    fn delete_in_use_names_users_and_force_removes_references() {
        let mut c = catalog();
        let mut a = assign(&["a", "b"]);
        a.patches
            .insert("a".into(), [("replicas".to_string(), json!(2))].into());
        c.set_assignments("one", a).unwrap();
        match c.clone().delete::<PlatformComponent>("a", false) {
            Err(CatalogError::InUse {
                clusters, components, ..
            }) => {
                assert_eq!(clusters, ["one"]);
                assert_eq!(components, ["b"]);
            }
            other => panic!("{other:?}"),
        }
        c.delete::<PlatformComponent>("a", true).unwrap();
        assert!(!c.components.contains_key("a"));
        assert!(c.components["b"].depends_on.is_empty());
        let left = c.assignments_of("one");
        assert_eq!(left.platform_components.len(), 1);
        assert!(left.patches.is_empty());
        assert!(matches!(
            c.delete::<PlatformComponent>("a", true),
            Err(CatalogError::NotFound(_))
        ));
    }

    #[test]
    fn import_checks_the_clusters_it_names() {
        let c = catalog();
        let doc = |name: &str, dns: &str| CatalogDocument {
            clusters: vec![ClusterDocument {
                name: name.into(),
                dns: Some(dns.into()),
                environment: "dev".into(),
                labels: BTreeMap::new(),
                platform_components: vec![],
                namespaces: vec![],
                rolebindings: vec![],
                patches: BTreeMap::new(),
            }],
            ..Default::default()
        };
        assert!(matches!(
            c.clone().import(doc("three", "nodots"), false, &envs()),
            Err(CatalogError::Invalid {
                code: "invalid_dns",
                ..
            })
        ));
        assert!(matches!(
            c.clone().import(doc("three", "one.example.com"), false, &envs()),
            Err(CatalogError::Duplicate(_))
        ));
        let mut moved = c.clone();
        moved.import(doc("two", "two.example.com"), false, &envs()).unwrap();
        assert_eq!(moved.clusters["two"].dns.as_deref(), Some("two.example.com"));
        assert_eq!(
            moved.clusters["two"].display_name, "two",
            "a known cluster keeps its display name"
        );
    }

    #[test]
    fn import_is_an_upsert_and_prune_removes_what_it_does_not_name() {
        let mut c = catalog();
        c.set_assignments("two", assign(&["a"])).unwrap();
        let old = c.clone();
        let doc = CatalogDocument {
            platform_components: vec![component("a", &[]), component("c", &["a"])],
            clusters: vec![ClusterDocument {
                name: "three".into(),
                dns: Some("three.example.com".into()),
                environment: "prod".into(),
                labels: BTreeMap::new(),
                platform_components: assign(&["c"]).platform_components,
                namespaces: vec![],
                rolebindings: vec![],
                patches: BTreeMap::new(),
            }],
            ..Default::default()
        };
        let mut kept = c.clone();
        kept.import(doc.clone(), false, &envs()).unwrap();
        assert!(kept.components.contains_key("b"), "without prune nothing is removed");
        assert_eq!(kept.clusters["three"].source, "metadata-only");
        c.import(doc.clone(), true, &envs()).unwrap();
        assert_eq!(c.components.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert!(
            !c.assignments.contains_key("two"),
            "assignments of unnamed clusters are pruned"
        );
        let [components, _, _, clusters] = counts(&old, &c);
        assert_eq!(
            components,
            Counts {
                created: 1,
                updated: 0,
                deleted: 1,
                unchanged: 1
            }
        );
        assert_eq!(
            clusters,
            Counts {
                created: 1,
                updated: 1,
                deleted: 0,
                unchanged: 1
            }
        );
        // The export of the result imports to the same catalog.
        let mut again = c.clone();
        again.import(c.export(), true, &envs()).unwrap();
        assert_eq!(again, c);

        let mut twice = doc;
        twice.platform_components.push(component("a", &[]));
        assert!(matches!(
            old.clone().import(twice, false, &envs()),
            Err(CatalogError::Invalid {
                code: "duplicate_in_document",
                ..
            })
        ));
    }
}
