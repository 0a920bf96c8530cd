//! The dispatcher: on the leader, every `FLEETDECK_ALERT_INTERVAL`, one evaluation of the
//! enabled rules over the open findings and stored SLO results ([`evaluate`]): new alerts are
//! opened and sent, firing ones past their repeat interval sent again, cleared ones resolved and
//! their resolution sent. Deliveries go a few at a time, each bounded by the outbound client's
//! timeout and the retry policy, and every one is logged with its attempts.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::channels;
use super::model::{AttemptView, ChannelKind, DeliveryResult, RuleSource};
use super::rules::{self, FindingFact, OpenAlert};
use crate::AppState;
use crate::kube::leader::Leadership;
use crate::signals::evaluator::WorkloadSlo;
use crate::signals::outbound::alert::{Alert, AlertState, Severity};
use crate::signals::outbound::retry::RetryPolicy;
use crate::signals::outbound::{Delivery, deliver};
use crate::store::alerts::{AlertRow, ChannelRow, DeliveryRow};
use crate::store::workload_signals::SLO;

/// Deliveries in flight at once.
const DELIVERIES_AT_ONCE: usize = 8;

/// Evaluates while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.alert_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while leadership.leading().await {
            tick.tick().await;
            if let Err(e) = evaluate(&state, crate::store::now()).await {
                tracing::warn!(error = format!("{e:#}"), "alerts: evaluation failed");
            }
        }
    })
}

/// What one evaluation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub opened: usize,
    pub repeated: usize,
    pub resolved: usize,
    pub deliveries: usize,
}

fn finding_fact(row: crate::store::findings::FindingRow) -> FindingFact {
    let text = |k: &str| {
        row.body
            .0
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let title = text("title");
    FindingFact {
        title: if title.is_empty() {
            format!("{} on {} {}", row.class, row.kind, row.name)
        } else {
            title
        },
        explanation: text("explanation"),
        id: row.id,
        cluster: row.cluster,
        namespace: row.namespace,
        kind: row.kind,
        name: row.name,
        class: row.class,
        severity: row.severity,
    }
}

/// One evaluation at `now` (the loop's tick; tests pass their own time).
pub async fn evaluate(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Evaluation> {
    let store = &state.store;
    let mut rules_now = Vec::new();
    for r in store.alert_rules().await?.into_iter().filter(|r| r.enabled) {
        match serde_json::from_str::<RuleSource>(&r.source) {
            Ok(source) => rules_now.push((r, source)),
            Err(e) => tracing::warn!(rule = r.id, error = %e, "alerts: a rule's source does not parse; skipped"),
        }
    }
    let wants_findings = rules_now.iter().any(|(_, s)| matches!(s, RuleSource::Finding(_)));
    let wants_slos = rules_now.iter().any(|(_, s)| matches!(s, RuleSource::Slo(_)));
    let findings: Vec<FindingFact> = match wants_findings {
        true => store
            .open_findings_everywhere()
            .await?
            .into_iter()
            .map(finding_fact)
            .collect(),
        false => Vec::new(),
    };
    let slos: Vec<WorkloadSlo> = match wants_slos {
        true => store
            .workload_signals(SLO, &Default::default())
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.body).ok())
            .collect(),
        false => Vec::new(),
    };
    let wanted: Vec<(String, Duration, Vec<rules::Wanted>)> = rules_now
        .iter()
        .map(|(r, source)| {
            (
                r.id.clone(),
                Duration::from_secs(r.repeat_seconds.max(0) as u64),
                rules::wanted(&r.id, source, &findings, &slos),
            )
        })
        .collect();
    let open_rows = store.open_rule_alerts().await?;
    let open: Vec<OpenAlert> = open_rows
        .iter()
        .map(|a| OpenAlert {
            id: a.id.clone(),
            fingerprint: a.fingerprint.clone(),
            rule_id: a.rule_id.clone().unwrap_or_default(),
            state: a.state.clone(),
            notified_at: a.notified_at,
        })
        .collect();
    let plan = rules::plan(&wanted, &open, now);

    let channels_of: HashMap<&str, &str> = rules_now
        .iter()
        .map(|(r, _)| (r.id.as_str(), r.channel_ids.as_str()))
        .collect();
    let new_rows: Vec<AlertRow> = plan
        .open
        .iter()
        .map(|(rule_id, w)| AlertRow {
            id: uuid::Uuid::now_v7().to_string(),
            fingerprint: w.fingerprint.clone(),
            rule_id: Some(rule_id.clone()),
            state: AlertState::Firing.as_str().into(),
            title: w.title.clone(),
            summary: w.summary.clone(),
            severity: w.severity.as_str().into(),
            cluster: w.cluster.clone(),
            namespace: w.namespace.clone(),
            labels: serde_json::to_string(&w.labels).expect("labels serialize"),
            channel_ids: channels_of.get(rule_id.as_str()).unwrap_or(&"[]").to_string(),
            started_at: now,
            notified_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
            note: None,
        })
        .collect();
    let (opened, resolved) = store.write_alert_changes(&new_rows, &plan.resolve, now).await?;
    let repeated: Vec<AlertRow> = open_rows.into_iter().filter(|a| plan.repeat.contains(&a.id)).collect();

    let sent_firing: Vec<String> = opened.iter().chain(&repeated).map(|a| a.id.clone()).collect();
    let counts = (opened.len(), repeated.len(), resolved.len());
    let sends: Vec<AlertRow> = opened.into_iter().chain(repeated).chain(resolved).collect();
    let deliveries = notify(state, sends).await?;
    for id in &sent_firing {
        store.alert_notified(id, now).await?;
    }
    Ok(Evaluation {
        opened: counts.0,
        repeated: counts.1,
        resolved: counts.2,
        deliveries: deliveries.len(),
    })
}

