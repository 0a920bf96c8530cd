//! The risk guard: what is risky in manifests before they are applied — privileged or root
//! containers, host namespaces and paths, missing requests, limits and probes, `latest` images,
//! added capabilities, privilege escalation, secrets written into env, images from outside the
//! platform's registries, single replicas in production without a budget, API versions the target
//! Kubernetes no longer serves. Each finding names its check (a stable code), its severity, whether
//! it blocks, the object, container and field, and how to fix it; the analysis scores the whole.
//! Pure, and a model: the inventory's apply calls it, as does `POST /api/risk-guard/analyze`.

mod availability;
mod checks;
mod findings;
pub mod images;
mod pod_templates;
pub mod removed_apis;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::inventory::manifests::{self, Manifest};
use findings::namespace_of;
pub use findings::{Check, Finding, ObjectRef, Options, Severity};
pub use removed_apis::KubeVersion;

/// A document that could not be read as a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RiskDocumentError)]
pub struct DocumentError {
    pub document: usize,
    /// `not_yaml`, `not_an_object`, `api_version_missing`, `kind_missing`, `list_kind`,
    /// `name_missing` or `too_many_documents`.
    pub code: String,
    pub message: String,
}

/// A check that did not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RiskSkipped)]
pub struct Skipped {
    pub check: Check,
    pub reason: String,
}

/// What the guard makes of a set of manifests.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RiskAnalysis)]
pub struct Analysis {
    /// 0–100: 100 less each finding's weight (critical 40, high 20, medium 10, low 5), a check
    /// counted once per document however many containers it finds; never below 0.
    pub score: u32,
    /// How many findings block.
    pub blocking: usize,
    /// The documents analysed (those that could be read).
    pub documents: usize,
    /// The Kubernetes version API removals were checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    pub findings: Vec<Finding>,
    pub errors: Vec<DocumentError>,
    pub skipped: Vec<Skipped>,
}

/// The apply policy: `off` (not run), `warn` (findings in the answer), `block` (blocking findings
/// refuse the apply). Ordered from the laxest, so a request's wish is `max`ed with the setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RiskGuardPolicy)]
pub enum Policy {
    Off,
    #[default]
    Warn,
    Block,
}

impl std::str::FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Policy, String> {
        match s.trim() {
            "off" => Ok(Policy::Off),
            "warn" => Ok(Policy::Warn),
            "block" => Ok(Policy::Block),
            other => Err(format!("expected off, warn or block, got {other:?}")),
        }
    }
}

/// Under `block`, what refuses a change with blocking findings: 422 `risk_guard_blocked` naming
/// the first, with the blocking findings in `details`; `what` says what was refused.
pub fn refusal(policy: Policy, analysis: &Analysis, what: &str) -> Option<ApiError> {
    if policy != Policy::Block || analysis.blocking == 0 {
        return None;
    }
    let blocking: Vec<&Finding> = analysis.findings.iter().filter(|f| f.blocking).collect();
    let first = blocking[0];
    Some(
        ApiError::unprocessable(
            "risk_guard_blocked",
            format!(
                "the risk guard blocks {what}: {} blocking finding(s), the first {} on {} {} (document {})",
                blocking.len(),
                first.check.code(),
                first.object.kind,
                first.object.name,
                first.object.document
            ),
        )
        .with_details(serde_json::json!({"score": analysis.score, "blocking": blocking.len(), "findings": blocking})),
    )
}

/// Reads `text` (multi-document YAML) and analyses every document that can be read.
pub fn analyze(text: &str, options: &Options) -> Analysis {
    let (read, errors): (Vec<_>, Vec<_>) = manifests::documents(text).into_iter().partition(Result::is_ok);
    let read: Vec<Manifest> = read.into_iter().flatten().collect();
    let mut analysis = analyze_manifests(&read, options);
    analysis.errors = errors
        .into_iter()
        .filter_map(Result::err)
        .map(|e| DocumentError {
            document: e.document,
            code: e.code.to_string(),
            message: e.message,
        })
        .collect();
    analysis
}

/// Analyses manifests already read.
pub fn analyze_manifests(all: &[Manifest], options: &Options) -> Analysis {
    let mut findings = Vec::new();
    for m in all {
        let object = object_ref(m, options);
        let mut found = |check: Check, container: Option<&str>, path: String, explanation: String| {
            findings.push(Finding {
                check,
                severity: check.severity(),
                blocking: check.blocking(),
                object: object.clone(),
                container: container.map(str::to_string),
                path,
                explanation,
            })
        };
        if let Some(target) = options.kubernetes_version {
            checks::removed_api(m, target, &mut found);
        }
        if let Some(template) = pod_templates::of(m) {
            checks::pod(&template, options, &mut found);
            availability::single_replica(m, &template, all, options, &mut found);
        }
    }
    let mut skipped = Vec::new();
    if options.kubernetes_version.is_none() {
        skipped.push(Skipped {
            check: Check::RemovedApi,
            reason: "no target Kubernetes version: give kubernetesVersion (or a cluster whose version is known)".into(),
        });
    }
    if options.image_allowlist.is_empty() {
        skipped.push(Skipped {
            check: Check::ImageNotAllowed,
            reason: "no image allowlist is set (FLEETDECK_IMAGE_ALLOWLIST)".into(),
        });
    }
    Analysis {
        score: score(&findings),
        blocking: findings.iter().filter(|f| f.blocking).count(),
        documents: all.len(),
        kubernetes_version: options.kubernetes_version.map(|v| v.to_string()),
        findings,
        errors: vec![],
        skipped,
    }
}

