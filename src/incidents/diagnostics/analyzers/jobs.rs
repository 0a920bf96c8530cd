//! Jobs and CronJobs: failed Jobs, suspended CronJobs and schedules that did not run.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use croner::Cron;

use super::super::facts::{CronJobFacts, Facts, JobFacts};
use super::super::finding::{Finding, FindingClass, LogExcerpt, Severity};
use super::context::{Context, EVIDENCE_LIMIT};

/// How late a scheduled run may start before it counts as missed.
pub const MISSED_SCHEDULE_GRACE: Duration = Duration::minutes(5);
/// The widest UTC offsets of any time zone: a schedule in a zone we cannot resolve is bounded
/// with them (see `latest_due`).
const MAX_EAST: Duration = Duration::hours(14);
const MAX_WEST: Duration = Duration::hours(12);
/// Zones that are UTC (also the controller's zone when none is named, as it runs in clusters).
const UTC_NAMES: [&str; 6] = ["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Etc/Zulu", "Zulu"];

pub fn job(cx: &Context, j: &JobFacts) -> Vec<Finding> {
    // A completed Job or one still running has no Failed condition.
    let Some(failed) = &j.failed else {
        return Vec::new();
    };
    let mut finding = cx.finding(
        FindingClass::JobFailed,
        "",
        Severity::Warning,
        "Job failed".into(),
        format!(
            "Job {} failed ({}): {} {} pod(s) failed.",
            cx.display(),
            failed.reason,
            failed.message,
            j.failed_pods
        ),
    );
    finding.evidence.facts.insert("reason".into(), failed.reason.clone());
    let pods = cx.facts.pods_of(cx.key);
    for (key, object) in pods.into_iter().take(EVIDENCE_LIMIT) {
        finding.evidence.related.push(cx.related(key));
        if let Facts::Pod(pod) = &object.facts
            && finding.evidence.logs.is_empty()
            && let Some(c) = pod.containers.iter().find(|c| !c.init)
        {
            // The first pod's main container: its log says why the Job failed.
            let log = LogExcerpt {
                pod: Some(key.name.clone()),
                container: c.name.clone(),
                previous: false,
                lines: Vec::new(),
            };
            finding.evidence.logs.push(log);
        }
    }
    vec![finding]
}

