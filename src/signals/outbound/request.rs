//! What every channel's builder makes (an HTTP request) and holds (secrets).

use std::fmt;

use reqwest::header::HeaderMap;
use serde::Serialize;

/// A credential: shown as `***` by Debug; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A channel's request: where, which headers, which JSON body.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub(super) fn json(url: String, body: &impl Serialize) -> HttpRequest {
        HttpRequest {
            url,
            headers: HeaderMap::new(),
            body: serde_json::to_vec(body).expect("channel bodies serialize"),
        }
    }
}