/// 100 less the weight of each (check, document) found, at least 0.
pub fn score(findings: &[Finding]) -> u32 {
    let counted: BTreeSet<(Check, usize)> = findings.iter().map(|f| (f.check, f.object.document)).collect();
    let lost: u32 = counted.iter().map(|(c, _)| c.severity().weight()).sum();
    100u32.saturating_sub(lost)
}

fn object_ref(m: &Manifest, options: &Options) -> ObjectRef {
    ObjectRef {
        api_version: m.object["apiVersion"].as_str().unwrap_or_default().to_string(),
        kind: m.kind.clone(),
        namespace: namespace_of(m, options),
        name: m.name.clone(),
        document: m.document,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            default_namespace: "default".into(),
            ..Options::default()
        }
    }

    #[test]
    fn every_check_has_its_code_as_serialized() {
        for check in Check::ALL {
            assert_eq!(serde_json::to_value(check).unwrap(), check.code());
        }
        let codes: BTreeSet<&str> = Check::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), Check::ALL.len());
    }

    #[test]
    fn the_score_counts_a_check_once_per_document() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [\
                    {name: a, image: 'x:1', securityContext: {privileged: true}}, \
                    {name: b, image: 'x:1', securityContext: {privileged: true}}]}\n";
        let a = analyze(text, &options());
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        let privileged = a
            .findings
            .iter()
            .filter(|f| f.check == Check::PrivilegedContainer)
            .count();
        assert_eq!(privileged, 2, "one finding per container");
        let distinct: BTreeSet<Check> = a.findings.iter().map(|f| f.check).collect();
        let lost: u32 = distinct.iter().map(|c| c.severity().weight()).sum();
        assert_eq!(a.score, 100u32.saturating_sub(lost));
        assert_eq!(a.blocking, a.findings.iter().filter(|f| f.blocking).count());
        assert!(a.blocking >= 2);
        assert_eq!(score(&[]), 100);
        // Enough findings floor the score at 0.
        let worst = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: true, containers: [\
                     {name: a, image: x, securityContext: {privileged: true, runAsUser: 0, capabilities: {add: [SYS_ADMIN]}}}]}\n";
        assert_eq!(analyze(worst, &options()).score, 0);
    }

    #[test]
    fn a_bad_document_is_an_error_and_the_others_are_analysed() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n---\n\
                    apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n";
        let a = analyze(text, &options());
        assert_eq!(a.documents, 2);
        assert_eq!(a.errors.len(), 1);
        assert_eq!((a.errors[0].document, a.errors[0].code.as_str()), (2, "kind_missing"));
        assert!(a.findings.iter().all(|f| f.object.document == 3));
        assert!(a.findings.iter().any(|f| f.check == Check::ImageLatestTag));
        let not_yaml = analyze("kind: [\n", &options());
        assert_eq!((not_yaml.documents, not_yaml.errors[0].code.as_str()), (0, "not_yaml"));
    }

    #[test]
    fn checks_without_their_input_are_skipped_and_say_so() {
        let a = analyze(
            "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n",
            &options(),
        );
        let skipped: Vec<Check> = a.skipped.iter().map(|s| s.check).collect();
        assert_eq!(skipped, vec![Check::RemovedApi, Check::ImageNotAllowed]);
        assert!(a.findings.is_empty());
        let with = Options {
            kubernetes_version: KubeVersion::parse("1.33"),
            image_allowlist: vec!["ghcr.io/acme".into()],
            ..options()
        };
        let a = analyze("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n", &with);
        assert!(a.skipped.is_empty());
        assert_eq!(a.kubernetes_version.as_deref(), Some("1.33"));
        assert_eq!(a.findings[0].check, Check::RemovedApi);
    }

    #[test]
    fn objects_are_named_with_the_namespace_they_go_to() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n---\n\
                    apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: shop}\nspec: {containers: [{name: a, image: x}]}\n";
        let a = analyze(
            text,
            &Options {
                default_namespace: "orders".into(),
                ..Options::default()
            },
        );
        let at = |doc: usize| {
            a.findings
                .iter()
                .find(|f| f.object.document == doc)
                .unwrap()
                .object
                .clone()
        };
        assert_eq!(at(1).namespace.as_deref(), Some("orders"));
        assert_eq!(
            (at(2).namespace.as_deref(), at(2).name.as_str(), at(2).kind.as_str()),
            (Some("shop"), "q", "Pod")
        );
    }

    #[test]
    fn the_policy_reads_its_three_words_and_orders_them() {
        assert_eq!("block".parse::<Policy>(), Ok(Policy::Block));
        assert!("strict".parse::<Policy>().is_err());
        assert!(Policy::Off < Policy::Warn && Policy::Warn < Policy::Block);
        assert_eq!(Policy::default(), Policy::Warn);
    }
}
