//! The pod exec protocol between the console and Fleetdeck (pure): what the upgrade's query asks
//! for, the JSON text frames each way, output bytes cut into whole UTF-8 characters, and the
//! kubelet's final `metav1.Status` read as an exit code. docs/api.md ("Exec") is its contract.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Status};
use serde::{Deserialize, Serialize};

/// What runs when the query names no command.
pub const DEFAULT_COMMAND: &str = "/bin/sh";
/// The most `command` arguments, and the longest one, a query may carry.
const MAX_ARGS: usize = 64;
const MAX_ARG: usize = 4096;
/// The annotation naming the container `kubectl exec` picks when none is given.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// `?container=&command=&command=&tty=`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    pub container: Option<String>,
    pub command: Vec<String>,
    pub tty: bool,
}

impl ExecRequest {
    /// Reads the query string; unknown keys, a repeated `container` or `tty`, and a `tty` that
    /// is not `true`/`false` are refused with a message that says so.
    pub fn parse(query: &str) -> Result<ExecRequest, String> {
        let mut container = None;
        let mut command = Vec::new();
        let mut tty = None;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "container" if container.is_none() => container = Some(value.into_owned()),
                "tty" if tty.is_none() => {
                    tty = Some(match value.as_ref() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        other => return Err(format!("tty is true or false, not {other:?}")),
                    })
                }
                "command" => {
                    if value.is_empty() || value.len() > MAX_ARG {
                        return Err(format!("each command argument has 1 to {MAX_ARG} bytes"));
                    }
                    command.push(value.into_owned());
                }
                "container" | "tty" => return Err(format!("{key} is given twice")),
                other => {
                    return Err(format!(
                        "unknown query parameter {other:?}: expected container, command, tty"
                    ));
                }
            }
        }
        if command.len() > MAX_ARGS {
            return Err(format!("at most {MAX_ARGS} command arguments"));
        }
        if command.is_empty() {
            command.push(DEFAULT_COMMAND.to_string());
        }
        Ok(ExecRequest {
            container: container.filter(|c| !c.is_empty()),
            command,
            tty: tty.unwrap_or(false),
        })
    }
}

/// The container to exec in: the one asked for if the pod has it; else, as kubectl picks, the
/// one the default-container annotation names, else the first. The error lists the pod's.
pub fn pick_container(meta: &ObjectMeta, spec: &PodSpec, wanted: Option<&str>) -> Result<String, String> {
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let annotated = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER))
        .map(String::as_str)
        .filter(|a| names.contains(a));
    match wanted {
        Some(w) if names.contains(&w) => Ok(w.to_string()),
        Some(w) => Err(format!("the pod has no container {w:?}; it has {}", names.join(", "))),
        None => annotated
            .or(names.first().copied())
            .map(str::to_string)
            .ok_or_else(|| "the pod has no containers".to_string()),
    }
}

/// A frame from the console.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ClientFrame {
    /// Keystrokes or pasted text for the process's stdin.
    Stdin { data: String },
    /// The terminal's new size (tty sessions; ignored otherwise).
    Resize { cols: u16, rows: u16 },
    /// The end of stdin, as Ctrl-D at an empty prompt: the process reads end-of-file.
    Close,
}

impl ClientFrame {
    pub fn parse(text: &str) -> Result<ClientFrame, String> {
        let frame: ClientFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match frame {
            ClientFrame::Resize { cols: 0, .. } | ClientFrame::Resize { rows: 0, .. } => {
                Err("a terminal has at least one column and one row".to_string())
            }
            frame => Ok(frame),
        }
    }
}

/// A frame to the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerFrame {
    /// The process runs: the first frame of every session.
    Ready {
        container: String,
        command: Vec<String>,
        tty: bool,
    },
    Stdout {
        data: String,
    },
    Stderr {
        data: String,
    },
    /// The process ended with this code; the socket closes next (1000).
    Exit {
        code: i32,
    },
    /// The session ended for another reason (`code` says which); the socket closes next.
    /// Also sent, without ending anything, for a frame that cannot be read (`invalid_frame`).
    Error {
        code: String,
        message: String,
    },
    /// The session is about to be closed for being idle.
    Warning {
        message: String,
    },
}

