//! The HTTP side: one handler that authenticates, authorizes and dispatches every
//! request, and an accept loop that serves it over TLS or plain TCP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::auth::{self, Attributes, Identity};
use crate::discovery::{self, ResourceInfo};
use crate::logs::{self, LogOptions};
use crate::rbac;
use crate::routes::{self, ResourcePath, Route};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::state::{AppState, RequestRecord, lock};
use crate::status::{ApiError, ApiResult};
use crate::store::{ListOptions, Part, PatchType};
use crate::table::{self, IncludeObject};
use crate::watch::{self, WatchRequest};
use crate::{apply, eviction, exec, metrics, openapi, reviews, schema, tokens};

/// How many requests `Sim::requests()` can return; the oldest half goes when it is full.
pub const MAX_RECORDED_REQUESTS: usize = 100_000;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

fn json_response(code: u16, body: &Value) -> Response {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).expect("serializable"),
    )
        .into_response()
}

fn error_response(e: &ApiError) -> Response {
    json_response(e.code, &e.to_status())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    exec::Upgrade(upgrade): exec::Upgrade,
    body: Bytes,
) -> Response {
    let latency = lock(&state.faults).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let query: HashMap<String, String> = Query::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    let route = routes::parse(uri.path());
    match route {
        Route::Version => return json_response(200, &discovery::version(&state.git_version)),
        Route::Health => {
            return (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response();
        }
        _ => {}
    }

    let impersonate_user = header_str(&headers, "impersonate-user").map(str::to_string);
    let impersonate_groups: Vec<String> = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let mut record = RequestRecord {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        authenticated_user: None,
        user: None,
        groups: Vec::new(),
        impersonate_user: impersonate_user.clone(),
        impersonate_groups: impersonate_groups.clone(),
        status: 0,
    };

    let response = match authenticate(&state, &headers) {
        Err(e) => error_response(&e),
        Ok(caller) => {
            record.authenticated_user = Some(caller.user.clone());
            let mut rules = lock(&state.rules).clone();
            rules.extend(rbac::stored_rules(&lock(&state.store)));
            match auth::impersonate(&rules, &caller, impersonate_user.as_deref(), &impersonate_groups) {
                Err(e) => error_response(&e),
                Ok(who) => {
                    record.user = Some(who.user.clone());
                    record.groups = who.groups.clone();
                    let ctx = Ctx {
                        state: state.clone(),
                        method: method.clone(),
                        who,
                        rules,
                        query,
                        uri,
                        headers,
                        upgrade: std::sync::Mutex::new(upgrade),
                        body,
                        warnings: std::sync::Mutex::new(Vec::new()),
                    };
                    let mut response = match dispatch(&ctx, &method, route) {
                        Ok(r) => r,
                        Err(e) => error_response(&e),
                    };
                    for w in lock(&ctx.warnings).iter() {
                        // RFC 7234 warn-code 299, as the apiserver sends them.
                        let value = format!("299 - {}", serde_json::to_string(w).expect("a string"));
                        if let Ok(v) = header::HeaderValue::from_str(&value) {
                            response.headers_mut().append(header::WARNING, v);
                        }
                    }
                    response
                }
            }
        }
    };
    record.status = response.status().as_u16();
    let mut requests = lock(&state.requests);
    // Bounded so a long benchmark cannot grow it without limit; tests look at recent requests.
    if requests.len() >= MAX_RECORDED_REQUESTS {
        requests.drain(..MAX_RECORDED_REQUESTS / 2);
    }
    requests.push(record);
    drop(requests);
    response
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Identity> {
    let token = header_str(headers, "authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let configured = lock(&state.tokens).iter().find(|t| t.token == token).map(|e| Identity {
        user: e.user.clone(),
        groups: e.groups.clone(),
    });
    let mut who = match configured {
        Some(who) => who,
        None => {
            let issued = lock(&state.issued_tokens);
            let t = issued
                .iter()
                .find(|t| t.token == token)
                .ok_or_else(ApiError::unauthorized)?;
            // Expired service-account tokens are rejected outright, as the apiserver does.
            if t.expires <= chrono::Utc::now() {
                return Err(ApiError::unauthorized());
            }
            t.identity.clone()
        }
    };
    who.groups.push("system:authenticated".into());
    Ok(who)
}

struct Ctx {
    state: Arc<AppState>,
    method: Method,
    who: Identity,
    rules: Vec<auth::Rule>,
    query: HashMap<String, String>,
    /// For queries that repeat a key (exec's `command`).
    uri: Uri,
    headers: HeaderMap,
    /// Taken by an exec or attach that switches protocols.
    upgrade: std::sync::Mutex<Option<hyper::upgrade::OnUpgrade>>,
    body: Bytes,
    /// `Warning` headers for the response (unknown fields under `fieldValidation=Warn`).
    warnings: std::sync::Mutex<Vec<String>>,
}

impl Ctx {
    fn q(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str).filter(|s| !s.is_empty())
    }

    fn flag(&self, k: &str) -> bool {
        self.q(k).is_some_and(crate::status::query_bool)
    }

    /// The request body as JSON; kubectl's typed clients send protobuf, decoded here.
    fn body_json(&self) -> ApiResult<Value> {
        let ct = header_str(&self.headers, "content-type").unwrap_or("application/json");
        if ct.starts_with(crate::protobuf::CONTENT_TYPE) {
            return crate::protobuf::decode(&self.body);
        }
        if ct.starts_with("application/yaml") {
            return yaml_serde::from_slice(&self.body)
                .map_err(|e| ApiError::bad_request(format!("the body of the request could not be decoded: {e}")));
        }
        if !ct.starts_with("application/json") && !ct.contains("+json") {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                format!(
                    "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got {ct}"
                ),
            ));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_request(format!("the body of the request could not be decoded: {e}")))
    }

    fn table(&self) -> Option<IncludeObject> {
        let accept = header_str(&self.headers, "accept").unwrap_or_default();
        table::wants_table(accept).then(|| IncludeObject::parse(self.q("includeObject")))
    }

    /// `fieldManager`, else what the apiserver derives from the User-Agent (`kubectl/v1.33…` → `kubectl`).
    fn field_manager(&self) -> String {
        match self.q("fieldManager") {
            Some(m) => m.to_string(),
            None => header_str(&self.headers, "user-agent")
                .and_then(|ua| ua.split('/').next())
                .filter(|m| !m.is_empty())
                .unwrap_or("unknown")
                .chars()
                .take(128)
                .collect(),
        }
    }

    /// Who this write is by, for `managedFields`; `subresource` is "" for the object itself.
    fn writer(&self, r: &ResourceInfo, subresource: &str) -> apply::Writer {
        apply::Writer {
            manager: self.field_manager(),
            api_version: r.api_version(),
            subresource: subresource.to_string(),
            scope: if subresource == "status" {
                apply::Scope::Status
            } else {
                apply::Scope::Main {
                    has_status: r.has_status,
                }
            },
            now: crate::store::now_rfc3339(),
        }
    }

    /// A DELETE's DeleteOptions (JSON or protobuf; `{}` without a body).
    fn delete_options(&self) -> ApiResult<Value> {
        if self.body.is_empty() {
            Ok(json!({}))
        } else {
            self.body_json()
        }
    }

    /// The store for a write: with `dryRun=All` (in the query, or in the write's
    /// DeleteOptions) the write is checked and answered but not kept.
    fn writable(&self, delete_options: Option<&Value>) -> ApiResult<Writable<'_>> {
        let in_body = delete_options
            .and_then(|o| o["dryRun"].as_array())
            .and_then(|a| a.first()?.as_str());
        let dry_run = match self.q("dryRun").or(in_body) {
            None => false,
            Some("All") => true,
            Some(other) => return Err(unsupported_option(&self.method, "dryRun", other, &["All"])),
        };
        self.field_validation()?;
        let mut store = lock(&self.state.store);
        store.dry_run = dry_run;
        Ok(Writable(store))
    }

    /// `fieldValidation`: Ignore, Warn (the default) or Strict.
    fn field_validation(&self) -> ApiResult<&str> {
        match self.q("fieldValidation").unwrap_or("Warn") {
            v @ ("Ignore" | "Warn" | "Strict") => Ok(v),
            other => Err(unsupported_option(
                &self.method,
                "fieldValidation",
                other,
                &["Ignore", "Strict", "Warn"],
            )),
        }
    }

    /// Checks a custom resource against its CRD's schema before it is written: unknown
    /// fields are pruned and, per `fieldValidation`, refused or warned about; with
    /// `validate`, broken rules are a 422 (an apply configuration is only pruned: it is
    /// validated once merged).
    fn admit(&self, r: &ResourceInfo, obj: &mut Value, validate: bool) -> ApiResult<()> {
        let Some(schema) = r.custom.as_ref().and_then(|c| c.schema.as_ref()) else {
            return Ok(());
        };
        let checked = schema::check(schema, obj);
        let unknown: Vec<String> = checked
            .unknown
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .collect();
        match self.field_validation()? {
            "Strict" if !unknown.is_empty() => {
                return Err(ApiError::bad_request(format!(
                    "strict decoding error: {}",
                    unknown.join(", ")
                )));
            }
            "Warn" => lock(&self.warnings).extend(unknown),
            _ => {}
        }
        if !validate || checked.errors.is_empty() {
            Ok(())
        } else {
            let name = obj["metadata"]["name"].as_str().unwrap_or_default();
            Err(ApiError::invalid_fields(&r.group, &r.kind, name, &checked.errors))
        }
    }

    fn authorize(&self, attrs: &Attributes) -> ApiResult<()> {
        if auth::allowed(&self.rules, &self.who, attrs) {
            Ok(())
        } else {
            Err(auth::forbidden(&self.who, attrs))
        }
    }
}

