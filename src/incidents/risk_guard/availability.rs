//! A single replica in production without a PodDisruptionBudget: a node drain or an eviction
//! takes the whole service down. Production is the `environment` given, else a namespace
//! named `prod` or `production` (a manifest alone cannot say more). Pure.

use serde_json::Value;

use super::findings::{Check, Found, Options, namespace_of};
use super::pod_templates::PodTemplate;
use crate::inventory::manifests::Manifest;

const PRODUCTION: &[&str] = &["prod", "production"];

fn is_production(name: &str) -> bool {
    PRODUCTION.iter().any(|p| name.eq_ignore_ascii_case(p))
}

/// `m` runs one replica in production and no budget in `all` covers its pods.
pub fn single_replica(m: &Manifest, t: &PodTemplate, all: &[Manifest], options: &Options, found: &mut Found) {
    if !matches!(m.kind.as_str(), "Deployment" | "StatefulSet" | "ReplicaSet") {
        return;
    }
    // Kubernetes runs one replica when none is given; zero is a deliberate stop.
    let replicas = m.object["spec"]["replicas"].as_i64().unwrap_or(1);
    if replicas != 1 {
        return;
    }
    let namespace = namespace_of(m, options);
    let production = match &options.environment {
        Some(env) => is_production(env),
        None => namespace.as_deref().is_some_and(is_production),
    };
    if !production {
        return;
    }
    let empty = Value::Null;
    let labels = t.labels.unwrap_or(&empty);
    let covered = all.iter().any(|b| {
        b.kind == "PodDisruptionBudget"
            && namespace_of(b, options) == namespace
            && selects(&b.object["spec"]["selector"], labels)
    });
    if covered {
        return;
    }
    found(
        Check::SingleReplicaWithoutPdb,
        None,
        "spec.replicas".into(),
        format!(
            "{} {} runs 1 replica in production and no PodDisruptionBudget in these manifests selects its pods: \
             a node drain stops the service. Run at least 2 replicas and add a PodDisruptionBudget \
             (policy/v1) selecting its pod labels.",
            m.kind, m.name
        ),
    );
}

/// A `LabelSelector` (matchLabels and matchExpressions) selects `labels`. An empty selector
/// selects every pod (policy/v1); a missing one selects none.
fn selects(selector: &Value, labels: &Value) -> bool {
    let Some(selector) = selector.as_object() else {
        return false;
    };
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let by_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str());
    let by_expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match (e["operator"].as_str(), label(key)) {
                (Some("In"), Some(v)) => values.contains(&v),
                (Some("NotIn"), v) => v.is_none_or(|v| !values.contains(&v)),
                (Some("Exists"), v) => v.is_some(),
                (Some("DoesNotExist"), v) => v.is_none(),
                _ => false,
            }
        });
    by_labels && by_expressions
}

#[cfg(test)]
mod tests {
    use super::super::{Check, Options, analyze};
    use super::selects;
    use serde_json::json;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: NS}\nspec:\n  REPLICAS\
        selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, tier: front}}\n    spec: {containers: []}\n";

    fn deployment(namespace: &str, replicas: &str) -> String {
        DEPLOYMENT.replace("NS", namespace).replace("REPLICAS", replicas)
    }

    fn pdb(namespace: &str, selector: &str) -> String {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web, namespace: {namespace}}}\nspec: {{minAvailable: 1, selector: {selector}}}\n"
        )
    }

    fn found(text: &str, environment: Option<&str>) -> bool {
        let options = Options {
            environment: environment.map(str::to_string),
            default_namespace: "default".into(),
            ..Options::default()
        };
        analyze(text, &options)
            .findings
            .iter()
            .any(|f| f.check == Check::SingleReplicaWithoutPdb && f.path == "spec.replicas")
    }

    #[test]
    fn one_replica_in_production_needs_a_budget() {
        assert!(found(&deployment("prod", "replicas: 1\n  "), None));
        assert!(found(&deployment("production", ""), None), "no replicas is one");
        assert!(found(&deployment("shop", ""), Some("prod")), "the environment given");
        assert!(!found(&deployment("shop", ""), None), "not production");
        assert!(
            !found(&deployment("prod", ""), Some("dev")),
            "the environment given wins over the namespace"
        );
        assert!(!found(&deployment("prod", "replicas: 3\n  "), None));
        assert!(!found(&deployment("prod", "replicas: 0\n  "), None));
        let with = |ns: &str, selector: &str| format!("{}{}", deployment("prod", ""), pdb(ns, selector));
        assert!(!found(&with("prod", "{matchLabels: {app: web}}"), None));
        assert!(
            found(&with("shop", "{matchLabels: {app: web}}"), None),
            "a budget in another namespace"
        );
        assert!(
            found(&with("prod", "{matchLabels: {app: api}}"), None),
            "a budget of other pods"
        );
    }

    #[test]
    fn label_selectors_match_as_kubernetes_does() {
        let labels = json!({"app": "web", "tier": "front"});
        let yes = [
            json!({}),
            json!({"matchLabels": {"app": "web"}}),
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}]}),
            json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}),
            json!({"matchExpressions": [{"key": "app", "operator": "Exists"}, {"key": "x", "operator": "DoesNotExist"}]}),
        ];
        let no = [
            json!(null),
            json!({"matchLabels": {"app": "web", "tier": "back"}}),
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}),
            json!({"matchExpressions": [{"key": "tier", "operator": "Bogus"}]}),
        ];
        for s in yes {
            assert!(selects(&s, &labels), "{s}");
        }
        for s in no {
            assert!(!selects(&s, &labels), "{s}");
        }
    }
}
