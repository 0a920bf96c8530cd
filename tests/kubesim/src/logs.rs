//! `pods/log`: scripted container output from pod annotations, lines appended by
//! tests through `Sim::append_log`, and `follow=true` streams that carry them live.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::state::{AppState, lock};
use crate::status::{ApiError, ApiResult};

/// Current output: `…/logs` for the first container, `…/logs.<container>` for any.
pub const LOGS_ANNOTATION: &str = "kubesim.fleetdeck.dev/logs";
/// What `--previous` shows: the output of the last terminated instance.
pub const PREVIOUS_ANNOTATION: &str = "kubesim.fleetdeck.dev/previous-logs";

/// One line of output with the time it was written (RFC 3339).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub time: String,
    pub text: String,
    /// Position among the container's appended lines, so followers skip what they already sent.
    pub index: usize,
}

/// Lines appended at run time, keyed by (namespace, pod, container).
pub type LogBook = HashMap<(String, String, String), Vec<LogLine>>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogOptions {
    pub tail_lines: Option<usize>,
    pub timestamps: bool,
    pub limit_bytes: Option<usize>,
}

fn names(list: &Value) -> impl Iterator<Item = String> + '_ {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
}

/// The pod's containers (not init containers), in spec order.
pub fn containers(pod: &Value) -> Vec<String> {
    names(&pod["spec"]["containers"]).collect()
}

/// The container a log request means, with the apiserver's 400s when it cannot tell.
pub fn choose_container(pod: &Value, requested: Option<&str>) -> ApiResult<String> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let all = containers(pod);
    match requested {
        Some(c) => {
            let init = names(&pod["spec"]["initContainers"]).any(|n| n == c);
            if all.iter().any(|n| n == c) || init {
                Ok(c.to_string())
            } else {
                Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {pod_name}"
                )))
            }
        }
        None if all.len() == 1 => Ok(all[0].clone()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {pod_name}, choose one of: [{}]",
            all.join(" ")
        ))),
    }
}

/// The annotation's lines for `container`; None when the pod scripts none.
pub fn scripted(pod: &Value, container: &str, previous: bool) -> Option<Vec<String>> {
    let base = if previous { PREVIOUS_ANNOTATION } else { LOGS_ANNOTATION };
    let ann = &pod["metadata"]["annotations"];
    let text = ann[format!("{base}.{container}")].as_str().or_else(|| {
        // The bare annotation belongs to the first container, the one kubectl picks by default.
        (containers(pod).first().map(String::as_str) == Some(container))
            .then(|| ann[base].as_str())
            .flatten()
    })?;
    Some(text.lines().map(str::to_string).collect())
}

/// When scripted lines were "written": the pod's start, so `--timestamps` looks plausible.
pub fn scripted_time(pod: &Value) -> String {
    pod["status"]["startTime"]
        .as_str()
        .or(pod["metadata"]["creationTimestamp"].as_str())
        .map(str::to_string)
        .unwrap_or_else(crate::store::now_rfc3339)
}

/// One line as the kubelet sends it: optionally prefixed by its timestamp.
pub fn format_line(time: &str, text: &str, timestamps: bool) -> String {
    if timestamps {
        format!("{time} {text}\n")
    } else {
        format!("{text}\n")
    }
}

/// The body of a non-following request: tail first, then the byte limit, as the kubelet does.
pub fn render(lines: &[(String, String)], opts: &LogOptions) -> String {
    let skip = opts.tail_lines.map_or(0, |t| lines.len().saturating_sub(t));
    let mut out: String = lines[skip..]
        .iter()
        .map(|(time, text)| format_line(time, text, opts.timestamps))
        .collect();
    if let Some(limit) = opts.limit_bytes
        && out.len() > limit
    {
        let mut cut = limit;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

fn text_response(body: Body) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(body)
        .expect("valid response")
}

/// Answers GET …/pods/{name}/log for an already-authorized caller.
pub fn serve(
    state: Arc<AppState>,
    pod: &Value,
    container: Option<&str>,
    previous: bool,
    follow: bool,
    opts: LogOptions,
) -> ApiResult<Response> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
    let name = pod["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let container = choose_container(pod, container)?;
    let time = scripted_time(pod);
    let mut lines: Vec<(String, String)> = match scripted(pod, &container, previous) {
        Some(l) => l.into_iter().map(|t| (time.clone(), t)).collect(),
        None if previous => {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            )));
        }
        None => Vec::new(),
    };
    // Subscribe before reading the book so no appended line falls between the two.
    let feed = state.log_feed.subscribe();
    let mut already = 0;
    if !previous {
        let book = lock(&state.logs);
        if let Some(appended) = book.get(&(ns.clone(), name.clone(), container.clone())) {
            lines.extend(appended.iter().map(|l| (l.time.clone(), l.text.clone())));
            already = appended.len();
        }
    }
    let initial = render(&lines, &opts);
    if !follow || previous {
        return Ok(text_response(Body::from(initial)));
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    let budget = opts.limit_bytes.map(|l| l.saturating_sub(initial.len()));
    let _ = tx.try_send(Ok(Bytes::from(initial)));
    if budget == Some(0) {
        // The limit is spent: dropping the sender ends the stream after what was sent.
        return Ok(text_response(Body::from_stream(ReceiverStream::new(rx))));
    }
    let key = (ns, name, container);
    let uid = pod["metadata"]["uid"].clone();
    tokio::spawn(follow_lines(
        state,
        key,
        uid,
        feed,
        already,
        opts.timestamps,
        budget,
        tx,
    ));
    Ok(text_response(Body::from_stream(ReceiverStream::new(rx))))
}