/// The apiserver's 422 for a bad write option (`CreateOptions.meta.k8s.io "" is invalid: …`).
fn unsupported_option(method: &Method, field: &str, value: &str, supported: &[&str]) -> ApiError {
    let options = match *method {
        Method::POST => "CreateOptions",
        Method::PUT => "UpdateOptions",
        Method::PATCH => "PatchOptions",
        _ => "DeleteOptions",
    };
    ApiError::invalid_fields(
        "meta.k8s.io",
        options,
        "",
        &[crate::status::FieldError::not_supported(
            field,
            &json!(value),
            supported,
        )],
    )
}

/// The store locked for one write; a dry run ends with it.
struct Writable<'a>(std::sync::MutexGuard<'a, crate::store::Store>);

impl std::ops::Deref for Writable<'_> {
    type Target = crate::store::Store;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Writable<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Writable<'_> {
    fn drop(&mut self) {
        self.0.dry_run = false;
    }
}

fn dispatch(ctx: &Ctx, method: &Method, route: Route) -> ApiResult<Response> {
    let s = &ctx.state;
    match route {
        Route::CoreVersions | Route::GroupList
            if let Some(media) =
                discovery::aggregated_media_type(header_str(&ctx.headers, "accept").unwrap_or_default()) =>
        {
            let api_version = if media.contains("v=v2beta1") {
                "apidiscovery.k8s.io/v2beta1"
            } else {
                "apidiscovery.k8s.io/v2"
            };
            let doc = lock(&s.store)
                .registry
                .aggregated(route == Route::CoreVersions, api_version);
            let mut response = json_response(200, &doc);
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(media));
            Ok(response)
        }
        Route::CoreVersions => {
            let addr = lock(&s.server_address).clone();
            Ok(json_response(200, &discovery::api_versions(&addr)))
        }
        Route::GroupList => Ok(json_response(200, &lock(&s.store).registry.api_group_list())),
        Route::GroupVersion { group, version } => match lock(&s.store).registry.api_resource_list(&group, &version) {
            Some(list) => Ok(json_response(200, &list)),
            None => Err(ApiError::resource_not_found()),
        },
        // Built from a snapshot of the registry, so documents are not built under the store's lock.
        Route::OpenApiV2 | Route::OpenApiRoot | Route::OpenApiGroupVersion(_) => {
            let registry = lock(&s.store).registry.clone();
            openapi_response(
                route,
                &registry,
                &s.git_version,
                header_str(&ctx.headers, "if-none-match"),
            )
        }
        Route::Resource(rp) => resource_request(ctx, method, rp),
        Route::NodeProxy { node, path } => node_proxy(ctx, method, &node, &path),
        Route::NotFound | Route::Version | Route::Health => Err(ApiError::resource_not_found()),
    }
}

