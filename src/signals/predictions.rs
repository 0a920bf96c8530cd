//! Predictions (pure): trends fitted to the stored samples, and the thresholds they will cross.
//! Each rule first turns samples into **series** — one per object, the values per 5-minute
//! bucket over the rule's window — then fits a least-squares line to each series and tells when
//! the line reaches the rule's threshold. The series are also what an external predictor is sent
//! (`predictor`), so it models exactly what the local model would. The rules, their windows,
//! thresholds and scores are documented in docs/signals.md ("Predictions").

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::samples::{SampleRow, bucket_start};

/// How far ahead a crossing is predicted: 24 hours.
pub const HORIZON_SECONDS: i64 = 24 * 3600;
/// The window of restarts, memory and node series: 6 hours.
pub const WINDOW_SECONDS: i64 = 6 * 3600;
/// The window of volume series (volumes fill slowly): 24 hours.
pub const PVC_WINDOW_SECONDS: i64 = 24 * 3600;
/// A series whose latest bucket is older than this (its object gone, its node unreadable) is
/// not modelled.
pub const STALE_SECONDS: i64 = 30 * 60;
/// The fewest points a line is fitted to.
pub const MIN_POINTS: usize = 3;
/// Restarts per hour taken as crash looping (a restart every 5 minutes, the longest back-off).
pub const RESTART_RATE_THRESHOLD: f64 = 12.0;
/// The least rise of the restart rate that counts, in restarts per hour per hour.
pub const RESTART_SLOPE_MIN: f64 = 0.5;
/// Node use over allocatable that counts as pressure.
pub const NODE_PRESSURE_THRESHOLD: f64 = 0.9;

/// What is predicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PredictionKind {
    /// A workload's restarts per hour are rising.
    RestartRateRising,
    /// A container's memory is heading for its limit.
    MemoryNearLimit,
    /// A PersistentVolumeClaim's volume is filling up.
    PvcFilling,
    /// A node's memory or CPU use over allocatable is heading past 90 %.
    NodePressure,
}

impl PredictionKind {
    pub const ALL: [PredictionKind; 4] = [
        PredictionKind::RestartRateRising,
        PredictionKind::MemoryNearLimit,
        PredictionKind::PvcFilling,
        PredictionKind::NodePressure,
    ];
}

/// The object a prediction is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PredictedObject {
    pub cluster: String,
    /// Absent for nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Deployment, StatefulSet, DaemonSet, Node or PersistentVolumeClaim.
    pub kind: String,
    pub name: String,
    /// The container, for `memory_near_limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// The unit of a series' values (and of its threshold and slope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Restarts per hour.
    RestartsPerHour,
    Bytes,
    /// Use over allocatable, 0 to 1 (and above).
    Ratio,
}

/// What one rule models of one object: its values per bucket over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    pub kind: PredictionKind,
    pub object: PredictedObject,
    /// `memory` or `cpu`, for `node_pressure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub unit: Unit,
    pub threshold: f64,
    pub window_seconds: i64,
    /// Oldest first: (the bucket's start, seconds since the epoch; the value).
    pub points: Vec<(i64, f64)>,
}

/// Why a prediction was made: the fitted line and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PredictionEvidence)]
pub struct Evidence {
    /// The fitted rise per hour, in `unit`.
    pub slope_per_hour: f64,
    /// The latest value.
    pub current: f64,
    pub threshold: f64,
    pub unit: Unit,
    pub window_seconds: i64,
    /// The buckets the line was fitted to.
    pub points: u32,
    /// `memory` or `cpu`, for `node_pressure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    pub kind: PredictionKind,
    pub object: PredictedObject,
    /// 0 to 1: 1 − horizon / 48 h (1: crossed already, 0.5 at the 24-hour horizon); see
    /// docs/signals.md.
    pub score: f64,
    /// Seconds from the latest sample until the threshold is crossed at the fitted rate (0:
    /// crossed already). The local model predicts only crossings within 24 hours; an external
    /// predictor may answer null (no crossing foreseen).
    #[schema(required = true)]
    pub horizon: Option<i64>,
    pub evidence: Evidence,
}

/// A least-squares line: `value = intercept + slope · t` (t in hours from the latest point).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Per hour.
    pub slope: f64,
    /// The fitted value at the latest point.
    pub intercept: f64,
}

