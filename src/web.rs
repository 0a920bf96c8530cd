//! The embedded console: files from web/dist (rust-embed), hashed assets cached forever,
//! index.html for client routes. Without a built console, a page says how to build it.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;

/// build.rs points FLEETDECK_WEB_DIST at web/dist, or at an empty folder when it is not built.
#[derive(RustEmbed)]
#[folder = "$FLEETDECK_WEB_DIST"]
struct Console;

const NOT_BUILT: &str = "<!doctype html><title>Fleetdeck</title><h1>Fleetdeck</h1>\
<p>The API is up, but this binary was built without the web console.</p>\
<p>Build it with <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then rebuild the server \
(<code>cargo build</code>).</p>";

pub async fn serve(method: &Method, uri: &Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::not_found("no such page").into_response();
    }
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = Console::get(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mime = HeaderValue::from_str(file.metadata.mimetype())
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        return (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            file.data,
        )
            .into_response();
    }
    // A missing file is a 404; any other path is a client route of the single-page app.
    let last = path.rsplit('/').next().unwrap_or("");
    if path.starts_with("assets/") || last.contains('.') {
        return ApiError::not_found("no such file").into_response();
    }
    match Console::get("index.html") {
        Some(index) => ([(header::CACHE_CONTROL, "no-cache")], Html(index.data)).into_response(),
        None => (StatusCode::OK, [(header::CACHE_CONTROL, "no-cache")], Html(NOT_BUILT)).into_response(),
    }
}
