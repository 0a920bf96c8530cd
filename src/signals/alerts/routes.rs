//! `/api/alerts/*`: channels (admin writes, secrets write-only), rules (operator writes), the
//! alerts' lifecycle, a channel's test, ad-hoc dispatch and the delivery log. Reads of alerts
//! and deliveries show only what the caller may see of the findings and workloads behind them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::channels::{self, Destination};
use super::dispatch;
use super::model::*;
use super::rules::{format_interval, parse_interval};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::visibility::Views;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::signals::outbound::alert::{Alert, AlertState, Severity};
use crate::store::alerts::{AlertFilter, AlertRow, AlertingConflict, ChannelRow, DeliveryFilter, RuleRow};
use crate::store::{WriteError, now};

const LIMIT_DEFAULT: u32 = 100;
const LIMIT_MAX: u32 = 500;
/// Alerts read to fill one page after the hidden ones are left out.
const SCAN_MAX: u32 = 2000;
const NOTE_MAX: usize = 1000;
const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2000;
/// The most entries in one of a rule's lists, or of a dispatch's labels.
const LIST_MAX: usize = 100;
const DEFAULT_REPEAT: &str = "4h";
const REPEAT_MIN_SECONDS: u64 = 60;
const REPEAT_MAX_SECONDS: u64 = 30 * 86_400;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/alerts/channels", "create", "alert_channel"),
    AuditedRoute::new(Method::PUT, "/api/alerts/channels/{id}", "update", "alert_channel"),
    AuditedRoute::new(Method::DELETE, "/api/alerts/channels/{id}", "delete", "alert_channel"),
    AuditedRoute::new(Method::POST, "/api/alerts/rules", "create", "alert_rule"),
    AuditedRoute::new(Method::PUT, "/api/alerts/rules/{id}", "update", "alert_rule"),
    AuditedRoute::new(Method::DELETE, "/api/alerts/rules/{id}", "delete", "alert_rule"),
    AuditedRoute::new(Method::POST, "/api/alerts/lifecycle", "transition", "alert"),
    AuditedRoute::new(Method::POST, "/api/alerts/test", "test", "alert_channel"),
    AuditedRoute::new(Method::POST, "/api/alerts/dispatch", "dispatch", "alert"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_channels, create_channel))
            .routes(routes!(get_channel, update_channel, delete_channel))
            .routes(routes!(list_rules, create_rule))
            .routes(routes!(update_rule, delete_rule))
            .routes(routes!(list_alerts, change_alert))
            .routes(routes!(test_channel))
            .routes(routes!(dispatch_alert))
            .routes(routes!(list_deliveries)),
        audited: AUDITED,
    }
}

fn limit(asked: Option<u32>) -> ApiResult<u32> {
    let limit = asked.unwrap_or(LIMIT_DEFAULT);
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit must be 1 to {LIMIT_MAX}"),
        ));
    }
    Ok(limit)
}

fn conflict(e: WriteError<AlertingConflict>, what: &str, id: &str) -> ApiError {
    match e {
        WriteError::Store(e) => ApiError::internal(e),
        WriteError::Rejected(AlertingConflict::NotFound) => ApiError::not_found(format!("no {what} {id}")),
        WriteError::Rejected(AlertingConflict::NameTaken) => {
            ApiError::conflict("name_taken", format!("another {what} has this name"))
        }
        WriteError::Rejected(AlertingConflict::ChannelInUse(rules)) => ApiError::conflict(
            "channel_in_use",
            format!("rules notify this channel: {}", rules.join(", ")),
        ),
        WriteError::Rejected(AlertingConflict::State(state)) => {
            ApiError::conflict("invalid_transition", format!("the alert is {state}"))
        }
    }
}

// ---- channels ----

