//! Container logs. `GET /api/clusters/{cluster}/pods/{namespace}/{name}/logs` (the same under
//! `…/resources/core/v1/pods/{namespace}/{name}/logs`) reads one container; a workload's
//! `…/resources/{apps/v1 deployments|statefulsets|daemonsets|replicasets, batch/v1 jobs}/
//! {namespace}/{name}/logs` reads every pod its selector picks from the shared pods cache, and
//! with `follow=true` joins new pods as they appear. Logs are read as the caller (their RBAC on
//! `pods/log` applies on `impersonate` clusters) and sent as Server-Sent Events (`log_frames`),
//! or as a text file with `download=true`. Not audited: a read, like every other inventory read.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::{AsyncBufRead, AsyncBufReadExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio::task::{AbortHandle, JoinSet};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::log_fanout::{Action, Fanout, MAX_PODS, PodView};
use super::log_frames::{Frame, Lines, LogError, LogLine, Position, split_stamp};
use super::rows::{CachedRow, Row};
use super::selector::{LabelSelector, spec_selector};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::access::Attributes;
use crate::kube::cache::{Change, ResourceCache};
use crate::kube::discovery::ResourceInfo;
use crate::kube::errors::api_error;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pod_logs))
        .routes(routes!(object_logs))
}

/// The kinds whose logs are their pods' (each picks its pods with `spec.selector`).
const WORKLOADS: &[(&str, &str)] = &[
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
];
/// Frames buffered per stream; past them the reads wait for the client.
const FRAMES_BUFFERED: usize = 256;
/// A follow stream sends a comment this often, so proxies keep a quiet stream open.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

/// `?container=&follow=&tailLines=&sinceSeconds=&previous=&timestamps=&download=`
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// The container. A pod with several needs it (the apiserver's 400 otherwise); a workload's
    /// pods are read in every container unless it is given.
    pub container: Option<String>,
    /// `true` keeps the stream open for new lines (and a workload's new pods); otherwise the
    /// stream ends with what is there.
    pub follow: Option<bool>,
    /// Only the last lines of each container.
    #[param(minimum = 0)]
    pub tail_lines: Option<i64>,
    /// Only the lines of the last seconds.
    #[param(minimum = 1)]
    pub since_seconds: Option<i64>,
    /// The output of the container's previous (terminated) run.
    pub previous: Option<bool>,
    /// Each line with the time it was written.
    pub timestamps: Option<bool>,
    /// One pod's logs as a text file (`Content-Disposition: attachment`); cannot follow.
    pub download: Option<bool>,
}

/// A checked `LogQuery`.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    container: Option<String>,
    follow: bool,
    tail_lines: Option<i64>,
    since_seconds: Option<i64>,
    previous: bool,
    timestamps: bool,
    download: bool,
}

impl Options {
    fn from_query(q: LogQuery) -> ApiResult<Options> {
        let invalid = |m: &str| Err(ApiError::bad_request("invalid_query", m));
        if q.tail_lines.is_some_and(|t| t < 0) {
            return invalid("tailLines must be 0 or more");
        }
        if q.since_seconds.is_some_and(|s| s < 1) {
            return invalid("sinceSeconds must be 1 or more");
        }
        let (follow, download) = (q.follow == Some(true), q.download == Some(true));
        if follow && download {
            return invalid("a download is what the log holds now: it cannot follow");
        }
        Ok(Options {
            container: q.container,
            follow,
            tail_lines: q.tail_lines,
            since_seconds: q.since_seconds,
            previous: q.previous == Some(true),
            timestamps: q.timestamps == Some(true),
            download,
        })
    }

    /// The apiserver's parameters for one container: the request's window unless the container
    /// is read `from_start`, and always with timestamps, which resuming needs (frames leave them
    /// out unless they were asked for).
    fn params(&self, container: Option<String>, from_start: bool) -> LogParams {
        LogParams {
            container,
            follow: self.follow,
            previous: self.previous,
            timestamps: true,
            tail_lines: self.tail_lines.filter(|_| !from_start),
            since_seconds: self.since_seconds.filter(|_| !from_start),
            ..LogParams::default()
        }
    }
}

