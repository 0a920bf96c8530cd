//! The open exec sessions of this replica: the per-user and per-cluster caps, the list a user at
//! their cap is shown, when an idle session is warned and closed, and what its `exec_close`
//! audit row says (pure: no IO).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One open session, as its user is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSessionInfo {
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// When the session opened.
    pub since: DateTime<Utc>,
}

/// Which cap a new session would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    User,
    Cluster,
}

#[derive(Debug)]
struct Open {
    id: u64,
    subject: String,
    info: ExecSessionInfo,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    open: Vec<Open>,
}

pub struct ExecSessions {
    per_user: usize,
    per_cluster: usize,
    table: Mutex<Table>,
}

impl ExecSessions {
    pub fn new(per_user: usize, per_cluster: usize) -> ExecSessions {
        ExecSessions {
            per_user,
            per_cluster,
            table: Mutex::default(),
        }
    }

    /// A place for `subject`'s session, or the cap it would break and the user's open sessions.
    pub fn claim(
        self: &Arc<Self>,
        subject: &str,
        info: ExecSessionInfo,
    ) -> Result<ExecSlot, (Cap, Vec<ExecSessionInfo>)> {
        let mut table = self.table.lock().expect("exec sessions lock");
        let users = table.open.iter().filter(|o| o.subject == subject).count();
        let clusters = table.open.iter().filter(|o| o.info.cluster == info.cluster).count();
        let cap = if users >= self.per_user {
            Some(Cap::User)
        } else if clusters >= self.per_cluster {
            Some(Cap::Cluster)
        } else {
            None
        };
        if let Some(cap) = cap {
            let mine = table
                .open
                .iter()
                .filter(|o| o.subject == subject)
                .map(|o| o.info.clone())
                .collect();
            return Err((cap, mine));
        }
        table.next_id += 1;
        let id = table.next_id;
        table.open.push(Open {
            id,
            subject: subject.to_string(),
            info,
        });
        Ok(ExecSlot {
            sessions: self.clone(),
            id,
        })
    }

    /// Open sessions on this replica.
    pub fn count(&self) -> usize {
        self.table.lock().expect("exec sessions lock").open.len()
    }

    pub fn per_user(&self) -> usize {
        self.per_user
    }

    pub fn per_cluster(&self) -> usize {
        self.per_cluster
    }
}

/// A claimed session; dropping it gives the place back.
pub struct ExecSlot {
    sessions: Arc<ExecSessions>,
    id: u64,
}

impl Drop for ExecSlot {
    fn drop(&mut self) {
        let mut table = self.sessions.table.lock().expect("exec sessions lock");
        table.open.retain(|o| o.id != self.id);
    }
}

/// How long before the idle timeout the warning goes out: a minute, or half a short timeout.
pub fn warning_lead(idle_timeout: Duration) -> Duration {
    (idle_timeout / 2).min(Duration::from_secs(60))
}

/// Why a session ended, for its `exec_close` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The process exited (its code is in the row).
    Exit,
    /// The console closed the socket.
    Client,
    Idle,
    /// The apiserver's stream broke without an exit status.
    StreamLost,
    /// The command could not run (e.g. no such executable in the container).
    ExecFailed,
    /// The session (or key) that opened it ended.
    AuthExpired,
    ServerShutdown,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Exit => "exit",
            Ended::Client => "client",
            Ended::Idle => "idle_timeout",
            Ended::StreamLost => "stream_lost",
            Ended::ExecFailed => "exec_failed",
            Ended::AuthExpired => "auth_expired",
            Ended::ServerShutdown => "server_shutdown",
        }
    }
}

/// What one session moved and how it ended; never what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub container: String,
    pub duration: Duration,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub ended: Ended,
    pub exit_code: Option<i32>,
}

impl Summary {
    /// The `reason` of the `exec_close` row.
    pub fn reason(&self) -> String {
        let mut s = format!(
            "container={} durationMs={} bytesIn={} bytesOut={} ended={}",
            self.container,
            self.duration.as_millis(),
            self.bytes_in,
            self.bytes_out,
            self.ended.as_str()
        );
        if let Some(code) = self.exit_code {
            s.push_str(&format!(" exitCode={code}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(cluster: &str, pod: &str) -> ExecSessionInfo {
        ExecSessionInfo {
            cluster: cluster.into(),
            namespace: "shop".into(),
            pod: pod.into(),
            container: "web".into(),
            since: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc(),
        }
    }

    #[test]
    fn caps_count_per_user_and_per_cluster_and_free_on_drop() {
        let sessions = Arc::new(ExecSessions::new(2, 3));
        let a = sessions.claim("ann", info("prod", "a")).unwrap();
        let _b = sessions.claim("ann", info("qa", "b")).unwrap();
        let (cap, mine) = sessions.claim("ann", info("prod", "c")).err().unwrap();
        assert_eq!(cap, Cap::User);
        assert_eq!(mine, vec![info("prod", "a"), info("qa", "b")]);
        let _c = sessions.claim("bob", info("prod", "c")).unwrap();
        let _d = sessions.claim("bob", info("prod", "d")).unwrap();
        let (cap, mine) = sessions.claim("cy", info("prod", "e")).err().unwrap();
        assert_eq!((cap, mine), (Cap::Cluster, vec![]));
        assert!(sessions.claim("cy", info("qa", "e")).is_ok());
        drop(a);
        assert_eq!(sessions.count(), 3);
        assert!(sessions.claim("ann", info("prod", "f")).is_ok());
    }

    #[test]
    fn the_warning_comes_a_minute_early_or_halfway() {
        assert_eq!(warning_lead(Duration::from_secs(900)), Duration::from_secs(60));
        assert_eq!(warning_lead(Duration::from_secs(2)), Duration::from_secs(1));
    }

    #[test]
    fn the_close_row_says_what_moved_and_how_it_ended() {
        let s = Summary {
            container: "web".into(),
            duration: Duration::from_millis(1500),
            bytes_in: 8,
            bytes_out: 21,
            ended: Ended::Exit,
            exit_code: Some(3),
        };
        assert_eq!(
            s.reason(),
            "container=web durationMs=1500 bytesIn=8 bytesOut=21 ended=exit exitCode=3"
        );
        let s = Summary {
            ended: Ended::Client,
            exit_code: None,
            ..s
        };
        assert!(s.reason().ends_with("ended=client"));
    }
}
