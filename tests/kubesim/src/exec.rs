//! `pods/exec` and `pods/attach` over WebSocket, with the channel protocol of the
//! apiserver's `wsstream` (`v5.channel.k8s.io`, `v4.channel.k8s.io`): binary frames whose
//! first byte names the stream (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize, 255 close).
//! Commands run in the scripted shell of `shell.rs`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use crate::logs;
use crate::shell::{self, Action, Exit, Process};
use crate::state::AppState;
use crate::status::{ApiError, ApiResult};

/// `kubesim.fleetdeck.dev/exec.<command>`: what `<command>` prints, in every container.
pub const EXEC_ANNOTATION: &str = "kubesim.fleetdeck.dev/exec";

/// The subprotocols served, best first; the client's order decides, as in `wsstream`.
pub const PROTOCOLS: &[&str] = &["v5.channel.k8s.io", "v4.channel.k8s.io"];

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
/// v5: the client has closed the stream named by the next byte.
const CLOSE: u8 = 255;

/// How long a session waits for the client's Close after sending its own.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The exit code of a process killed because its pod went away (SIGKILL).
const KILLED: u8 = 137;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exec,
    Attach,
}

/// The request's pending connection upgrade, taken out of its extensions so an
/// exec or attach can carry on over the connection after answering 101.
pub struct Upgrade(pub Option<OnUpgrade>);

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Upgrade(parts.extensions.remove::<OnUpgrade>()))
    }
}

/// PodExecOptions / PodAttachOptions as the query gives them, after the apiserver's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub container: String,
    pub command: Vec<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

/// Reads and checks the query with the apiserver's and kubelet's 400s.
pub fn options(kind: Kind, pod: &Value, query: &[(String, String)]) -> ApiResult<Options> {
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    // Absent stdout/stderr default to true (SetDefaults_PodExecOptions); Go's ParseBool spellings.
    let flag = |k: &str, default: bool| get(k).map_or(default, crate::status::query_bool);
    let container = logs::choose_container(pod, get("container").filter(|c| !c.is_empty()))?;
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    if pod["spec"]["nodeName"].as_str().unwrap_or_default().is_empty() {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let tty = flag("tty", false);
    let opts = Options {
        container,
        command: query
            .iter()
            .filter(|(n, _)| n == "command")
            .map(|(_, v)| v.clone())
            .collect(),
        stdin: flag("stdin", false),
        stdout: flag("stdout", true),
        // The kubelet drops stderr with a terminal: the terminal carries both.
        stderr: flag("stderr", true) && !tty,
        tty,
    };
    if !opts.stdin && !opts.stdout && !opts.stderr {
        return Err(ApiError::bad_request(
            "you must specify at least 1 of stdin, stdout, stderr",
        ));
    }
    if kind == Kind::Exec && opts.command.is_empty() {
        return Err(ApiError::bad_request(
            "you must specify at least one command for the container",
        ));
    }
    Ok(opts)
}

/// Whether the container runs, as the kubelet finds it: a pod that is not Running, or a
/// container whose status is not `running`, has no process to exec in. Fixtures without
/// a phase or a container status count as running.
pub fn running(pod: &Value, container: &str) -> bool {
    let status = &pod["status"];
    let phase = status["phase"].as_str();
    if phase.is_some_and(|p| p != "Running") {
        return false;
    }
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .flat_map(|k| status[*k].as_array().into_iter().flatten())
    .find(|s| s["name"] == container)
    .is_none_or(|s| s["state"]["running"].is_object())
}

/// The first subprotocol the client offers that is served; headers may repeat or list several.
pub fn choose_protocol(headers: &HeaderMap) -> Option<&'static str> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|offered| PROTOCOLS.iter().find(|p| **p == offered.trim()).copied())
}

/// Since 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) a WebSocket upgrade, a GET
/// authorized as `get`, also needs `create`, which SPDY's POST always needed.
pub fn upgrade_needs_create(git_version: &str) -> bool {
    let minor = git_version.trim_start_matches('v').split('.').nth(1);
    minor.and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m >= 35)
}

/// The error stream's last word: how the command ended (a metav1.Status without kind).
pub fn exit_status(exit: &Exit, command: &[String]) -> Value {
    match exit {
        Exit::Code(0) => json!({"metadata": {}, "status": "Success"}),
        Exit::Code(n) => json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {n}",
                command.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": n.to_string()}]},
        }),
        Exit::NotFound(program) => {
            let exec_id = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
            let cause = format!(
                "error executing command in container: failed to exec in container: failed to start exec \"{exec_id}\": \
                 OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": \
                 executable file not found in $PATH: unknown"
            );
            json!({
                "metadata": {},
                "status": "Failure",
                "message": format!("Internal error occurred: {cause}"),
                "reason": "InternalError",
                "details": {"causes": [{"message": cause}]},
                "code": 500,
            })
        }
    }
}

