//! Container logs as the API sends them: the frames of a log stream and their two encodings
//! (Server-Sent Events, or plain text for a download), lines cut out of the apiserver's byte
//! stream, and where a follow read that had to be opened again picks up. Pure.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::sse::event;

/// Longer lines are cut here, so a container that never writes a newline cannot fill memory.
pub const MAX_LINE: usize = 64 * 1024;

/// One line of a container's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub pod: String,
    pub container: String,
    pub line: String,
    /// When the container wrote it (RFC 3339, as the kubelet gives it); only with `timestamps=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// A read that failed: whose, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogError {
    pub pod: String,
    pub container: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Log(LogLine),
    Error(LogError),
    /// Something the reader should know that is no failure (the fan-out's bound).
    Notice(String),
    /// The stream is complete: every read ended.
    End,
}

impl super::sse::Frame for Frame {
    /// The frame as one Server-Sent Event: `event: <name>` and one `data:` line of JSON (JSON
    /// text holds no raw newline, so one line always suffices).
    fn sse(&self) -> String {
        match self {
            Frame::Log(line) => event("log", line),
            Frame::Error(error) => event("error", error),
            Frame::Notice(message) => event("notice", &serde_json::json!({"message": message})),
            Frame::End => event("end", &serde_json::json!({})),
        }
    }

    fn shutting_down() -> Frame {
        Frame::Notice("the server is shutting down".into())
    }
}

impl Frame {
    /// The frame as a line of a downloaded file; only log lines have one.
    pub fn text(&self) -> Option<String> {
        let Frame::Log(l) = self else { return None };
        let stamp = l.timestamp.as_ref().map(|t| format!("{t} ")).unwrap_or_default();
        Some(format!("{stamp}{}\n", l.line))
    }
}

/// Cuts a byte stream into lines: at each `\n` (dropping a `\r` before it) and at [`MAX_LINE`]
/// bytes. Bytes that are not UTF-8 are replaced, as a log viewer would show them.
#[derive(Debug, Default)]
pub struct Lines {
    pending: Vec<u8>,
}

impl Lines {
    /// The lines `chunk` completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in chunk {
            if b == b'\n' {
                if self.pending.last() == Some(&b'\r') {
                    self.pending.pop();
                }
                out.push(self.take());
            } else {
                self.pending.push(b);
                if self.pending.len() == MAX_LINE {
                    out.push(self.take());
                }
            }
        }
        out
    }

    /// The last line, when the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> String {
        let line = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        line
    }
}

/// Splits the kubelet's `timestamps=true` prefix off a line: (the stamp as written and as a
/// time, the rest). A line without one is all text.
pub fn split_stamp(line: &str) -> (Option<(&str, DateTime<Utc>)>, &str) {
    let stamped = line.split_once(' ').and_then(|(stamp, rest)| {
        let at = DateTime::parse_from_rfc3339(stamp).ok()?;
        Some(((stamp, at.with_timezone(&Utc)), rest))
    });
    match stamped {
        Some((stamp, rest)) => (Some(stamp), rest),
        None => (None, line),
    }
}

/// Where a follow read stands. Fleetdeck's clients give up on a connection that is quiet for
/// their read timeout, as a follow read of a quiet container is; such a read is opened again
/// from the time of the last line sent (the apiserver takes whole seconds, so it sends some
/// lines again) and the lines up to that time are skipped.
#[derive(Debug, Default)]
pub struct Position {
    last: Option<DateTime<Utc>>,
    resumed_after: Option<DateTime<Utc>>,
}

impl Position {
    /// Whether to send a line written at `at`; a line without a time is always sent.
    pub fn keeps(&mut self, at: Option<DateTime<Utc>>) -> bool {
        let Some(at) = at else { return true };
        if self.resumed_after.is_some_and(|after| at <= after) {
            return false;
        }
        self.last = Some(at);
        true
    }

