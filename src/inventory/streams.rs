//! Live rows: `GET /api/clusters/{c}/watch/{group}/{version}/{resource}` as Server-Sent Events,
//! and the same subscriptions multiplexed over one WebSocket (`/api/stream/ws`). Every stream is
//! fed by the shared cache of its resource (never an apiserver watch of its own), filtered to
//! what its user may list, and bounded: a reader that falls a cache's buffer behind gets a
//! `backpressure` frame and a fresh snapshot instead of an ever-growing queue.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream::{BoxStream, FuturesUnordered};
use futures::{FutureExt, SinkExt, StreamExt};
use prometheus::{IntCounter, IntGaugeVec, Opts};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio_stream::StreamMap;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::query::Query;
use super::rows::CachedRow;
use super::selector::LabelSelector;
use super::sse::HEARTBEAT;
use super::watch_frames::{EventId, RowEvent, WatchFrame};
use crate::AppState;
use crate::auth::resolve::Credentials;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::cache::{Change, Event, ResourceCache, Start};
use crate::kube::discovery::ResourceInfo;
use crate::request::RequestContext;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(watch)).routes(routes!(stream_ws))
}

/// A heartbeat comment: SSE clients ignore it, and it keeps proxies from closing a quiet stream.
/// The largest message a console sends (a subscribe is a few hundred bytes).
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// The longest subscription id.
const MAX_ID: usize = 128;
/// WebSocket close codes: the session ended (policy), the server goes away.
const CLOSE_SESSION_ENDED: u16 = 1008;
const CLOSE_GOING_AWAY: u16 = 1001;

/// The open streams of every user, the cap on them, and the shutdown signal.
pub struct Streams {
    per_user: usize,
    open: Mutex<HashMap<String, usize>>,
    shutdown: watch::Sender<bool>,
    gauge: IntGaugeVec,
    backpressure: IntCounter,
}

impl Streams {
    pub fn new(per_user: usize) -> Streams {
        Streams {
            per_user,
            open: Mutex::default(),
            shutdown: watch::Sender::new(false),
            gauge: IntGaugeVec::new(
                Opts::new("fleetdeck_watch_streams", "Open watch streams by transport."),
                &["transport"],
            )
            .expect("valid metric"),
            backpressure: IntCounter::new(
                "fleetdeck_watch_backpressure_total",
                "Times a slow stream reader was switched to a fresh snapshot.",
            )
            .expect("valid metric"),
        }
    }

    pub fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        vec![Box::new(self.gauge.clone()), Box::new(self.backpressure.clone())]
    }

    /// Ends every stream with `server_shutdown` (the server is stopping).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Turns true when the server stops, for every long response to end by.
    pub fn ending(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// One of `subject`'s streams, or the error frame naming the cap.
    fn claim(self: &Arc<Self>, subject: &str, transport: &'static str) -> Result<Slot, WatchFrame> {
        let mut open = self.open.lock().expect("streams lock");
        let count = open.entry(subject.to_string()).or_default();
        if *count >= self.per_user {
            return Err(WatchFrame::error(
                "stream_cap",
                format!(
                    "watch stream cap reached: at most {} open streams per user (FLEETDECK_WATCH_STREAMS_PER_USER)",
                    self.per_user
                ),
            ));
        }
        *count += 1;
        self.gauge.with_label_values(&[transport]).inc();
        Ok(Slot {
            streams: self.clone(),
            subject: subject.to_string(),
            transport,
        })
    }
}

/// A claimed stream; dropping it gives the place back.
struct Slot {
    streams: Arc<Streams>,
    subject: String,
    transport: &'static str,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().expect("streams lock");
        if let Some(n) = open.get_mut(&self.subject) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.subject);
            }
        }
        self.streams.gauge.with_label_values(&[self.transport]).dec();
    }
}

/// What one stream shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchSpec {
    cluster: String,
    group: String,
    version: String,
    resource: String,
    namespace: Option<String>,
    label_selector: Option<String>,
    last_event_id: Option<String>,
}

/// One stream's frames, from its resource's cache.
struct Feed {
    state: AppState,
    scope: ClusterScope,
    info: ResourceInfo,
    namespace: Option<String>,
    cache: Arc<ResourceCache<CachedRow>>,
    filter: Query,
    changes: broadcast::Receiver<Event<CachedRow>>,
    /// Changes up to here are in what was already sent.
    floor: u64,
    queue: VecDeque<WatchFrame>,
    recheck: tokio::time::Interval,
    ended: bool,
    _slot: Slot,
}

