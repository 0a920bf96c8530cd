//! Pod exec: `GET /api/clusters/{c}/pods/{ns}/{name}/exec` upgrades to a WebSocket bridged to
//! the apiserver's exec stream, opened as the caller on `impersonate` clusters. The gates (write
//! gate, operator role, origin, the cluster's exec switch, the session caps, Kubernetes RBAC)
//! answer before the upgrade with ordinary JSON errors; after it, everything is a frame
//! (`exec_frames`). The upgrade is audited as `exec_open` by the middleware; the session's end is
//! written here as `exec_close`, with its duration and byte counts, never what was typed.

use std::time::Duration;

use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::exec_frames::{ClientFrame, ExecRequest, ServerFrame, Utf8Carry, final_frame, pick_container};
use super::exec_sessions::{Cap, Ended, ExecSessionInfo, ExecSlot, Summary, warning_lead};
use super::streams::{Watchdog, check_origin, require_upgrade};
use super::watch_frames::WatchFrame;
use crate::AppState;
use crate::audit::model::{AuditEvent, Outcome};
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::resolve::Credentials;
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::kube::errors::api_error;
use crate::request::RequestContext;

const ROUTE: &str = "/api/clusters/{cluster}/pods/{namespace}/{name}/exec";

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(Method::GET, ROUTE, "exec_open", "pod")];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(exec)),
        audited: AUDITED,
    }
}

/// The largest frame a console sends (a paste).
const MAX_CLIENT_FRAME: usize = 64 * 1024;
/// What kube buffers between the apiserver's stream and this bridge, each way: more than one
/// client frame, so a paste never waits on output the bridge has not read yet.
const PIPE: usize = 2 * MAX_CLIENT_FRAME;
/// One read of output.
const READ_CHUNK: usize = 16 * 1024;
/// How long a 429's client should wait before trying again.
const RETRY_AFTER_SECS: u64 = 30;
/// WebSocket close codes: done (exit, idle), the session ended (policy), the server goes away.
const CLOSE_NORMAL: u16 = 1000;
const CLOSE_SESSION_ENDED: u16 = 1008;
const CLOSE_GOING_AWAY: u16 = 1001;