async fn open(
    state: &AppState,
    principal: &Principal,
    cluster: &str,
    q: LogQuery,
) -> ApiResult<(ClusterScope, Options)> {
    principal.require(Role::Viewer)?;
    let options = Options::from_query(q)?;
    Ok((ClusterScope::open(state, principal, cluster).await?, options))
}

/// A pod's logs, as events or a text file.
///
/// Server-Sent Events `log`, `error` and `end` (docs/api.md, "Logs"), or with `download=true`
/// a text file. The apiserver's refusals (a container to choose, no such pod, no right to read
/// `pods/log`) come back as errors before the stream starts.
#[utoipa::path(get, path = "/api/clusters/{cluster}/pods/{namespace}/{name}/logs", tag = "inventory",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path), LogQuery),
    responses((status = 200, description = "`text/event-stream` frames, or with `download=true` the log as a text file",
            content((String = "text/event-stream"), (String = "text/plain"))),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 504, body = ErrorBody)))]
async fn pod_logs(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    let (scope, options) = open(&state, &principal, &cluster, q).await?;
    pod(&state, &scope, &namespace, &name, options).await
}

/// The logs of a pod or of a workload's pods.
///
/// A pod (core/v1 pods) as `GET /api/clusters/{cluster}/pods/{namespace}/{name}/logs`; a
/// workload (apps/v1 deployments, statefulsets, daemonsets and replicasets, batch/v1 jobs) reads
/// the pods its selector picks, every container unless `container` is given, each line tagged
/// with its pod and container; with `follow=true` new pods join as they appear and a deleted
/// pod's part ends. At most 50 pods are read at once (a `notice` frame says so).
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/logs", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path), LogQuery),
    responses((status = 200, description = "`text/event-stream` frames, or for a pod with `download=true` the log as a text file",
            content((String = "text/event-stream"), (String = "text/plain"))),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 504, body = ErrorBody)))]
async fn object_logs(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, group, version, resource, namespace, name)): ApiPath<(
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    let (scope, options) = open(&state, &principal, &cluster, q).await?;
    let info = scope.resource(&state, &group, &version, &resource).await?;
    match (info.group.as_str(), info.resource.as_str()) {
        ("", "pods") => pod(&state, &scope, &namespace, &name, options).await,
        kind if WORKLOADS.contains(&kind) => workload(&state, &scope, &info, &namespace, &name, options).await,
        _ => Err(ApiError::not_found(format!("{} have no logs", info.path()))),
    }
}

/// The container a request without one means: the pod's only one. With several there is
/// none, and the apiserver's 400 asks to choose.
fn only_container(pod: &Pod) -> Option<String> {
    match pod.spec.as_ref().map(|s| s.containers.as_slice()) {
        Some([one]) => Some(one.name.clone()),
        _ => None,
    }
}

async fn pod(
    state: &AppState,
    scope: &ClusterScope,
    namespace: &str,
    name: &str,
    options: Options,
) -> ApiResult<Response> {
    if ![namespace, name].into_iter().all(crate::names::is_object_name) {
        return Err(ApiError::not_found(format!("no pod {name} in namespace {namespace}")));
    }
    let api: Api<Pod> = Api::namespaced(scope.reader_client(), namespace);
    let failed = |e: kube::Error| api_error(&scope.name, &e);
    // Frames name their container, so one left out is looked up, as the caller (as kubectl does).
    let container = match &options.container {
        Some(c) => Some(c.clone()),
        None => only_container(&api.get(name).await.map_err(failed)?),
    };
    let part = Part {
        api,
        cluster: scope.name.clone(),
        pod: name.to_string(),
        container: container.clone().unwrap_or_default(),
        params: options.params(container, false),
        timestamps: options.timestamps,
        opened_at: Utc::now(),
    };
    // Opened before answering, so the apiserver's refusals come back as errors, not frames.
    let reader = part.open(&part.params).await.map_err(failed)?;
    let filename = format!("{}-{}.log", part.pod, part.container);
    let (out, frames) = mpsc::channel(FRAMES_BUFFERED);
    tokio::spawn(async move {
        tokio::select! {
            () = part.run(Some(reader), &out) => {
                let _ = out.send(Frame::End).await;
            }
            () = out.closed() => {}
        }
    });
    respond(state, frames, &options, &filename)
}