fn invalid_selector(e: String) -> ApiError {
    ApiError::bad_request("invalid_selector", e)
}

impl Feed {
    async fn open(state: &AppState, principal: &Principal, spec: WatchSpec, slot: Slot) -> ApiResult<Feed> {
        principal.require(Role::Viewer)?;
        let labels =
            LabelSelector::parse(spec.label_selector.as_deref().unwrap_or_default()).map_err(invalid_selector)?;
        let scope = ClusterScope::open(state, principal, &spec.cluster).await?;
        let info = scope
            .resource(state, &spec.group, &spec.version, &spec.resource)
            .await?;
        let namespaces = scope.namespaces(state, &info, spec.namespace.as_deref()).await?;
        let cache = scope.cache(&state.caches, &info).await?;
        let after = spec
            .last_event_id
            .as_deref()
            .and_then(EventId::parse)
            .filter(|id| id.epoch == cache.epoch)
            .map(|id| id.seq);
        let (start, changes) = cache.subscribe(after);
        let every = state.settings.watch.session_check;
        let mut feed = Feed {
            state: state.clone(),
            scope,
            info,
            namespace: spec.namespace,
            filter: Query {
                namespaces,
                labels,
                name_contains: None,
                sort: Default::default(),
                order: Default::default(),
                limit: None,
                after: None,
            },
            cache,
            changes,
            floor: after.unwrap_or_default(),
            queue: VecDeque::new(),
            recheck: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
            ended: false,
            _slot: slot,
        };
        match start {
            Start::Snapshot(s) => feed.push_snapshot(s),
            Start::Resume(events) => events.into_iter().for_each(|e| feed.push_change(e)),
        }
        Ok(feed)
    }

    fn id(&self, seq: u64) -> EventId {
        EventId {
            epoch: self.cache.epoch,
            seq,
        }
    }

    fn push_snapshot(&mut self, s: crate::kube::cache::Snapshot<CachedRow>) {
        self.floor = s.seq;
        let rows = s.rows.into_iter().filter(|r| self.filter.keeps(&r.row)).collect();
        self.queue.push_back(WatchFrame::Snapshot {
            id: self.id(s.seq),
            resource_version: s.resource_version,
            rows,
        });
    }

    /// Starts over from the cache's rows now (and its changes after them).
    fn resnapshot(&mut self) {
        let (start, changes) = self.cache.subscribe(None);
        self.changes = changes;
        if let Start::Snapshot(s) = start {
            self.push_snapshot(s);
        }
    }

    fn push_change(&mut self, (seq, change): Event<CachedRow>) {
        if seq <= self.floor {
            return;
        }
        let keeps = |r: &CachedRow| self.filter.keeps(&r.row);
        // A modified row that moved into or out of the filter is added or deleted for this stream.
        let frame = match change {
            Change::Added(r) => keeps(&r).then_some((RowEvent::Added, r)),
            Change::Deleted(r) => keeps(&r).then_some((RowEvent::Deleted, r)),
            Change::Modified(new, old) => match (keeps(&old), keeps(&new)) {
                (true, true) => Some((RowEvent::Modified, new)),
                (true, false) => Some((RowEvent::Deleted, old)),
                (false, true) => Some((RowEvent::Added, new)),
                (false, false) => None,
            },
            Change::Relisted(reason) => {
                self.queue.push_back(WatchFrame::Relist { reason });
                self.resnapshot();
                return;
            }
        };
        self.floor = seq;
        if let Some((event, row)) = frame {
            self.queue.push_back(WatchFrame::Row {
                event,
                id: self.id(seq),
                row,
            });
        }
    }

    /// Asks again which namespaces the user may list: a narrower (or wider) answer starts the
    /// stream over, none at all ends it.
    async fn recheck_access(&mut self) {
        match self
            .scope
            .namespaces(&self.state, &self.info, self.namespace.as_deref())
            .await
        {
            Ok(namespaces) if namespaces == self.filter.namespaces => {}
            Ok(namespaces) => {
                self.filter.namespaces = namespaces;
                self.queue.push_back(WatchFrame::Relist {
                    reason: "access_changed".into(),
                });
                self.resnapshot();
            }
            Err(e) => self.queue.push_back(WatchFrame::error(e.code, e.message)),
        }
    }