pub fn cron_job(cx: &Context, c: &CronJobFacts) -> Vec<Finding> {
    if c.suspended {
        let mut finding = cx.finding(
            FindingClass::CronjobSuspended,
            "",
            Severity::Info,
            "CronJob is suspended".into(),
            format!(
                "CronJob {} is suspended: its schedule \"{}\" starts no Job.",
                cx.display(),
                c.schedule
            ),
        );
        finding.evidence.facts.insert("schedule".into(), c.schedule.clone());
        return vec![finding];
    }
    // With `Forbid`, runs are skipped on purpose while a Job is active.
    if c.forbid_concurrent && c.active > 0 {
        return Vec::new();
    }
    let Some(since) = c.last_schedule.or(cx.meta.created) else {
        return Vec::new();
    };
    // An unparsable schedule is refused by the API server; nothing to judge.
    let Some(due) = latest_due(&c.schedule, c.time_zone.as_deref(), since) else {
        return Vec::new();
    };
    if cx.now - due <= MISSED_SCHEDULE_GRACE {
        return Vec::new();
    }
    let mut finding = cx.finding(
        FindingClass::CronjobMissedSchedule,
        "",
        Severity::Warning,
        "CronJob missed its schedule".into(),
        format!(
            "CronJob {} should have started a Job by {} (schedule \"{}\"), but its last run was {}.",
            cx.display(),
            due.format("%Y-%m-%d %H:%M UTC"),
            c.schedule,
            c.last_schedule
                .map_or("never".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        ),
    );
    finding.evidence.facts.insert("schedule".into(), c.schedule.clone());
    finding.evidence.facts.insert("dueBy".into(), due.to_rfc3339());
    vec![finding]
}

/// The latest instant the first run after `since` is due. The zone is `timeZone`, else a
/// `CRON_TZ=`/`TZ=` prefix of the schedule, else the controller's (UTC). A UTC zone is exact;
/// another named zone cannot be resolved without a zone database, so the due time is bounded
/// for any offset: the local clock at `since` is at most `MAX_EAST` ahead, so the next local
/// match comes no later than the first match after `since + MAX_EAST` read as UTC, which is at
/// most `MAX_WEST` before the true instant.
fn latest_due(schedule: &str, time_zone: Option<&str>, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = schedule.trim();
    let (prefix_zone, pattern) = match schedule
        .strip_prefix("CRON_TZ=")
        .or_else(|| schedule.strip_prefix("TZ="))
    {
        Some(rest) => rest.split_once(' ').map(|(zone, pattern)| (Some(zone), pattern))?,
        None => (None, schedule),
    };
    let cron = Cron::from_str(pattern.trim()).ok()?;
    match time_zone.or(prefix_zone) {
        None => cron.find_next_occurrence(&since, false).ok(),
        Some(zone) if UTC_NAMES.contains(&zone) => cron.find_next_occurrence(&since, false).ok(),
        Some(_) => Some(cron.find_next_occurrence(&(since + MAX_EAST), false).ok()? + MAX_WEST),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{ago, at, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn job(conditions: Value) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report", "namespace": "shop"},
            "status": {"failed": 3, "conditions": conditions}})
    }

    fn cron(spec: Value, last: Option<String>) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": spec, "status": {"lastScheduleTime": last}})
    }

    fn findings(kind: Kind, object: Value) -> Vec<Finding> {
        let name = object["metadata"]["name"].as_str().unwrap().to_string();
        analyze_object("prod", &facts_of(&[object]), &key(kind, "shop", &name), now())
    }

    #[test]
    fn a_failed_job_is_reported_and_a_completed_or_running_one_is_not() {
        let failed = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]);
        let found = findings(Kind::Job, job(failed));
        assert_eq!(classes(&found), [FindingClass::JobFailed]);
        assert!(found[0].explanation.contains("BackoffLimitExceeded") && found[0].explanation.contains("3 pod(s)"));
        assert!(findings(Kind::Job, job(json!([{"type": "Complete", "status": "True"}]))).is_empty());
        assert!(findings(Kind::Job, job(json!([]))).is_empty());
    }

    #[test]
    fn a_suspended_cron_job_is_only_suspended() {
        let found = findings(
            Kind::CronJob,
            cron(json!({"schedule": "*/5 * * * *", "suspend": true}), Some(ago(600))),
        );
        assert_eq!(classes(&found), [FindingClass::CronjobSuspended]);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn a_cron_job_that_stopped_running_missed_its_schedule() {
        let found = findings(Kind::CronJob, cron(json!({"schedule": "*/5 * * * *"}), Some(ago(30))));
        assert_eq!(classes(&found), [FindingClass::CronjobMissedSchedule]);
        assert_eq!(
            found[0].evidence.facts["dueBy"],
            at("2026-12-06T11:35:00Z").to_rfc3339()
        );
        assert!(findings(Kind::CronJob, cron(json!({"schedule": "*/5 * * * *"}), Some(ago(4)))).is_empty());
        assert!(
            findings(Kind::CronJob, cron(json!({"schedule": "0 3 * * *"}), Some(ago(9 * 60)))).is_empty(),
            "ran at 03:00"
        );
    }

    #[test]
    fn a_forbidden_overlap_is_not_a_missed_schedule() {
        let mut busy = cron(
            json!({"schedule": "*/5 * * * *", "concurrencyPolicy": "Forbid"}),
            Some(ago(30)),
        );
        busy["status"]["active"] = json!([{"kind": "Job", "name": "nightly-1", "namespace": "shop"}]);
        assert!(findings(Kind::CronJob, busy).is_empty());
    }

    #[test]
    fn time_zones_are_exact_for_utc_and_bounded_for_named_zones() {
        let last = at("2026-12-05T03:00:00Z");
        let next = at("2026-12-06T03:00:00Z");
        assert_eq!(latest_due("0 3 * * *", None, last), Some(next));
        assert_eq!(latest_due("CRON_TZ=UTC 0 3 * * *", None, last), Some(next));
        assert_eq!(latest_due("0 3 * * *", Some("Etc/UTC"), last), Some(next));
        // 03:00 in New York (UTC-5) ran at 08:00 UTC; the next is due at 08:00 UTC the day after,
        // which the bound does not put before.
        let due = latest_due("TZ=America/New_York 0 3 * * *", None, at("2026-12-05T08:00:00Z")).unwrap();
        assert!(due >= at("2026-12-06T08:00:00Z"), "{due}");
        let due = latest_due("0 3 * * *", Some("Asia/Tokyo"), at("2026-12-04T18:00:00Z")).unwrap();
        assert!(due >= at("2026-12-05T18:00:00Z"), "{due}");
        assert_eq!(latest_due("not a schedule", None, last), None);
        assert_eq!(latest_due("CRON_TZ=UTC", None, last), None);
    }
}
