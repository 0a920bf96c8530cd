//! What rules raise (pure): which open findings and SLO results a rule matches, the alert each
//! one wants, and what an evaluation does with the alerts already open (dedup, repeat, resolve).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::{FindingSeverity, FindingSource, RuleSource, SloSource};
use crate::signals::evaluator::WorkloadSlo;
use crate::signals::outbound::alert::Severity;
use crate::signals::slo::SloStatus;

/// An open finding as a rule sees it.
#[derive(Debug, Clone)]
pub struct FindingFact {
    pub id: String,
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub class: String,
    pub severity: String,
    pub title: String,
    pub explanation: String,
}

/// An alert a rule wants open now.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub fingerprint: String,
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub cluster: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
}

fn listed(list: &[String], value: &str) -> bool {
    list.is_empty() || list.iter().any(|v| v == value)
}

pub fn finding_matches(source: &FindingSource, f: &FindingFact) -> bool {
    // A severity this version does not know matches only rules without a minimum.
    let severe_enough = match source.min_severity {
        None => true,
        Some(min) => FindingSeverity::parse(&f.severity).is_some_and(|s| s >= min),
    };
    severe_enough
        && listed(&source.classes, &f.class)
        && listed(&source.clusters, &f.cluster)
        && listed(&source.namespaces, &f.namespace)
}

pub fn slo_matches(source: &SloSource, s: &WorkloadSlo) -> bool {
    source.statuses.iter().any(|st| st.status() == s.slo.status)
        && listed(&source.clusters, &s.cluster)
        && listed(&source.namespaces, &s.namespace)
}

fn finding_alert(rule_id: &str, f: &FindingFact) -> Wanted {
    let severity = match f.severity.as_str() {
        "critical" => Severity::Critical,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    let mut labels = BTreeMap::from([
        ("finding".to_string(), f.id.clone()),
        ("class".to_string(), f.class.clone()),
        ("kind".to_string(), f.kind.clone()),
        ("name".to_string(), f.name.clone()),
    ]);
    if !f.namespace.is_empty() {
        labels.insert("namespace".into(), f.namespace.clone());
    }
    Wanted {
        fingerprint: format!("{rule_id}:finding:{}", f.id),
        title: f.title.clone(),
        summary: f.explanation.clone(),
        severity,
        cluster: f.cluster.clone(),
        namespace: f.namespace.clone(),
        labels,
    }
}

fn slo_alert(rule_id: &str, s: &WorkloadSlo) -> Wanted {
    let (severity, burn) = match s.slo.status {
        SloStatus::Page => (Severity::Critical, "fast"),
        _ => (Severity::Warning, "slow"),
    };
    // Availability is a fraction; the target is in percent.
    let figures = match s.slo.availability {
        Some(a) => format!(" (availability {:.3}% for a target of {}%)", a * 100.0, s.slo.target),
        None => String::new(),
    };
    let status = s.slo.status.as_str();
    Wanted {
        fingerprint: format!("{rule_id}:slo:{}/{}/{}/{}", s.cluster, s.namespace, s.kind, s.name),
        title: format!("SLO burn ({status}) of {} {}/{}", s.kind, s.namespace, s.name),
        summary: format!(
            "The error budget of {} {}/{} burns {burn}{figures}.",
            s.kind, s.namespace, s.name
        ),
        severity,
        cluster: s.cluster.clone(),
        namespace: s.namespace.clone(),
        labels: BTreeMap::from([
            ("namespace".to_string(), s.namespace.clone()),
            ("kind".to_string(), s.kind.clone()),
            ("name".to_string(), s.name.clone()),
            ("slo_status".to_string(), status.to_string()),
        ]),
    }
}

/// The alerts `rule_id` with `source` wants open now.
pub fn wanted(rule_id: &str, source: &RuleSource, findings: &[FindingFact], slos: &[WorkloadSlo]) -> Vec<Wanted> {
    match source {
        RuleSource::Finding(src) => findings
            .iter()
            .filter(|f| finding_matches(src, f))
            .map(|f| finding_alert(rule_id, f))
            .collect(),
        RuleSource::Slo(src) => slos
            .iter()
            .filter(|s| slo_matches(src, s))
            .map(|s| slo_alert(rule_id, s))
            .collect(),
    }
}

/// An open alert as the plan sees it.
#[derive(Debug, Clone)]
pub struct OpenAlert {
    pub id: String,
    pub fingerprint: String,
    pub rule_id: String,
    /// firing or acknowledged.
    pub state: String,
    pub notified_at: Option<DateTime<Utc>>,
}

/// What one evaluation does.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// New alerts, with the rule that raised them.
    pub open: Vec<(String, Wanted)>,
    /// Firing alerts whose repeat interval has passed since they were last sent.
    pub repeat: Vec<String>,
    /// Alerts whose condition cleared (or whose rule is gone or disabled).
    pub resolve: Vec<String>,
}