impl ServerFrame {
    pub fn error(code: &str, message: impl Into<String>) -> ServerFrame {
        ServerFrame::Error {
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("frames serialize")
    }
}

/// Output bytes as text frames: cut after the last whole UTF-8 character, the rest kept for
/// the next read (a character may be split across reads); invalid bytes become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Carry {
    pending: Vec<u8>,
}

impl Utf8Carry {
    /// The text ready to send after `bytes`, if any.
    pub fn push(&mut self, bytes: &[u8]) -> Option<String> {
        self.pending.extend_from_slice(bytes);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // An incomplete character at the end waits; anything else is decoded lossily.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len() - incomplete_tail(&self.pending),
        };
        if whole == 0 {
            return None;
        }
        let rest = self.pending.split_off(whole);
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending = rest;
        Some(text)
    }

    /// What is left when the stream ends.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned())
    }
}

/// How many bytes at the end start a character that is not complete yet (0 to 3).
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xC0 != 0x80 {
            let needs = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => return 0,
            };
            return if needs > back { back } else { 0 };
        }
    }
    0
}

/// The last frame of a session, from the status the kubelet sent (None: the connection to the
/// apiserver ended without one).
pub fn final_frame(status: Option<&Status>) -> ServerFrame {
    let Some(status) = status else {
        return ServerFrame::error(
            "exec_stream_lost",
            "the connection to the apiserver ended before the process did",
        );
    };
    if status.status.as_deref() == Some("Success") {
        return ServerFrame::Exit { code: 0 };
    }
    let exit_code = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))
        .and_then(|c| c.message.as_deref()?.parse().ok());
    match (status.reason.as_deref(), exit_code) {
        (Some("NonZeroExitCode"), Some(code)) => ServerFrame::Exit { code },
        _ => ServerFrame::error(
            "exec_failed",
            status
                .message
                .clone()
                .unwrap_or_else(|| "the command failed".to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_query_names_container_command_and_tty() {
        let r = ExecRequest::parse("container=web&command=sh&command=-c&command=echo%20hi&tty=true").unwrap();
        assert_eq!(
            r,
            ExecRequest {
                container: Some("web".into()),
                command: vec!["sh".into(), "-c".into(), "echo hi".into()],
                tty: true
            }
        );
        let r = ExecRequest::parse("").unwrap();
        assert_eq!(
            (r.container, r.command, r.tty),
            (None, vec!["/bin/sh".to_string()], false)
        );
        for (bad, why) in [
            ("tty=yes", "tty is true or false"),
            ("container=a&container=b", "container is given twice"),
            ("cmd=ls", "unknown query parameter \"cmd\""),
            ("command=", "1 to 4096 bytes"),
        ] {
            assert!(ExecRequest::parse(bad).unwrap_err().contains(why), "{bad}");
        }
        let many = vec!["command=x"; 65].join("&");
        assert!(ExecRequest::parse(&many).unwrap_err().contains("at most 64"));
    }

    fn pod(containers: &[&str], default: Option<&str>) -> (ObjectMeta, PodSpec) {
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "annotations": default.map(|d| json!({DEFAULT_CONTAINER: d}))},
            "spec": {"containers": containers.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()},
        }))
        .unwrap();
        (pod.metadata, pod.spec.unwrap())
    }

    #[test]
    fn the_container_is_the_one_asked_for_else_the_default_else_the_first() {
        let (meta, spec) = pod(&["app", "proxy"], None);
        assert_eq!(pick_container(&meta, &spec, Some("proxy")).unwrap(), "proxy");
        assert_eq!(pick_container(&meta, &spec, None).unwrap(), "app");
        assert_eq!(
            pick_container(&meta, &spec, Some("db")).unwrap_err(),
            "the pod has no container \"db\"; it has app, proxy"
        );
        let (meta, spec) = pod(&["app", "proxy"], Some("proxy"));
        assert_eq!(pick_container(&meta, &spec, None).unwrap(), "proxy");
        let (meta, spec) = pod(&["app"], Some("gone"));
        assert_eq!(pick_container(&meta, &spec, None).unwrap(), "app");
    }

    #[test]
    fn client_frames_are_typed_and_checked() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"stdin","data":"echo hi\n"}"#).unwrap(),
            ClientFrame::Stdin {
                data: "echo hi\n".into()
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"resize","cols":120,"rows":40}"#).unwrap(),
            ClientFrame::Resize { cols: 120, rows: 40 }
        );
        assert_eq!(ClientFrame::parse(r#"{"type":"close"}"#).unwrap(), ClientFrame::Close);
        for bad in [
            r#"{"type":"stdin"}"#,
            r#"{"type":"resize","cols":0,"rows":40}"#,
            r#"{"type":"resize","cols":-1,"rows":40}"#,
            r#"{"type":"stdin","data":"x","extra":1}"#,
            r#"{"type":"kill"}"#,
            "echo hi",
        ] {
            assert!(ClientFrame::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_frames_encode_as_documented() {
        let cases = [
            (
                ServerFrame::Ready {
                    container: "web".into(),
                    command: vec!["/bin/sh".into()],
                    tty: true,
                },
                json!({"type": "ready", "container": "web", "command": ["/bin/sh"], "tty": true}),
            ),
            (
                ServerFrame::Stdout { data: "hi\r\n".into() },
                json!({"type": "stdout", "data": "hi\r\n"}),
            ),
            (
                ServerFrame::Stderr { data: "oops".into() },
                json!({"type": "stderr", "data": "oops"}),
            ),
            (ServerFrame::Exit { code: 3 }, json!({"type": "exit", "code": 3})),
            (
                ServerFrame::error("idle_timeout", "bye"),
                json!({"type": "error", "code": "idle_timeout", "message": "bye"}),
            ),
            (
                ServerFrame::Warning { message: "soon".into() },
                json!({"type": "warning", "message": "soon"}),
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&frame.encode()).unwrap(),
                want
            );
        }
    }

    #[test]
    fn output_is_cut_between_whole_characters() {
        let mut carry = Utf8Carry::default();
        let euro = "€".as_bytes(); // three bytes
        assert_eq!(carry.push(b"a").as_deref(), Some("a"));
        assert_eq!(carry.push(&euro[..1]), None);
        assert_eq!(carry.push(&euro[1..]).as_deref(), Some("€"));
        assert_eq!(carry.push(&[b'x', euro[0], euro[1]]).as_deref(), Some("x"));
        assert_eq!(carry.push(&euro[2..]).as_deref(), Some("€"));
        // Invalid bytes do not hold the stream back.
        assert_eq!(carry.push(&[0xFF, b'y']).as_deref(), Some("\u{FFFD}y"));
        assert_eq!(carry.push(&[0xFF, euro[0]]).as_deref(), Some("\u{FFFD}"));
        assert_eq!(carry.finish().as_deref(), Some("\u{FFFD}"));
        assert_eq!(carry.finish(), None);
    }

    fn status(v: serde_json::Value) -> Status {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_kubelets_status_becomes_an_exit_code_or_an_error() {
        assert_eq!(
            final_frame(Some(&status(json!({"status": "Success"})))),
            ServerFrame::Exit { code: 0 }
        );
        let nonzero = status(json!({"status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code: exit code 137",
            "details": {"causes": [{"reason": "ExitCode", "message": "137"}]}}));
        assert_eq!(final_frame(Some(&nonzero)), ServerFrame::Exit { code: 137 });
        let failed = status(json!({"status": "Failure", "reason": "InternalError",
            "message": "exec: \"foo\": executable file not found in $PATH"}));
        assert_eq!(
            final_frame(Some(&failed)),
            ServerFrame::error("exec_failed", "exec: \"foo\": executable file not found in $PATH")
        );
        assert!(matches!(final_frame(None), ServerFrame::Error { code, .. } if code == "exec_stream_lost"));
    }
}
