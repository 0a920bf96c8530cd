//! `/api/usage`: metered and ingested usage summed over a span (`GET /api/usage`), each
//! cluster's last metering pass (`GET /api/usage/snapshot`) and usage from outside
//! (`POST /api/usage/ingest`). Tenants and projects read their own; staff read everything,
//! including the clusters' idle capacity.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Timelike, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::signed_in;
use super::metering::{core_hours, gib_hours};
use super::tenancy::{readable_project, readable_tenant};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role, TenancyScope};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::store::now;
use crate::store::usage::{Grouping, IngestedRow, IngestedSum, MeteredSum, UsageFilter};

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(Method::POST, "/api/usage/ingest", "ingest", "usage")];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(usage))
            .routes(routes!(snapshot))
            .routes(routes!(ingest)),
        audited: AUDITED,
    }
}

/// How usage is summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Tenant,
    #[default]
    Project,
    Namespace,
    Hour,
    Day,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Within this tenant (its own for a `tenant` caller).
    pub tenant: Option<String>,
    /// Within this project (its own for a `project` caller).
    pub project: Option<String>,
    /// Hours that start at or after this instant; default: the start of this month (UTC).
    pub from: Option<DateTime<Utc>>,
    /// Hours that start before this instant; default: now.
    pub to: Option<DateTime<Utc>>,
    /// Default `project`.
    pub group_by: Option<GroupBy>,
}

/// Usage of one group and resource over the span.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageLine {
    /// Set when grouped by tenant, project or namespace (none: usage no project held).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Set when grouped by namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Set when grouped by hour (its start, RFC 3339) or day (`YYYY-MM-DD`, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// `cpu` and `memory` (metered), or an ingested resource.
    pub resource: String,
    /// `core-hours` and `GiB-hours` for metered usage.
    pub unit: String,
    /// An exact decimal, at most 6 places: what is billed (for metered usage, the larger of
    /// request and usage at each pass).
    pub quantity: String,
    /// Metered usage only: what was requested and what was used, in the same unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<String>,
}

/// A cluster's capacity over the span, and what no namespace's cost took.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdleLine {
    pub cluster: String,
    /// `cpu` or `memory`.
    pub resource: String,
    pub unit: String,
    pub allocatable: String,
    pub idle: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub group_by: GroupBy,
    pub lines: Vec<UsageLine>,
    /// Each cluster's idle capacity (staff only: empty for `tenant` and `project` callers).
    pub idle: Vec<IdleLine>,
}

/// The longest span one report sums; by hour, 31 days.
const MAX_SPAN_DAYS: i64 = 366;
const MAX_HOURLY_SPAN_DAYS: i64 = 31;

/// The tenant and project a caller's reads are held to: those asked (404 when out of reach),
/// narrowed to the caller's own tenant or project.
async fn reach(
    state: &AppState,
    principal: &Principal,
    tenant: Option<String>,
    project: Option<String>,
) -> ApiResult<(Option<String>, Option<String>)> {
    signed_in(principal)?;
    if let Some(t) = &tenant {
        readable_tenant(state, principal, t).await?;
    }
    if let Some(p) = &project {
        readable_project(state, principal, p).await?;
    }
    Ok(match (principal.role, &principal.scope) {
        (Role::Tenant, Some(TenancyScope::Tenant(t))) => (Some(t.clone()), project),
        (Role::Project, Some(TenancyScope::Project(p))) => (tenant, Some(p.clone())),
        _ => (tenant, project),
    })
}

/// Whether the caller is staff (sees every cluster's capacity).
fn staff(principal: &Principal) -> bool {
    principal.role.satisfies(Role::Viewer)
}

fn start_of_month(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(at)
}

