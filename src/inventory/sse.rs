//! Server-Sent Event bodies for streams that end on their own (logs, a drain's progress): frames
//! from a channel, a heartbeat comment while quiet, and a last frame when the server stops, so
//! no stream holds the shutdown grace.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::Response;
use tokio::sync::{mpsc, watch};

use crate::error::{ApiError, ApiResult};

/// An SSE comment: keeps proxies from closing a quiet stream.
pub const HEARTBEAT: &str = ": heartbeat\n\n";

/// A frame of a stream.
pub trait Frame: Send + 'static {
    /// The frame as one event (`event: …\ndata: …\n\n`).
    fn sse(&self) -> String;
    /// The last frame sent when the server stops.
    fn shutting_down() -> Self;
}

/// `event: <event>\ndata: <data as JSON>\n\n`.
pub fn event(event: &str, data: &impl serde::Serialize) -> String {
    let data = serde_json::to_string(data).expect("frames serialize");
    format!("event: {event}\ndata: {data}\n\n")
}

async fn tick(ticks: &mut Option<tokio::time::Interval>) {
    match ticks {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Frames as Server-Sent Events, with a heartbeat every `beat` when given, until the channel
/// closes or the server stops (`ending`).
pub fn body<F: Frame>(frames: mpsc::Receiver<F>, beat: Option<Duration>, ending: watch::Receiver<bool>) -> Body {
    let ticks = beat.map(|every| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
    let events = futures::stream::unfold(Some((frames, ticks, ending)), |open| async move {
        let (mut frames, mut ticks, mut ending) = open?;
        let text = tokio::select! {
            frame = frames.recv() => frame?.sse(),
            () = tick(&mut ticks) => HEARTBEAT.to_string(),
            _ = ending.wait_for(|e| *e) => return Some((Ok(F::shutting_down().sse()), None)),
        };
        Some((Ok::<_, Infallible>(text), Some((frames, ticks, ending))))
    });
    Body::from_stream(events)
}

/// A `text/event-stream` response of `body`.
pub fn response(body: Body) -> ApiResult<Response> {
    Response::builder()
        .header(CONTENT_TYPE, "text/event-stream")
        .header(CACHE_CONTROL, "no-cache")
        // nginx buffers responses unless told not to, which would hold events back.
        .header("x-accel-buffering", "no")
        .body(body)
        .map_err(ApiError::internal)
}