async fn workload(
    state: &AppState,
    scope: &ClusterScope,
    info: &ResourceInfo,
    namespace: &str,
    name: &str,
    options: Options,
) -> ApiResult<Response> {
    if options.download {
        return Err(ApiError::bad_request(
            "invalid_query",
            "download is for one pod's logs; a workload's are read as events",
        ));
    }
    scope.namespaces(state, info, Some(namespace)).await?;
    let object = scope
        .cache(&state.caches, info)
        .await?
        .object(Some(namespace), name)
        .ok_or_else(|| ApiError::not_found(format!("no {} named {name} in namespace {namespace}", info.path())))?;
    let pods = ResourceInfo::builtin("", "v1", "pods", "Pod", true);
    scope.namespaces(state, &pods, Some(namespace)).await?;
    let read_logs = Attributes {
        verb: "get".into(),
        subresource: "log".into(),
        ..Attributes::list("", "pods", namespace)
    };
    if !scope.allows(state, &read_logs).await {
        return Err(ApiError::forbidden(
            "kube_forbidden",
            format!(
                "you may not read pods/log in namespace {namespace} of cluster {}",
                scope.name
            ),
        ));
    }
    let (out, frames) = mpsc::channel(FRAMES_BUFFERED);
    let fan = Workload {
        api: Api::namespaced(scope.reader_client(), namespace),
        cluster: scope.name.clone(),
        namespace: namespace.to_string(),
        selector: spec_selector(&object.data),
        pods: scope.cache(&state.caches, &pods).await?,
        fanout: Fanout::new(options.container.clone(), MAX_PODS),
        options: options.clone(),
        parts: JoinSet::new(),
        running: HashMap::new(),
        out,
    };
    tokio::spawn(fan.run());
    respond(state, frames, &options, "")
}

/// The answer: events (with heartbeats when following, ended when the server stops), or a text
/// file named `filename`.
fn respond(state: &AppState, frames: mpsc::Receiver<Frame>, options: &Options, filename: &str) -> ApiResult<Response> {
    let response = match options.download {
        true => Response::builder()
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))
            .body(text_body(frames)),
        false => {
            let beat = options.follow.then_some(HEARTBEAT_EVERY);
            return super::sse::response(super::sse::body(frames, beat, state.streams.ending()));
        }
    };
    response.map_err(ApiError::internal)
}

/// Log frames as the lines of a file. A failed read ends the body with an error, so the client
/// sees a broken download rather than a short file that looks whole.
fn text_body(frames: mpsc::Receiver<Frame>) -> Body {
    let lines = futures::stream::unfold(frames, |mut frames| async move {
        loop {
            match frames.recv().await? {
                Frame::Error(e) => return Some((Err(std::io::Error::other(e.message)), frames)),
                frame => {
                    if let Some(text) = frame.text() {
                        return Some((Ok(text), frames));
                    }
                }
            }
        }
    });
    Body::from_stream(lines)
}

type Reader = Pin<Box<dyn AsyncBufRead + Send>>;

/// One container's log read.
struct Part {
    api: Api<Pod>,
    cluster: String,
    pod: String,
    container: String,
    params: LogParams,
    /// Whether frames carry the lines' times (they are always asked for, to resume by).
    timestamps: bool,
    /// When the first read was opened: where a quiet follow read resumes from.
    opened_at: DateTime<Utc>,
}

