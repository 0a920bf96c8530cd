//! `POST /api/clusters/{c}/kubectl`: the console's read-only kubectl. The command line is checked
//! first (`kubectl_args`); then the `kubectl` binary runs once with a kubeconfig written for this
//! request — the cluster's connection as the client pool has it, impersonating the caller on
//! `impersonate` clusters — in a directory of its own (mode 0700, removed after the run) that is
//! also its HOME, with an environment holding nothing else, a timeout and an output cap.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::kubectl_args::{audit_text, check};
use crate::AppState;
use crate::audit::model::Outcome;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::clients::{config_for, identity};
use crate::clusters::scope::no_client;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(
    Method::POST,
    "/api/clusters/{cluster}/kubectl",
    "kubectl",
    "cluster",
)];

/// The child's PATH when the server has none (exec credential plugins are looked up on it).
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The console's read-only kubectl (settings `FLEETDECK_KUBECTL*`).
#[derive(Debug, Clone)]
pub struct KubectlSettings {
    /// A path, or a name looked up on PATH when a command runs.
    pub binary: PathBuf,
    pub timeout: Duration,
    /// Bytes kept of stdout, and of stderr.
    pub output_limit: usize,
}

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(kubectl)),
        audited: AUDITED,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KubectlRequest {
    /// What follows `kubectl`, one argument each, the command first: `["get", "pods", "-n", "shop"]`.
    #[schema(max_items = 64)]
    pub args: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubectlResult {
    /// kubectl's exit code; null when it was stopped (timeout, output cap).
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// An output passed the cap (`FLEETDECK_KUBECTL_OUTPUT_LIMIT`): what came before it is kept
    /// and kubectl was stopped.
    pub truncated: bool,
    /// kubectl ran past `FLEETDECK_KUBECTL_TIMEOUT` and was stopped.
    pub timed_out: bool,
    pub duration_ms: u64,
}

/// Runs a read-only kubectl command on the cluster as the caller (viewer or above). Audited as
/// `kubectl` with the arguments (credential values hidden) and how it went: `success` for exit
/// 0, `denied` when the apiserver said Forbidden, `failure` otherwise.
#[utoipa::path(post, path = "/api/clusters/{cluster}/kubectl", tag = "inventory",
    params(("cluster" = String, Path)),
    request_body = KubectlRequest,
    responses((status = 200, description = "kubectl ran (whatever its exit code)", body = KubectlResult),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`no_connection`", body = ErrorBody),
        (status = 422, description = "`kubectl_refused`: `details.argument` names the offending argument, `details.reason` says why", body = ErrorBody),
        (status = 503, description = "`kubectl_unavailable`: this server has no kubectl binary", body = ErrorBody)))]
async fn kubectl(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiJson(body): ApiJson<KubectlRequest>,
) -> ApiResult<(AuditNote, Json<KubectlResult>)> {
    let mut audit = AuditNote {
        cluster: Some(cluster.clone()),
        reason: Some(audit_text(&body.args)),
        ..AuditNote::default()
    };
    let fail = |e: ApiError| e.with_audit(audit.clone());
    principal.require(Role::Viewer).map_err(fail)?;
    let settings = &state.settings.kubectl;
    let binary = find_binary(&settings.binary).ok_or_else(|| {
        fail(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "kubectl_unavailable",
            format!("this server has no kubectl binary ({})", settings.binary.display()),
        ))
    })?;
    let row = state
        .store
        .cluster(&cluster)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(ApiError::not_found(format!("no cluster named {cluster}"))))?;
    let identity = identity(&row, &principal, &state.settings.impersonate_groups);
    // On `shared` clusters kubectl reads as Fleetdeck: Secret values then need the operator role.
    let may_read_secrets = identity.is_some() || principal.require(Role::Operator).is_ok();
    check(&body.args, may_read_secrets).map_err(|r| {
        fail(
            ApiError::unprocessable(
                "kubectl_refused",
                format!("kubectl argument {:?} is refused: {}", r.argument, r.reason),
            )
            .with_details(json!({"argument": r.argument, "reason": r.reason})),
        )
    })?;
    let config = config_for(&state, &row, identity.as_ref())
        .await
        .map_err(|e| fail(no_client(&cluster, e)))?;
    let kubeconfig =
        crate::kube::kubeconfig::for_kubectl(&config).map_err(|m| fail(ApiError::internal(anyhow::anyhow!(m))))?;
    let result = run(&binary, &body.args, &kubeconfig, settings)
        .await
        .map_err(|e| fail(ApiError::internal(anyhow::anyhow!("cannot run kubectl: {e}"))))?;
    audit.outcome = Some(outcome(&result));
    Ok((audit, Json(result)))
}

