//! `pods/eviction`: PodDisruptionBudget arithmetic, as the disruption controller and
//! the eviction REST handler do it together (there is no controller here, so the
//! budget's status is computed on the spot from the pods it selects).

use serde_json::{Value, json};

use crate::selectors::LabelSelector;
use crate::status::{ApiError, ApiResult};

/// Running with the Ready condition True: what the disruption controller counts.
pub fn healthy(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
        && pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// An IntOrString against `total`: "50%" rounds up, as `GetScaledValueFromIntOrPercent(.., true)`.
pub fn scaled(v: &Value, total: i64) -> ApiResult<i64> {
    if let Some(n) = v.as_i64() {
        return Ok(n);
    }
    let s = v.as_str().unwrap_or_default();
    let pct: i64 = s
        .strip_suffix('%')
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("invalid value for IntOrString: invalid value {s:?}")))?;
    Ok((pct * total + 99) / 100)
}

/// What the budget's status would say: (desiredHealthy, currentHealthy).
/// `expected` is the number of pods the budget selects (the simulator has no
/// controllers to ask for their scale).
pub fn budget(pdb: &Value, pods: &[&Value]) -> ApiResult<(i64, i64)> {
    let expected = pods.len() as i64;
    let current = pods.iter().filter(|p| healthy(p)).count() as i64;
    let spec = &pdb["spec"];
    let desired = if !spec["minAvailable"].is_null() {
        scaled(&spec["minAvailable"], expected)?
    } else if !spec["maxUnavailable"].is_null() {
        (expected - scaled(&spec["maxUnavailable"], expected)?).max(0)
    } else {
        // Neither set: the apiserver defaults minAvailable to 1.
        1
    };
    Ok((desired, current))
}

/// Pods `pdb` selects among `pods` (same namespace). An empty selector selects all in policy/v1.
pub fn selects(pdb: &Value, pod: &Value) -> ApiResult<bool> {
    Ok(LabelSelector::from_object(&pdb["spec"]["selector"])?.matches(pod))
}

/// The apiserver's 429 for an eviction that would break `pdb_name`.
pub fn refusal(pdb_name: &str, desired: i64, current: i64) -> ApiError {
    ApiError::new(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
    )
    .with_details(json!({"causes": [{
        "reason": "DisruptionBudget",
        "message": format!("The disruption budget {pdb_name} needs {desired} healthy pods and has {current} currently"),
    }]}))
}

/// Decides an eviction of `pod` given the budgets in its namespace and the pods there.
pub fn check(pod: &Value, pdbs: &[Value], pods: &[Value]) -> ApiResult<()> {
    let matching: Vec<&Value> = pdbs.iter().filter(|b| selects(b, pod).unwrap_or(false)).collect();
    let pdb = match matching.as_slice() {
        [] => return Ok(()),
        [one] => *one,
        _ => {
            return Err(ApiError::new(
                500,
                "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ));
        }
    };
    // Pods that are not running yet (or any more) never count against a budget.
    let phase = pod["status"]["phase"].as_str().unwrap_or_default();
    if matches!(phase, "Pending" | "Succeeded" | "Failed") {
        return Ok(());
    }
    let mut selected = Vec::new();
    for p in pods {
        if selects(pdb, p)? {
            selected.push(p);
        }
    }
    let (desired, current) = budget(pdb, &selected)?;
    // An unhealthy pod may go while the budget is met (policy IfHealthyBudget);
    // a healthy one only if one more disruption is allowed.
    let allowed = if healthy(pod) {
        current - desired >= 1
    } else {
        current >= desired
    };
    if allowed {
        Ok(())
    } else {
        Err(refusal(
            pdb["metadata"]["name"].as_str().unwrap_or_default(),
            desired,
            current,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, app: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "labels": {"app": app}},
               "status": {"phase": "Running",
                          "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
    }

    fn pdb(spec: Value) -> Value {
        let mut s = spec;
        s["selector"] = json!({"matchLabels": {"app": "web"}});
        json!({"metadata": {"name": "web-pdb"}, "spec": s})
    }

    #[test]
    fn scaled_values_round_up() {
        assert_eq!(scaled(&json!(2), 10).unwrap(), 2);
        assert_eq!(scaled(&json!("50%"), 3).unwrap(), 2);
        assert_eq!(scaled(&json!("100%"), 3).unwrap(), 3);
        assert!(scaled(&json!("half"), 3).is_err());
    }

    #[test]
    fn budgets_allow_or_refuse() {
        let pods = vec![pod("a", "web", true), pod("b", "web", true), pod("c", "db", true)];
        let min2 = vec![pdb(json!({"minAvailable": 2}))];
        let e = check(&pods[0], &min2, &pods).unwrap_err();
        assert_eq!(e.code, 429);
        assert_eq!(e.reason, "TooManyRequests");
        assert_eq!(
            e.message,
            "Cannot evict pod as it would violate the pod's disruption budget."
        );
        assert_eq!(
            e.details.unwrap()["causes"][0],
            json!({"reason": "DisruptionBudget",
                   "message": "The disruption budget web-pdb needs 2 healthy pods and has 2 currently"})
        );
        assert!(check(&pods[2], &min2, &pods).is_ok(), "db is not selected");
        assert!(check(&pods[0], &[pdb(json!({"minAvailable": 1}))], &pods).is_ok());
        assert!(check(&pods[0], &[pdb(json!({"maxUnavailable": "50%"}))], &pods).is_ok());
        assert!(check(&pods[0], &[pdb(json!({"maxUnavailable": 0}))], &pods).is_err());
        let one_down = vec![pod("a", "web", true), pod("b", "web", false)];
        let max1 = vec![pdb(json!({"maxUnavailable": 1}))];
        assert!(check(&one_down[0], &max1, &one_down).is_err());
        assert!(
            check(&one_down[1], &max1, &one_down).is_ok(),
            "unhealthy pod, budget met"
        );
    }

    #[test]
    fn match_expressions_select() {
        let b =
            json!({"spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}});
        assert!(selects(&b, &pod("a", "web", true)).unwrap());
        assert!(!selects(&b, &pod("a", "db", true)).unwrap());
        assert!(selects(&json!({"spec": {"selector": {}}}), &pod("a", "db", true)).unwrap());
    }
}
