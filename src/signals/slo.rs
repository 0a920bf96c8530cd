//! SLOs per workload (pure). Availability over a window is Σ ready / Σ desired replicas of the
//! samples in it (a workload scaled to zero spends no budget; a window without desired replicas
//! has no availability). The error budget is 1 − target over the SLO period; a window's burn rate
//! is (1 − availability) / (1 − target): how many times faster than the period allows the budget
//! burns. Alerting follows the SRE workbook's multiwindow, multi-burn-rate rules: a rule fires
//! when both its long and its short window burn faster than its threshold.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A window burn rates are computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub name: &'static str,
    pub seconds: i64,
}

const fn window(name: &'static str, seconds: i64) -> Window {
    Window { name, seconds }
}

/// Every window a rule reads, shortest first.
pub const WINDOWS: [Window; 7] = [
    window("5m", 300),
    window("30m", 1_800),
    window("1h", 3_600),
    window("2h", 7_200),
    window("6h", 21_600),
    window("1d", 86_400),
    window("3d", 259_200),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = BurnSeverity)]
pub enum Severity {
    Ticket,
    Page,
}

/// A multiwindow burn-rate rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnRule {
    pub severity: Severity,
    pub long: &'static str,
    pub short: &'static str,
    pub threshold: f64,
}

const fn rule(severity: Severity, long: &'static str, short: &'static str, threshold: f64) -> BurnRule {
    BurnRule {
        severity,
        long,
        short,
        threshold,
    }
}

/// The SRE workbook's rules for a 30-day budget: 2 % of it in an hour or 5 % in six pages,
/// 10 % in a day or all of it in three days opens a ticket.
pub const RULES: [BurnRule; 4] = [
    rule(Severity::Page, "1h", "5m", 14.4),
    rule(Severity::Page, "6h", "30m", 6.0),
    rule(Severity::Ticket, "1d", "2h", 3.0),
    rule(Severity::Ticket, "3d", "6h", 1.0),
];

/// Σ desired and Σ ready replicas of a window's samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub desired: i64,
    pub ready: i64,
}

impl Totals {
    pub fn availability(self) -> Option<f64> {
        (self.desired > 0).then(|| self.ready.clamp(0, self.desired) as f64 / self.desired as f64)
    }

    /// 1 − availability, from the counts (so 99 of 100 is exactly 0.01).
    fn unavailability(self) -> Option<f64> {
        (self.desired > 0).then(|| (self.desired - self.ready.clamp(0, self.desired)) as f64 / self.desired as f64)
    }
}

/// Where a workload's target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// `FLEETDECK_SLO_TARGET`.
    Default,
    /// The workload's `fleetdeck.dev/slo-target` annotation.
    Annotation,
    /// The annotation is not a percentage above 0 and below 100: the default applies.
    InvalidAnnotation,
}

/// A target given as a percentage ("99.9" or "99.9%"), above 0 and below 100.
pub fn parse_target(percent: &str) -> Option<f64> {
    let v: f64 = percent.trim().trim_end_matches('%').trim().parse().ok()?;
    (v > 0.0 && v < 100.0).then_some(v)
}

/// The target (in percent) of a workload with `annotation`, else `default`.
pub fn target(annotation: Option<&str>, default: f64) -> (f64, TargetSource) {
    match annotation.map(parse_target) {
        None => (default, TargetSource::Default),
        Some(Some(t)) => (t, TargetSource::Annotation),
        Some(None) => (default, TargetSource::InvalidAnnotation),
    }
}

/// How fast a window burns the budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BurnRate {
    /// One of 5m, 30m, 1h, 2h, 6h, 1d, 3d.
    pub window: String,
    pub seconds: i64,
    /// None without desired replicas in the window.
    pub availability: Option<f64>,
    /// (1 − availability) / (1 − target).
    pub burn_rate: Option<f64>,
}

/// A burn-rate rule's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BurnAlert {
    pub severity: Severity,
    pub long_window: String,
    pub short_window: String,
    pub threshold: f64,
    /// Both windows burn faster than the threshold.
    pub firing: bool,
}