/// Usage over a span, summed by tenant, project, namespace, hour or day, and resource. Hours
/// count when they start within `[from, to)`.
#[utoipa::path(get, path = "/api/usage", tag = "billing", params(UsageQuery),
    responses((status = 200, body = UsageReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant_not_found`, `project_not_found`: not the caller's to read", body = ErrorBody),
        (status = 422, description = "`invalid_range`, `range_too_long`", body = ErrorBody)))]
async fn usage(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageReport>> {
    let (tenant_id, project_id) = reach(&state, &principal, q.tenant, q.project).await?;
    let to = q.to.unwrap_or_else(now);
    let from = q.from.unwrap_or_else(|| start_of_month(to));
    let group_by = q.group_by.unwrap_or_default();
    if from >= to {
        return Err(ApiError::unprocessable("invalid_range", "from must be before to"));
    }
    let longest = match group_by {
        GroupBy::Hour => MAX_HOURLY_SPAN_DAYS,
        _ => MAX_SPAN_DAYS,
    };
    if to - from > TimeDelta::days(longest) {
        return Err(ApiError::unprocessable(
            "range_too_long",
            format!("a report by {group_by:?} spans at most {longest} days").to_lowercase(),
        ));
    }
    let grouping = match group_by {
        GroupBy::Tenant => Grouping::Tenant,
        GroupBy::Project => Grouping::Project,
        GroupBy::Namespace => Grouping::Namespace,
        GroupBy::Hour | GroupBy::Day => Grouping::Hour,
    };
    let filter = UsageFilter {
        from,
        to,
        tenant_id,
        project_id,
    };
    let metered = state.store.metered_sums(&filter, grouping).await?;
    let ingested = state.store.ingested_sums(&filter, grouping).await?;
    let idle = match staff(&principal) && filter.tenant_id.is_none() && filter.project_id.is_none() {
        true => idle_lines(&state.store.idle_sums(from, to).await?),
        false => Vec::new(),
    };
    Ok(Json(UsageReport {
        from,
        to,
        group_by,
        lines: lines(metered, ingested, group_by == GroupBy::Day),
        idle,
    }))
}

/// Usage of one group and resource, summed exactly: a report's line before it is written, and an
/// invoice's quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Summed {
    pub tenant_id: Option<String>,
    pub project_id: Option<String>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub period: Option<String>,
    pub resource: String,
    pub unit: String,
    pub quantity: Decimal,
    pub requested: Option<Decimal>,
    pub used: Option<Decimal>,
}

impl From<Summed> for UsageLine {
    fn from(s: Summed) -> UsageLine {
        UsageLine {
            tenant_id: s.tenant_id,
            project_id: s.project_id,
            cluster: s.cluster,
            namespace: s.namespace,
            period: s.period,
            resource: s.resource,
            unit: s.unit,
            quantity: s.quantity.normalize().to_string(),
            requested: s.requested.map(|d| d.normalize().to_string()),
            used: s.used.map(|d| d.normalize().to_string()),
        }
    }
}

/// The report's lines (`sums`, written).
pub fn lines(metered: Vec<MeteredSum>, ingested: Vec<IngestedSum>, by_day: bool) -> Vec<UsageLine> {
    sums(metered, ingested, by_day)
        .into_iter()
        .map(UsageLine::from)
        .collect()
}

/// Metered CPU and memory, then ingested resources, of each group in order; by day, the hours
/// folded into their UTC dates.
pub fn sums(metered: Vec<MeteredSum>, ingested: Vec<IngestedSum>, by_day: bool) -> Vec<Summed> {
    let period = |hour: Option<DateTime<Utc>>| {
        hour.map(|h| match by_day {
            true => h.format("%Y-%m-%d").to_string(),
            false => h.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    };
    type Key = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut metered_by: BTreeMap<Key, MeteredSum> = BTreeMap::new();
    for m in metered {
        let k = &m.key;
        let key = (
            k.tenant_id.clone(),
            k.project_id.clone(),
            k.cluster.clone(),
            k.namespace.clone(),
            period(k.hour),
        );
        let sum = metered_by.entry(key).or_default();
        sum.cpu_request += m.cpu_request;
        sum.cpu_usage += m.cpu_usage;
        sum.cpu_cost += m.cpu_cost;
        sum.memory_request += m.memory_request;
        sum.memory_usage += m.memory_usage;
        sum.memory_cost += m.memory_cost;
    }
    let mut ingested_by: BTreeMap<Key, BTreeMap<(String, String), i64>> = BTreeMap::new();
    for i in ingested {
        let k = &i.key;
        let key = (k.tenant_id.clone(), k.project_id.clone(), None, None, period(k.hour));
        *ingested_by
            .entry(key)
            .or_default()
            .entry((i.resource, i.unit))
            .or_default() += i.quantity;
    }
    let keys: BTreeSet<&Key> = metered_by.keys().chain(ingested_by.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let line = |resource: &str, unit: &str, quantity: Decimal| Summed {
            tenant_id: key.0.clone(),
            project_id: key.1.clone(),
            cluster: key.2.clone(),
            namespace: key.3.clone(),
            period: key.4.clone(),
            resource: resource.to_string(),
            unit: unit.to_string(),
            quantity,
            requested: None,
            used: None,
        };
        if let Some(m) = metered_by.get(key) {
            out.push(Summed {
                requested: Some(core_hours(m.cpu_request)),
                used: Some(core_hours(m.cpu_usage)),
                ..line("cpu", "core-hours", core_hours(m.cpu_cost))
            });
            out.push(Summed {
                requested: Some(gib_hours(m.memory_request)),
                used: Some(gib_hours(m.memory_usage)),
                ..line("memory", "GiB-hours", gib_hours(m.memory_cost))
            });
        }
        for ((resource, unit), quantity) in ingested_by.get(key).into_iter().flatten() {
            out.push(line(resource, unit, Decimal::new(*quantity, 6)));
        }
    }
    out
}

fn idle_lines(sums: &[crate::store::usage::IdleSum]) -> Vec<IdleLine> {
    sums.iter()
        .flat_map(|s| {
            [
                IdleLine {
                    cluster: s.cluster.clone(),
                    resource: "cpu".into(),
                    unit: "core-hours".into(),
                    allocatable: core_hours(s.cpu_allocatable).to_string(),
                    idle: core_hours(s.cpu_idle).to_string(),
                },
                IdleLine {
                    cluster: s.cluster.clone(),
                    resource: "memory".into(),
                    unit: "GiB-hours".into(),
                    allocatable: gib_hours(s.memory_allocatable).to_string(),
                    idle: gib_hours(s.memory_idle).to_string(),
                },
            ]
        })
        .collect()
}

/// A namespace as its cluster's last metering pass measured it: millicores and bytes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceNow {
    pub cluster: String,
    pub namespace: String,
    /// None when no project holds the namespace.
    pub tenant_id: Option<String>,
    pub project_id: Option<String>,
    pub cpu_request: i64,
    pub cpu_usage: i64,
    pub memory_request: i64,
    pub memory_usage: i64,
    pub measured_at: DateTime<Utc>,
}

/// A cluster's nodes at its last metering pass, and what no namespace's cost took.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterNow {
    pub cluster: String,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
    pub cpu_idle: i64,
    pub memory_idle: i64,
    pub measured_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageSnapshot {
    pub namespaces: Vec<NamespaceNow>,
    /// Staff only: empty for `tenant` and `project` callers.
    pub clusters: Vec<ClusterNow>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SnapshotQuery {
    pub tenant: Option<String>,
    pub project: Option<String>,
}

/// What each namespace requests and uses now (each cluster's last metering pass), and each
/// cluster's idle capacity.
#[utoipa::path(get, path = "/api/usage/snapshot", tag = "billing", params(SnapshotQuery),
    responses((status = 200, body = UsageSnapshot), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant_not_found`, `project_not_found`: not the caller's to read", body = ErrorBody)))]
async fn snapshot(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<SnapshotQuery>,
) -> ApiResult<Json<UsageSnapshot>> {
    let (tenant_id, project_id) = reach(&state, &principal, q.tenant, q.project).await?;
    let rows = state
        .store
        .usage_snapshot(tenant_id.as_deref(), project_id.as_deref())
        .await?;
    let namespaces = rows
        .into_iter()
        .map(|r| NamespaceNow {
            cluster: r.cluster,
            namespace: r.usage.namespace,
            tenant_id: r.usage.tenant_id,
            project_id: r.usage.project_id,
            cpu_request: r.usage.cpu_request,
            cpu_usage: r.usage.cpu_usage,
            memory_request: r.usage.memory_request,
            memory_usage: r.usage.memory_usage,
            measured_at: r.measured_at,
        })
        .collect();
    let clusters = match staff(&principal) && tenant_id.is_none() && project_id.is_none() {
        true => state.store.capacity_snapshot().await?,
        false => Vec::new(),
    };
    Ok(Json(UsageSnapshot {
        namespaces,
        clusters: clusters
            .into_iter()
            .map(|(cluster, c, measured_at)| ClusterNow {
                cluster,
                cpu_allocatable: c.cpu_allocatable,
                memory_allocatable: c.memory_allocatable,
                cpu_idle: c.cpu_idle,
                memory_idle: c.memory_idle,
                measured_at,
            })
            .collect(),
    }))
}

/// Usage from outside Fleetdeck, per hour, tenant, project and source.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngestRecord {
    /// The start of an hour (minutes, seconds and fractions zero).
    pub hour: DateTime<Utc>,
    pub tenant_id: String,
    /// A project of the tenant; none for the tenant as a whole.
    pub project_id: Option<String>,
    /// Who measured it: lowercase letters, digits, `-` and `.`, at most 63.
    pub source: String,
    /// What was used, named as `source`; not `cpu` or `memory` (metered by Fleetdeck).
    pub resource: String,
    /// The unit of `quantity`, at most 32 characters (e.g. `GiB-hours`).
    pub unit: String,
    /// A decimal of at least 0 with at most 6 places, as a string (`"12.5"`).
    pub quantity: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestBody {
    /// 1 to 2,000 records; every record of one hour, tenant, project and source replaces what
    /// an earlier post held for them.
    pub records: Vec<IngestRecord>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngestResult {
    /// Records stored.
    pub records: usize,
    /// (hour, tenant, project, source) groups that replaced an earlier post's.
    pub replaced: usize,
}

/// The most records one post takes.
pub const MAX_RECORDS: usize = 2_000;

/// A source or resource name: a lowercase label of letters, digits, `-` and `.`.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// A quantity in millionths of its unit; why not.
pub fn micros(quantity: &str) -> Result<i64, String> {
    let d = Decimal::from_str_exact(quantity.trim()).map_err(|_| format!("{quantity:?} is not a decimal"))?;
    if d.is_sign_negative() {
        return Err(format!("{quantity:?} is below 0"));
    }
    if d.scale() > 6 {
        return Err(format!("{quantity:?} has more than 6 decimal places"));
    }
    (d * Decimal::from(1_000_000))
        .to_i64()
        .ok_or_else(|| format!("{quantity:?} is too large"))
}

/// The record checked, as the store keeps it; a message naming the field when it is not valid.
fn checked(r: &IngestRecord) -> Result<IngestedRow, (&'static str, String)> {
    let on_the_hour = r.hour.minute() == 0 && r.hour.second() == 0 && r.hour.nanosecond() == 0;
    if !on_the_hour {
        return Err(("invalid_hour", format!("hour: {} is not the start of an hour", r.hour)));
    }
    if !is_name(&r.source) {
        return Err((
            "invalid_source",
            format!("source: {:?} is not a lowercase name", r.source),
        ));
    }
    if !is_name(&r.resource) {
        return Err((
            "invalid_resource",
            format!("resource: {:?} is not a lowercase name", r.resource),
        ));
    }
    if matches!(r.resource.as_str(), "cpu" | "memory") {
        return Err((
            "reserved_resource",
            format!("resource: {} is metered by Fleetdeck", r.resource),
        ));
    }
    if r.unit.trim().is_empty() || r.unit.chars().count() > 32 {
        return Err(("invalid_unit", "unit: 1 to 32 characters".into()));
    }
    let quantity = micros(&r.quantity).map_err(|m| ("invalid_quantity", format!("quantity: {m}")))?;
    Ok(IngestedRow {
        hour: r.hour,
        tenant_id: r.tenant_id.clone(),
        project_id: r.project_id.clone().unwrap_or_default(),
        source: r.source.clone(),
        resource: r.resource.clone(),
        unit: r.unit.clone(),
        quantity,
    })
}

/// Stores usage measured outside Fleetdeck (admin). Idempotent: a post replaces what the same
/// hour, tenant, project and source held, so sending it again changes nothing. All or nothing.
#[utoipa::path(post, path = "/api/usage/ingest", tag = "billing", request_body = IngestBody,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "`no_records`, `too_many_records`, `invalid_hour`, `invalid_source`, `invalid_resource`, `reserved_resource`, `invalid_unit`, `invalid_quantity`, `duplicate_record`, `unknown_tenant`, `unknown_project`; the message names the record", body = ErrorBody)))]
async fn ingest(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<IngestBody>,
) -> ApiResult<(AuditNote, Json<IngestResult>)> {
    principal.require(Role::Admin)?;
    let n = body.records.len();
    if n == 0 || n > MAX_RECORDS {
        let code = if n == 0 { "no_records" } else { "too_many_records" };
        return Err(ApiError::unprocessable(
            code,
            format!("send 1 to {MAX_RECORDS} records, not {n}"),
        ));
    }
    let mut rows = Vec::with_capacity(n);
    let mut seen = BTreeSet::new();
    let mut tenants = BTreeMap::new();
    for (i, r) in body.records.iter().enumerate() {
        let refuse = |code: &'static str, m: String| ApiError::unprocessable(code, format!("records[{i}].{m}"));
        let row = checked(r).map_err(|(code, m)| refuse(code, m))?;
        let key = (
            row.hour,
            row.tenant_id.clone(),
            row.project_id.clone(),
            row.source.clone(),
            row.resource.clone(),
        );
        if !seen.insert(key) {
            return Err(refuse(
                "duplicate_record",
                "resource: another record has the same hour, tenant, project, source and resource".into(),
            ));
        }
        if !tenants.contains_key(&row.tenant_id) {
            let found = state.store.tenant(&row.tenant_id).await?.is_some();
            tenants.insert(row.tenant_id.clone(), found);
        }
        if !tenants[&row.tenant_id] {
            return Err(refuse(
                "unknown_tenant",
                format!("tenantId: no tenant {:?}", row.tenant_id),
            ));
        }
        if !row.project_id.is_empty() {
            let project = state.store.project(&row.project_id).await?;
            if project.is_none_or(|p| p.tenant_id != row.tenant_id) {
                return Err(refuse(
                    "unknown_project",
                    format!("projectId: the tenant has no project {:?}", row.project_id),
                ));
            }
        }
        rows.push(row);
    }
    let replaced = state.store.ingest_usage(&rows, &principal.subject, now()).await?;
    let note = AuditNote::named(format!("{n} records")).reason(format!("{replaced} groups replaced"));
    Ok((note, Json(IngestResult { records: n, replaced })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::usage::GroupKey;

    #[test]
    fn quantities_are_exact_millionths() {
        assert_eq!(micros("12.5"), Ok(12_500_000));
        assert_eq!(micros("0.000001"), Ok(1));
        assert_eq!(micros("3"), Ok(3_000_000));
        for bad in ["-1", "0.0000001", "1e3", "abc", "", "99999999999999999999"] {
            assert!(micros(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_sum_each_group_and_fold_hours_into_days() {
        let hour = |h: u32| Some(Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap());
        let sum = |h: u32, cost: i64| MeteredSum {
            key: GroupKey {
                hour: hour(h),
                ..GroupKey::default()
            },
            cpu_request: 1_800_000,
            cpu_usage: cost,
            cpu_cost: cost.max(1_800_000),
            memory_request: 0,
            memory_usage: 0,
            memory_cost: 0,
        };
        // Two hours of half a core requested; the second used 1.5 cores.
        let metered = vec![sum(10, 900_000), sum(11, 5_400_000)];
        let ingested = vec![IngestedSum {
            key: GroupKey {
                hour: hour(11),
                ..GroupKey::default()
            },
            resource: "storage".into(),
            unit: "GiB-hours".into(),
            quantity: 2_500_000,
        }];
        let by_hour = lines(metered.clone(), ingested.clone(), false);
        let words: Vec<(String, &str, &str)> = by_hour
            .iter()
            .map(|l| (l.period.clone().unwrap(), l.resource.as_str(), l.quantity.as_str()))
            .collect();
        assert_eq!(
            words,
            [
                ("2026-12-01T10:00:00Z".to_string(), "cpu", "0.5"),
                ("2026-12-01T10:00:00Z".to_string(), "memory", "0"),
                ("2026-12-01T11:00:00Z".to_string(), "cpu", "1.5"),
                ("2026-12-01T11:00:00Z".to_string(), "memory", "0"),
                ("2026-12-01T11:00:00Z".to_string(), "storage", "2.5"),
            ]
        );
        let by_day = lines(metered, ingested, true);
        assert_eq!(by_day[0].period.as_deref(), Some("2026-12-01"));
        assert_eq!(
            (
                by_day[0].quantity.as_str(),
                by_day[0].requested.as_deref(),
                by_day[0].used.as_deref()
            ),
            ("2", Some("1"), Some("1.75"))
        );
        assert_eq!(by_day.len(), 3);
    }

    #[test]
    fn records_are_checked_field_by_field() {
        let good = IngestRecord {
            hour: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            tenant_id: "t1".into(),
            project_id: None,
            source: "object-store".into(),
            resource: "storage".into(),
            unit: "GiB-hours".into(),
            quantity: "1.25".into(),
        };
        assert_eq!(checked(&good).unwrap().quantity, 1_250_000);
        type Spoil = fn(&mut IngestRecord);
        let cases: [(Spoil, &str); 6] = [
            (|r| r.hour += TimeDelta::minutes(1), "invalid_hour"),
            (|r| r.source = "Object Store".into(), "invalid_source"),
            (|r| r.resource = "".into(), "invalid_resource"),
            (|r| r.resource = "cpu".into(), "reserved_resource"),
            (|r| r.unit = " ".into(), "invalid_unit"),
            (|r| r.quantity = "-2".into(), "invalid_quantity"),
        ];
        for (spoil, code) in cases {
            let mut r = good.clone();
            spoil(&mut r);
            assert_eq!(checked(&r).unwrap_err().0, code);
        }
    }
}
