//! Container image references: the tag (or digest) they name and the registry they come from,
//! for the `latest` and allowlist checks. Pure.

/// What an image reference pins.
#[derive(Debug, PartialEq, Eq)]
pub enum Pin<'a> {
    Digest,
    Tag(&'a str),
    /// No tag and no digest: the runtime pulls `latest`.
    Nothing,
}

/// The tag or digest of `image` (`nginx`, `nginx:1.27`, `reg:5000/app@sha256:…`).
pub fn pin(image: &str) -> Pin<'_> {
    if image.contains('@') {
        return Pin::Digest;
    }
    // A ':' before the last '/' is a registry's port, not a tag.
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => Pin::Tag(tag),
        None => Pin::Nothing,
    }
}

/// `image` with its registry named as the runtime reads it: Docker Hub's short names get
/// `docker.io/` (and `library/` for official images), so `nginx` is `docker.io/library/nginx`.
pub fn normalized(image: &str) -> String {
    let first = image.split('/').next().unwrap_or_default();
    let has_registry = image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    match (has_registry, image.contains('/')) {
        (true, _) => image.to_string(),
        (false, true) => format!("docker.io/{image}"),
        (false, false) => format!("docker.io/library/{image}"),
    }
}

/// Whether `image` comes from one of `allowlist`'s prefixes (`registry.example.com`,
/// `ghcr.io/acme/`). A prefix matches whole path segments: `ghcr.io/acme` allows
/// `ghcr.io/acme/api:1` but not `ghcr.io/acme-evil/api:1`.
pub fn allowed(image: &str, allowlist: &[String]) -> bool {
    let image = normalized(image);
    allowlist.iter().any(|prefix| {
        let prefix = prefix.trim_end_matches('/');
        image
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', ':', '@']))
    })
}

/// The allowlist in force: the platform policy's when it names any, else the server's
/// (`FLEETDECK_IMAGE_ALLOWLIST`); empty: any image.
pub fn in_force<'a>(policy: &'a [String], server: &'a [String]) -> &'a [String] {
    match policy.is_empty() {
        true => server,
        false => policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policys_allowlist_wins_when_it_names_any() {
        let (policy, server) = (vec!["ghcr.io/acme".to_string()], vec!["docker.io".to_string()]);
        assert_eq!(in_force(&policy, &server), policy);
        assert_eq!(in_force(&[], &server), server);
        assert!(in_force(&[], &[]).is_empty());
    }

    #[test]
    fn the_pin_is_the_tag_or_the_digest() {
        assert_eq!(pin("nginx"), Pin::Nothing);
        assert_eq!(pin("nginx:latest"), Pin::Tag("latest"));
        assert_eq!(pin("nginx:1.27"), Pin::Tag("1.27"));
        assert_eq!(pin("registry:5000/team/app"), Pin::Nothing, "a port is not a tag");
        assert_eq!(pin("registry:5000/team/app:2.1"), Pin::Tag("2.1"));
        assert_eq!(pin("ghcr.io/a/b@sha256:0123"), Pin::Digest);
        assert_eq!(pin("ghcr.io/a/b:1@sha256:0123"), Pin::Digest);
    }

    #[test]
    fn docker_hub_short_names_are_normalized() {
        assert_eq!(normalized("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(normalized("bitnami/redis"), "docker.io/bitnami/redis");
        assert_eq!(normalized("ghcr.io/acme/api"), "ghcr.io/acme/api");
        assert_eq!(normalized("localhost/app"), "localhost/app");
        assert_eq!(normalized("reg:5000/app"), "reg:5000/app");
    }

    #[test]
    fn a_prefix_allows_whole_segments_only() {
        let list = vec![
            "ghcr.io/acme/".to_string(),
            "registry.example.com".to_string(),
            "docker.io/library".to_string(),
        ];
        assert!(allowed("ghcr.io/acme/api:1", &list));
        assert!(!allowed("ghcr.io/acme-evil/api:1", &list));
        assert!(allowed("registry.example.com/x/y@sha256:00", &list));
        assert!(!allowed("registry.example.com.evil.io/x", &list));
        assert!(allowed("nginx:1.27", &list), "docker.io/library/nginx");
        assert!(!allowed("bitnami/redis:7", &list));
        assert!(!allowed("nginx", &[]));
    }
}