/// `/openapi/v2` (protobuf) and `/openapi/v3` (the root, or one group/version). v3 documents
/// carry an `ETag` (their hash, quoted, as the apiserver's); `If-None-Match` with it is a 304.
fn openapi_response(
    route: Route,
    registry: &discovery::Registry,
    git_version: &str,
    if_none_match: Option<&str>,
) -> ApiResult<Response> {
    let tagged = |doc: Value| {
        let etag = format!("\"{}\"", openapi::hash_of(&doc));
        let mut response = match if_none_match == Some(etag.as_str()) {
            true => StatusCode::NOT_MODIFIED.into_response(),
            false => json_response(200, &doc),
        };
        let value = header::HeaderValue::from_str(&etag).expect("a hash is a header value");
        response.headers_mut().insert(header::ETAG, value);
        response
    };
    match route {
        Route::OpenApiV2 => Ok((
            // What the apiserver labels it; Go cannot parse the protobuf media type's `@`.
            [(header::CONTENT_TYPE, "application/octet-stream")],
            openapi::v2_protobuf(registry, git_version),
        )
            .into_response()),
        Route::OpenApiRoot => Ok(tagged(openapi::root(registry, git_version))),
        Route::OpenApiGroupVersion(gv) => openapi::group_version(registry, git_version, &gv)
            .map(tagged)
            .ok_or_else(ApiError::resource_not_found),
        _ => Err(ApiError::resource_not_found()),
    }
}

fn verb_for(method: &Method, rp: &ResourcePath, watch: bool) -> &'static str {
    match *method {
        Method::GET if watch => "watch",
        Method::GET if rp.name.is_some() => "get",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if rp.name.is_some() => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}