/// `binary` itself when it is a path, else the first executable of that name on PATH.
fn find_binary(binary: &Path) -> Option<PathBuf> {
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if binary.components().count() > 1 {
        return executable(binary).then(|| binary.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|p| executable(p))
}

/// Runs kubectl once with `kubeconfig`, keeping at most `output_limit` bytes of stdout and of
/// stderr, stopping it at the cap or the timeout.
async fn run(
    binary: &Path,
    args: &[String],
    kubeconfig: &str,
    settings: &KubectlSettings,
) -> std::io::Result<KubectlResult> {
    let started = Instant::now();
    let dir = tempfile::Builder::new().prefix("fleetdeck-kubectl-").tempdir()?; // mode 0700
    let kubeconfig_path = dir.path().join("kubeconfig");
    write_private(&kubeconfig_path, kubeconfig)?;
    let mut child = tokio::process::Command::new(binary)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into()))
        .env("HOME", dir.path())
        .env("KUBECONFIG", &kubeconfig_path)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let (mut stdout, mut stderr) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    let deadline = tokio::time::sleep(settings.timeout);
    tokio::pin!(deadline);
    let limit = settings.output_limit;
    let (mut out, mut err) = (Output::default(), Output::default());
    let mut timed_out = false;
    let running = |out: &Output, err: &Output| !(out.done && err.done || out.truncated || err.truncated);
    while running(&out, &err) {
        tokio::select! {
            read = out.read_from(&mut stdout, limit), if !out.done => read?,
            read = err.read_from(&mut stderr, limit), if !err.done => read?,
            () = &mut deadline => { timed_out = true; break; }
        }
    }
    let truncated = out.truncated || err.truncated;
    let exit_code = match timed_out || truncated {
        true => None,
        false => tokio::select! {
            status = child.wait() => status?.code(),
            () = &mut deadline => { timed_out = true; None }
        },
    };
    if exit_code.is_none() {
        child.kill().await?;
    }
    Ok(KubectlResult {
        exit_code,
        stdout: String::from_utf8_lossy(&out.bytes).into_owned(),
        stderr: String::from_utf8_lossy(&err.bytes).into_owned(),
        truncated,
        timed_out,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// A file only its owner may read, from its creation on.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

/// One of kubectl's outputs as it is read.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    done: bool,
    truncated: bool,
}

impl Output {
    async fn read_from(&mut self, from: &mut (impl AsyncRead + Unpin), limit: usize) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = from.read(&mut chunk).await?;
        let room = limit.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&chunk[..n.min(room)]);
        self.done = n == 0;
        self.truncated = n > room;
        Ok(())
    }
}

/// The audit outcome of a run: exit 0 is a success, the apiserver's Forbidden a denial.
fn outcome(result: &KubectlResult) -> Outcome {
    match result.exit_code {
        Some(0) => Outcome::Success,
        _ if result.stderr.contains("(Forbidden)") => Outcome::Denied,
        _ => Outcome::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(exit_code: Option<i32>, stderr: &str) -> KubectlResult {
        KubectlResult {
            exit_code,
            stdout: String::new(),
            stderr: stderr.into(),
            truncated: false,
            timed_out: false,
            duration_ms: 1,
        }
    }

    #[test]
    fn outcomes_of_a_run() {
        assert_eq!(outcome(&result(Some(0), "")), Outcome::Success);
        let forbidden = "Error from server (Forbidden): pods is forbidden: User \"ann\" cannot list resource";
        assert_eq!(outcome(&result(Some(1), forbidden)), Outcome::Denied);
        assert_eq!(
            outcome(&result(Some(1), "error: the server doesn't have a resource type")),
            Outcome::Failure
        );
        assert_eq!(outcome(&result(None, "")), Outcome::Failure, "stopped");
    }

    #[test]
    fn binaries_are_found_on_path_or_by_path() {
        assert_eq!(find_binary(Path::new("/nonexistent/kubectl")), None);
        assert_eq!(find_binary(Path::new("sh")).map(|p| p.ends_with("sh")), Some(true));
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("kubectl");
        write_private(&plain, "#!/bin/sh").unwrap();
        assert_eq!(find_binary(&plain), None, "not executable");
    }
}
