//! Secrets scrubbed out of text before it leaves for a model or is kept: bearer and basic
//! credentials, JWTs, PEM blocks, `password=`/`token=`/`secret=`-like values (kubeconfig
//! credentials among them), credentials in URLs, AWS and other well-known key formats, a Secret's
//! `data:` values and `data:` URIs in base64. Pure; errs on the side of removing.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What a removed secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// One kind of secret: what matches `pattern` is replaced, but for the named group `k` (the
/// key naming the secret, kept for the reader); with `only_mixed`, only when the secret looks
/// random (`looks_random`), so ordinary words and paths are kept.
struct Rule {
    pattern: Regex,
    only_mixed: bool,
}

/// Applied in order.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rule = |pattern: &str, only_mixed: bool| Rule {
        pattern: Regex::new(pattern).expect("scrubber patterns are valid"),
        only_mixed,
    };
    vec![
        // A whole PEM block (private keys and certificates alike), or what is left of one.
        rule(
            r"-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|\z)",
            false,
        ),
        // JSON Web Tokens (three base64url parts, the first a JSON header).
        rule(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", false),
        // Authorization headers' credentials.
        rule(r"(?i)(?P<k>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", true),
        // Credentials in URLs: scheme://user:password@host.
        rule(r"(?P<k>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@:]+:[^\s/@]+@", false),
        // data: URIs in base64.
        rule(r"\bdata:[\w.+/-]*;base64,[A-Za-z0-9+/=]+", false),
        // key = value and key: value where the key names a secret (YAML, env, JSON, flags);
        // kubeconfig's client-key-data, token, password and the like among them.
        rule(
            r#"(?i)(?P<k>["']?[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|key-data|certificate-data|credentials?|auth)["']?\s*[:=]\s*)(?:"[^"\n]*"|'[^'\n]*'|[^\s,;}\]]+)"#,
            false,
        ),
        // --password value, --token value.
        rule(
            r"(?i)(?P<k>--(?:password|token|secret|api-key|client-secret)\s+)\S+",
            false,
        ),
        // AWS access key ids.
        rule(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", false),
        // GitHub, GitLab, Slack, Google and OpenAI-style keys.
        rule(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[A-Za-z0-9_-]{35}|sk-[A-Za-z0-9_-]{20,})",
            false,
        ),
        // Anything else that looks like a long random token: 32+ characters of base64.
        rule(r"\b[A-Za-z0-9+/_-]{32,}={0,2}", true),
    ]
});

/// `text` without the secrets it holds.
pub fn scrub(text: &str) -> String {
    let mut out = secret_data_values(text);
    for rule in RULES.iter() {
        out = rule
            .pattern
            .replace_all(&out, |c: &Captures| {
                let kept = c.name("k").map_or("", |k| k.as_str());
                let secret = &c[0][kept.len()..];
                // Already removed (a `data:` value), or ordinary text.
                if secret.starts_with("[REDACTED") || (rule.only_mixed && !looks_random(secret)) {
                    c[0].to_string()
                } else {
                    format!("{kept}{REDACTED}")
                }
            })
            .into_owned();
    }
    out
}

/// Letters and digits, and (unless it is a lowercase path such as an API path) some uppercase.
fn looks_random(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && (s.chars().any(|c| c.is_ascii_uppercase()) || !s.contains('/'))
}

/// The values under a `data:` or `stringData:` key of YAML (a Secret's), removed: the lines
/// indented deeper than the key are `name: value` pairs whose values are the secret.
fn secret_data_values(text: &str) -> String {
    let mut out = Vec::new();
    let mut data_indent: Option<usize> = None;
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some(at) = data_indent {
            if !trimmed.is_empty() && indent > at {
                match trimmed.split_once(':') {
                    Some((key, value)) if !value.trim().is_empty() => {
                        out.push(format!("{}{key}: {REDACTED}", &line[..indent]));
                    }
                    _ => out.push(line.to_string()),
                }
                continue;
            }
            if !trimmed.is_empty() {
                data_indent = None;
            }
        }
        if matches!(trimmed, "data:" | "stringData:" | "binaryData:") {
            data_indent = Some(indent);
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn removed(text: &str, secret: &str) {
        let out = scrub(text);
        assert!(!out.contains(secret), "{secret:?} left in {out:?}");
        assert!(out.contains(REDACTED), "{out:?}");
    }

    #[test]
    fn each_kind_of_secret_is_removed() {
        removed("curl -H 'Authorization: Bearer abcdEFGH1234.xyz'", "abcdEFGH1234");
        removed("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlX2hlcmU";
        removed(&format!("the token was {jwt} yesterday"), "eyJzdWIiOiJhZG1pbiJ9");
        removed(
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----\ndone",
            "MIIEowIBAAKCAQEA7",
        );
        removed(
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq cut off",
            "MIIEvQIBADANBgkq",
        );
        removed("set password=hunter2 and retry", "hunter2");
        removed("DB_PASSWORD: 's3cr3t value'", "s3cr3t value");
        removed("{\"token\": \"abc123\"}", "abc123");
        removed("export API_KEY=zzz999", "zzz999");
        removed("client_secret = topsecretvalue", "topsecretvalue");
        removed(
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI",
        );
        removed("id AKIAIOSFODNN7EXAMPLE in use", "AKIAIOSFODNN7EXAMPLE");
        removed("postgres://app:pa55word@db:5432/shop", "pa55word");
        removed("logo data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "iVBORw0KGgo");
        removed(
            "kind: Secret\ndata:\n  username: YWRtaW4=\n  tls.crt: LS0tLS1CRUdJTg==\nkind: next",
            "YWRtaW4=",
        );
        removed(
            "users:\n- name: u\n  user:\n    client-key-data: LS0tLS1CRUdJTiBSU0E=\n",
            "LS0tLS1CRUdJTiBSU0E",
        );
        removed("    token: kubeconfig-token-value\n", "kubeconfig-token-value");
        removed("kubectl --token=abc.def.ghi get pods", "abc.def.ghi");
        removed("use ghp_abcdefghijklmnopqrstuvwxyz0123456789 here", "ghp_abcdef");
        removed(
            "random 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc tail",
            "9f8e7d6c5b4a3928",
        );
    }

    #[test]
    fn the_secret_is_gone_from_data_but_the_structure_stays() {
        let out = scrub("stringData:\n  password: hunter2\n  user: admin\nmetadata:\n  name: db");
        assert_eq!(
            out,
            "stringData:\n  password: [REDACTED]\n  user: [REDACTED]\nmetadata:\n  name: db"
        );
    }

    #[test]
    fn ordinary_text_is_kept() {
        for text in [
            "Raise the memory limit of the api Deployment, then roll it out again.",
            "kubectl -n shop rollout restart deployment/api",
            "The pod api-7d4b9c6f5-x2x9q was OOMKilled 3 times in 10 minutes.",
            "Check the readiness probe: GET /healthz on port 8080.",
            "See https://kubernetes.io/docs/concepts/workloads/ for details.",
            "image: registry.example.com/shop/api:1.2.3",
            "Authentication failed for the service account; rotate it.",
            "averylongwordwithoutanydigitsinitatalljustletters",
            "GET /apis/apps/v1/namespaces/shop/deployments/api",
            "Basic troubleshooting first; bearer tokens expire.",
        ] {
            assert_eq!(scrub(text), text);
        }
    }
}