/// The least-squares line through `points` ((seconds, value)), None for fewer than two distinct
/// times.
pub fn least_squares(points: &[(i64, f64)]) -> Option<Fit> {
    let last = points.iter().map(|p| p.0).max()?;
    let n = points.len() as f64;
    let t = |s: i64| (s - last) as f64 / 3600.0;
    let mean_t = points.iter().map(|p| t(p.0)).sum::<f64>() / n;
    let mean_v = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (t(p.0) - mean_t).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (t(p.0) - mean_t) * (p.1 - mean_v)).sum();
    let slope = sxy / sxx;
    Some(Fit {
        slope,
        intercept: mean_v - slope * mean_t,
    })
}

/// The samples a rule reads: a store's rows and the memory limits of containers.
#[derive(Debug)]
pub struct Samples<'a> {
    /// `workload_samples` rows (key: cluster, namespace, kind, name).
    pub workloads: &'a [SampleRow],
    /// `container_samples` rows (… container).
    pub containers: &'a [SampleRow],
    /// `node_samples` rows (cluster, node).
    pub nodes: &'a [SampleRow],
    /// `volume_samples` rows (cluster, namespace, pvc).
    pub volumes: &'a [SampleRow],
    /// Memory limits in bytes by (cluster, namespace, kind, name, container).
    pub memory_limits: &'a HashMap<[String; 5], i64>,
}

static NO_LIMITS: std::sync::LazyLock<HashMap<[String; 5], i64>> = std::sync::LazyLock::new(HashMap::new);

impl Default for Samples<'_> {
    fn default() -> Self {
        Samples {
            workloads: &[],
            containers: &[],
            nodes: &[],
            volumes: &[],
            memory_limits: &NO_LIMITS,
        }
    }
}

/// Per key, the rows' values per bucket start folded by `fold`, within `window` before `now`.
fn buckets(
    rows: &[SampleRow],
    now: DateTime<Utc>,
    window: i64,
    value: impl Fn(&SampleRow) -> Option<f64>,
) -> BTreeMap<&[String], BTreeMap<i64, f64>> {
    let since = now - TimeDelta::seconds(window);
    let mut out: BTreeMap<&[String], BTreeMap<i64, f64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.at >= since && r.at <= now) {
        let Some(v) = value(r) else { continue };
        let at = bucket_start(r.at).timestamp();
        let slot = out.entry(&r.key).or_default().entry(at).or_insert(v);
        *slot = slot.max(v);
    }
    out
}

/// The restarts per hour between consecutive buckets of a restart counter, at the later
/// bucket's time; a counter that went down (pods replaced) counts as no restarts.
pub fn restart_rates(counter: &BTreeMap<i64, f64>) -> Vec<(i64, f64)> {
    let points: Vec<(i64, f64)> = counter.iter().map(|(t, v)| (*t, *v)).collect();
    points
        .windows(2)
        .map(|w| {
            let hours = (w[1].0 - w[0].0) as f64 / 3600.0;
            (w[1].0, (w[1].1 - w[0].1).max(0.0) / hours)
        })
        .collect()
}

fn workload_object(key: &[String]) -> PredictedObject {
    PredictedObject {
        cluster: key[0].clone(),
        namespace: Some(key[1].clone()),
        kind: key[2].clone(),
        name: key[3].clone(),
        container: key.get(4).cloned(),
    }
}

fn fresh(points: &[(i64, f64)], now: DateTime<Utc>) -> bool {
    points
        .last()
        .is_some_and(|p| p.0 >= bucket_start(now).timestamp() - STALE_SECONDS)
}