/// What the shell knows of the container: hostname, spec env, working dir, scripted commands.
pub fn shell_container(pod: &Value, container: &str, tty: bool) -> shell::Container {
    let spec = &pod["spec"];
    let c = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| spec[*k].as_array().into_iter().flatten())
        .find(|c| c["name"] == container)
        .cloned()
        .unwrap_or_default();
    let env = c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), e["value"].as_str()?.to_string())))
        .collect();
    let prefix = format!("{EXEC_ANNOTATION}.");
    let scripted = pod["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.as_str()?.to_string())))
        .collect();
    shell::Container {
        hostname: spec["hostname"]
            .as_str()
            .or(pod["metadata"]["name"].as_str())
            .unwrap_or_default()
            .to_string(),
        env,
        working_dir: c["workingDir"].as_str().unwrap_or("/").to_string(),
        scripted,
        tty,
    }
}

/// Answers an authorized GET/POST on pods/{name}/exec or /attach: the apiserver's errors,
/// or 101 Switching Protocols with the session running on the upgraded connection.
pub fn serve(
    state: Arc<AppState>,
    kind: Kind,
    pod: &Value,
    query: &[(String, String)],
    headers: &HeaderMap,
    upgrade: Option<OnUpgrade>,
) -> ApiResult<Response> {
    let opts = options(kind, pod, query)?;
    if !running(pod, &opts.container) {
        // The kubelet's answer, which the apiserver passes on as it is.
        return Ok(Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from(format!("container not found (\"{}\")", opts.container)))
            .expect("valid response"));
    }
    let upgrade_header = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let key = headers.get(header::SEC_WEBSOCKET_KEY);
    if !upgrade_header.eq_ignore_ascii_case("websocket") || key.is_none() {
        let message = if upgrade_header.to_ascii_lowercase().starts_with("spdy") {
            "kubesim serves pods/exec and pods/attach over WebSocket only (v5.channel.k8s.io, \
             v4.channel.k8s.io), not SPDY: use kubectl 1.30 or newer"
        } else {
            "unable to upgrade: missing upgrade headers in request"
        };
        return Err(ApiError::bad_request(message));
    }
    let Some(protocol) = choose_protocol(headers) else {
        // x/net/websocket's answer when no subprotocol matches.
        return Ok(Response::builder()
            .status(StatusCode::FORBIDDEN)
            .body(Body::empty())
            .expect("valid response"));
    };
    let upgrade = upgrade.ok_or_else(|| ApiError::from_code(500, "unable to upgrade connection"))?;
    let session = Session {
        container: shell_container(pod, &opts.container, opts.tty),
        state,
        kind,
        namespace: pod["metadata"]["namespace"].as_str().unwrap_or_default().to_string(),
        pod: pod["metadata"]["name"].as_str().unwrap_or_default().to_string(),
        uid: pod["metadata"]["uid"].clone(),
        closes_streams: protocol == PROTOCOLS[0],
        opts,
    };
    tokio::spawn(session.run(upgrade));
    Ok(Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "websocket")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.expect("checked").as_bytes()),
        )
        .header(header::SEC_WEBSOCKET_PROTOCOL, protocol)
        .body(Body::empty())
        .expect("valid response"))
}

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How often a session checks that its pod still exists.
const POD_CHECK: Duration = Duration::from_millis(200);

struct Session {
    state: Arc<AppState>,
    kind: Kind,
    opts: Options,
    container: shell::Container,
    namespace: String,
    pod: String,
    uid: Value,
    /// v5: the client ends stdin with a CLOSE frame instead of closing the socket.
    closes_streams: bool,
}

enum Event {
    Message(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Log(Result<Arc<logs::LogLine>, broadcast::error::RecvError>),
    Tick,
}

impl Session {
    async fn run(self, upgrade: OnUpgrade) {
        let Ok(upgraded) = upgrade.await else {
            return;
        };
        let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let mut unreachable = self.state.unreachable.subscribe();
        tokio::select! {
            _ = self.converse(&mut ws) => {}
            // A dead server drops its connections without a goodbye.
            _ = unreachable.wait_for(|u| *u) => {}
        }
    }