/// Dedup, repeat and resolution: an alert already open for a fingerprint is not opened again;
/// a firing one is sent again once `repeat` has passed since it was last sent, an acknowledged
/// one never; an open alert no enabled rule wants any more is resolved.
pub fn plan(wanted_by_rule: &[(String, Duration, Vec<Wanted>)], open: &[OpenAlert], now: DateTime<Utc>) -> Plan {
    let open_by_fingerprint: HashMap<&str, &OpenAlert> = open.iter().map(|a| (a.fingerprint.as_str(), a)).collect();
    let mut still_wanted: HashSet<&str> = HashSet::new();
    let mut plan = Plan::default();
    for (rule_id, repeat, wanted) in wanted_by_rule {
        for w in wanted {
            if !still_wanted.insert(w.fingerprint.as_str()) {
                continue;
            }
            match open_by_fingerprint.get(w.fingerprint.as_str()) {
                None => plan.open.push((rule_id.clone(), w.clone())),
                Some(a) if a.state == "firing" => {
                    let due = a.notified_at.is_none_or(|at| {
                        chrono::Duration::from_std(*repeat).is_ok_and(|r| now.signed_duration_since(at) >= r)
                    });
                    if due {
                        plan.repeat.push(a.id.clone());
                    }
                }
                Some(_) => {}
            }
        }
    }
    plan.resolve = open
        .iter()
        .filter(|a| !still_wanted.contains(a.fingerprint.as_str()))
        .map(|a| a.id.clone())
        .collect();
    plan
}

/// A repeat interval as written: a whole number and `s`, `m`, `h` or `d` (`30m`, `4h`).
pub fn parse_interval(s: &str) -> Option<Duration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let size = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let number = &s[..s.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse::<u64>().ok()?.checked_mul(size).map(Duration::from_secs)
}

