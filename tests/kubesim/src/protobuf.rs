//! Just enough Kubernetes protobuf to read access reviews.
//!
//! kubectl's typed clients (e.g. `kubectl auth can-i`) send bodies as
//! `application/vnd.kubernetes.protobuf` and do not fall back to JSON on 415, so the
//! review kinds are decoded here, and TokenRequest's `expirationSeconds` (what
//! `kubectl create token` sends). Other kinds still get 415.

use serde_json::{Value, json};

use crate::status::{ApiError, ApiResult};

const MAGIC: &[u8] = b"k8s\0";

/// One field of a message: a varint's value, or a length-delimited payload.
enum Field<'a> {
    Scalar(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let tag = varint(buf, &mut pos)?;
        let (num, wire) = (tag >> 3, tag & 7);
        match wire {
            0 => {
                let v = varint(buf, &mut pos)?;
                out.push((num, Field::Scalar(v)));
            }
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let end = pos.checked_add(len).filter(|e| *e <= buf.len())?;
                out.push((num, Field::Bytes(&buf[pos..end])));
                pos = end;
            }
            1 => pos += 8,
            5 => pos += 4,
            _ => return None,
        }
    }
    Some(out)
}

fn strings(buf: &[u8], names: &[(u64, &str)]) -> Option<Value> {
    let mut obj = json!({});
    for (num, f) in fields(buf)? {
        if let (Some((_, name)), Field::Bytes(b)) = (names.iter().find(|(n, _)| *n == num), f) {
            obj[*name] = json!(String::from_utf8_lossy(b));
        }
    }
    Some(obj)
}

fn review_spec(buf: &[u8]) -> Option<Value> {
    let mut spec = json!({});
    let mut groups = Vec::new();
    for (num, f) in fields(buf)? {
        let Field::Bytes(b) = f else { continue };
        match num {
            1 => {
                spec["resourceAttributes"] = strings(
                    b,
                    &[
                        (1, "namespace"),
                        (2, "verb"),
                        (3, "group"),
                        (4, "version"),
                        (5, "resource"),
                        (6, "subresource"),
                        (7, "name"),
                    ],
                )?
            }
            2 => spec["nonResourceAttributes"] = strings(b, &[(1, "path"), (2, "verb")])?,
            3 => spec["user"] = json!(String::from_utf8_lossy(b)),
            4 => groups.push(json!(String::from_utf8_lossy(b))),
            _ => {}
        }
    }
    if !groups.is_empty() {
        spec["groups"] = json!(groups);
    }
    Some(spec)
}

/// The envelope (`runtime.Unknown`): type meta as JSON and the raw message.
fn unwrap_envelope(body: &[u8]) -> Option<(Value, &[u8])> {
    let inner = body.strip_prefix(MAGIC)?;
    let mut type_meta = json!({});
    let mut raw: &[u8] = &[];
    for (num, f) in fields(inner)? {
        match (num, f) {
            (1, Field::Bytes(b)) => type_meta = strings(b, &[(1, "apiVersion"), (2, "kind")])?,
            (2, Field::Bytes(b)) => raw = b,
            _ => {}
        }
    }
    Some((type_meta, raw))
}

/// Decodes a protobuf TokenRequest's spec (audiences, expirationSeconds) into JSON.
pub fn decode_token_request(body: &[u8]) -> ApiResult<Value> {
    let bad = || ApiError::bad_request("the body of the request could not be decoded as a protobuf TokenRequest");
    let (type_meta, raw) = unwrap_envelope(body).ok_or_else(bad)?;
    let mut spec = json!({});
    for (num, f) in fields(raw).ok_or_else(bad)? {
        let (2, Field::Bytes(b)) = (num, f) else { continue };
        let mut audiences = Vec::new();
        for (n, f) in fields(b).ok_or_else(bad)? {
            match (n, f) {
                (1, Field::Bytes(a)) => audiences.push(json!(String::from_utf8_lossy(a))),
                (4, Field::Scalar(s)) => spec["expirationSeconds"] = json!(s),
                _ => {}
            }
        }
        if !audiences.is_empty() {
            spec["audiences"] = json!(audiences);
        }
    }
    Ok(json!({"apiVersion": type_meta["apiVersion"], "kind": type_meta["kind"], "spec": spec}))
}

/// Decodes a protobuf SelfSubjectAccessReview or SubjectAccessReview into its JSON form.
pub fn decode_review(body: &[u8]) -> ApiResult<Value> {
    let bad = || ApiError::bad_request("the body of the request could not be decoded as a protobuf access review");
    let inner = body.strip_prefix(MAGIC).ok_or_else(bad)?;
    let mut type_meta = json!({});
    let mut raw: &[u8] = &[];
    for (num, f) in fields(inner).ok_or_else(bad)? {
        match (num, f) {
            (1, Field::Bytes(b)) => type_meta = strings(b, &[(1, "apiVersion"), (2, "kind")]).ok_or_else(bad)?,
            (2, Field::Bytes(b)) => raw = b,
            _ => {}
        }
    }
    let kind = type_meta["kind"].as_str().unwrap_or_default();
    if kind != "SelfSubjectAccessReview" && kind != "SubjectAccessReview" {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!("kubesim reads protobuf only for access reviews, not {kind:?}"),
        ));
    }
    let mut obj = json!({"apiVersion": type_meta["apiVersion"], "kind": kind, "metadata": {}});
    for (num, f) in fields(raw).ok_or_else(bad)? {
        if let (2, Field::Bytes(b)) = (num, f) {
            obj["spec"] = review_spec(b).ok_or_else(bad)?;
        }
    }
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(num: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![((num << 3) | 2) as u8, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_a_token_request() {
        let spec = [msg(1, b"api"), vec![4 << 3, 0xd8, 0x04]].concat(); // expirationSeconds 600
        let req = [msg(1, &[]), msg(2, &spec)].concat();
        let type_meta = [msg(1, b"authentication.k8s.io/v1"), msg(2, b"TokenRequest")].concat();
        let body = [MAGIC.to_vec(), msg(1, &type_meta), msg(2, &req)].concat();
        let v = decode_token_request(&body).unwrap();
        assert_eq!(v["spec"], json!({"audiences": ["api"], "expirationSeconds": 600}));
        assert_eq!(v["kind"], "TokenRequest");
    }

    #[test]
    fn decodes_what_kubectl_auth_can_i_sends() {
        let attrs = [msg(1, b"shop"), msg(2, b"list"), msg(5, b"pods")].concat();
        let spec = msg(1, &attrs);
        let review = [msg(1, &[]), msg(2, &spec)].concat();
        let type_meta = [msg(1, b"authorization.k8s.io/v1"), msg(2, b"SelfSubjectAccessReview")].concat();
        let body = [MAGIC.to_vec(), msg(1, &type_meta), msg(2, &review)].concat();
        let v = decode_review(&body).unwrap();
        assert_eq!(v["kind"], "SelfSubjectAccessReview");
        assert_eq!(
            v["spec"]["resourceAttributes"],
            json!({"namespace": "shop", "verb": "list", "resource": "pods"})
        );
    }
}