    async fn converse(&self, ws: &mut Socket) {
        let status = match (self.kind, self.opts.stdin) {
            (Kind::Attach, false) => self.follow_output(ws).await,
            _ => self.run_process(ws).await,
        };
        if let Some(status) = status {
            let _ = send(ws, ERROR, serde_json::to_vec(&status).expect("serializable")).await;
        }
        // A normal closure (1000): client-go reports any other code as an error.
        let normal = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        let _ = ws.close(Some(normal)).await;
        // The closing handshake: wait for the client's Close. Dropping the socket with its last
        // frames (a v5 client's stdin close) unread makes the kernel answer them with a reset,
        // which can destroy the error stream before the client has read it.
        let _ = tokio::time::timeout(CLOSE_WAIT, async { while let Some(Ok(_)) = ws.next().await {} }).await;
    }

    /// Runs the command (exec) or the container's shell (attach with stdin). None when
    /// the client left before the end.
    async fn run_process(&self, ws: &mut Socket) -> Option<Value> {
        let argv = match self.kind {
            Kind::Exec => self.opts.command.clone(),
            Kind::Attach => vec!["sh".to_string()],
        };
        let (mut process, actions) = Process::start(self.container.clone(), &argv);
        self.perform(ws, actions).await?;
        if !self.opts.stdin {
            let actions = process.close_stdin();
            self.perform(ws, actions).await?;
        }
        let mut check = tokio::time::interval(POD_CHECK);
        while process.exit().is_none() {
            let event = tokio::select! {
                m = ws.next() => Event::Message(m),
                _ = check.tick() => Event::Tick,
            };
            let actions = match event {
                Event::Tick if self.pod_gone() => return Some(self.end(&Exit::Code(KILLED), &argv)),
                Event::Message(Some(Ok(Message::Binary(frame)))) => match frame.first() {
                    Some(&STDIN) => process.input(&String::from_utf8_lossy(&frame[1..])),
                    Some(&CLOSE) if self.closes_streams && frame.get(1) == Some(&STDIN) => process.close_stdin(),
                    // Resize (4) and anything unknown are accepted and ignored.
                    _ => continue,
                },
                // The socket closed (how v4 clients end stdin): nobody is left to answer.
                Event::Message(None | Some(Err(_) | Ok(Message::Close(_)))) => return None,
                _ => continue,
            };
            self.perform(ws, actions).await?;
        }
        Some(self.end(process.exit().expect("finished"), &argv))
    }

    /// The error stream's status; an attach always ends in Success, as the kubelet's does.
    fn end(&self, exit: &Exit, argv: &[String]) -> Value {
        match self.kind {
            Kind::Exec => exit_status(exit, argv),
            Kind::Attach => exit_status(&Exit::Code(0), argv),
        }
    }

    /// Attach without stdin: the container's output from now on (lines appended with
    /// `Sim::append_log`) until the client leaves or the pod goes.
    async fn follow_output(&self, ws: &mut Socket) -> Option<Value> {
        let mut feed = self.state.log_feed.subscribe();
        let mut check = tokio::time::interval(POD_CHECK);
        loop {
            let event = tokio::select! {
                m = ws.next() => Event::Message(m),
                l = feed.recv() => Event::Log(l),
                _ = check.tick() => Event::Tick,
            };
            match event {
                Event::Log(Ok(line))
                    if (&line.namespace, &line.pod, &line.container)
                        == (&self.namespace, &self.pod, &self.opts.container) =>
                {
                    let text = logs::format_line(&line.time, &line.text, false);
                    self.perform(ws, vec![Action::Stdout(text)]).await?;
                }
                Event::Log(Err(broadcast::error::RecvError::Closed)) => return None,
                Event::Tick if self.pod_gone() => return Some(exit_status(&Exit::Code(0), &[])),
                Event::Message(None | Some(Err(_) | Ok(Message::Close(_)))) => return None,
                _ => {}
            }
        }
    }

    /// Carries out the shell's actions; None when the client is gone.
    async fn perform(&self, ws: &mut Socket, actions: Vec<Action>) -> Option<()> {
        for action in actions {
            match action {
                Action::Stdout(text) if self.opts.stdout => send(ws, STDOUT, text.into_bytes()).await?,
                Action::Stderr(text) if self.opts.stderr => send(ws, STDERR, text.into_bytes()).await?,
                Action::Sleep(d) => tokio::time::sleep(d).await,
                _ => {}
            }
        }
        Some(())
    }