    async fn next(&mut self) -> Option<WatchFrame> {
        loop {
            if self.ended {
                return None;
            }
            if let Some(frame) = self.queue.pop_front() {
                self.ended = frame.is_last();
                return Some(frame);
            }
            tokio::select! {
                change = self.changes.recv() => match change {
                    Ok(event) => self.push_change(event),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.state.streams.backpressure.inc();
                        self.queue.push_back(WatchFrame::Backpressure);
                        self.resnapshot();
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        self.queue.push_back(WatchFrame::error("stream_ended", "the cache behind this stream stopped"));
                    }
                },
                _ = self.recheck.tick() => self.recheck_access().await,
            }
        }
    }

    /// The frames as a stream; polling it again resumes the same read, so it can sit in a
    /// `select!` beside timers.
    fn into_stream(self) -> BoxStream<'static, WatchFrame> {
        futures::stream::unfold(self, |mut feed| async move { feed.next().await.map(|f| (f, feed)) }).boxed()
    }
}

/// Ends a connection's streams: the server stops, or the credentials behind them stop working
/// (checked by a task of its own, so a busy stream cannot starve the check).
pub(super) struct Watchdog {
    shutdown: watch::Receiver<bool>,
    expired: watch::Receiver<bool>,
    task: tokio::task::AbortHandle,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Watchdog {
    pub(super) fn start(state: &AppState, credentials: Credentials, subject: String) -> Watchdog {
        let (expired_tx, expired) = watch::channel(false);
        let every = state.settings.watch.session_check;
        let check_state = state.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                if !credentials.still_valid(&check_state, &subject).await {
                    expired_tx.send_replace(true);
                    return;
                }
            }
        });
        Watchdog {
            shutdown: state.streams.ending(),
            expired,
            task: task.abort_handle(),
        }
    }

    /// The frame that ends everything, once there is one.
    pub(super) async fn alarm(&mut self) -> WatchFrame {
        tokio::select! {
            _ = self.shutdown.wait_for(|s| *s) => WatchFrame::ServerShutdown,
            _ = self.expired.wait_for(|e| *e) => WatchFrame::AuthExpired,
        }
    }
}

/// `?namespace=&labelSelector=&lastEventId=`
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct WatchParams {
    /// Rows of this namespace only.
    namespace: Option<String>,
    /// The apiserver's syntax: `app=web,tier!=db`, `env in (prod,qa)`, `!canary`.
    label_selector: Option<String>,
    /// The `id` of the last frame seen, as `Last-Event-ID` (for clients that cannot set headers).
    last_event_id: Option<String>,
}

/// The rows of one resource, live, as Server-Sent Events: `snapshot` first (or, resuming from a
/// recent `Last-Event-ID`, only the changes since), then `added`/`modified`/`deleted`,
/// `relist` and `backpressure` (a snapshot follows each), and one of `server_shutdown`,
/// `auth_expired` or `error` to end it. A heartbeat comment every `FLEETDECK_WATCH_HEARTBEAT`.
#[utoipa::path(get, path = "/api/clusters/{cluster}/watch/{group}/{version}/{resource}", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path, description = "API group; `core` for the core group"),
        ("version" = String, Path), ("resource" = String, Path), WatchParams,
        ("Last-Event-ID" = Option<String>, Header, description = "The `id` of the last frame seen: resume after it")),
    responses((status = 200, description = "`text/event-stream` frames; a user at the stream cap gets one `error` frame (`stream_cap`)",
            content_type = "text/event-stream", body = String),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn watch(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath((cluster, group, version, resource)): ApiPath<(String, String, String, String)>,
    ApiQuery(p): ApiQuery<WatchParams>,
) -> ApiResult<Response> {
    principal.require(Role::Viewer)?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(p.last_event_id);
    let spec = WatchSpec {
        cluster,
        group,
        version,
        resource,
        namespace: p.namespace,
        label_selector: p.label_selector,
        last_event_id,
    };
    let frames = match state.streams.claim(&principal.subject, "sse") {
        Err(cap) => futures::stream::iter([cap]).boxed(),
        Ok(slot) => Feed::open(&state, &principal, spec, slot).await?.into_stream(),
    };
    let watchdog = Watchdog::start(&state, Credentials::of(&headers, &principal), principal.subject.clone());
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        // nginx buffers responses unless told not to, which would hold frames back.
        .header("x-accel-buffering", "no")
        .body(sse_body(frames, watchdog, state.settings.watch.heartbeat))
        .map_err(ApiError::internal)
}

fn sse_body(frames: BoxStream<'static, WatchFrame>, watchdog: Watchdog, beat: std::time::Duration) -> Body {
    let ticks = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    let events = futures::stream::unfold(Some((frames, watchdog, ticks)), |open| async move {
        let (mut frames, mut watchdog, mut ticks) = open?;
        let text = tokio::select! {
            last = watchdog.alarm() => return Some((Ok::<_, std::convert::Infallible>(last.sse()), None)),
            frame = frames.next() => {
                let frame = frame?;
                if frame.is_last() {
                    return Some((Ok(frame.sse()), None));
                }
                frame.sse()
            }
            _ = ticks.tick() => HEARTBEAT.to_string(),
        };
        Some((Ok(text), Some((frames, watchdog, ticks))))
    });
    Body::from_stream(events)
}

/// A message from the console.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum ClientMessage {
    Subscribe {
        id: String,
        #[serde(flatten)]
        spec: WatchSpec,
    },
    Unsubscribe {
        id: String,
    },
}

