//! Helm releases as Helm stores them (pure): one Secret per revision, type `helm.sh/release.v1`,
//! named `sh.helm.release.v1.<name>.v<revision>`, labelled `owner=helm`, `name`, `status`,
//! `version`, whose `release` key holds base64 of gzip of the release's JSON (inside the
//! Secret's own base64). Decoding, the rows and details we answer with, the values a release
//! ran with, and the resources of its manifest.

use std::io::Read;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The Secret type Helm's storage driver writes.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The label selector of every Helm release Secret.
pub const OWNER_SELECTOR: &str = "owner=helm";
/// The Secret key holding the encoded release.
pub const RELEASE_KEY: &str = "release";
/// A release's JSON is far smaller than this; more is a zip bomb, not a release.
const MAX_JSON_BYTES: u64 = 64 << 20;
/// What gzip streams start with (Helm also reads releases stored without compression).
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The Secret holding revision `revision` of release `name`.
pub fn secret_name(name: &str, revision: u32) -> String {
    format!("sh.helm.release.v1.{name}.v{revision}")
}

/// A name Helm accepts for a release: a DNS-1123 subdomain of at most 53 characters (so it is
/// also a label value, and safe in a label selector).
pub fn is_release_name(name: &str) -> bool {
    name.len() <= 53 && name.split('.').all(crate::names::is_dns_label)
}

/// The label selector of every revision of release `name`.
pub fn release_selector(name: &str) -> String {
    format!("{OWNER_SELECTOR},name={name}")
}

/// Why a release Secret could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("the Secret has no `release` key")]
    Missing,
    #[error("the release is not base64")]
    NotBase64,
    #[error("the release is not valid gzip: {0}")]
    Gzip(String),
    #[error("the release is larger than {MAX_JSON_BYTES} bytes")]
    TooLarge,
    #[error("the release is not Helm's release JSON: {0}")]
    Json(String),
}

/// A release as Helm's `release.v1` JSON has it (the fields we read).
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    /// The revision.
    pub version: u32,
    #[serde(default)]
    pub info: Info,
    pub chart: Option<Chart>,
    /// The values the user supplied.
    pub config: Option<Value>,
    #[serde(default)]
    pub manifest: String,
    #[serde(default)]
    pub hooks: Option<Vec<Hook>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Info {
    pub first_deployed: Option<String>,
    pub last_deployed: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chart {
    pub metadata: Option<ChartMetadata>,
    /// The chart's default values (its subcharts' defaults are not stored with the release).
    pub values: Option<Value>,
}

/// The chart's Chart.yaml, as stored with the release.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `v1` or `v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `application` or `library`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub chart_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Hook {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    /// The template it came from.
    #[serde(default)]
    pub path: String,
    /// `pre-install`, `post-upgrade`, …
    #[serde(default)]
    pub events: Vec<String>,
}

/// Decodes the value of a release Secret's `release` key (the Secret's own base64 already
/// undone, as the apiserver client hands it over).
pub fn decode(stored: &[u8]) -> Result<Release, DecodeError> {
    let text: Vec<u8> = stored.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| DecodeError::NotBase64)?;
    let json = match raw.starts_with(&GZIP_MAGIC) {
        true => gunzip(&raw)?,
        false => raw,
    };
    // Where and what kind of error only: serde's message can quote a value, and values are secret.
    serde_json::from_slice(&json).map_err(|e| {
        DecodeError::Json(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

fn gunzip(raw: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_JSON_BYTES {
        return Err(DecodeError::TooLarge);
    }
    Ok(out)
}

/// One release in a list, or one revision in a history.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSummary {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    /// Helm's status: `deployed`, `superseded`, `failed`, `uninstalled`, `pending-install`, …
    pub status: String,
    /// The chart's name.
    pub chart: String,
    pub chart_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// When this revision was deployed (RFC 3339), as Helm recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// What Helm said of it: `Install complete`, `Upgrade complete`, the failure, …
    pub description: String,
}

/// The values of a revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseValues {
    /// What the user supplied (`helm get values`).
    #[schema(value_type = Object)]
    pub user: Value,
    /// The user's values over the chart's defaults (`helm get values --all`), as far as the
    /// release stores them: the defaults of subcharts are not stored, so they are missing here.
    #[schema(value_type = Object)]
    pub computed: Value,
}

/// One object of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestResource {
    pub kind: String,
    /// As written in the manifest; absent means the release's namespace for namespaced kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub api_version: String,
    /// The chart template it came from (Helm's `# Source:` line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One revision of a release, whole.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseDetail {
    #[serde(flatten)]
    pub summary: ReleaseSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_deployed: Option<String>,
    pub chart_metadata: ChartMetadata,
    pub values: ReleaseValues,
    pub notes: String,
    pub manifest: String,
    /// Each YAML document of the manifest, in its order.
    pub resources: Vec<ManifestResource>,
    pub hooks: Vec<Hook>,
}