/// Every series the rules model, from one or more clusters' samples at `now`.
pub fn series(samples: &Samples, now: DateTime<Utc>) -> Vec<Series> {
    let mut out = Vec::new();
    let w = WINDOW_SECONDS;
    for (key, counter) in buckets(samples.workloads, now, w, |r| Some(r.values[2] as f64)) {
        out.push(Series {
            kind: PredictionKind::RestartRateRising,
            object: workload_object(key),
            resource: None,
            unit: Unit::RestartsPerHour,
            threshold: RESTART_RATE_THRESHOLD,
            window_seconds: w,
            points: restart_rates(&counter),
        });
    }
    for (key, memory) in buckets(samples.containers, now, w, |r| Some(r.values[2] as f64)) {
        let Ok(k) = <[String; 5]>::try_from(key.to_vec()) else {
            continue;
        };
        let Some(limit) = samples.memory_limits.get(&k).filter(|l| **l > 0) else {
            continue;
        };
        out.push(Series {
            kind: PredictionKind::MemoryNearLimit,
            object: workload_object(key),
            resource: None,
            unit: Unit::Bytes,
            threshold: *limit as f64,
            window_seconds: w,
            points: memory.into_iter().collect(),
        });
    }
    let pw = PVC_WINDOW_SECONDS;
    let capacities = buckets(samples.volumes, now, pw, |r| Some(r.values[1] as f64));
    for (key, used) in buckets(samples.volumes, now, pw, |r| Some(r.values[0] as f64)) {
        let capacity = capacities
            .get(key)
            .and_then(|c| c.values().next_back())
            .copied()
            .unwrap_or(0.0);
        if capacity <= 0.0 {
            continue;
        }
        out.push(Series {
            kind: PredictionKind::PvcFilling,
            object: PredictedObject {
                cluster: key[0].clone(),
                namespace: Some(key[1].clone()),
                kind: "PersistentVolumeClaim".into(),
                name: key[2].clone(),
                container: None,
            },
            resource: None,
            unit: Unit::Bytes,
            threshold: capacity,
            window_seconds: pw,
            points: used.into_iter().collect(),
        });
    }
    // node_samples values: cpu_sum, cpu_max, memory_max, cpu_allocatable, memory_allocatable.
    let ratio = |used: usize, allocatable: usize| {
        move |r: &SampleRow| (r.values[allocatable] > 0).then(|| r.values[used] as f64 / r.values[allocatable] as f64)
    };
    for (resource, used, allocatable) in [("memory", 2, 4), ("cpu", 1, 3)] {
        for (key, use_ratio) in buckets(samples.nodes, now, w, ratio(used, allocatable)) {
            out.push(Series {
                kind: PredictionKind::NodePressure,
                object: PredictedObject {
                    cluster: key[0].clone(),
                    namespace: None,
                    kind: "Node".into(),
                    name: key[1].clone(),
                    container: None,
                },
                resource: Some(resource.into()),
                unit: Unit::Ratio,
                threshold: NODE_PRESSURE_THRESHOLD,
                window_seconds: w,
                points: use_ratio.into_iter().collect(),
            });
        }
    }
    out.retain(|s| fresh(&s.points, now));
    out
}

