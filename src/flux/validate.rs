//! Rules for catalog ids, cluster names and DNS names, Kubernetes labels, and the
//! `depends_on` graph. Pure functions: they take values and say what is wrong.

use std::collections::{BTreeMap, BTreeSet};

/// A DNS-1123 label: 1–63 lowercase letters, digits and '-', starting and ending alphanumeric.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A fully qualified domain name: two or more DNS labels, at most 253 characters in all.
pub fn is_fqdn(s: &str) -> bool {
    s.len() <= 253 && s.split('.').count() >= 2 && s.split('.').all(is_dns_label)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// The name part of a label key or a label value: ≤ 63 characters of alphanumerics, '-', '_', '.',
/// starting and ending alphanumeric (a value may also be empty).
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A label or annotation key: `[prefix/]name` with a DNS subdomain prefix.
pub fn is_qualified_key(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_name(name),
        None => is_label_name(key),
    }
}

/// Checks Kubernetes labels; the message names the first bad key or value.
pub fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), String> {
    for (k, v) in labels {
        if !is_qualified_key(k) {
            return Err(format!("label key {k:?} is not a valid Kubernetes label key"));
        }
        if !v.is_empty() && !is_label_name(v) {
            return Err(format!(
                "label {k:?} has a value {v:?} that is not a valid Kubernetes label value"
            ));
        }
    }
    Ok(())
}

/// Checks annotation keys (values are free text).
pub fn check_annotations(annotations: &BTreeMap<String, String>) -> Result<(), String> {
    match annotations.keys().find(|k| !is_qualified_key(k)) {
        Some(k) => Err(format!("annotation key {k:?} is not a valid Kubernetes annotation key")),
        None => Ok(()),
    }
}

/// A cycle in the `depends_on` graph (`id → its dependencies`), as the ids along it with the
/// first repeated at the end; `None` when the graph is acyclic. Unknown ids are not followed.
pub fn find_cycle(graph: &BTreeMap<&str, Vec<&str>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        id: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(id) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path
                    .iter()
                    .position(|p| *p == id)
                    .expect("a visiting id is on the path");
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(id.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(id, Mark::Visiting);
        path.push(id);
        for dep in graph.get(id).into_iter().flatten() {
            if graph.contains_key(dep)
                && let Some(cycle) = visit(dep, graph, marks, path)
            {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(id, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|id| visit(id, graph, &mut marks, &mut Vec::new()))
}

/// The ids in `wanted` that are not in `known`, sorted and without repeats.
pub fn unknown<'a>(wanted: impl IntoIterator<Item = &'a str>, known: &BTreeSet<&str>) -> Vec<String> {
    wanted
        .into_iter()
        .filter(|w| !known.contains(w))
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_and_fqdns() {
        for ok in ["a", "cert-manager", "x1", &"a".repeat(63)] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(is_fqdn("demo-cluster-01.k8s.example.com"));
        assert!(!is_fqdn("localhost"));
        assert!(!is_fqdn("a..b"));
        assert!(!is_fqdn("Demo.example.com"));
        assert!(!is_fqdn(&format!("{}.com", "a.".repeat(130))));
    }

    #[test]
    fn labels_and_annotations() {
        let mut l = BTreeMap::new();
        l.insert("app.kubernetes.io/name".to_string(), "cert-manager".to_string());
        l.insert("tier".to_string(), String::new());
        assert!(check_labels(&l).is_ok());
        l.insert("bad key".to_string(), "x".to_string());
        assert!(check_labels(&l).unwrap_err().contains("bad key"));
        let mut l = BTreeMap::new();
        l.insert("team".to_string(), "has space".to_string());
        assert!(check_labels(&l).unwrap_err().contains("has space"));
        let mut a = BTreeMap::new();
        a.insert("example.com/note".to_string(), "free text, any length".to_string());
        assert!(check_annotations(&a).is_ok());
        a.insert("/nope".to_string(), String::new());
        assert!(check_annotations(&a).is_err());
    }

    #[test]
    fn cycles_are_found_with_their_path() {
        let g: BTreeMap<&str, Vec<&str>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec![]),
            ("d", vec!["a", "missing"]),
        ]
        .into();
        assert_eq!(find_cycle(&g), None);
        let g: BTreeMap<&str, Vec<&str>> = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])].into();
        assert_eq!(
            find_cycle(&g),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        let g: BTreeMap<&str, Vec<&str>> = [("self", vec!["self"])].into();
        assert_eq!(find_cycle(&g), Some(vec!["self".into(), "self".into()]));
    }

    #[test]
    fn unknown_ids() {
        let known: BTreeSet<&str> = ["a", "b"].into();
        assert_eq!(unknown(["b", "z", "y", "z"], &known), ["y", "z"]);
    }
}