impl Release {
    pub fn metadata(&self) -> ChartMetadata {
        self.chart.as_ref().and_then(|c| c.metadata.clone()).unwrap_or_default()
    }

    pub fn summary(&self) -> ReleaseSummary {
        let chart = self.metadata();
        ReleaseSummary {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            revision: self.version,
            status: self.info.status.clone(),
            chart: chart.name,
            chart_version: chart.version,
            app_version: chart.app_version,
            updated: self.info.last_deployed.clone(),
            description: self.info.description.clone(),
        }
    }

    /// What the user supplied and what the chart ran with.
    pub fn values(&self) -> ReleaseValues {
        let user = self
            .config
            .clone()
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| Value::Object(Map::new()));
        let defaults = self
            .chart
            .as_ref()
            .and_then(|c| c.values.clone())
            .unwrap_or(Value::Null);
        ReleaseValues {
            computed: coalesce(defaults, &user),
            user,
        }
    }

    pub fn detail(self) -> ReleaseDetail {
        ReleaseDetail {
            summary: self.summary(),
            first_deployed: self.info.first_deployed.clone(),
            chart_metadata: self.metadata(),
            values: self.values(),
            resources: documents(&self.manifest)
                .into_iter()
                .filter_map(|d| d.resource)
                .collect(),
            notes: self.info.notes,
            manifest: self.manifest,
            hooks: self.hooks.unwrap_or_default(),
        }
    }
}

/// `user` over `defaults` as Helm coalesces values: maps merge key by key, anything else in
/// `user` replaces the default, and a `null` in `user` removes the key.
pub fn coalesce(defaults: Value, user: &Value) -> Value {
    match (defaults, user) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (key, value) in over {
                match value {
                    Value::Null => {
                        base.remove(key);
                    }
                    _ => {
                        let merged = coalesce(base.remove(key).unwrap_or(Value::Null), value);
                        base.insert(key.clone(), merged);
                    }
                }
            }
            Value::Object(base)
        }
        (_, over) => strip_nulls(over.clone()),
    }
}

/// A map from the user with no default under it keeps no `null` keys either.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// One YAML document of a manifest: its text and, when it names an object, which.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub text: String,
    pub resource: Option<ManifestResource>,
}