/// A repeat interval as written: the largest whole unit (`4h`, `90m`, `1d`, `45s`).
pub fn format_interval(seconds: i64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::alerts::model::SloAlertStatus;
    use crate::signals::outbound::alert::Severity;
    use crate::signals::slo::{self, TargetSource, Totals, WINDOWS};

    fn finding(id: &str, severity: &str, class: &str, namespace: &str) -> FindingFact {
        FindingFact {
            id: id.into(),
            cluster: "prod".into(),
            namespace: namespace.into(),
            kind: "Pod".into(),
            name: "api-1".into(),
            class: class.into(),
            severity: severity.into(),
            title: format!("{class} in {namespace}"),
            explanation: "it restarts".into(),
        }
    }

    /// A workload whose every window is `ready` of 1,000 replicas ready, against 99.9 %.
    fn slo(name: &str, ready: i64) -> WorkloadSlo {
        let totals = Totals { desired: 1000, ready };
        WorkloadSlo {
            cluster: "prod".into(),
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: name.into(),
            slo: slo::evaluate(
                (99.9, TargetSource::Default),
                30 * 86400,
                totals,
                &[totals; WINDOWS.len()],
            ),
            last_sample_at: None,
            computed_at: DateTime::UNIX_EPOCH,
        }
    }
    /// Burns ×15 (page), ×5 (ticket), none.
    const PAGE: i64 = 985;
    const TICKET: i64 = 995;
    const OK: i64 = 1000;

    #[test]
    fn finding_filters() {
        let src = FindingSource {
            min_severity: Some(FindingSeverity::Warning),
            classes: vec!["pod_crash_loop".into()],
            clusters: vec![],
            namespaces: vec!["shop".into()],
        };
        assert!(finding_matches(
            &src,
            &finding("a", "critical", "pod_crash_loop", "shop")
        ));
        assert!(finding_matches(
            &src,
            &finding("a", "warning", "pod_crash_loop", "shop")
        ));
        assert!(!finding_matches(&src, &finding("a", "info", "pod_crash_loop", "shop")));
        assert!(!finding_matches(
            &src,
            &finding("a", "critical", "pod_image_pull", "shop")
        ));
        assert!(!finding_matches(
            &src,
            &finding("a", "critical", "pod_crash_loop", "other")
        ));
        assert!(finding_matches(
            &FindingSource::default(),
            &finding("a", "unknown", "x", "")
        ));
        assert!(!finding_matches(
            &src,
            &finding("a", "unknown", "pod_crash_loop", "shop")
        ));
    }

    #[test]
    fn slo_statuses() {
        let page = SloSource {
            statuses: vec![SloAlertStatus::Page],
            clusters: vec!["prod".into()],
            namespaces: vec![],
        };
        assert_eq!(slo("a", TICKET).slo.status, SloStatus::Ticket);
        assert!(slo_matches(&page, &slo("a", PAGE)));
        assert!(!slo_matches(&page, &slo("a", TICKET)));
        assert!(!slo_matches(&page, &slo("a", OK)));
        let w = wanted("r1", &RuleSource::Slo(page), &[], &[slo("api", PAGE), slo("web", OK)]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].fingerprint, "r1:slo:prod/shop/Deployment/api");
        assert_eq!(w[0].severity, Severity::Critical);
        assert_eq!(
            w[0].summary,
            "The error budget of Deployment shop/api burns fast (availability 98.500% for a target of 99.9%)."
        );
    }

    fn open(id: &str, fingerprint: &str, state: &str, notified_at: &str) -> OpenAlert {
        OpenAlert {
            id: id.into(),
            fingerprint: fingerprint.into(),
            rule_id: "r1".into(),
            state: state.into(),
            notified_at: Some(notified_at.parse().unwrap()),
        }
    }

    #[test]
    fn dedup_repeat_acknowledge_and_resolve() {
        let src = RuleSource::Finding(FindingSource::default());
        let findings = [finding("a", "critical", "c", "ns"), finding("b", "warning", "c", "ns")];
        let w = wanted("r1", &src, &findings, &[]);
        let four_hours = Duration::from_secs(4 * 3600);
        let rules = vec![("r1".to_string(), four_hours, w)];
        let now: DateTime<Utc> = "2026-12-06T12:00:00Z".parse().unwrap();

        // Nothing open: both open.
        let p = plan(&rules, &[], now);
        assert_eq!(p.open.len(), 2);
        assert!(p.repeat.is_empty() && p.resolve.is_empty());

        // Both open, sent 1 h ago: nothing to do (dedup).
        let both = [
            open("A", "r1:finding:a", "firing", "2026-12-06T11:00:00Z"),
            open("B", "r1:finding:b", "firing", "2026-12-06T11:00:00Z"),
        ];
        assert_eq!(plan(&rules, &both, now), Plan::default());

        // Sent 4 h ago: repeated; acknowledged: never.
        let due = [
            open("A", "r1:finding:a", "firing", "2026-12-06T08:00:00Z"),
            open("B", "r1:finding:b", "acknowledged", "2026-12-06T08:00:00Z"),
        ];
        let p = plan(&rules, &due, now);
        assert_eq!(p.repeat, vec!["A".to_string()]);
        assert!(p.open.is_empty() && p.resolve.is_empty());

        // b cleared, and an alert of a rule that is gone: both resolve.
        let rules_a = vec![("r1".to_string(), four_hours, wanted("r1", &src, &findings[..1], &[]))];
        let mut gone = open("C", "r9:finding:a", "firing", "2026-12-06T11:00:00Z");
        gone.rule_id = "r9".into();
        let p = plan(&rules_a, &[both[0].clone(), both[1].clone(), gone], now);
        assert_eq!(p.resolve, vec!["B".to_string(), "C".to_string()]);
        assert!(p.open.is_empty());
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("4h"), Some(Duration::from_secs(14_400)));
        assert_eq!(parse_interval(" 90m "), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_interval("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_interval("45s"), Some(Duration::from_secs(45)));
        for bad in ["", "h", "4", "4w", "-4h", "4.5h", "soon", "99999999999999999999d"] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
        assert_eq!(format_interval(4 * 3600), "4h");
        assert_eq!(format_interval(90 * 60), "90m");
        assert_eq!(format_interval(86_400), "1d");
        assert_eq!(format_interval(45), "45s");
    }
}