/// Runs a command in a pod's container over a WebSocket (operator; write gate). The query
/// names the `container` (default: the pod's `kubectl.kubernetes.io/default-container`, else its
/// first), the `command` (repeated, one argument each; default `/bin/sh`) and `tty`. Frames are
/// JSON text, described in docs/api.md ("Exec"). Beyond a cap the answer is 429 with the
/// caller's open sessions under `details.sessions`.
#[utoipa::path(get, path = "/api/clusters/{cluster}/pods/{namespace}/{name}/exec", tag = "operations",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path),
        ("container" = Option<String>, Query, description = "The container (default: the pod's default container, else its first)"),
        ("command" = Option<Vec<String>>, Query, explode, description = "The command, one argument per `command` (default `/bin/sh`)"),
        ("tty" = Option<bool>, Query, description = "Allocate a terminal (stderr then arrives on stdout)")),
    responses((status = 101, description = "Switching Protocols: the exec session's frames"),
        (status = 400, description = "`invalid_query`, `unknown_container`, or the apiserver's 400", body = ErrorBody),
        (status = 403, description = "`write_actions_disabled`, `exec_disabled`, `origin_rejected`, or `kube_forbidden` (RBAC as you)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 426, description = "`upgrade_required`: the request is no WebSocket upgrade", body = ErrorBody),
        (status = 429, description = "`exec_session_cap` or `exec_cluster_cap`, with your open sessions in `details.sessions`",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds"))),
        (status = 500, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
#[allow(clippy::too_many_arguments)]
async fn exec(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    headers: HeaderMap,
    context: Option<Extension<RequestContext>>,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<(AuditNote, Response)> {
    let target = Target {
        cluster,
        namespace,
        pod: name,
    };
    let note = AuditNote {
        cluster: Some(target.cluster.clone()),
        namespace: Some(target.namespace.clone()),
        name: Some(target.pod.clone()),
        ..AuditNote::default()
    };
    let ctx = context.as_ref().map(|c| c.0.clone()).unwrap_or_default();
    let opened = async {
        principal.require(Role::Operator)?;
        check_origin(&state, &headers, context)?;
        let request = ExecRequest::parse(query.as_deref().unwrap_or_default())
            .map_err(|m| ApiError::bad_request("invalid_query", m))?;
        let admitted = Admitted::check(&state, &principal, &target, request).await?;
        // Last of the gates, so a plain GET learns what the upgrade would be answered (a
        // browser cannot read a refused upgrade's body); nothing has run at the apiserver yet.
        let upgrade = require_upgrade(upgrade)?;
        let session = admitted.exec(&state, &principal, ctx, target).await?;
        Ok::<_, ApiError>((upgrade, session))
    };
    let (upgrade, session) = opened.await.map_err(|e| e.with_audit(note.clone()))?;
    let reason = session.describe();
    let watchdog = Watchdog::start(&state, Credentials::of(&headers, &principal), principal.subject.clone());
    let response = upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| session.run(socket, watchdog))
        .into_response();
    Ok((note.reason(reason), response))
}

struct Target {
    cluster: String,
    namespace: String,
    pod: String,
}

/// An exec process at the apiserver and what its `exec_close` row needs.
struct Session {
    state: AppState,
    principal: Principal,
    ctx: RequestContext,
    target: Target,
    container: String,
    request: ExecRequest,
    process: AttachedProcess,
    _slot: ExecSlot,
}

/// How a session's loop ended: why, the last frame to send, and the exit code.
struct End {
    ended: Ended,
    frame: Option<ServerFrame>,
    exit_code: Option<i32>,
}

impl End {
    fn by(ended: Ended, frame: Option<ServerFrame>) -> End {
        End {
            ended,
            frame,
            exit_code: None,
        }
    }

    /// From the process's final status.
    fn exited(status: Option<&Status>) -> End {
        let frame = final_frame(status);
        let (ended, exit_code) = match (&frame, status) {
            (ServerFrame::Exit { code }, _) => (Ended::Exit, Some(*code)),
            (_, None) => (Ended::StreamLost, None),
            (_, Some(_)) => (Ended::ExecFailed, None),
        };
        End {
            ended,
            frame: Some(frame),
            exit_code,
        }
    }
}

/// A session that passed every gate but the apiserver's own: its place under the caps is held.
struct Admitted {
    scope: ClusterScope,
    container: String,
    request: ExecRequest,
    slot: ExecSlot,
}

impl Admitted {
    /// The gates that need the cluster: its exec switch, the pod and container (read as the
    /// caller), the caps.
    async fn check(
        state: &AppState,
        principal: &Principal,
        target: &Target,
        request: ExecRequest,
    ) -> ApiResult<Admitted> {
        if state.settings.exec.disabled_clusters.contains(&target.cluster) {
            return Err(ApiError::forbidden(
                "exec_disabled",
                format!(
                    "pod exec is switched off for cluster {} (FLEETDECK_EXEC_DISABLED_CLUSTERS)",
                    target.cluster
                ),
            ));
        }
        let scope = ClusterScope::open(state, principal, &target.cluster).await?;
        let pods: Api<Pod> = Api::namespaced(scope.reader_client(), &target.namespace);
        let pod = pods
            .get(&target.pod)
            .await
            .map_err(|e| api_error(&target.cluster, &e))?;
        let container = pick_container(
            &pod.metadata,
            &pod.spec.unwrap_or_default(),
            request.container.as_deref(),
        )
        .map_err(|m| ApiError::bad_request("unknown_container", m))?;
        let info = ExecSessionInfo {
            cluster: target.cluster.clone(),
            namespace: target.namespace.clone(),
            pod: target.pod.clone(),
            container: container.clone(),
            since: crate::store::now(),
        };
        let slot = state
            .exec_sessions
            .claim(&principal.subject, info)
            .map_err(|(cap, mine)| cap_reached(state, cap, mine))?;
        Ok(Admitted {
            scope,
            container,
            request,
            slot,
        })
    }

    /// Starts the process at the apiserver, as the caller.
    async fn exec(
        self,
        state: &AppState,
        principal: &Principal,
        ctx: RequestContext,
        target: Target,
    ) -> ApiResult<Session> {
        let Admitted {
            scope,
            container,
            request,
            slot,
        } = self;
        let params = AttachParams {
            container: Some(container.clone()),
            stdin: true,
            stdout: true,
            // With a terminal the process's stderr is the terminal, as with kubectl.
            stderr: !request.tty,
            tty: request.tty,
            max_stdin_buf_size: Some(PIPE),
            max_stdout_buf_size: Some(PIPE),
            max_stderr_buf_size: Some(PIPE),
        };
        // The session's own client: the pool's usual read timeout would end an idle terminal.
        let sessions: Api<Pod> = Api::namespaced(scope.session_client(state).await?, &target.namespace);
        let process = sessions
            .exec(&target.pod, request.command.clone(), &params)
            .await
            .map_err(|e| api_error(&target.cluster, &e))?;
        Ok(Session {
            state: state.clone(),
            principal: principal.clone(),
            ctx,
            target,
            container,
            request,
            process,
            _slot: slot,
        })
    }
}

impl Session {
    /// The `exec_open` row's reason.
    fn describe(&self) -> String {
        format!(
            "container={} tty={} command={}",
            self.container,
            self.request.tty,
            self.request.command.join(" ")
        )
    }

    /// Bridges the socket and the process until one of them ends, then writes `exec_close`.
    async fn run(mut self, socket: WebSocket, watchdog: Watchdog) {
        let started = Instant::now();
        let (mut out, incoming) = socket.split();
        let ready = ServerFrame::Ready {
            container: self.container.clone(),
            command: self.request.command.clone(),
            tty: self.request.tty,
        };
        let mut bridge = Bridge::default();
        let end = match out.send(text(&ready)).await {
            Err(_) => End::by(Ended::Client, None),
            Ok(()) => bridge.run(&mut self, &mut out, incoming, watchdog).await,
        };
        if let Some(frame) = &end.frame {
            let _ = out.send(text(frame)).await;
        }
        let code = match end.ended {
            Ended::AuthExpired => CLOSE_SESSION_ENDED,
            Ended::ServerShutdown => CLOSE_GOING_AWAY,
            _ => CLOSE_NORMAL,
        };
        if end.ended != Ended::Client {
            let close = CloseFrame {
                code,
                reason: end.ended.as_str().into(),
            };
            let _ = out.send(Message::Close(Some(close))).await;
        }
        self.process.abort();
        let summary = Summary {
            container: self.container.clone(),
            duration: started.elapsed(),
            bytes_in: bridge.bytes_in,
            bytes_out: bridge.bytes_out,
            ended: end.ended,
            exit_code: end.exit_code,
        };
        self.audit_close(&summary).await;
    }

    async fn audit_close(&self, summary: &Summary) {
        let outcome = match summary.ended {
            Ended::StreamLost | Ended::ExecFailed => Outcome::Failure,
            _ => Outcome::Success,
        };
        let row = AuditEvent {
            id: uuid::Uuid::now_v7().to_string(),
            at: crate::store::now(),
            actor: self.principal.subject.clone(),
            actor_method: self.principal.method.as_str().to_string(),
            verb: "exec_close".to_string(),
            resource_type: "pod".to_string(),
            cluster: Some(self.target.cluster.clone()),
            namespace: Some(self.target.namespace.clone()),
            name: Some(self.target.pod.clone()),
            outcome,
            http_status: i32::from(StatusCode::SWITCHING_PROTOCOLS.as_u16()),
            request_id: self.ctx.request_id.clone(),
            client_ip: self.ctx.client_ip.to_string(),
            reason: Some(summary.reason()),
        };
        crate::audit::write(&self.state, &row).await;
    }
}

fn text(frame: &ServerFrame) -> Message {
    Message::Text(frame.encode().into())
}

/// 429 naming the cap, with the caller's open sessions.
fn cap_reached(state: &AppState, cap: Cap, mine: Vec<ExecSessionInfo>) -> ApiError {
    let (code, message) = match cap {
        Cap::User => (
            "exec_session_cap",
            format!(
                "you have {} open exec sessions, the most allowed (FLEETDECK_EXEC_SESSIONS_PER_USER); close one first",
                state.exec_sessions.per_user()
            ),
        ),
        Cap::Cluster => (
            "exec_cluster_cap",
            format!(
                "this cluster has {} open exec sessions, the most allowed (FLEETDECK_EXEC_SESSIONS_PER_CLUSTER)",
                state.exec_sessions.per_cluster()
            ),
        ),
    };
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        .with_retry_after(RETRY_AFTER_SECS)
        .with_details(json!({ "sessions": mine }))
}

/// One session's traffic.
#[derive(Default)]
struct Bridge {
    bytes_in: u64,
    bytes_out: u64,
}

type Outgoing = futures::stream::SplitSink<WebSocket, Message>;
type Incoming = futures::stream::SplitStream<WebSocket>;

/// One of the process's outputs (stdout or stderr), read in chunks and cut into text.
struct Output<R> {
    /// None once it ended.
    reader: Option<R>,
    text: Utf8Carry,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin> Output<R> {
    fn new(reader: Option<R>) -> Output<R> {
        Output {
            reader,
            text: Utf8Carry::default(),
            buf: vec![0u8; READ_CHUNK],
        }
    }

    fn is_open(&self) -> bool {
        self.reader.is_some()
    }

    /// One chunk's length; None at the end.
    async fn read(&mut self) -> Option<usize> {
        match self.reader.as_mut()?.read(&mut self.buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(n),
        }
    }

    /// The text a read gave, counted into `bytes_out`; at the end, what is left.
    fn text(&mut self, read: Option<usize>, bytes_out: &mut u64) -> Option<String> {
        match read {
            Some(n) => {
                *bytes_out += n as u64;
                self.text.push(&self.buf[..n])
            }
            None => {
                self.reader = None;
                self.text.finish()
            }
        }
    }
}

impl Bridge {
    async fn run(
        &mut self,
        session: &mut Session,
        out: &mut Outgoing,
        mut incoming: Incoming,
        mut watchdog: Watchdog,
    ) -> End {
        let process = &mut session.process;
        let mut stdin = process.stdin();
        let mut stdout = Output::new(process.stdout());
        let mut stderr = Output::new(process.stderr());
        let mut resize = process.terminal_size();
        let mut status = Box::pin(process.take_status().expect("the status is taken once"));
        let mut exited: Option<Option<Status>> = None;
        let idle = session.state.settings.exec.idle_timeout;
        let mut last_input = Instant::now();
        let mut warned = false;
        loop {
            if let Some(status) = &exited
                && !stdout.is_open()
                && !stderr.is_open()
            {
                return End::exited(status.as_ref());
            }
            let deadline = last_input + if warned { idle } else { idle - warning_lead(idle) };
            let frame = tokio::select! {
                alarm = watchdog.alarm() => {
                    return match alarm {
                        WatchFrame::AuthExpired => End::by(Ended::AuthExpired,
                            Some(ServerFrame::error("auth_expired", "your session ended; sign in again"))),
                        _ => End::by(Ended::ServerShutdown,
                            Some(ServerFrame::error("server_shutdown", "the server is stopping; reconnect"))),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    if warned {
                        let message = format!("closed after {} without input (FLEETDECK_EXEC_IDLE_TIMEOUT)", human(idle));
                        return End::by(Ended::Idle, Some(ServerFrame::error("idle_timeout", message)));
                    }
                    warned = true;
                    let message = format!("no input for {}: the session closes in {} unless you type",
                        human(idle - warning_lead(idle)), human(warning_lead(idle)));
                    Some(ServerFrame::Warning { message })
                }
                received = incoming.next() => match received {
                    Some(Ok(Message::Text(t))) => match ClientFrame::parse(t.as_str()) {
                        Err(e) => Some(ServerFrame::error("invalid_frame", e)),
                        Ok(frame) => {
                            last_input = Instant::now();
                            warned = false;
                            match frame {
                                ClientFrame::Stdin { data } => {
                                    self.bytes_in += data.len() as u64;
                                    if let Some(w) = stdin.as_mut()
                                        && w.write_all(data.as_bytes()).await.is_err()
                                    {
                                        stdin = None;
                                    }
                                }
                                ClientFrame::Resize { cols, rows } => {
                                    if let Some(r) = resize.as_mut() {
                                        // A resize queued behind others is dropped: the next one wins.
                                        let _ = r.try_send(TerminalSize { width: cols, height: rows });
                                    }
                                }
                                ClientFrame::Close => {
                                    if let Some(mut w) = stdin.take() {
                                        let _ = w.shutdown().await;
                                    }
                                }
                            }
                            None
                        }
                    },
                    Some(Ok(Message::Binary(_))) => Some(ServerFrame::error("invalid_frame", "frames are JSON text")),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return End::by(Ended::Client, None),
                },
                n = stdout.read(), if stdout.is_open() => {
                    stdout.text(n, &mut self.bytes_out).map(|data| ServerFrame::Stdout { data })
                }
                n = stderr.read(), if stderr.is_open() => {
                    stderr.text(n, &mut self.bytes_out).map(|data| ServerFrame::Stderr { data })
                }
                status = &mut status, if exited.is_none() => {
                    exited = Some(status);
                    None
                }
            };
            if let Some(frame) = frame
                && out.send(text(&frame)).await.is_err()
            {
                return End::by(Ended::Client, None);
            }
        }
    }
}

/// `15m`, `90s`: a duration as the settings write it.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}