    /// The read is opened again: answers the `sinceTime` to ask for, in whole seconds. Before any
    /// line was sent that is `opened_at`, when the first read was opened (by Fleetdeck's clock).
    pub fn resume(&mut self, opened_at: DateTime<Utc>) -> i64 {
        let after = self.last.unwrap_or(opened_at);
        self.resumed_after = Some(after);
        after.timestamp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::sse::Frame as _;

    fn line(timestamp: Option<&str>) -> LogLine {
        LogLine {
            pod: "web-1".into(),
            container: "app".into(),
            line: "GET / 200 \"ok\"".into(),
            timestamp: timestamp.map(str::to_string),
        }
    }

    #[test]
    fn frames_are_one_event_with_one_line_of_json() {
        assert_eq!(
            Frame::Log(line(None)).sse(),
            "event: log\ndata: {\"pod\":\"web-1\",\"container\":\"app\",\"line\":\"GET / 200 \\\"ok\\\"\"}\n\n"
        );
        let stamped = Frame::Log(line(Some("2026-01-01T00:00:00.5Z"))).sse();
        assert!(
            stamped.contains("\"timestamp\":\"2026-01-01T00:00:00.5Z\""),
            "{stamped}"
        );
        let error = Frame::Error(LogError {
            pod: "web-1".into(),
            container: "app".into(),
            message: "broken\npipe".into(),
        });
        assert_eq!(
            error.sse(),
            "event: error\ndata: {\"pod\":\"web-1\",\"container\":\"app\",\"message\":\"broken\\npipe\"}\n\n"
        );
        assert_eq!(
            Frame::Notice("50 of 60".into()).sse(),
            "event: notice\ndata: {\"message\":\"50 of 60\"}\n\n"
        );
        assert_eq!(Frame::End.sse(), "event: end\ndata: {}\n\n");
    }

    #[test]
    fn downloads_carry_log_lines_only() {
        let stamped = Frame::Log(line(Some("2026-01-01T00:00:00Z")));
        assert_eq!(stamped.text().unwrap(), "2026-01-01T00:00:00Z GET / 200 \"ok\"\n");
        assert_eq!(Frame::Log(line(None)).text().unwrap(), "GET / 200 \"ok\"\n");
        assert_eq!(Frame::End.text(), None);
        assert_eq!(Frame::Notice("n".into()).text(), None);
    }

    #[test]
    fn lines_are_cut_at_newlines_across_chunks() {
        let mut lines = Lines::default();
        assert_eq!(lines.push(b"one\r\ntw"), ["one"]);
        assert_eq!(lines.push(b"o\n\nthr"), ["two", ""]);
        assert_eq!(lines.push(b"\xffee"), Vec::<String>::new());
        assert_eq!(lines.finish().unwrap(), "thr\u{fffd}ee");
        assert_eq!(lines.finish(), None);
    }

    #[test]
    fn endless_lines_are_cut_at_the_bound() {
        let mut lines = Lines::default();
        let cut = lines.push(&vec![b'x'; MAX_LINE + 3]);
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].len(), MAX_LINE);
        assert_eq!(lines.finish().unwrap(), "xxx");
    }

    #[test]
    fn stamps_are_split_off_when_there_is_one() {
        let (stamp, rest) = split_stamp("2026-01-01T10:00:00.123456789Z listening on :80");
        let (text, at) = stamp.unwrap();
        assert_eq!((text, rest), ("2026-01-01T10:00:00.123456789Z", "listening on :80"));
        assert_eq!(at.timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(split_stamp("no stamp here"), (None, "no stamp here"));
        assert_eq!(split_stamp("nospace"), (None, "nospace"));
    }

    #[test]
    fn a_resumed_read_skips_what_was_sent() {
        let t = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let opened = t("2026-01-01T10:00:00Z").unwrap();
        let mut p = Position::default();
        assert!(p.keeps(t("2026-01-01T10:00:05.5Z")));
        assert!(
            p.keeps(t("2026-01-01T10:00:05.5Z")),
            "lines of one instant are all sent"
        );
        assert!(p.keeps(None));
        assert_eq!(p.resume(opened), t("2026-01-01T10:00:05Z").unwrap().timestamp());
        assert!(!p.keeps(t("2026-01-01T10:00:05.2Z")));
        assert!(!p.keeps(t("2026-01-01T10:00:05.5Z")));
        assert!(p.keeps(t("2026-01-01T10:00:21Z")));

        let mut quiet = Position::default();
        assert_eq!(quiet.resume(opened), opened.timestamp());
        assert!(!quiet.keeps(t("2026-01-01T09:59:59Z")), "older than the first read");
        assert!(quiet.keeps(t("2026-01-01T10:00:01Z")));
    }
}