/// Watch streams multiplexed over one WebSocket, so a console with many live views stays under
/// the browser's six connections per host. The client sends `{"type": "subscribe", "id",
/// "cluster", "group", "version", "resource", "namespace"?, "labelSelector"?, "lastEventId"?}`
/// and `{"type": "unsubscribe", "id"}`; the server sends `{"id", "event", "seq"?, "data"}` with
/// the SSE stream's event names and data. An ended session closes the socket with 1008, a
/// stopping server with 1001. Upgrades from another origin than ours (or a trusted one) are refused.
#[utoipa::path(get, path = "/api/stream/ws", tag = "inventory",
    responses((status = 101, description = "Switching Protocols: the multiplexed stream"),
        (status = 403, description = "`origin_rejected`: the upgrade comes from an origin that is not trusted", body = ErrorBody),
        (status = 426, description = "`upgrade_required`: the request is no WebSocket upgrade", body = ErrorBody)))]
async fn stream_ws(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    context: Option<axum::Extension<RequestContext>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    principal.require(Role::Viewer)?;
    check_origin(&state, &headers, context)?;
    let upgrade = require_upgrade(upgrade)?;
    let watchdog = Watchdog::start(&state, Credentials::of(&headers, &principal), principal.subject.clone());
    Ok(upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| multiplex(state, principal, watchdog, socket))
        .into_response())
}

/// A WebSocket route's origin check: 403 `origin_rejected` from an origin other than ours or a
/// trusted one (a browser sends its page's; the check keeps another site from opening a socket
/// with our cookie).
pub(super) fn check_origin(
    state: &AppState,
    headers: &HeaderMap,
    context: Option<axum::Extension<RequestContext>>,
) -> ApiResult<()> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = context.unwrap_or_default().own_origin(headers);
        let origin = origin.to_str().unwrap_or_default();
        crate::auth::csrf::origin_allowed(origin, &own, &state.settings.trusted_origins)
            .map_err(|why| ApiError::forbidden("origin_rejected", why))?;
    }
    Ok(())
}

/// A WebSocket route's upgrade: 426 `upgrade_required` without one.
pub(super) fn require_upgrade(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<WebSocketUpgrade> {
    upgrade.map_err(|_| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            "this route speaks WebSocket: send an upgrade request (GET with Upgrade: websocket)",
        )
    })
}

type Opening = futures::future::BoxFuture<'static, (String, u64, ApiResult<BoxStream<'static, WatchFrame>>)>;

/// One socket's subscriptions.
struct Mux {
    state: AppState,
    principal: Principal,
    feeds: StreamMap<String, BoxStream<'static, WatchFrame>>,
    opening: FuturesUnordered<Opening>,
    /// Each wanted subscription's generation: an answer for an older one is dropped.
    wanted: HashMap<String, u64>,
    generation: u64,
}

impl Mux {
    /// Answers a client message: a frame to send back, if any.
    fn handle(&mut self, text: &str) -> Option<(Option<String>, WatchFrame)> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(m) => m,
            Err(e) => return Some((None, WatchFrame::error("invalid_message", e.to_string()))),
        };
        let id = match &message {
            ClientMessage::Subscribe { id, .. } | ClientMessage::Unsubscribe { id } => id.clone(),
        };
        if id.is_empty() || id.len() > MAX_ID {
            let why = format!("a subscription id has 1 to {MAX_ID} characters");
            return Some((None, WatchFrame::error("invalid_message", why)));
        }
        self.feeds.remove(&id);
        self.wanted.remove(&id);
        let ClientMessage::Subscribe { spec, .. } = message else {
            return None;
        };
        let slot = match self.state.streams.claim(&self.principal.subject, "ws") {
            Ok(slot) => slot,
            Err(cap) => return Some((Some(id), cap)),
        };
        self.generation += 1;
        self.wanted.insert(id.clone(), self.generation);
        let (state, principal, generation) = (self.state.clone(), self.principal.clone(), self.generation);
        self.opening.push(
            async move {
                let feed = Feed::open(&state, &principal, spec, slot).await;
                (id, generation, feed.map(Feed::into_stream))
            }
            .boxed(),
        );
        None
    }
}

