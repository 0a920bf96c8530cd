//! The inventory's request parameters and answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use kube::api::DynamicObject;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

use super::query::{Order, SortKey};
use super::rows::{CachedRow, Row};
use crate::kube::discovery::ResourceInfo;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiResourceList {
    pub items: Vec<ResourceInfo>,
}

/// `?namespace=&labelSelector=&fieldSelector=&q=&sort=&order=&limit=&continue=&full=`
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Rows of this namespace only.
    pub namespace: Option<String>,
    /// The apiserver's syntax: `app=web,tier!=db`, `env in (prod,qa)`, `!canary`.
    pub label_selector: Option<String>,
    /// `path=value` / `path!=value` terms on any field (`status.phase=Running`, `spec.nodeName=n1`).
    pub field_selector: Option<String>,
    /// A substring of the name (case-insensitive).
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<SortKey>,
    #[param(inline)]
    pub order: Option<Order>,
    /// Rows per page (1–5000); without it, the whole list.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    pub continue_: Option<String>,
    /// Whole objects instead of rows.
    pub full: Option<bool>,
}

/// The schema of a Kubernetes object as Fleetdeck serves it (`managedFields` and the
/// last-applied annotation dropped, Secret values redacted).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubeObject {
    pub api_version: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub metadata: Value,
}

/// A row as it was serialized when the object last changed.
#[derive(Debug, Clone)]
pub struct RowJson(pub Arc<CachedRow>);

impl Serialize for RowJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.json.serialize(s)
    }
}

/// A list entry: a row, or the whole object with `?full=true`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ListItem {
    Row(RowJson),
    Object(Arc<DynamicObject>),
}

/// `oneOf` a row and an object: a row has a top-level `name` and no `metadata`, an object the
/// reverse, so exactly one matches.
impl utoipa::PartialSchema for ListItem {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Ref::from_schema_name(Row::name()))
            .item(Ref::from_schema_name(KubeObject::name()))
            .into()
    }
}

impl ToSchema for ListItem {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Row::name().into(), <Row as utoipa::PartialSchema>::schema()));
        Row::schemas(schemas);
        schemas.push((
            KubeObject::name().into(),
            <KubeObject as utoipa::PartialSchema>::schema(),
        ));
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceList {
    pub items: Vec<ListItem>,
    /// Pass as `continue` for the next page; empty on the last.
    #[serde(rename = "continue")]
    pub continue_: String,
    /// Rows matching the filters, over every page.
    pub total: usize,
    /// The cache's resourceVersion when the list was read.
    pub resource_version: String,
}

/// The rows of the events about one object.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    #[schema(value_type = Vec<Row>)]
    pub items: Vec<RowJson>,
}

/// `?managedFields=true` reads the object from the apiserver with its field ownership.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ObjectParams {
    pub managed_fields: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// `running`, `waiting`, `terminated` or `unknown`.
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInfo {
    pub name: String,
    /// An init container (they run before the others, in order).
    pub init: bool,
    pub image: String,
    pub ready: bool,
    pub restarts: u32,
    pub state: ContainerState,
    /// How the previous run ended (exit code and reason of the last termination).
    pub last_state: Option<ContainerState>,
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerList {
    pub items: Vec<ContainerInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    /// The kinds whose lists can be streamed (`group/version/resource`, core written `core`).
    pub watch_streams: Vec<String>,
}