/// The alert as channels are given it, in the state its row has.
pub fn outbound_alert(state: &AppState, a: &AlertRow) -> Alert {
    let mut labels: BTreeMap<String, String> = serde_json::from_str(&a.labels).unwrap_or_default();
    if let Some(rule) = &a.rule_id {
        labels.insert("rule".into(), rule.clone());
    }
    let alert_state = match a.state.as_str() {
        "resolved" => AlertState::Resolved,
        "acknowledged" => AlertState::Acknowledged,
        _ => AlertState::Firing,
    };
    Alert {
        id: a.id.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        severity: parse_severity(&a.severity),
        cluster: a.cluster.clone(),
        labels,
        state: alert_state,
        started_at: a.started_at,
        ended_at: a.resolved_at,
        link: state
            .settings
            .public_url
            .as_ref()
            .map(|u| format!("{}/alerts?id={}", u.trim_end_matches('/'), a.id)),
    }
}

pub fn parse_severity(word: &str) -> Severity {
    match word {
        "critical" => Severity::Critical,
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

fn attempts_of(d: &Delivery) -> Vec<AttemptView> {
    d.attempts
        .iter()
        .map(|a| AttemptView {
            number: a.number,
            started_at: a.started_at,
            duration_ms: a.duration_ms,
            status: a.status,
            error_code: a.error_code.map(str::to_string),
            message: a.message.clone(),
        })
        .collect()
}

/// Sends `alert` through the channel stored as `row` now; a channel that cannot be built (its
/// secrets do not open) is one failed attempt, `channel_unusable`; with deliveries off, every
/// one is a failed attempt `delivery_off` and nothing is sent.
pub async fn send(state: &AppState, row: &ChannelRow, alert: &Alert) -> DeliveryResult {
    let started_at = crate::store::now();
    let failed = |code: &str, message: String| DeliveryResult {
        delivered: false,
        attempts: vec![AttemptView {
            number: 1,
            started_at,
            duration_ms: 0,
            status: None,
            error_code: Some(code.into()),
            message: Some(message),
        }],
    };
    if !state.settings.alert_delivery {
        return failed(
            "delivery_off",
            "FLEETDECK_ALERT_DELIVERY is off: no alert leaves this server".into(),
        );
    }
    match channels::outbound(row, state.settings.secret_key.as_ref()) {
        Ok(channel) => {
            let d = deliver(&state.outbound, &channel, alert, &RetryPolicy::default()).await;
            DeliveryResult {
                delivered: d.delivered,
                attempts: attempts_of(&d),
            }
        }
        Err(why) => failed("channel_unusable", why),
    }
}

/// Sends each alert's current state to each of its enabled channels, a few at a time, and logs
/// every delivery (`sentAt`: when it started). Channels deleted or disabled since are skipped.
pub async fn notify(state: &AppState, alerts: Vec<AlertRow>) -> anyhow::Result<Vec<DeliveryRow>> {
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    let channels: HashMap<String, ChannelRow> = state
        .store
        .alert_channels()
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut jobs = Vec::new();
    for a in &alerts {
        let ids: Vec<String> = serde_json::from_str(&a.channel_ids).unwrap_or_default();
        for id in ids {
            if let Some(c) = channels.get(&id) {
                jobs.push((a.clone(), c.clone()));
            }
        }
    }
    // Each delivery owns what it sends (the stream's futures outlive no borrow).
    let rows: Vec<DeliveryRow> = futures::stream::iter(jobs)
        .map(|(a, c)| {
            let state = state.clone();
            async move {
                let alert = outbound_alert(&state, &a);
                // The log keeps when it was really sent, whatever time the evaluation was for.
                let at = crate::store::now();
                let result = send(&state, &c, &alert).await;
                delivery_row(&a, &c, alert.state, &result, at)
            }
        })
        .buffer_unordered(DELIVERIES_AT_ONCE)
        .collect()
        .await;
    for r in &rows {
        state.store.insert_alert_delivery(r).await?;
    }
    Ok(rows)
}

pub fn delivery_row(
    a: &AlertRow,
    c: &ChannelRow,
    sent: AlertState,
    r: &DeliveryResult,
    at: DateTime<Utc>,
) -> DeliveryRow {
    DeliveryRow {
        id: uuid::Uuid::now_v7().to_string(),
        alert_id: a.id.clone(),
        channel_id: c.id.clone(),
        channel_name: c.name.clone(),
        channel_kind: ChannelKind::parse(&c.kind).map_or(c.kind.clone(), |k| k.as_str().to_string()),
        state: sent.as_str().into(),
        delivered: r.delivered,
        attempts: serde_json::to_string(&r.attempts).expect("attempts serialize"),
        sent_at: at,
    }
}