async fn channel_row(state: &AppState, id: &str) -> ApiResult<ChannelRow> {
    state
        .store
        .alert_channel(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no channel {id}")))
}

/// A channel as it will be stored: checked for its kind, its URLs and SMTP server checked by the
/// SSRF guard now (and again when sent), its secrets merged with the stored ones and sealed.
async fn saved_channel(
    state: &AppState,
    id: String,
    existing: Option<&ChannelRow>,
    body: ChannelInput,
) -> ApiResult<ChannelRow> {
    let name = channels::check_name(&body.name)?;
    let key = state.settings.secret_key.as_ref();
    let stored = match existing {
        Some(row) => {
            if row.kind != body.kind.as_str() {
                return Err(ApiError::bad_request(
                    "invalid_channel",
                    "a channel's kind cannot change",
                ));
            }
            channels::unseal(key, row).map_err(|why| ApiError::bad_request("secret_key_required", why))?
        }
        None => ChannelSecrets::default(),
    };
    let secrets = ChannelSecrets {
        webhook_url: channels::merge_secret(stored.webhook_url, body.webhook_url),
        routing_key: channels::merge_secret(stored.routing_key, body.routing_key),
        secret: channels::merge_secret(stored.secret, body.secret),
        bot_token: channels::merge_secret(stored.bot_token, body.bot_token),
        password: channels::merge_secret(stored.password, body.password),
    };
    let destinations = channels::check(body.kind, &body.settings, &secrets)?;
    if !secrets.is_empty() && key.is_none() {
        return Err(ApiError::bad_request(
            "secret_key_required",
            "this server has no FLEETDECK_SECRET_KEY, so it will not store a channel's secrets",
        ));
    }
    let guard = state.outbound.guard();
    for d in destinations {
        match d {
            Destination::Url(url) => guard.check_url(&url).await?,
            Destination::Host(host) => guard.resolve(&host).await.map(|_| ())?,
        }
    }
    let at = now();
    let sealed = key.and_then(|k| channels::seal(k, &id, &secrets));
    Ok(ChannelRow {
        id,
        name,
        kind: body.kind.as_str().into(),
        enabled: body.enabled.or(existing.map(|r| r.enabled)).unwrap_or(true),
        settings: serde_json::to_string(&body.settings).expect("settings serialize"),
        sealed_secrets: sealed,
        created_at: existing.map_or(at, |r| r.created_at),
        updated_at: at,
    })
}

/// The alert channels (operator); secrets only as `*Configured` flags.
#[utoipa::path(get, path = "/api/alerts/channels", tag = "alerts",
    responses((status = 200, body = ChannelList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_channels(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<ChannelList>> {
    principal.require(Role::Operator)?;
    let key = state.settings.secret_key.as_ref();
    let channels = state
        .store
        .alert_channels()
        .await?
        .iter()
        .map(|c| channels::view(c, key))
        .collect();
    Ok(Json(ChannelList { channels }))
}

/// Creates a channel (admin). Its URLs must pass the SSRF guard; its secrets need
/// FLEETDECK_SECRET_KEY.
#[utoipa::path(post, path = "/api/alerts/channels", tag = "alerts", request_body = ChannelInput,
    responses((status = 201, body = ChannelView),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_name, invalid_channel, secret_key_required, url_not_allowed, destination_not_allowed, destination_not_resolvable"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "name_taken")))]
async fn create_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<ChannelInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<ChannelView>)> {
    principal.require(Role::Admin)?;
    let row = saved_channel(&state, uuid::Uuid::new_v4().to_string(), None, body).await?;
    state
        .store
        .insert_alert_channel(&row)
        .await
        .map_err(|e| conflict(e, "channel", &row.id))?;
    let view = channels::view(&row, state.settings.secret_key.as_ref());
    Ok((StatusCode::CREATED, AuditNote::named(&row.name), Json(view)))
}

/// One channel (operator).
#[utoipa::path(get, path = "/api/alerts/channels/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = ChannelView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ChannelView>> {
    principal.require(Role::Operator)?;
    let row = channel_row(&state, &id).await?;
    Ok(Json(channels::view(&row, state.settings.secret_key.as_ref())))
}

/// Replaces a channel (admin); an omitted secret keeps the stored one, an empty one clears it.
#[utoipa::path(put, path = "/api/alerts/channels/{id}", tag = "alerts", params(("id" = String, Path)),
    request_body = ChannelInput,
    responses((status = 200, body = ChannelView),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_name, invalid_channel, secret_key_required, url_not_allowed, destination_not_allowed, destination_not_resolvable"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "name_taken")))]
async fn update_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChannelInput>,
) -> ApiResult<(AuditNote, Json<ChannelView>)> {
    principal.require(Role::Admin)?;
    let existing = channel_row(&state, &id).await?;
    let row = saved_channel(&state, id.clone(), Some(&existing), body).await?;
    state
        .store
        .update_alert_channel(&row)
        .await
        .map_err(|e| conflict(e, "channel", &id))?;
    let view = channels::view(&row, state.settings.secret_key.as_ref());
    Ok((AuditNote::named(&row.name), Json(view)))
}

/// Deletes a channel (admin) that no rule notifies; its delivery log stays.
#[utoipa::path(delete, path = "/api/alerts/channels/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "channel_in_use")))]
async fn delete_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, StatusCode)> {
    principal.require(Role::Admin)?;
    state
        .store
        .delete_alert_channel(&id)
        .await
        .map_err(|e| conflict(e, "channel", &id))?;
    Ok((AuditNote::named(&id), StatusCode::NO_CONTENT))
}

// ---- rules ----

fn rule_view(row: RuleRow) -> Option<RuleView> {
    Some(RuleView {
        source: serde_json::from_str(&row.source).ok()?,
        channel_ids: serde_json::from_str(&row.channel_ids).ok()?,
        repeat_interval: format_interval(row.repeat_seconds),
        repeat_interval_seconds: row.repeat_seconds,
        id: row.id,
        name: row.name,
        enabled: row.enabled,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn invalid_rule(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_rule", message)
}

fn check_list(list: &[String], what: &str) -> ApiResult<()> {
    if list.len() > LIST_MAX || list.iter().any(|v| v.trim().is_empty() || v.len() > 253) {
        return Err(invalid_rule(format!(
            "{what}: at most {LIST_MAX} entries of 1 to 253 characters"
        )));
    }
    Ok(())
}

async fn saved_rule(state: &AppState, id: String, existing: Option<&RuleRow>, body: RuleInput) -> ApiResult<RuleRow> {
    let name = channels::check_name(&body.name)?;
    match &body.source {
        RuleSource::Finding(f) => {
            check_list(&f.classes, "source.classes")?;
            check_list(&f.clusters, "source.clusters")?;
            check_list(&f.namespaces, "source.namespaces")?;
        }
        RuleSource::Slo(s) => {
            if s.statuses.is_empty() {
                return Err(invalid_rule("source.statuses needs page, ticket or both"));
            }
            check_list(&s.clusters, "source.clusters")?;
            check_list(&s.namespaces, "source.namespaces")?;
        }
    }
    if body.channel_ids.is_empty() || body.channel_ids.len() > LIST_MAX {
        return Err(invalid_rule(format!("channelIds needs 1 to {LIST_MAX} channels")));
    }
    // In the order given, each once.
    let mut ids: Vec<String> = Vec::new();
    for id in &body.channel_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    for id in &ids {
        if state.store.alert_channel(id).await?.is_none() {
            return Err(ApiError::bad_request("unknown_channel", format!("no channel {id}")));
        }
    }
    let written = body.repeat_interval.as_deref().unwrap_or(DEFAULT_REPEAT);
    let repeat = parse_interval(written)
        .filter(|d| (REPEAT_MIN_SECONDS..=REPEAT_MAX_SECONDS).contains(&d.as_secs()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_repeat_interval",
                "repeatInterval must be a duration from 1m to 30d, such as 30m or 4h",
            )
        })?;
    let at = now();
    Ok(RuleRow {
        id,
        name,
        source: serde_json::to_string(&body.source).expect("sources serialize"),
        channel_ids: serde_json::to_string(&ids).expect("ids serialize"),
        repeat_seconds: repeat.as_secs() as i64,
        enabled: body.enabled.or(existing.map(|r| r.enabled)).unwrap_or(true),
        created_at: existing.map_or(at, |r| r.created_at),
        updated_at: at,
    })
}

/// The alert rules (viewer).
#[utoipa::path(get, path = "/api/alerts/rules", tag = "alerts",
    responses((status = 200, body = RuleList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_rules(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<RuleList>> {
    principal.require(Role::Viewer)?;
    let rules = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .filter_map(rule_view)
        .collect();
    Ok(Json(RuleList { rules }))
}

/// Creates a rule (operator).
#[utoipa::path(post, path = "/api/alerts/rules", tag = "alerts", request_body = RuleInput,
    responses((status = 201, body = RuleView),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_name, invalid_rule, unknown_channel, invalid_repeat_interval"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "name_taken")))]
async fn create_rule(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<RuleInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<RuleView>)> {
    principal.require(Role::Operator)?;
    let row = saved_rule(&state, uuid::Uuid::new_v4().to_string(), None, body).await?;
    state
        .store
        .insert_alert_rule(&row)
        .await
        .map_err(|e| conflict(e, "rule", &row.id))?;
    let note = AuditNote::named(&row.name);
    let view =
        rule_view(row).ok_or_else(|| ApiError::internal(anyhow::anyhow!("a rule written does not read back")))?;
    Ok((StatusCode::CREATED, note, Json(view)))
}

/// Replaces a rule (operator).
#[utoipa::path(put, path = "/api/alerts/rules/{id}", tag = "alerts", params(("id" = String, Path)),
    request_body = RuleInput,
    responses((status = 200, body = RuleView),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_name, invalid_rule, unknown_channel, invalid_repeat_interval"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "name_taken")))]
async fn update_rule(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RuleInput>,
) -> ApiResult<(AuditNote, Json<RuleView>)> {
    principal.require(Role::Operator)?;
    let existing = state
        .store
        .alert_rule(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no rule {id}")))?;
    let row = saved_rule(&state, id.clone(), Some(&existing), body).await?;
    state
        .store
        .update_alert_rule(&row)
        .await
        .map_err(|e| conflict(e, "rule", &id))?;
    let note = AuditNote::named(&row.name);
    let view =
        rule_view(row).ok_or_else(|| ApiError::internal(anyhow::anyhow!("a rule written does not read back")))?;
    Ok((note, Json(view)))
}

/// Deletes a rule (operator); its open alerts resolve at the next evaluation.
#[utoipa::path(delete, path = "/api/alerts/rules/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn delete_rule(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, StatusCode)> {
    principal.require(Role::Operator)?;
    if !state.store.delete_alert_rule(&id).await? {
        return Err(ApiError::not_found(format!("no rule {id}")));
    }
    Ok((AuditNote::named(&id), StatusCode::NO_CONTENT))
}

// ---- lifecycle ----

fn alert_view(a: AlertRow) -> AlertView {
    AlertView {
        state: match a.state.as_str() {
            "resolved" => AlertState::Resolved,
            "acknowledged" => AlertState::Acknowledged,
            _ => AlertState::Firing,
        },
        severity: dispatch::parse_severity(&a.severity),
        labels: serde_json::from_str(&a.labels).unwrap_or_default(),
        channel_ids: serde_json::from_str(&a.channel_ids).unwrap_or_default(),
        id: a.id,
        rule_id: a.rule_id,
        title: a.title,
        summary: a.summary,
        cluster: a.cluster,
        namespace: a.namespace,
        started_at: a.started_at,
        notified_at: a.notified_at,
        acknowledged_at: a.acknowledged_at,
        acknowledged_by: a.acknowledged_by,
        resolved_at: a.resolved_at,
        resolved_by: a.resolved_by,
        note: a.note,
    }
}

/// Alerts newest first (viewer), those about what the caller may not see left out.
#[utoipa::path(get, path = "/api/alerts/lifecycle", tag = "alerts", params(LifecycleQuery),
    responses((status = 200, body = AlertList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_limit"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_alerts(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<LifecycleQuery>,
) -> ApiResult<Json<AlertList>> {
    principal.require(Role::Viewer)?;
    let limit = limit(q.limit)?;
    let rows = state
        .store
        .alerts(&AlertFilter {
            state: q.state.map(AlertState::as_str),
            cluster: q.cluster.as_deref(),
            rule: q.rule.as_deref(),
            limit: SCAN_MAX,
        })
        .await?;
    let mut views = Views::new(&state, &principal);
    let mut alerts = Vec::new();
    for a in rows {
        if alerts.len() == limit as usize {
            break;
        }
        if views.shows(&a.cluster, &a.namespace).await {
            alerts.push(alert_view(a));
        }
    }
    Ok(Json(AlertList { alerts }))
}

/// Acknowledges or resolves an alert (operator): firing → acknowledged → resolved (or firing →
/// resolved). A resolution is sent to the alert's channels in the background.
#[utoipa::path(post, path = "/api/alerts/lifecycle", tag = "alerts", request_body = LifecycleChange,
    responses((status = 200, body = AlertView),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_note"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "invalid_transition")))]
async fn change_alert(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<LifecycleChange>,
) -> ApiResult<(AuditNote, Json<AlertView>)> {
    principal.require(Role::Operator)?;
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(ApiError::bad_request(
            "invalid_note",
            format!("note is longer than {NOTE_MAX} characters"),
        ));
    }
    let hidden = || ApiError::not_found(format!("no alert {}", body.id));
    let current = state.store.alert(&body.id).await?.ok_or_else(hidden)?;
    if !Views::new(&state, &principal)
        .shows(&current.cluster, &current.namespace)
        .await
    {
        return Err(hidden());
    }
    let (from, to): (&[&str], &str) = match body.action {
        LifecycleAction::Acknowledge => (&["firing"], "acknowledged"),
        LifecycleAction::Resolve => (&["firing", "acknowledged"], "resolved"),
    };
    let audit = AuditNote::named(&body.id).reason(to);
    let row = state
        .store
        .transition_alert(&body.id, from, to, &principal.subject, now(), note)
        .await
        .map_err(|e| conflict(e, "alert", &body.id).with_audit(audit.clone()))?;
    if row.state == "resolved" {
        let (state, row) = (state.clone(), row.clone());
        tokio::spawn(async move {
            if let Err(e) = dispatch::notify(&state, vec![row]).await {
                tracing::warn!(error = format!("{e:#}"), "alerts: sending a resolution failed");
            }
        });
    }
    Ok((audit, Json(alert_view(row))))
}

// ---- test, dispatch, deliveries ----

/// Sends a test alert through a channel now (admin), enabled or not; answers every attempt.
#[utoipa::path(post, path = "/api/alerts/test", tag = "alerts", request_body = TestRequest,
    responses((status = 200, body = DeliveryResult),
        (status = 400, body = ErrorBody, description = "invalid_body"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn test_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<TestRequest>,
) -> ApiResult<(AuditNote, Json<DeliveryResult>)> {
    principal.require(Role::Admin)?;
    let row = channel_row(&state, &body.channel_id).await?;
    let alert = Alert {
        id: format!("test-{}", uuid::Uuid::new_v4()),
        title: "Fleetdeck test alert".into(),
        summary: format!("A test of the channel {} sent by {}.", row.name, principal.subject),
        severity: Severity::Info,
        cluster: String::new(),
        labels: BTreeMap::from([("test".to_string(), "true".to_string())]),
        state: AlertState::Firing,
        started_at: now(),
        ended_at: None,
        link: None,
    };
    let result = dispatch::send(&state, &row, &alert).await;
    let mut note = AuditNote::named(&row.name);
    if !result.delivered {
        note = note.reason("not delivered");
    }
    Ok((note, Json(result)))
}

fn delivery_view(d: crate::store::alerts::DeliveryRow) -> DeliveryView {
    DeliveryView {
        channel_kind: ChannelKind::parse(&d.channel_kind).unwrap_or(ChannelKind::Webhook),
        state: match d.state.as_str() {
            "resolved" => AlertState::Resolved,
            "acknowledged" => AlertState::Acknowledged,
            _ => AlertState::Firing,
        },
        attempts: serde_json::from_str(&d.attempts).unwrap_or_default(),
        id: d.id,
        alert_id: d.alert_id,
        channel_id: d.channel_id,
        channel_name: d.channel_name,
        delivered: d.delivered,
        sent_at: d.sent_at,
    }
}

/// Dispatches an ad-hoc alert (operator) to the channels named, or every enabled channel;
/// recorded as an alert (firing until resolved) with its deliveries.
#[utoipa::path(post, path = "/api/alerts/dispatch", tag = "alerts", request_body = DispatchRequest,
    responses((status = 200, body = Dispatched),
        (status = 400, body = ErrorBody, description = "invalid_body, invalid_alert, unknown_channel, no_channels"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn dispatch_alert(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<DispatchRequest>,
) -> ApiResult<(AuditNote, Json<Dispatched>)> {
    principal.require(Role::Operator)?;
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(ApiError::bad_request(
            "invalid_alert",
            format!("title must be 1 to {TITLE_MAX} characters"),
        ));
    }
    if body.summary.chars().count() > SUMMARY_MAX || body.cluster.len() > 253 || body.labels.len() > LIST_MAX {
        return Err(ApiError::bad_request(
            "invalid_alert",
            format!("summary is at most {SUMMARY_MAX} characters, cluster 253 and labels {LIST_MAX}"),
        ));
    }
    let channels = state.store.alert_channels().await?;
    let ids: Vec<String> = match &body.channel_ids {
        Some(ids) => {
            if let Some(unknown) = ids.iter().find(|id| !channels.iter().any(|c| &c.id == *id)) {
                return Err(ApiError::bad_request(
                    "unknown_channel",
                    format!("no channel {unknown}"),
                ));
            }
            ids.clone()
        }
        None => channels.iter().map(|c| c.id.clone()).collect(),
    };
    let enabled: Vec<String> = ids
        .into_iter()
        .filter(|id| channels.iter().any(|c| &c.id == id && c.enabled))
        .collect();
    if enabled.is_empty() {
        return Err(ApiError::bad_request("no_channels", "no enabled channel to send to"));
    }
    let at = now();
    let id = uuid::Uuid::now_v7().to_string();
    let row = AlertRow {
        fingerprint: format!("dispatch:{id}"),
        id,
        rule_id: None,
        state: AlertState::Firing.as_str().into(),
        title: title.to_string(),
        summary: body.summary.trim().to_string(),
        severity: body.severity.unwrap_or(Severity::Warning).as_str().into(),
        cluster: body.cluster.clone(),
        namespace: String::new(),
        labels: serde_json::to_string(&body.labels).expect("labels serialize"),
        channel_ids: serde_json::to_string(&enabled).expect("ids serialize"),
        started_at: at,
        notified_at: Some(at),
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        note: None,
    };
    state.store.insert_alert(&row).await?;
    let deliveries = dispatch::notify(&state, vec![row.clone()])
        .await
        .map_err(ApiError::internal)?;
    let note = AuditNote::named(&row.id);
    Ok((
        note,
        Json(Dispatched {
            alert: alert_view(row),
            deliveries: deliveries.into_iter().map(delivery_view).collect(),
        }),
    ))
}

/// The delivery log newest first (operator), deliveries of alerts the caller may not see left out.
#[utoipa::path(get, path = "/api/alerts/deliveries", tag = "alerts", params(DeliveryQuery),
    responses((status = 200, body = DeliveryList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_limit"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<DeliveryList>> {
    principal.require(Role::Operator)?;
    let limit = limit(q.limit)?;
    let rows = state
        .store
        .alert_deliveries(&DeliveryFilter {
            alert: q.alert.as_deref(),
            channel: q.channel.as_deref(),
            limit: SCAN_MAX,
        })
        .await?;
    let mut views = Views::new(&state, &principal);
    let mut deliveries = Vec::new();
    for (d, cluster, namespace) in rows {
        if deliveries.len() == limit as usize {
            break;
        }
        if views.shows(&cluster, &namespace).await {
            deliveries.push(delivery_view(d));
        }
    }
    Ok(Json(DeliveryList { deliveries }))
}
