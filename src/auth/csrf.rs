//! CSRF defence for cookie-authenticated writes: the request must show it comes from our own
//! origin or a trusted one, and any body must be JSON (which a plain HTML form cannot send).

use axum::http::{HeaderMap, Method, header};

use crate::request::normalize_origin;

/// Whether a method changes state and so needs the check.
pub fn is_write(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

/// Checks a cookie-authenticated write. `own_origin` is `scheme://host[:port]` of this server
/// as the client addressed it. The error says why, for the response and the audit row.
pub fn check(headers: &HeaderMap, own_origin: &str, trusted: &[String]) -> Result<(), &'static str> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin_allowed(origin, own_origin, trusted)?,
        None => match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some("same-origin") => {}
            Some(_) => return Err("the request comes from another site"),
            None => return Err("a cookie-authenticated write needs an Origin or Sec-Fetch-Site header"),
        },
    }
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|n| n.trim() != "0");
    if has_body {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err("a cookie-authenticated write must send its body as application/json");
        }
    }
    Ok(())
}

/// Checks an Origin header's value: our own origin or a trusted one.
pub fn origin_allowed(origin: &str, own_origin: &str, trusted: &[String]) -> Result<(), &'static str> {
    let origin = normalize_origin(origin).ok_or("the Origin header is not an http(s) origin")?;
    if origin != own_origin && !trusted.contains(&origin) {
        return Err("the request comes from an origin that is not trusted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const OWN: &str = "http://127.0.0.1:8080";

    #[test]
    fn same_origin_json_passes() {
        let h = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("content-type", "application/json"),
            ("content-length", "2"),
        ]);
        assert!(check(&h, OWN, &[]).is_ok());
        let h = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(check(&h, OWN, &[]).is_ok());
    }

    #[test]
    fn foreign_or_missing_origin_fails_closed() {
        assert!(check(&headers(&[("origin", "https://evil.example")]), OWN, &[]).is_err());
        assert!(check(&headers(&[("origin", "null")]), OWN, &[]).is_err());
        assert!(check(&headers(&[("sec-fetch-site", "cross-site")]), OWN, &[]).is_err());
        assert!(check(&headers(&[("sec-fetch-site", "same-site")]), OWN, &[]).is_err());
        assert!(check(&HeaderMap::new(), OWN, &[]).is_err());
    }

    #[test]
    fn trusted_origins_pass() {
        let trusted = vec!["https://console.example.com".to_string()];
        assert!(
            check(
                &headers(&[("origin", "https://console.example.com:443")]),
                OWN,
                &trusted
            )
            .is_ok()
        );
    }

    #[test]
    fn bodies_must_be_json() {
        let form = headers(&[
            ("origin", OWN),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", "10"),
        ]);
        assert!(check(&form, OWN, &[]).unwrap_err().contains("application/json"));
        let chunked_text = headers(&[
            ("origin", OWN),
            ("content-type", "text/plain"),
            ("transfer-encoding", "chunked"),
        ]);
        assert!(check(&chunked_text, OWN, &[]).is_err());
        let json = headers(&[
            ("origin", OWN),
            ("content-type", "application/json; charset=utf-8"),
            ("content-length", "10"),
        ]);
        assert!(check(&json, OWN, &[]).is_ok());
    }
}
