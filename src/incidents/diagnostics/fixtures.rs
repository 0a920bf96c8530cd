//! What the diagnostics tests share: resources, keys and cluster facts from JSON fixtures.

use chrono::{DateTime, Utc};
use kube::api::DynamicObject;
use serde_json::Value;

use super::facts::{Kind, ObjectKey};
use super::finding::{Finding, FindingClass};
use super::index::ClusterFacts;
use crate::kube::discovery::ResourceInfo;

/// The instant the fixtures are judged at.
pub fn now() -> DateTime<Utc> {
    at("2026-12-06T12:00:00Z")
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a fixture time")
        .with_timezone(&Utc)
}

/// `now` less `minutes`, as the API writes times.
pub fn ago(minutes: i64) -> String {
    (now() - chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The resource of a fixture, from its apiVersion and kind.
pub fn resource(object: &Value) -> ResourceInfo {
    let api_version = object["apiVersion"].as_str().expect("a fixture has an apiVersion");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().expect("a fixture has a kind").to_string();
    ResourceInfo {
        group: group.to_string(),
        version: version.to_string(),
        resource: format!("{}s", kind.to_lowercase()),
        namespaced: true,
        kind,
        verbs: Vec::new(),
        short_names: Vec::new(),
        categories: Vec::new(),
        subresources: Vec::new(),
        preferred: true,
        printer_columns: Vec::new(),
    }
}

pub fn key(kind: Kind, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey::new(kind, namespace, name)
}

pub fn facts_of(objects: &[Value]) -> ClusterFacts {
    let mut facts = ClusterFacts::default();
    for object in objects {
        let dynamic: DynamicObject = serde_json::from_value(object.clone()).expect("a fixture object");
        facts.apply(&resource(object), &dynamic).expect("a readable fixture");
    }
    facts
}

/// The classes of the findings, in order.
pub fn classes(findings: &[Finding]) -> Vec<FindingClass> {
    findings.iter().map(|f| f.class).collect()
}