/// Whether a read failed because the connection was quiet for the client's read timeout.
fn timed_out(e: &std::io::Error) -> bool {
    let mut cause = e.get_ref().map(|c| c as &(dyn std::error::Error + 'static));
    let mut timed_out = e.kind() == std::io::ErrorKind::TimedOut;
    while let Some(c) = cause {
        timed_out |= c
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        cause = c.source();
    }
    timed_out
}

impl Part {
    async fn open(&self, params: &LogParams) -> kube::Result<Reader> {
        Ok(Box::pin(self.api.log_stream(&self.pod, params).await?))
    }

    async fn fail(&self, out: &mpsc::Sender<Frame>, message: String) {
        let error = LogError {
            pod: self.pod.clone(),
            container: self.container.clone(),
            message,
        };
        let _ = out.send(Frame::Error(error)).await;
    }

    /// Sends the container's lines until its log ends (or the client leaves); a failure is sent
    /// as an `error` frame. A follow read cut by the client's read timeout (Fleetdeck's clients
    /// give up on a connection quiet for 15 s, and a quiet container's is) is opened again
    /// from the last line sent; a pod gone by then ends the read.
    async fn run(&self, first: Option<Reader>, out: &mpsc::Sender<Frame>) {
        let opened = match first {
            Some(reader) => Ok(reader),
            None => self.open(&self.params).await,
        };
        let mut reader = match opened {
            Ok(reader) => reader,
            Err(e) => return self.fail(out, api_error(&self.cluster, &e).message).await,
        };
        let mut position = Position::default();
        loop {
            let broken = match self.pump(&mut reader, &mut position, out).await {
                Ok(()) => return,
                Err(e) => e,
            };
            if !(self.params.follow && timed_out(&broken)) {
                return self.fail(out, format!("the log stream broke: {broken}")).await;
            }
            let params = LogParams {
                since_time: k8s_openapi::jiff::Timestamp::from_second(position.resume(self.opened_at)).ok(),
                since_seconds: None,
                tail_lines: None,
                ..self.params.clone()
            };
            reader = match self.open(&params).await {
                Ok(reader) => reader,
                Err(kube::Error::Api(s)) if s.code == 404 => return,
                Err(e) => return self.fail(out, api_error(&self.cluster, &e).message).await,
            };
        }
    }

    /// Sends the reader's lines as frames until it ends or the client leaves.
    async fn pump(
        &self,
        reader: &mut Reader,
        position: &mut Position,
        out: &mpsc::Sender<Frame>,
    ) -> std::io::Result<()> {
        let mut lines = Lines::default();
        loop {
            let chunk = reader.fill_buf().await?;
            let read = chunk.len();
            let complete = match read {
                0 => lines.finish().into_iter().collect(),
                _ => lines.push(chunk),
            };
            reader.consume_unpin(read);
            for raw in complete {
                let (stamp, line) = split_stamp(&raw);
                if !position.keeps(stamp.map(|(_, at)| at)) {
                    continue;
                }
                let frame = Frame::Log(LogLine {
                    pod: self.pod.clone(),
                    container: self.container.clone(),
                    line: line.to_string(),
                    timestamp: stamp.filter(|_| self.timestamps).map(|(t, _)| t.to_string()),
                });
                if out.send(frame).await.is_err() {
                    return Ok(());
                }
            }
            if read == 0 {
                return Ok(());
            }
        }
    }
}

/// The reads of one workload's pods, started and stopped as its pods come and go.
struct Workload {
    api: Api<Pod>,
    cluster: String,
    namespace: String,
    /// None: the workload selects no pods.
    selector: Option<LabelSelector>,
    pods: Arc<ResourceCache<CachedRow>>,
    fanout: Fanout,
    options: Options,
    parts: JoinSet<()>,
    /// The reads of each pod, to stop when it goes.
    running: HashMap<String, Vec<AbortHandle>>,
    out: mpsc::Sender<Frame>,
}

impl Workload {
    fn owns(&self, row: &Row) -> bool {
        row.namespace.as_deref() == Some(self.namespace.as_str())
            && self.selector.as_ref().is_some_and(|s| s.matches(&row.labels))
    }

    fn view(&self, name: &str) -> Option<PodView> {
        self.pods.object(Some(&self.namespace), name).map(|p| PodView::of(&p))
    }

    /// The workload's pods now.
    fn views(&self) -> Vec<PodView> {
        let rows = self.pods.snapshot().rows;
        rows.iter()
            .filter(|r| self.owns(&r.row))
            .filter_map(|r| self.view(&r.row.name))
            .collect()
    }

    /// A pod was added, changed (`present`) or deleted.
    fn changed(&mut self, row: &Row, present: bool) -> Vec<Action> {
        if row.namespace.as_deref() != Some(self.namespace.as_str()) {
            return Vec::new();
        }
        match (present && self.owns(row)).then(|| self.view(&row.name)).flatten() {
            Some(pod) => self.fanout.update(pod),
            None => self.fanout.remove(&row.name),
        }
    }

    async fn run(mut self) {
        // Subscribed before the pods are read, so no change falls between; one seen twice
        // changes nothing.
        let changes = self.options.follow.then(|| self.pods.subscribe(None).1);
        let actions = self.fanout.begin(self.views());
        if !self.act(actions).await {
            return;
        }
        match changes {
            Some(changes) => self.follow(changes).await,
            None => {
                loop {
                    tokio::select! {
                        joined = self.parts.join_next() => if joined.is_none() { break },
                        () = self.out.closed() => return,
                    }
                }
                let _ = self.out.send(Frame::End).await;
            }
        }
    }

    async fn follow(mut self, mut changes: broadcast::Receiver<crate::kube::cache::Event<CachedRow>>) {
        loop {
            let actions = tokio::select! {
                change = changes.recv() => match change {
                    Ok((_, Change::Added(r) | Change::Modified(r, _))) => self.changed(&r.row, true),
                    Ok((_, Change::Deleted(r))) => self.changed(&r.row, false),
                    Ok((_, Change::Relisted(_))) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        let pods = self.views();
                        self.fanout.resync(pods)
                    }
                    // Not while the cache is held here; ends the stream should that change.
                    Err(broadcast::error::RecvError::Closed) => {
                        let _ = self.out.send(Frame::End).await;
                        return;
                    }
                },
                Some(_) = self.parts.join_next() => Vec::new(),
                () = self.out.closed() => return,
            };
            if !self.act(actions).await {
                return;
            }
        }
    }

    /// Carries out the fan-out's actions; false when the client left.
    async fn act(&mut self, actions: Vec<Action>) -> bool {
        for action in actions {
            match action {
                Action::Start {
                    pod,
                    container,
                    from_start,
                } => {
                    let part = Part {
                        api: self.api.clone(),
                        cluster: self.cluster.clone(),
                        pod: pod.clone(),
                        params: self.options.params(Some(container.clone()), from_start),
                        container,
                        timestamps: self.options.timestamps,
                        opened_at: Utc::now(),
                    };
                    let out = self.out.clone();
                    let read = self.parts.spawn(async move { part.run(None, &out).await });
                    self.running.entry(pod).or_default().push(read);
                }
                Action::Stop { pod } => {
                    for read in self.running.remove(&pod).into_iter().flatten() {
                        read.abort();
                    }
                }
                Action::Notice(message) => {
                    if self.out.send(Frame::Notice(message)).await.is_err() {
                        return false;
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(f: impl FnOnce(&mut LogQuery)) -> ApiResult<Options> {
        let mut q = LogQuery::default();
        f(&mut q);
        Options::from_query(q)
    }

    #[test]
    fn queries_are_checked() {
        let o = query(|_| {}).unwrap();
        assert!(!o.follow && !o.download && !o.previous && !o.timestamps);
        assert!(query(|q| q.follow = Some(true)).unwrap().follow);
        assert!(!query(|q| q.follow = Some(false)).unwrap().follow);
        for bad in [
            query(|q| q.tail_lines = Some(-1)),
            query(|q| q.since_seconds = Some(0)),
            query(|q| {
                q.follow = Some(true);
                q.download = Some(true);
            }),
        ] {
            let e = bad.unwrap_err();
            assert_eq!((e.status.as_u16(), e.code), (400, "invalid_query"), "{}", e.message);
        }
        assert_eq!(query(|q| q.tail_lines = Some(0)).unwrap().tail_lines, Some(0));
    }

    #[test]
    fn the_window_applies_unless_read_from_the_start() {
        let o = query(|q| {
            q.tail_lines = Some(10);
            q.since_seconds = Some(60);
            q.follow = Some(true);
        })
        .unwrap();
        let p = o.params(Some("app".into()), false);
        assert_eq!(
            (p.tail_lines, p.since_seconds, p.follow, p.timestamps),
            (Some(10), Some(60), true, true)
        );
        assert_eq!(p.container.as_deref(), Some("app"));
        let p = o.params(None, true);
        assert_eq!((p.tail_lines, p.since_seconds), (None, None));
    }

    #[test]
    fn quiet_reads_are_told_from_broken_ones() {
        let quiet = std::io::Error::other(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert!(timed_out(&quiet));
        assert!(timed_out(&std::io::Error::from(std::io::ErrorKind::TimedOut)));
        assert!(!timed_out(&std::io::Error::other("connection reset")));
    }
}