fn resource_request(ctx: &Ctx, method: &Method, rp: ResourcePath) -> ApiResult<Response> {
    let not_found = ApiError::resource_not_found;
    let found = lock(&ctx.state.store)
        .registry
        .find(&rp.group, &rp.version, &rp.resource);
    let found = found.ok_or_else(not_found)?;
    let r = &*found;
    if rp.namespace.is_some() && !r.namespaced {
        return Err(not_found());
    }
    match rp.subresource.as_deref() {
        None => {}
        Some("status") if r.has_status => {}
        Some("scale") if r.has_scale => {}
        Some("log" | "eviction" | "exec" | "attach") if r.resource == "pods" => {}
        Some("token") if r.resource == "serviceaccounts" => {}
        Some(_) => return Err(not_found()),
    }
    let watch = ctx.flag("watch");
    let verb = verb_for(method, &rp, watch);
    let resource_attr = match &rp.subresource {
        Some(sub) => format!("{}/{sub}", r.resource),
        None => r.resource.to_string(),
    };
    let attrs = Attributes {
        verb: verb.to_string(),
        group: r.group.to_string(),
        resource: resource_attr,
        namespace: rp.namespace.clone().unwrap_or_default(),
        name: rp.name.clone().unwrap_or_default(),
    };
    let failure = lock(&ctx.state.faults)
        .failures
        .iter()
        .find(|f| f.group == r.group && (f.resource == r.resource || f.resource == "*"))
        .cloned();
    if let Some(f) = failure {
        return Err(ApiError::from_code(f.code, f.message));
    }
    if r.create_only {
        return review(ctx, method, r);
    }
    ctx.authorize(&attrs)?;
    if r.metrics {
        return metrics_request(ctx, r, &rp, verb);
    }

    let ns = rp.namespace.as_deref().unwrap_or_default();
    let name = rp.name.as_deref().unwrap_or_default();
    let part = if rp.subresource.as_deref() == Some("status") {
        Part::Status
    } else {
        Part::Main
    };
    let scale = rp.subresource.as_deref() == Some("scale");
    let sub = rp.subresource.as_deref().unwrap_or_default();
    let store = &ctx.state.store;
    match (rp.subresource.as_deref(), verb) {
        (Some("log"), "get") => return pod_log(ctx, r, ns, name),
        (Some("eviction"), "create") => return evict(ctx, r, ns, name),
        (Some("token"), "create") => return token_request(ctx, r, ns, name),
        (Some(sub @ ("exec" | "attach")), "get" | "create") => return pod_exec(ctx, r, &attrs, sub, ns, name),
        (Some("log" | "eviction" | "token" | "exec" | "attach"), _) => return Err(ApiError::method_not_allowed()),
        _ => {}
    }

    match (verb, scale) {
        ("watch", _) => {
            let mut fields = FieldSelector::parse(ctx.q("fieldSelector").unwrap_or_default(), &r.resource)?;
            if let Some(n) = &rp.name {
                fields.0.push(crate::selectors::FieldRequirement {
                    path: "metadata.name".into(),
                    value: n.clone(),
                    negate: false,
                });
            }
            let send_initial_events = ctx.flag("sendInitialEvents");
            if send_initial_events && ctx.q("resourceVersionMatch") != Some("NotOlderThan") {
                return Err(ApiError::invalid(
                    "ListOptions.meta.k8s.io",
                    "",
                    "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            if send_initial_events && !ctx.flag("allowWatchBookmarks") {
                return Err(ApiError::invalid(
                    "ListOptions.meta.k8s.io",
                    "",
                    "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
                ));
            }
            let req = WatchRequest {
                send_initial_events,
                resource: found.clone(),
                namespace: rp.namespace.clone(),
                labels: LabelSelector::parse(ctx.q("labelSelector").unwrap_or_default())?,
                fields,
                resource_version: ctx.q("resourceVersion").unwrap_or_default().to_string(),
                bookmarks: ctx.flag("allowWatchBookmarks"),
                timeout: ctx
                    .q("timeoutSeconds")
                    .and_then(|t| t.parse().ok())
                    .map(Duration::from_secs),
                table: ctx.table(),
            };
            Ok(watch::watch(ctx.state.clone(), req))
        }
        ("list", _) => {
            let opts = ListOptions {
                labels: LabelSelector::parse(ctx.q("labelSelector").unwrap_or_default())?,
                fields: FieldSelector::parse(ctx.q("fieldSelector").unwrap_or_default(), &r.resource)?,
                limit: ctx.q("limit").and_then(|l| l.parse().ok()),
                continue_token: ctx.q("continue").map(str::to_string),
            };
            let list = lock(store).list(r, rp.namespace.as_deref(), &opts)?;
            Ok(json_response(200, &maybe_table(ctx, r, list)))
        }
        ("get", true) => {
            let obj = lock(store).get(r, ns, name)?;
            Ok(json_response(200, &scale_of(r, &obj)))
        }
        ("get", false) => {
            let obj = lock(store).get(r, ns, name)?;
            match ctx.table() {
                Some(include) => Ok(json_response(
                    200,
                    &table::table(r, &[obj], json!({}), include, chrono::Utc::now()),
                )),
                None => Ok(json_response(200, &obj)),
            }
        }
        ("create", _) => {
            if rp.name.is_some() {
                return Err(ApiError::method_not_allowed());
            }
            if r.namespaced && rp.namespace.is_none() {
                return Err(ApiError::method_not_allowed());
            }
            let mut body = ctx.body_json()?;
            ctx.admit(r, &mut body, true)?;
            apply::track_update(None, &mut body, &ctx.writer(r, ""));
            let obj = ctx.writable(None)?.create(r, ns, body)?;
            Ok(json_response(201, &obj))
        }
        ("update", true) => {
            let body = ctx.body_json()?;
            let mut st = ctx.writable(None)?;
            let obj = st.get(r, ns, name)?;
            let updated = set_replicas(ctx, &mut st, r, ns, name, obj, &body)?;
            Ok(json_response(200, &scale_of(r, &updated)))
        }
        ("update", false) => {
            let mut body = ctx.body_json()?;
            ctx.admit(r, &mut body, true)?;
            let mut st = ctx.writable(None)?;
            let old = st.get(r, ns, name)?;
            apply::track_update(Some(&old), &mut body, &ctx.writer(r, sub));
            let obj = st.update(r, ns, name, body, part)?;
            Ok(json_response(200, &obj))
        }
        ("patch", true) => {
            let pt = patch_type(ctx, r)?;
            let body = ctx.body_json()?;
            let mut st = ctx.writable(None)?;
            let obj = st.get(r, ns, name)?;
            let mut scale = scale_of(r, &obj);
            pt.apply(&mut scale, &body)?;
            let updated = set_replicas(ctx, &mut st, r, ns, name, obj, &scale)?;
            Ok(json_response(200, &scale_of(r, &updated)))
        }
        ("patch", false) if is_apply(ctx) => server_side_apply(ctx, r, ns, name, part),
        ("patch", false) => {
            let pt = patch_type(ctx, r)?;
            let writer = ctx.writer(r, sub);
            let body = ctx.body_json()?;
            let obj = ctx.writable(None)?.patch(r, ns, name, pt, &body, part, |old, new| {
                ctx.admit(r, new, true)?;
                apply::track_update(Some(old), new, &writer);
                Ok(())
            })?;
            Ok(json_response(200, &obj))
        }
        ("delete", _) => {
            let opts = ctx.delete_options()?;
            let mut st = ctx.writable(Some(&opts))?;
            check_preconditions(r, &opts, &st.get(r, ns, name)?)?;
            let obj = st.delete(r, ns, name)?;
            drop(st);
            let mut details = json!({"name": name, "kind": r.resource, "uid": obj["metadata"]["uid"]});
            if !r.group.is_empty() {
                details["group"] = json!(r.group);
            }
            Ok(json_response(
                200,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
            ))
        }
        ("deletecollection", _) => {
            let labels = LabelSelector::parse(ctx.q("labelSelector").unwrap_or_default())?;
            let fields = FieldSelector::parse(ctx.q("fieldSelector").unwrap_or_default(), &r.resource)?;
            let opts = ctx.delete_options()?;
            let mut st = ctx.writable(Some(&opts))?;
            let keys: Vec<(String, String)> = st
                .select(r, rp.namespace.as_deref(), &labels, &fields)
                .into_iter()
                .map(|(k, _)| (k.namespace.clone(), k.name.clone()))
                .collect();
            let mut items = Vec::new();
            for (kns, kname) in keys {
                items.push(st.delete(r, &kns, &kname)?);
            }
            let rv = st.resource_version().to_string();
            Ok(json_response(
                200,
                &json!({"kind": format!("{}List", r.kind), "apiVersion": r.api_version(),
                        "metadata": {"resourceVersion": rv}, "items": items}),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// metrics.k8s.io, read-only as metrics-server serves it: get and list, computed from
/// the stored pods and nodes; no watch (its 405), no writes.
fn metrics_request(ctx: &Ctx, r: &ResourceInfo, rp: &ResourcePath, verb: &str) -> ApiResult<Response> {
    // The locks are held while the answer is computed, not while it is sent.
    let (store, set) = (&ctx.state.store, &ctx.state.usage);
    match verb {
        "get" => {
            let ns = rp.namespace.as_deref().unwrap_or_default();
            let name = rp.name.as_deref().unwrap_or_default();
            let m = metrics::get(&lock(store), &lock(set), r, ns, name)?;
            match ctx.table() {
                Some(include) => Ok(json_response(
                    200,
                    &table::table(r, &[m], json!({}), include, chrono::Utc::now()),
                )),
                None => Ok(json_response(200, &m)),
            }
        }
        "list" => {
            let labels = LabelSelector::parse(ctx.q("labelSelector").unwrap_or_default())?;
            // metrics-server filters on metadata fields only.
            let fields = FieldSelector::parse(ctx.q("fieldSelector").unwrap_or_default(), "")?;
            let list = metrics::list(&lock(store), &lock(set), r, rp.namespace.as_deref(), &labels, &fields)?;
            Ok(json_response(200, &maybe_table(ctx, r, list)))
        }
        "watch" => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!(
                "watch is not supported on resources of kind {:?}",
                ApiError::qualified(&r.group, &r.resource)
            ),
        )),
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// The apiserver's proxy to a node's kubelet (`nodes/proxy`, verb get): only the kubelet's
/// `stats/summary`, from the volume usage set with `Sim::set_volume_usage`.
/// `fail_resource("", "nodes/proxy", …)` plays a proxy or kubelet that fails.
fn node_proxy(ctx: &Ctx, method: &Method, node: &str, path: &str) -> ApiResult<Response> {
    if *method != Method::GET {
        return Err(ApiError::method_not_allowed());
    }
    ctx.authorize(&Attributes {
        verb: "get".into(),
        group: String::new(),
        resource: "nodes/proxy".into(),
        namespace: String::new(),
        name: node.to_string(),
    })?;
    let failure = lock(&ctx.state.faults)
        .failures
        .iter()
        .find(|f| f.group.is_empty() && f.resource == "nodes/proxy")
        .cloned();
    if let Some(f) = failure {
        return Err(ApiError::from_code(f.code, f.message));
    }
    match path {
        "stats/summary" => {
            let summary = crate::kubelet::summary(&lock(&ctx.state.store), &lock(&ctx.state.volumes), node)?;
            Ok(json_response(200, &summary))
        }
        _ => Err(ApiError::resource_not_found()),
    }
}

/// GET pods/{name}/log: scripted and appended lines, optionally followed.
fn pod_log(ctx: &Ctx, r: &ResourceInfo, ns: &str, name: &str) -> ApiResult<Response> {
    let pod = lock(&ctx.state.store).get(r, ns, name)?;
    let count = |k: &str| -> ApiResult<Option<usize>> {
        ctx.q(k)
            .map(|v| {
                v.parse::<i64>()
                    .map(|n| usize::try_from(n).unwrap_or(0))
                    .map_err(|_| ApiError::bad_request(format!("invalid value for {k}: {v:?}")))
            })
            .transpose()
    };
    let opts = LogOptions {
        tail_lines: count("tailLines")?,
        timestamps: ctx.flag("timestamps"),
        limit_bytes: count("limitBytes")?,
    };
    logs::serve(
        ctx.state.clone(),
        &pod,
        ctx.q("container"),
        ctx.flag("previous"),
        ctx.flag("follow"),
        opts,
    )
}

/// GET (WebSocket) or POST (SPDY) pods/{name}/exec|attach, handed to `exec`.
fn pod_exec(ctx: &Ctx, r: &ResourceInfo, attrs: &Attributes, sub: &str, ns: &str, name: &str) -> ApiResult<Response> {
    if attrs.verb == "get" && exec::upgrade_needs_create(&ctx.state.git_version) {
        ctx.authorize(&Attributes {
            verb: "create".into(),
            ..attrs.clone()
        })?;
    }
    let pod = lock(&ctx.state.store).get(r, ns, name)?;
    let query: Vec<(String, String)> = Query::try_from_uri(&ctx.uri).map(|q| q.0).unwrap_or_default();
    let kind = if sub == "exec" {
        exec::Kind::Exec
    } else {
        exec::Kind::Attach
    };
    let upgrade = lock(&ctx.upgrade).take();
    exec::serve(ctx.state.clone(), kind, &pod, &query, &ctx.headers, upgrade)
}

/// POST pods/{name}/eviction: deletes the pod unless a PodDisruptionBudget forbids it.
/// The path names the pod; the body (an Eviction, often protobuf from kubectl) is read
/// for its `deleteOptions.dryRun` (`kubectl drain --dry-run=server`).
fn evict(ctx: &Ctx, r: &ResourceInfo, ns: &str, name: &str) -> ApiResult<Response> {
    let pdbs_r = discovery::find("policy", "v1", "poddisruptionbudgets").expect("registered");
    let eviction = if ctx.body.is_empty() {
        json!({})
    } else {
        ctx.body_json()?
    };
    let mut st = ctx.writable(Some(&eviction["deleteOptions"]))?;
    let pod = st.get(r, ns, name)?;
    let everything = (LabelSelector::default(), FieldSelector::default());
    let in_ns = |res: &ResourceInfo| -> Vec<Value> {
        st.select(res, Some(ns), &everything.0, &everything.1)
            .into_iter()
            .map(|(_, v)| v.clone())
            .collect()
    };
    let pdbs = in_ns(pdbs_r);
    let pods = in_ns(r);
    eviction::check(&pod, &pdbs, &pods)?;
    st.delete(r, ns, name)?;
    Ok(json_response(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// POST serviceaccounts/{name}/token: issues a token the simulator then accepts.
fn token_request(ctx: &Ctx, r: &ResourceInfo, ns: &str, name: &str) -> ApiResult<Response> {
    lock(&ctx.state.store).get(r, ns, name)?;
    let request = if ctx.body.is_empty() {
        json!({})
    } else {
        ctx.body_json()?
    };
    let issued = tokens::issue(ns, name, &request, chrono::Utc::now());
    let body = tokens::response(ns, name, &request, &issued);
    lock(&ctx.state.issued_tokens).push(issued);
    Ok(json_response(201, &body))
}

/// DeleteOptions (JSON, or protobuf from typed clients): `preconditions` name a uid or
/// resourceVersion that must still match (409 otherwise), and `propagationPolicy` must be
/// one the apiserver knows (422). Deletion is immediate whatever the policy or grace period.
fn check_preconditions(r: &ResourceInfo, opts: &Value, current: &Value) -> ApiResult<()> {
    let policy = &opts["propagationPolicy"];
    if !policy.is_null() && !matches!(policy.as_str(), Some("Foreground" | "Background" | "Orphan")) {
        return Err(ApiError::invalid_fields(
            "meta.k8s.io",
            "DeleteOptions",
            "",
            &[crate::status::FieldError::not_supported(
                "propagationPolicy",
                policy,
                &["Foreground", "Background", "Orphan", "nil"],
            )],
        ));
    }
    let name = current["metadata"]["name"].as_str().unwrap_or_default();
    for field in ["uid", "resourceVersion"] {
        if let Some(want) = opts["preconditions"][field].as_str()
            && current["metadata"][field].as_str() != Some(want)
        {
            return Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: {}: {want}, {}: {}",
                    ApiError::qualified(&r.group, &r.resource),
                    if field == "uid" {
                        "UID in precondition"
                    } else {
                        "ResourceVersion in precondition"
                    },
                    if field == "uid" {
                        "UID in object meta"
                    } else {
                        "ResourceVersion in object meta"
                    },
                    current["metadata"][field].as_str().unwrap_or_default()
                ),
            )
            .with_details(json!({"name": name, "kind": r.resource})));
        }
    }
    Ok(())
}

fn is_apply(ctx: &Ctx) -> bool {
    header_str(&ctx.headers, "content-type").is_some_and(|ct| ct.starts_with("application/apply-patch+yaml"))
}

/// PATCH with `application/apply-patch+yaml`: server-side apply, creating the object if
/// it does not exist.
fn server_side_apply(ctx: &Ctx, r: &ResourceInfo, ns: &str, name: &str, part: Part) -> ApiResult<Response> {
    if ctx.q("fieldManager").is_none() {
        return Err(ApiError::invalid(
            "PatchOptions.meta.k8s.io",
            "",
            "fieldManager: Required value: is required for apply patch",
        ));
    }
    // YAML is a superset of JSON, so one parser reads both.
    let mut config: Value =
        yaml_serde::from_slice(&ctx.body).map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    if !config.is_object() {
        return Err(ApiError::bad_request("the apply configuration must be an object"));
    }
    let (api_version, kind) = (r.api_version(), &r.kind);
    if config["apiVersion"].as_str() != Some(api_version.as_str()) || config["kind"].as_str() != Some(kind) {
        return Err(ApiError::bad_request(format!(
            "the apiVersion and kind of the apply configuration ({} {}) do not match the request ({api_version} {kind})",
            config["apiVersion"].as_str().unwrap_or_default(),
            config["kind"].as_str().unwrap_or_default(),
        )));
    }
    let body_name = config["metadata"]["name"].as_str().unwrap_or_default();
    if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    // Pruned first, so the manager never owns a field the schema does not know.
    ctx.admit(r, &mut config, false)?;
    let sub = if part == Part::Status { "status" } else { "" };
    let writer = ctx.writer(r, sub);
    let mut st = ctx.writable(None)?;
    let live = match st.get(r, ns, name) {
        Ok(obj) => Some(obj),
        Err(e) if e.code == 404 && part == Part::Main => None,
        Err(e) => return Err(e),
    };
    let mut merged =
        apply::apply(live.as_ref(), &config, &writer, ctx.flag("force")).map_err(|c| apply::conflict_error(&c))?;
    ctx.admit(r, &mut merged, true)?;
    match live {
        Some(_) => Ok(json_response(200, &st.update(r, ns, name, merged, part)?)),
        None => Ok(json_response(201, &st.create(r, ns, merged)?)),
    }
}

fn patch_type(ctx: &Ctx, r: &ResourceInfo) -> ApiResult<PatchType> {
    let ct = header_str(&ctx.headers, "content-type").unwrap_or_default();
    match PatchType::from_content_type(ct)? {
        // Custom resources have no patch strategies to merge by.
        PatchType::Strategic if r.custom.is_some() => Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml; got {ct}"
            ),
        )),
        pt => Ok(pt),
    }
}

fn maybe_table(ctx: &Ctx, r: &ResourceInfo, mut list: Value) -> Value {
    match ctx.table() {
        Some(include) => {
            let items = match list["items"].take() {
                Value::Array(items) => items,
                _ => Vec::new(),
            };
            table::table(r, &items, list["metadata"].take(), include, chrono::Utc::now())
        }
        None => list,
    }
}

/// Where an object keeps its replica counts and selector: a CRD's scale paths, or the
/// built-in workloads' fields.
fn scale_paths(r: &ResourceInfo) -> (&str, &str, Option<&str>) {
    match &r.custom {
        Some(c) => (
            &c.spec_replicas_path,
            &c.status_replicas_path,
            c.label_selector_path.as_deref(),
        ),
        None => (".spec.replicas", ".status.replicas", None),
    }
}

/// The autoscaling/v1 Scale view of a scalable object.
pub fn scale_of(r: &ResourceInfo, obj: &Value) -> Value {
    let (spec_path, status_path, selector_path) = scale_paths(r);
    let first = |path: &str| crate::jsonpath::find(obj, path).into_iter().next().cloned();
    let selector = match selector_path {
        Some(path) => first(path)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        None => table::selector_string(&obj["spec"]["selector"]),
    };
    let meta = &obj["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": first(spec_path).and_then(|v| v.as_i64()).unwrap_or(1)},
        "status": {"replicas": first(status_path).and_then(|v| v.as_i64()).unwrap_or(0), "selector": selector},
    })
}

fn set_replicas(
    ctx: &Ctx,
    st: &mut crate::store::Store,
    r: &ResourceInfo,
    ns: &str,
    name: &str,
    old: Value,
    scale: &Value,
) -> ApiResult<Value> {
    // A resourceVersion in the Scale (put, or set by a patch) is a precondition on the object's.
    let scale_rv = scale["metadata"]["resourceVersion"].as_str().unwrap_or_default();
    if !scale_rv.is_empty() && scale_rv != crate::store::rv_of(&old) {
        return Err(ApiError::conflict(&r.group, &r.resource, name));
    }
    let replicas = scale["spec"]["replicas"].as_i64().filter(|n| *n >= 0).ok_or_else(|| {
        ApiError::invalid(
            "Scale",
            name,
            "spec.replicas: Invalid value: must be greater than or equal to 0",
        )
    })?;
    let mut obj = old.clone();
    crate::jsonpath::set(&mut obj, scale_paths(r).0, json!(replicas));
    apply::track_update(Some(&old), &mut obj, &ctx.writer(r, "scale"));
    st.update(r, ns, name, obj, Part::Main)
}

/// The review kinds (create-only): who am I, may I or may they, what may I do.
fn review(ctx: &Ctx, method: &Method, r: &ResourceInfo) -> ApiResult<Response> {
    if *method != Method::POST {
        return Err(ApiError::method_not_allowed());
    }
    let answer = match r.resource.as_str() {
        // kubectl's body (protobuf) carries nothing the answer needs.
        "selfsubjectreviews" => reviews::self_subject(r, &ctx.who),
        "selfsubjectrulesreviews" => reviews::rules(r, ctx.body_json()?, &ctx.rules, &ctx.who)?,
        "subjectaccessreviews" => {
            // Asking about someone else needs permission, as with the apiserver.
            ctx.authorize(&Attributes {
                verb: "create".into(),
                group: r.group.clone(),
                resource: r.resource.clone(),
                namespace: String::new(),
                name: String::new(),
            })?;
            let review = ctx.body_json()?;
            let subject = reviews::subject(&review);
            reviews::access(r, review, &ctx.rules, &subject)
        }
        _ => reviews::access(r, ctx.body_json()?, &ctx.rules, &ctx.who),
    };
    Ok(json_response(201, &answer))
}

/// Serves connections until the listener task is aborted. Connections are dropped
/// (and new ones refused at once) while the simulator is marked unreachable.
pub async fn serve(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>, app: Router, state: Arc<AppState>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        if *state.unreachable.borrow() {
            drop(tcp);
            continue;
        }
        let app = app.clone();
        let unreachable = state.unreachable.subscribe();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        serve_connection(stream, app, unreachable).await;
                    }
                }
                None => serve_connection(tcp, app, unreachable).await,
            }
        });
    }
}

async fn serve_connection<I>(io: I, app: Router, mut unreachable: tokio::sync::watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // With upgrades, exec and attach sessions carry on after the connection future ends;
    // they watch `unreachable` themselves.
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .with_upgrades();
    tokio::select! {
        _ = conn => {}
        // Dropping the connection future closes the socket mid-request, like a dead server.
        _ = unreachable.wait_for(|u| *u) => {}
    }
}