async fn multiplex(state: AppState, principal: Principal, mut watchdog: Watchdog, socket: WebSocket) {
    let (mut out, mut incoming) = socket.split();
    let beat = state.settings.watch.heartbeat;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    let mut mux = Mux {
        state,
        principal,
        feeds: StreamMap::new(),
        opening: FuturesUnordered::new(),
        wanted: HashMap::new(),
        generation: 0,
    };
    let send = |id: Option<&str>, frame: &WatchFrame| Message::Text(frame.ws(id).into());
    let close = loop {
        let message = tokio::select! {
            last = watchdog.alarm() => {
                let ids: HashSet<String> = mux.wanted.keys().cloned().collect();
                for id in &ids {
                    if out.send(send(Some(id), &last)).await.is_err() {
                        return;
                    }
                }
                let (code, reason) = match last {
                    WatchFrame::AuthExpired => (CLOSE_SESSION_ENDED, "session ended"),
                    _ => (CLOSE_GOING_AWAY, "server shutting down"),
                };
                break Some(CloseFrame { code, reason: reason.into() });
            }
            received = incoming.next() => match received {
                Some(Ok(Message::Text(text))) => mux.handle(text.as_str()).map(|(id, f)| send(id.as_deref(), &f)),
                Some(Ok(Message::Binary(_))) => Some(send(None, &WatchFrame::error("invalid_message", "messages are JSON text"))),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
            },
            Some((id, generation, opened)) = mux.opening.next() => {
                if mux.wanted.get(&id) != Some(&generation) {
                    continue;
                }
                match opened {
                    Ok(frames) => {
                        mux.feeds.insert(id, frames);
                        None
                    }
                    Err(e) => {
                        mux.wanted.remove(&id);
                        Some(send(Some(&id), &WatchFrame::error(e.code, e.message)))
                    }
                }
            }
            Some((id, frame)) = mux.feeds.next() => {
                if frame.is_last() {
                    mux.feeds.remove(&id);
                    mux.wanted.remove(&id);
                }
                Some(send(Some(&id), &frame))
            }
            _ = ping.tick() => Some(Message::Ping(Vec::new().into())),
        };
        if let Some(message) = message
            && out.send(message).await.is_err()
        {
            return;
        }
    };
    if let Some(frame) = close {
        let _ = out.send(Message::Close(Some(frame))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_streams_per_user_and_frees_them_on_drop() {
        let streams = Arc::new(Streams::new(2));
        let a = streams.claim("ann", "sse").unwrap();
        let _b = streams.claim("ann", "ws").unwrap();
        let refused = streams.claim("ann", "sse").err().unwrap();
        assert_eq!(refused.name(), "error");
        assert!(refused.data().contains("stream_cap") && refused.data().contains("at most 2"));
        let _other = streams.claim("bob", "sse").unwrap();
        drop(a);
        assert!(streams.claim("ann", "sse").is_ok());
        assert_eq!(streams.gauge.with_label_values(&["sse"]).get(), 1);
    }

    #[test]
    fn client_messages_need_a_type_an_id_and_a_whole_resource() {
        let m: ClientMessage = serde_json::from_str(
            r#"{"type":"subscribe","id":"w1","cluster":"c","group":"core","version":"v1","resource":"pods","labelSelector":"app=web"}"#,
        )
        .unwrap();
        assert!(
            matches!(m, ClientMessage::Subscribe { spec: WatchSpec { label_selector: Some(ref l), .. }, .. } if l == "app=web")
        );
        for bad in [
            r#"{"type":"subscribe","id":"w1"}"#,
            r#"{"type":"watch","id":"w1"}"#,
            r#"{"type":"subscribe","id":"w1","cluster":"c","group":"core","version":"v1"}"#,
            r#"{"type":"unsubscribe"}"#,
            "[]",
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }
}