/// The error budget over the SLO period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBudget {
    /// The unavailability the target allows: 1 − target (0.001 for 99.9 %).
    pub allowed: f64,
    /// The share of the budget spent: (1 − availability) / allowed; above 1 when overspent.
    pub consumed: Option<f64>,
    /// 1 − consumed; below 0 when overspent.
    pub remaining: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SloStatus {
    Ok,
    /// A ticket rule fires (and no page rule).
    Ticket,
    /// A page rule fires.
    Page,
    /// No desired replicas in the period.
    NoData,
}

impl SloStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SloStatus::Ok => "ok",
            SloStatus::Ticket => "ticket",
            SloStatus::Page => "page",
            SloStatus::NoData => "no_data",
        }
    }
}

/// What the SLO of one workload says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SloFigures {
    /// In percent (99.9).
    pub target: f64,
    pub target_source: TargetSource,
    pub period_seconds: i64,
    /// Over the period.
    pub availability: Option<f64>,
    pub error_budget: ErrorBudget,
    /// One per window, shortest first.
    pub burn_rates: Vec<BurnRate>,
    /// One per rule.
    pub alerts: Vec<BurnAlert>,
    pub status: SloStatus,
}

/// The SLO of a workload with `target` in percent (from `source`), whose samples over the period total
/// `period` and over each of `WINDOWS` total `windows[i]`.
pub fn evaluate(
    (target, source): (f64, TargetSource),
    period_seconds: i64,
    period: Totals,
    windows: &[Totals; WINDOWS.len()],
) -> SloFigures {
    let allowed = (100.0 - target) / 100.0;
    let burn = |t: Totals| t.unavailability().map(|u| u / allowed);
    let availability = period.availability();
    let consumed = burn(period);
    let burn_rates: Vec<BurnRate> = WINDOWS
        .iter()
        .zip(windows)
        .map(|(w, t)| BurnRate {
            window: w.name.to_string(),
            seconds: w.seconds,
            availability: t.availability(),
            burn_rate: burn(*t),
        })
        .collect();
    let rate = |name: &str| burn_rates.iter().find(|b| b.window == name).and_then(|b| b.burn_rate);
    let alerts: Vec<BurnAlert> = RULES
        .iter()
        .map(|r| BurnAlert {
            severity: r.severity,
            long_window: r.long.to_string(),
            short_window: r.short.to_string(),
            threshold: r.threshold,
            firing: [r.long, r.short]
                .iter()
                .all(|w| rate(w).is_some_and(|b| b > r.threshold)),
        })
        .collect();
    let status = match alerts.iter().filter(|a| a.firing).map(|a| a.severity).max() {
        _ if availability.is_none() => SloStatus::NoData,
        Some(Severity::Page) => SloStatus::Page,
        Some(Severity::Ticket) => SloStatus::Ticket,
        None => SloStatus::Ok,
    };
    SloFigures {
        target,
        target_source: source,
        period_seconds,
        availability,
        error_budget: ErrorBudget {
            allowed,
            consumed,
            remaining: consumed.map(|c| 1.0 - c),
        },
        burn_rates,
        alerts,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_names_itself_as_it_is_serialized() {
        for s in [SloStatus::Ok, SloStatus::Ticket, SloStatus::Page, SloStatus::NoData] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    fn totals(desired: i64, ready: i64) -> Totals {
        Totals { desired, ready }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn targets_are_percentages_below_a_hundred() {
        assert_eq!(parse_target("99.9"), Some(99.9));
        assert_eq!(parse_target(" 99.5 % "), Some(99.5));
        for bad in ["100", "0", "-1", "abc", "", "NaN"] {
            assert_eq!(parse_target(bad), None, "{bad}");
        }
        assert_eq!(target(None, 99.9), (99.9, TargetSource::Default));
        assert_eq!(target(Some("99"), 99.9), (99.0, TargetSource::Annotation));
        assert_eq!(target(Some("100"), 99.9), (99.9, TargetSource::InvalidAnnotation));
    }

    #[test]
    fn burn_rates_and_budget_by_hand() {
        // Target 99 %: 1 % of the period may be unavailable.
        // The period: 10,000 desired, 9,950 ready → 99.5 %, half the budget spent.
        // 5m: 15 desired (3 replicas × 5 samples), 12 ready → 80 %: burn 0.2 / 0.01 = 20.
        // 30m: 90, 81 → 90 %: burn 10.  1h: 180, 171 → 95 %: burn 5.  2h: 360, 351 → 97.5 %: 2.5.
        // 6h: 1,000, 990 → 99 %: burn 1.  1d and 3d: no desired replicas, no figures.
        let windows = [
            totals(15, 12),
            totals(90, 81),
            totals(180, 171),
            totals(360, 351),
            totals(1_000, 990),
            totals(0, 0),
            totals(0, 0),
        ];
        let s = evaluate(
            (99.0, TargetSource::Default),
            2_592_000,
            totals(10_000, 9_950),
            &windows,
        );
        assert!(close(s.availability, 0.995));
        assert!((s.error_budget.allowed - 0.01).abs() < 1e-12);
        assert!(close(s.error_budget.consumed, 0.5));
        assert!(close(s.error_budget.remaining, 0.5));
        let rates: Vec<Option<f64>> = s.burn_rates.iter().map(|b| b.burn_rate).collect();
        for (got, want) in rates.iter().zip([20.0, 10.0, 5.0, 2.5, 1.0]) {
            assert!(close(*got, want), "{got:?} ≠ {want}");
        }
        assert_eq!(rates[5], None);
        // 1h/5m: 5 and 20 — the long window is under 14.4, no page. 6h/30m: 1 and 10, no page.
        // 1d/2h, 3d/6h: no data in the long windows, no ticket.
        assert!(s.alerts.iter().all(|a| !a.firing));
        assert_eq!(s.status, SloStatus::Ok);
    }

    #[test]
    fn a_rule_fires_when_both_windows_burn_past_its_threshold() {
        // Target 99.9 %. 1h: 85 % → burn 150; 5m: 80 % → 200: page. 1d: 99.6 % → 4 and
        // 2h 98 % → 20: ticket too; the page wins.
        let windows = [
            totals(100, 80),
            totals(100, 90),
            totals(100, 85),
            totals(100, 98),
            totals(1_000, 999),
            totals(1_000, 996),
            totals(10_000, 9_999),
        ];
        let s = evaluate(
            (99.9, TargetSource::Annotation),
            2_592_000,
            totals(100_000, 99_990),
            &windows,
        );
        let firing: Vec<(Severity, &str)> = s
            .alerts
            .iter()
            .filter(|a| a.firing)
            .map(|a| (a.severity, a.long_window.as_str()))
            .collect();
        // 6h burns 1 (< 6): that page rule stays quiet; 3d burns 0.1 (< 1): that ticket too.
        assert_eq!(firing, vec![(Severity::Page, "1h"), (Severity::Ticket, "1d")]);
        assert_eq!(s.status, SloStatus::Page);
        // 99.99 % over the period: a tenth of the budget.
        assert!(close(s.error_budget.consumed, 0.1));
    }

    #[test]
    fn exactly_at_the_threshold_does_not_fire_and_no_replicas_is_no_data() {
        // Target 99 %; 3d and 6h both burn exactly 1.
        let mut windows = [totals(100, 100); 7];
        windows[4] = totals(100, 99);
        windows[6] = totals(100, 99);
        let s = evaluate((99.0, TargetSource::Default), 2_592_000, totals(100, 99), &windows);
        assert!(s.alerts.iter().all(|a| !a.firing));
        let none = evaluate(
            (99.0, TargetSource::Default),
            2_592_000,
            totals(0, 0),
            &[totals(0, 0); 7],
        );
        assert_eq!(none.status, SloStatus::NoData);
        assert_eq!(none.error_budget.consumed, None);
    }
}