/// Whether the pod with this uid is still stored (not deleted, nor replaced by another
/// of the same name): what ends followed logs and exec and attach sessions.
pub fn pod_present(state: &AppState, namespace: &str, name: &str, uid: &Value) -> bool {
    let pods = crate::discovery::find("", "v1", "pods").expect("registered");
    lock(&state.store).uid_of(pods, namespace, name) == Some(uid)
}

/// Sends appended lines until the client leaves, the pod goes, or the byte limit is spent.
#[allow(clippy::too_many_arguments)]
async fn follow_lines(
    state: Arc<AppState>,
    key: (String, String, String),
    uid: Value,
    mut feed: broadcast::Receiver<Arc<LogLine>>,
    already: usize,
    timestamps: bool,
    mut budget: Option<usize>,
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    let mut check = tokio::time::interval(Duration::from_millis(200));
    loop {
        let line = tokio::select! {
            l = feed.recv() => match l {
                Ok(l) => l,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = check.tick() => {
                if !pod_present(&state, &key.0, &key.1, &uid) {
                    return;
                }
                continue;
            }
            _ = tx.closed() => return,
        };
        if (&line.namespace, &line.pod, &line.container) != (&key.0, &key.1, &key.2) || line.index < already {
            continue;
        }
        let mut text = format_line(&line.time, &line.text, timestamps);
        if let Some(b) = budget.as_mut() {
            let mut cut = text.len().min(*b);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            *b -= text.len();
        }
        if tx.send(Ok(Bytes::from(text))).await.is_err() || budget == Some(0) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(containers: &[&str], annotations: Value) -> Value {
        let cs: Vec<Value> = containers.iter().map(|c| json!({"name": c})).collect();
        json!({"metadata": {"name": "p", "namespace": "n", "annotations": annotations},
               "spec": {"containers": cs}})
    }

    #[test]
    fn container_choice_matches_the_apiserver() {
        let two = pod(&["a", "b"], json!({}));
        assert_eq!(
            choose_container(&two, None).unwrap_err().message,
            "a container name must be specified for pod p, choose one of: [a b]"
        );
        assert_eq!(choose_container(&two, Some("b")).unwrap(), "b");
        assert_eq!(
            choose_container(&two, Some("x")).unwrap_err().message,
            "container x is not valid for pod p"
        );
        assert_eq!(choose_container(&pod(&["a"], json!({})), None).unwrap(), "a");
    }

    #[test]
    fn annotations_script_each_container() {
        let p = pod(
            &["a", "b"],
            json!({LOGS_ANNOTATION: "one\ntwo\n", format!("{LOGS_ANNOTATION}.b"): "bee",
                   format!("{PREVIOUS_ANNOTATION}.a"): "crashed"}),
        );
        assert_eq!(scripted(&p, "a", false).unwrap(), ["one", "two"]);
        assert_eq!(scripted(&p, "b", false).unwrap(), ["bee"]);
        assert_eq!(scripted(&p, "a", true).unwrap(), ["crashed"]);
        assert!(scripted(&p, "b", true).is_none());
    }

    #[test]
    fn render_tails_stamps_and_limits() {
        let lines: Vec<(String, String)> = ["1", "2", "3"]
            .iter()
            .map(|t| ("2026-01-01T00:00:00Z".to_string(), t.to_string()))
            .collect();
        let opts = |tail, timestamps, limit| LogOptions {
            tail_lines: tail,
            timestamps,
            limit_bytes: limit,
        };
        assert_eq!(render(&lines, &opts(None, false, None)), "1\n2\n3\n");
        assert_eq!(render(&lines, &opts(Some(2), false, None)), "2\n3\n");
        assert_eq!(render(&lines, &opts(Some(0), false, None)), "");
        assert_eq!(render(&lines, &opts(Some(1), true, None)), "2026-01-01T00:00:00Z 3\n");
        assert_eq!(render(&lines, &opts(None, false, Some(3))), "1\n2");
    }
}