/// `1 − horizon / (2 × 24 h)`, rounded to three decimals: 1 when crossed, 0.5 at the horizon.
pub fn score(horizon: i64) -> f64 {
    round3(1.0 - horizon as f64 / (2 * HORIZON_SECONDS) as f64)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The prediction the local model makes of `series`, if any.
pub fn predict(series: &Series) -> Option<Prediction> {
    if series.points.len() < MIN_POINTS {
        return None;
    }
    let fit = least_squares(&series.points)?;
    let current = series.points.last()?.1;
    // Seconds until the fitted line reaches the threshold, from the latest point.
    let crossing = |fitted: f64| -> Option<i64> {
        if current >= series.threshold || fitted >= series.threshold {
            return Some(0);
        }
        (fit.slope > 0.0).then(|| ((series.threshold - fitted) / fit.slope * 3600.0).round() as i64)
    };
    // A restart rate is predicted only when it rises, by at least RESTART_SLOPE_MIN; a fitted
    // rate below zero is none.
    let fitted = match series.kind {
        PredictionKind::RestartRateRising if fit.slope < RESTART_SLOPE_MIN => return None,
        PredictionKind::RestartRateRising => fit.intercept.max(0.0),
        _ => fit.intercept,
    };
    let h = crossing(fitted)?;
    if h > HORIZON_SECONDS {
        return None;
    }
    let (score, horizon) = (score(h), Some(h));
    Some(Prediction {
        kind: series.kind,
        object: series.object.clone(),
        score,
        horizon,
        evidence: Evidence {
            slope_per_hour: fit.slope,
            current,
            threshold: series.threshold,
            unit: series.unit,
            window_seconds: series.window_seconds,
            points: series.points.len() as u32,
            resource: series.resource.clone(),
        },
    })
}

/// The local model's predictions of `series`, highest score first (then by object).
pub fn predict_all(series: &[Series]) -> Vec<Prediction> {
    let mut out: Vec<Prediction> = series.iter().filter_map(predict).collect();
    sort(&mut out);
    out
}

/// Highest score first, then by kind and object, so equal scores keep one order.
pub fn sort(predictions: &mut [Prediction]) {
    predictions.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.evidence.resource.cmp(&b.evidence.resource))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_796_551_200; // 2026-12-06T10:00:00Z, a bucket start.
    const MI: i64 = 1024 * 1024;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    fn row(key: &[&str], t: i64, values: &[i64]) -> SampleRow {
        SampleRow {
            key: key.iter().map(|s| s.to_string()).collect(),
            at: at(t),
            samples: 1,
            values: values.to_vec(),
        }
    }

    /// Rows every 30 minutes from T0.
    fn every_half_hour(key: &[&str], values: &[Vec<i64>]) -> Vec<SampleRow> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| row(key, T0 + i as i64 * 1800, v))
            .collect()
    }

    fn predictions(samples: &Samples, now: i64) -> Vec<Prediction> {
        predict_all(&series(samples, at(now)))
    }

    #[test]
    fn least_squares_by_hand() {
        // v = 2, 4, 6 at −1 h, −0.5 h, 0 h: slope 4 per hour, 6 at the latest point.
        let fit = least_squares(&[(T0, 2.0), (T0 + 1800, 4.0), (T0 + 3600, 6.0)]).unwrap();
        assert_eq!(
            fit,
            Fit {
                slope: 4.0,
                intercept: 6.0
            }
        );
        // Noisy: (0, 1), (1 h, 3), (2 h, 2): mean t −1, mean v 2, Sxy = 1, Sxx = 2 → slope 0.5,
        // intercept 2 + 0.5 = 2.5.
        let fit = least_squares(&[(T0, 1.0), (T0 + 3600, 3.0), (T0 + 7200, 2.0)]).unwrap();
        assert_eq!(
            fit,
            Fit {
                slope: 0.5,
                intercept: 2.5
            }
        );
        assert_eq!(least_squares(&[(T0, 1.0), (T0, 2.0)]), None);
        assert_eq!(least_squares(&[]), None);
    }

    #[test]
    fn restart_rates_per_bucket_and_resets() {
        let counter = BTreeMap::from([(T0, 0.0), (T0 + 1800, 1.0), (T0 + 3600, 3.0), (T0 + 3900, 1.0)]);
        assert_eq!(
            restart_rates(&counter),
            [(T0 + 1800, 2.0), (T0 + 3600, 4.0), (T0 + 3900, 0.0)]
        );
    }

    #[test]
    fn a_rising_restart_rate_is_predicted_and_a_flat_or_falling_one_is_not() {
        let limits = HashMap::new();
        let key = ["c", "shop", "Deployment", "api"];
        // Restarts 0, 1, 3, 6 every 30 minutes: 2, 4, 6 an hour, rising 4 an hour per hour;
        // 12 an hour is reached (12 − 6) / 4 = 1.5 h after the latest sample.
        let rising = every_half_hour(&key, &[vec![1, 1, 0], vec![1, 1, 1], vec![1, 1, 3], vec![1, 1, 6]]);
        let samples = Samples {
            workloads: &rising,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 5400 + 60);
        assert_eq!(got.len(), 1, "{got:?}");
        let p = &got[0];
        assert_eq!(p.kind, PredictionKind::RestartRateRising);
        assert_eq!(
            p.object,
            PredictedObject {
                cluster: "c".into(),
                namespace: Some("shop".into()),
                kind: "Deployment".into(),
                name: "api".into(),
                container: None
            }
        );
        assert_eq!(p.horizon, Some(5400));
        // 1 − 5400 / 172800 = 0.96875.
        assert_eq!(p.score, 0.969);
        assert_eq!(
            (p.evidence.slope_per_hour, p.evidence.current, p.evidence.threshold),
            (4.0, 6.0, 12.0)
        );
        assert_eq!((p.evidence.points, p.evidence.window_seconds), (3, WINDOW_SECONDS));

        // Flat: 4 an hour throughout. Falling: 6, 4, 2 an hour.
        for counts in [[0, 2, 4, 6], [0, 3, 5, 6]] {
            let rows = every_half_hour(&key, &counts.map(|c| vec![1, 1, c]));
            let samples = Samples {
                workloads: &rows,
                memory_limits: &limits,
                ..Samples::default()
            };
            assert_eq!(predictions(&samples, T0 + 5400), [], "{counts:?}");
        }
        // Noisy but flat: 0, 2, 0, 2, 0 an hour, slope 0.
        let rows = every_half_hour(&key, &[0, 0, 1, 1, 2, 2].map(|c| vec![1, 1, c]));
        let noisy = Samples {
            workloads: &rows[..],
            memory_limits: &limits,
            ..Samples::default()
        };
        assert_eq!(predictions(&noisy, T0 + 9000), []);
    }

    #[test]
    fn a_slowly_rising_restart_rate_scores_lower() {
        let limits = HashMap::new();
        // Restarts every hour: 0, 0, 1, 3 → rates 0, 1, 2 an hour, +1 an hour per hour; 12 an
        // hour in 10 h, within the horizon: 1 − 36000 / 172800 = 0.7917.
        let rows: Vec<SampleRow> = [0, 0, 1, 3]
            .iter()
            .enumerate()
            .map(|(i, c)| row(&["c", "shop", "Deployment", "api"], T0 + i as i64 * 3600, &[1, 1, *c]))
            .collect();
        let samples = Samples {
            workloads: &rows,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 3 * 3600);
        assert_eq!((got[0].horizon, got[0].score), (Some(36_000), 0.792));
    }

    #[test]
    fn memory_reaching_its_limit() {
        let key = ["c", "shop", "Deployment", "api", "app"];
        let limits = HashMap::from([(key.map(String::from), 1024 * MI)]);
        // 512, 576, 640, 704 Mi every 30 minutes: +128 Mi an hour; the 1 Gi limit is 320 Mi
        // away, 2.5 h = 9000 s.
        let rows = every_half_hour(&key, &[512, 576, 640, 704].map(|m| vec![100, 100, m * MI]));
        let samples = Samples {
            containers: &rows,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 5400);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, PredictionKind::MemoryNearLimit);
        assert_eq!(got[0].object.container.as_deref(), Some("app"));
        assert_eq!(got[0].horizon, Some(9000));
        // 1 − 9000 / 172800 = 0.9479.
        assert_eq!(got[0].score, 0.948);
        assert_eq!(got[0].evidence.slope_per_hour, (128 * MI) as f64);
        assert_eq!(got[0].evidence.current, (704 * MI) as f64);

        // Without a limit nothing is modelled; at the limit the horizon is 0 and the score 1.
        let none = HashMap::new();
        let samples = Samples {
            containers: &rows,
            memory_limits: &none,
            ..Samples::default()
        };
        assert_eq!(predictions(&samples, T0 + 5400), []);
        let at_limit = every_half_hour(&key, &[900, 1000, 1024].map(|m| vec![100, 100, m * MI]));
        let samples = Samples {
            containers: &at_limit,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 3600);
        assert_eq!((got[0].horizon, got[0].score), (Some(0), 1.0));
        // Rising too slowly: 1 Mi an hour from 512 Mi is weeks away.
        let slow = every_half_hour(&key, &[512, 512, 513].map(|m| vec![100, 100, m * MI]));
        let samples = Samples {
            containers: &slow,
            memory_limits: &limits,
            ..Samples::default()
        };
        assert_eq!(predictions(&samples, T0 + 3600), []);
    }

    #[test]
    fn a_filling_volume_and_node_pressure() {
        const GI: i64 = 1024 * MI;
        let limits = HashMap::new();
        // 4, 5, 6, 7 Gi of 10 Gi every 30 minutes: +2 Gi an hour, full in 1.5 h.
        let volumes = every_half_hour(
            &["c", "shop", "data-db-0"],
            &[4, 5, 6, 7].map(|u| vec![u * GI, 10 * GI]),
        );
        // Memory 2048, 2304, 2560, 2816 Mi of 4096 Mi: 0.5 → 0.6875, +0.125 an hour; 0.9 is
        // 0.2125 away, 1.7 h = 6120 s. CPU flat at 10 %.
        let nodes = every_half_hour(
            &["c", "node-b"],
            &[2048, 2304, 2560, 2816].map(|m| vec![200, 200, m * MI, 2000, 4096 * MI]),
        );
        let samples = Samples {
            volumes: &volumes,
            nodes: &nodes,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 5400);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].kind, PredictionKind::PvcFilling);
        assert_eq!(
            (got[0].object.kind.as_str(), got[0].object.name.as_str()),
            ("PersistentVolumeClaim", "data-db-0")
        );
        assert_eq!((got[0].horizon, got[0].score), (Some(5400), 0.969));
        assert_eq!(got[0].evidence.threshold, (10 * GI) as f64);
        assert_eq!(got[0].evidence.window_seconds, PVC_WINDOW_SECONDS);
        assert_eq!(got[1].kind, PredictionKind::NodePressure);
        assert_eq!(got[1].object.namespace, None);
        assert_eq!(got[1].evidence.resource.as_deref(), Some("memory"));
        // 1 − 6120 / 172800 = 0.96458.
        assert_eq!((got[1].horizon, got[1].score), (Some(6120), 0.965));
        assert_eq!(
            (got[1].evidence.slope_per_hour, got[1].evidence.current),
            (0.125, 0.6875)
        );
    }

    #[test]
    fn already_under_pressure_and_stale_or_short_series() {
        let limits = HashMap::new();
        // CPU at 95 % and steady: crossed already.
        let nodes = every_half_hour(&["c", "n"], &vec![vec![1900, 1900, 1, 2000, 10]; 3]);
        let samples = Samples {
            nodes: &nodes,
            memory_limits: &limits,
            ..Samples::default()
        };
        let got = predictions(&samples, T0 + 3600);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].evidence.resource.as_deref(), Some("cpu"));
        assert_eq!(
            (got[0].horizon, got[0].score, got[0].evidence.slope_per_hour),
            (Some(0), 1.0, 0.0)
        );
        // An hour after the latest sample the series is stale; two points are too few.
        assert_eq!(predictions(&samples, T0 + 3600 + 3600), []);
        let samples = Samples {
            nodes: &nodes[..2],
            memory_limits: &limits,
            ..Samples::default()
        };
        assert_eq!(predictions(&samples, T0 + 1800), []);
    }

    #[test]
    fn raw_samples_fold_into_buckets_by_their_maximum() {
        // Three raw samples in one bucket and a bucket row: one point per bucket, its maximum.
        let key = ["c", "shop", "data"];
        let rows = [
            row(&key, T0 + 10, &[5, 10]),
            row(&key, T0 + 70, &[7, 10]),
            row(&key, T0 + 130, &[6, 10]),
            row(&key, T0 + 300, &[8, 10]),
        ];
        let got = buckets(&rows, at(T0 + 400), PVC_WINDOW_SECONDS, |r| Some(r.values[0] as f64));
        let want: BTreeMap<i64, f64> = BTreeMap::from([(T0, 7.0), (T0 + 300, 8.0)]);
        assert_eq!(got.into_values().collect::<Vec<_>>(), [want]);
    }

    #[test]
    fn series_and_predictions_keep_their_json_shape() {
        let p = Prediction {
            kind: PredictionKind::PvcFilling,
            object: PredictedObject {
                cluster: "c".into(),
                namespace: Some("shop".into()),
                kind: "PersistentVolumeClaim".into(),
                name: "data".into(),
                container: None,
            },
            score: 0.5,
            horizon: None,
            evidence: Evidence {
                slope_per_hour: 1.0,
                current: 2.0,
                threshold: 3.0,
                unit: Unit::Bytes,
                window_seconds: 60,
                points: 3,
                resource: None,
            },
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "pvc_filling",
                "object": {"cluster": "c", "namespace": "shop", "kind": "PersistentVolumeClaim", "name": "data"},
                "score": 0.5, "horizon": null,
                "evidence": {"slopePerHour": 1.0, "current": 2.0, "threshold": 3.0, "unit": "bytes", "windowSeconds": 60, "points": 3}})
        );
        assert_eq!(serde_json::from_value::<Prediction>(json).unwrap(), p);
    }
}