    fn pod_gone(&self) -> bool {
        !logs::pod_present(&self.state, &self.namespace, &self.pod, &self.uid)
    }
}

async fn send(ws: &mut Socket, channel: u8, data: Vec<u8>) -> Option<()> {
    let mut frame = Vec::with_capacity(data.len() + 1);
    frame.push(channel);
    frame.extend(data);
    ws.send(Message::binary(frame)).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pod(status: Value) -> Value {
        json!({
            "metadata": {"name": "p", "namespace": "n",
                         "annotations": {"kubesim.fleetdeck.dev/exec.version": "v1.2", "other": "x"}},
            "spec": {"nodeName": "node-0", "containers": [
                {"name": "a", "env": [{"name": "K", "value": "v"}, {"name": "S", "valueFrom": {}}]},
                {"name": "b", "workingDir": "/app"},
            ]},
            "status": status,
        })
    }

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn options_follow_the_apiserver_defaults_and_errors() {
        let p = pod(json!({}));
        let o = options(
            Kind::Exec,
            &p,
            &query(&[("container", "a"), ("command", "echo"), ("command", "hi")]),
        )
        .unwrap();
        assert_eq!(o.command, ["echo", "hi"]);
        assert!(
            o.stdout && o.stderr && !o.stdin && !o.tty,
            "stdout and stderr default to true"
        );
        let o = options(
            Kind::Attach,
            &p,
            &query(&[("container", "b"), ("tty", "true"), ("stdin", "1")]),
        )
        .unwrap();
        assert!(o.tty && o.stdin && !o.stderr, "a terminal carries stderr");
        let err = |q: &[(&str, &str)]| options(Kind::Exec, &p, &query(q)).unwrap_err();
        assert_eq!(
            err(&[("command", "ls")]).message,
            "a container name must be specified for pod p, choose one of: [a b]"
        );
        assert_eq!(
            err(&[("container", "x"), ("command", "ls")]).message,
            "container x is not valid for pod p"
        );
        assert_eq!(
            err(&[
                ("container", "a"),
                ("command", "ls"),
                ("stdout", "false"),
                ("stderr", "false")
            ])
            .message,
            "you must specify at least 1 of stdin, stdout, stderr"
        );
        assert_eq!(err(&[("container", "a")]).code, 400);
        let mut unscheduled = p.clone();
        unscheduled["spec"]["nodeName"] = Value::Null;
        assert_eq!(
            options(Kind::Attach, &unscheduled, &query(&[("container", "a")]))
                .unwrap_err()
                .message,
            "pod p does not have a host assigned"
        );
    }

    #[test]
    fn only_running_containers_run_commands() {
        assert!(running(&pod(json!({})), "a"));
        assert!(!running(&pod(json!({"phase": "Succeeded"})), "a"));
        let crashing = pod(json!({"phase": "Running", "containerStatuses": [
            {"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
            {"name": "b", "state": {"running": {}}},
        ]}));
        assert!(!running(&crashing, "a"));
        assert!(running(&crashing, "b"));
    }

    #[test]
    fn protocol_is_the_clients_first_served_choice() {
        let mut h = HeaderMap::new();
        assert_eq!(choose_protocol(&h), None);
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("v4.channel.k8s.io, v5.channel.k8s.io"),
        );
        assert_eq!(choose_protocol(&h), Some("v4.channel.k8s.io"));
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("base64.channel.k8s.io"),
        );
        h.append(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("v5.channel.k8s.io"),
        );
        assert_eq!(choose_protocol(&h), Some("v5.channel.k8s.io"));
    }

    #[test]
    fn exit_statuses_match_the_kubelet() {
        let cmd = ["sh".to_string(), "-c".to_string(), "exit 3".to_string()];
        assert_eq!(
            exit_status(&Exit::Code(0), &cmd),
            json!({"metadata": {}, "status": "Success"})
        );
        let failed = exit_status(&Exit::Code(3), &cmd);
        assert_eq!(
            failed["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
        );
        assert_eq!(failed["reason"], "NonZeroExitCode");
        assert_eq!(
            failed["details"]["causes"],
            json!([{"reason": "ExitCode", "message": "3"}])
        );
        let missing = exit_status(&Exit::NotFound("foo".into()), &["foo".to_string()]);
        assert_eq!(missing["reason"], "InternalError");
        assert!(
            missing["message"]
                .as_str()
                .unwrap()
                .ends_with("exec: \"foo\": executable file not found in $PATH: unknown")
        );
    }

    #[test]
    fn the_shell_sees_the_container_spec() {
        let c = shell_container(&pod(json!({})), "a", false);
        assert_eq!(c.hostname, "p");
        assert_eq!(c.env, [("K".to_string(), "v".to_string())]);
        assert_eq!(c.working_dir, "/");
        assert_eq!(c.scripted.get("version").map(String::as_str), Some("v1.2"));
        assert_eq!(c.scripted.len(), 1);
        assert_eq!(shell_container(&pod(json!({})), "b", true).working_dir, "/app");
    }

    #[test]
    fn websocket_upgrades_need_create_from_1_35() {
        assert!(!upgrade_needs_create("v1.33.1"));
        assert!(upgrade_needs_create("v1.35.0"));
        assert!(!upgrade_needs_create("garbage"));
    }
}
