//! Name rules every domain shares: DNS-1123 labels and subdomains, FQDNs, and Kubernetes label
//! and annotation keys and values. Pure functions: they take a value and say whether it is valid.

use std::collections::BTreeMap;

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

/// A name that can be an object's in an apiserver path: what every Kubernetes name validation
/// requires at least (not empty, not `.` or `..`, no `/` or `%`), in printable ASCII without
/// what would end a path (`?`, `#`): no Kubernetes name has more.
pub fn is_object_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '%' | '?' | '#'))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_path_segments() {
        assert!(is_object_name("web-1") && is_object_name("Web.1:x"));
        for bad in ["", ".", "..", "a/b", "a%2Fb", "a?b", "a#b", "a b", "é", "a\u{14}"] {
            assert!(!is_object_name(bad), "{bad}");
        }
    }

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
}