/// The documents of a manifest as Helm writes it (`---` lines between documents, each opened
/// by a `# Source: <template>` comment); documents that are only comments are left out.
pub fn documents(manifest: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in manifest.lines() {
        if line.trim_end() == "---" {
            docs.extend(document(&current));
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs.extend(document(&current));
    docs
}

fn document(text: &str) -> Option<Document> {
    let is_content = |l: &&str| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    };
    text.lines().find(is_content)?;
    let source = text
        .lines()
        .find_map(|l| l.strip_prefix("# Source: "))
        .map(|s| s.trim().to_string());
    let parsed: Option<Value> = yaml_serde::from_str(text).ok();
    let field = |pointer: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.pointer(pointer))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let resource = field("/kind").map(|kind| ManifestResource {
        kind,
        namespace: field("/metadata/namespace"),
        name: field("/metadata/name").unwrap_or_default(),
        api_version: field("/apiVersion").unwrap_or_default(),
        source: source.clone(),
    });
    Some(Document {
        text: text.trim_end().to_string() + "\n",
        resource,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Write;

    /// What Helm's storage driver stores: base64 of gzip of the JSON.
    pub fn encode(release: &Value) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(release.to_string().as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD
            .encode(gz.finish().unwrap())
            .into_bytes()
    }

    /// The `release` value of revision 2 of shop/greeter in the real Helm fixture.
    fn fixture_greeter_v2() -> Vec<u8> {
        let text = include_str!("../../tests/fixtures/helm/releases.yaml");
        let doc = text
            .split("\n---\n")
            .find(|d| d.contains("name: sh.helm.release.v1.greeter.v2"))
            .unwrap();
        let line = doc.lines().find_map(|l| l.strip_prefix("  release: ")).unwrap();
        // The Secret's own base64, as the apiserver client undoes it.
        base64::engine::general_purpose::STANDARD.decode(line).unwrap()
    }

    #[test]
    fn decodes_a_release_helm_stored() {
        let release = decode(&fixture_greeter_v2()).unwrap();
        let summary = release.summary();
        assert_eq!(
            (summary.name.as_str(), summary.namespace.as_str(), summary.revision),
            ("greeter", "shop", 2)
        );
        assert_eq!(
            (summary.status.as_str(), summary.chart.as_str()),
            ("deployed", "greeter")
        );
        assert_eq!(summary.chart_version, "0.1.0");
        assert_eq!(summary.app_version.as_deref(), Some("1.4.2"));
        assert_eq!(summary.description, "Upgrade complete");
        assert!(summary.updated.unwrap().starts_with("20"));
        let values = release.values();
        assert_eq!(values.user["replicaCount"], 3);
        assert_eq!(
            values.computed["image"],
            json!({"repository": "nginx", "tag": "1.28.0"})
        );
        assert_eq!(values.computed["service"], json!({"enabled": false, "port": 80}));
        let detail = release.detail();
        assert!(detail.notes.contains("hello, shop"), "{}", detail.notes);
        let kinds: Vec<(&str, &str)> = detail
            .resources
            .iter()
            .map(|r| (r.kind.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("ServiceAccount", "greeter-sa"),
                ("ConfigMap", "greeter-config"),
                ("Deployment", "greeter")
            ]
        );
        assert_eq!(detail.resources[2].api_version, "apps/v1");
        assert_eq!(
            detail.resources[2].source.as_deref(),
            Some("greeter/templates/deployment.yaml")
        );
    }

    #[test]
    fn bad_encodings_say_what_is_wrong() {
        assert_eq!(decode(b"%%%").unwrap_err(), DecodeError::NotBase64);
        let not_json = base64::engine::general_purpose::STANDARD.encode("{nope");
        assert!(matches!(decode(not_json.as_bytes()), Err(DecodeError::Json(_))));
        let typed = json!({"name": "a", "version": "hunter2"});
        let typed = base64::engine::general_purpose::STANDARD.encode(typed.to_string());
        let message = decode(typed.as_bytes()).unwrap_err().to_string();
        assert!(
            !message.contains("hunter2"),
            "a value never shows in the error: {message}"
        );
        assert!(message.contains("Data error at line 1"), "{message}");
        let cut = base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 0x08, 0, 1, 2]);
        assert!(matches!(decode(cut.as_bytes()), Err(DecodeError::Gzip(_))));
        // Uncompressed JSON is read too, as Helm does.
        let plain = json!({"name": "a", "namespace": "n", "version": 1});
        let plain = base64::engine::general_purpose::STANDARD.encode(plain.to_string());
        assert_eq!(decode(plain.as_bytes()).unwrap().version, 1);
        assert_eq!(decode(&encode(&json!({"name": "a", "version": 4}))).unwrap().version, 4);
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..65 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        assert_eq!(decode(bomb.as_bytes()).unwrap_err(), DecodeError::TooLarge);
    }

    #[test]
    fn coalesce_is_helms() {
        let defaults = json!({"a": 1, "m": {"x": 1, "y": 2}, "gone": {"z": 1}, "list": [1, 2]});
        let user = json!({"m": {"y": 3, "n": null}, "gone": null, "list": [3], "new": {"k": null, "v": 1}});
        assert_eq!(
            coalesce(defaults, &user),
            json!({"a": 1, "m": {"x": 1, "y": 3}, "list": [3], "new": {"v": 1}})
        );
        assert_eq!(coalesce(Value::Null, &json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn manifests_split_into_documents() {
        let manifest = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: other\n\n---\n# Source: c/templates/empty.yaml\n# nothing rendered\n---\nnot: [valid\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n";
        let docs = documents(manifest);
        assert_eq!(docs.len(), 3, "{docs:?}");
        let a = docs[0].resource.as_ref().unwrap();
        assert_eq!(
            (
                a.kind.as_str(),
                a.name.as_str(),
                a.namespace.as_deref(),
                a.source.as_deref()
            ),
            ("ConfigMap", "a", Some("other"), Some("c/templates/a.yaml"))
        );
        assert!(docs[0].text.starts_with("# Source: c/templates/a.yaml\n"));
        assert_eq!(docs[1].resource, None, "a document that is not YAML names nothing");
        assert_eq!(docs[2].resource.as_ref().unwrap().source, None);
        assert!(documents("").is_empty());
    }

    #[test]
    fn names_and_selectors() {
        assert_eq!(secret_name("web", 12), "sh.helm.release.v1.web.v12");
        assert_eq!(release_selector("web"), "owner=helm,name=web");
        assert!(is_release_name("web.v2-a"));
        for bad in ["", "Web", "a,owner=x", "a..b", &"a".repeat(54)] {
            assert!(!is_release_name(bad), "{bad}");
        }
    }
}
