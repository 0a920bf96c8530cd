//! A pod's containers as the console shows them: image, readiness, restarts, the current state
//! and how the last run ended, requests and limits. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{ContainerInfo, ContainerState};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn state(v: Option<&Value>) -> Option<ContainerState> {
    let v = v?.as_object()?;
    let (name, detail) = v.iter().next()?;
    Some(ContainerState {
        state: name.clone(),
        reason: text(detail, "reason"),
        message: text(detail, "message"),
        exit_code: detail
            .get("exitCode")
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok()),
        started_at: text(detail, "startedAt"),
        finished_at: text(detail, "finishedAt"),
    })
}

fn quantities(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, q)| q.as_str().map(|q| (k.clone(), q.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The containers of the pod whose `spec` and `status` are in `data`, init containers first.
pub fn containers(data: &Value) -> Vec<ContainerInfo> {
    let mut out = Vec::new();
    for (spec_key, status_key, init) in [
        ("initContainers", "initContainerStatuses", true),
        ("containers", "containerStatuses", false),
    ] {
        let statuses = data
            .pointer(&format!("/status/{status_key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for spec in data
            .pointer(&format!("/spec/{spec_key}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = text(spec, "name").unwrap_or_default();
            let status = statuses
                .iter()
                .find(|s| text(s, "name").as_deref() == Some(name.as_str()));
            let last_state = status.and_then(|s| state(s.get("lastState")));
            out.push(ContainerInfo {
                image: text(spec, "image").unwrap_or_default(),
                init,
                ready: status
                    .and_then(|s| s.get("ready"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                restarts: status
                    .and_then(|s| s.get("restartCount"))
                    .and_then(Value::as_u64)
                    .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                state: status
                    .and_then(|s| state(s.get("state")))
                    .unwrap_or_else(|| ContainerState {
                        state: "unknown".into(),
                        reason: None,
                        message: None,
                        exit_code: None,
                        started_at: None,
                        finished_at: None,
                    }),
                last_state,
                requests: quantities(spec.pointer("/resources/requests")),
                limits: quantities(spec.pointer("/resources/limits")),
                name,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_carry_state_last_termination_and_resources() {
        let pod = json!({
            "spec": {"initContainers": [{"name": "init", "image": "busybox"}],
                     "containers": [{"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}}}]},
            "status": {"initContainerStatuses": [{"name": "init", "ready": true, "restartCount": 0,
                           "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                       "containerStatuses": [{"name": "app", "ready": false, "restartCount": 4,
                           "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                           "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T00:00:00Z"}}}]}
        });
        let c = containers(&pod);
        assert_eq!(c.len(), 2);
        assert!(c[0].init && c[0].state.state == "terminated");
        let app = &c[1];
        assert_eq!((app.restarts, app.ready, app.image.as_str()), (4, false, "web:1"));
        assert_eq!(app.state.reason.as_deref(), Some("CrashLoopBackOff"));
        let last = app.last_state.as_ref().unwrap();
        assert_eq!((last.exit_code, last.reason.as_deref()), (Some(137), Some("OOMKilled")));
        assert_eq!(app.requests["cpu"], "100m");
        assert_eq!(app.limits["memory"], "128Mi");
        let pending = containers(&json!({"spec": {"containers": [{"name": "x", "image": "i"}]}}));
        assert_eq!(pending[0].state.state, "unknown");
    }
}
