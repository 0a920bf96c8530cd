//! Rightsizing (pure), KRR's simple strategy: a container's CPU request is the 95th percentile of
//! its CPU usage and it gets no CPU limit; its memory request and limit are its peak memory plus
//! 15 %. Usage comes from the stored samples over the history window (a 5-minute bucket's mean
//! CPU stands for each of its samples). No recommendation without the minimum history, nor for
//! a resource an HPA scales the workload on (resizing it would fight the autoscaler).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::samples::ContainerSpec;

const MIB: i64 = 1024 * 1024;
const GIB: f64 = (1024 * 1024 * 1024) as f64;
/// KRR's floors: recommendations never go below these.
pub const CPU_FLOOR_MILLICORES: i64 = 10;
pub const MEMORY_FLOOR_BYTES: i64 = 100 * MIB;
/// Hours in a month, as cloud price lists count them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// How recommendations are made and priced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub min_history_seconds: i64,
    /// Price of one CPU core for an hour.
    pub cpu_hour: f64,
    /// Price of one GiB of memory for an hour.
    pub memory_gib_hour: f64,
}

/// The 95th percentile of levels (value, how many samples saw it), nearest-rank: the smallest
/// value at or under which at least 95 % of the samples lie.
pub fn p95(levels: &[(i64, i64)]) -> Option<i64> {
    let mut sorted: Vec<(i64, i64)> = levels.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    // ⌈0.95 · total⌉ in integers.
    let rank = (95 * total + 99) / 100;
    let mut seen = 0;
    sorted.into_iter().find_map(|(v, n)| {
        seen += n;
        (seen >= rank).then_some(v)
    })
}

/// Peak memory plus 15 %, rounded up to a whole MiB.
pub fn memory_with_buffer(peak: i64) -> i64 {
    let per_mib = 100 * i128::from(MIB);
    let mib = (i128::from(peak.max(0)) * 115 + per_mib - 1) / per_mib;
    i64::try_from(mib).unwrap_or(i64::MAX / MIB) * MIB
}

/// Requests and limits, in millicores and bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub cpu_request: Option<i64>,
    pub cpu_limit: Option<i64>,
    pub memory_request: Option<i64>,
    pub memory_limit: Option<i64>,
}

impl From<&ContainerSpec> for Resources {
    fn from(c: &ContainerSpec) -> Self {
        Resources {
            cpu_request: c.cpu_request,
            cpu_limit: c.cpu_limit,
            memory_request: c.memory_request,
            memory_limit: c.memory_limit,
        }
    }
}

/// Why a resource has (or has no) recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RightsizingVerdict)]
pub enum Verdict {
    Recommended,
    /// The samples span less than the minimum history.
    InsufficientHistory,
    /// An HPA scales the workload on this resource.
    Autoscaled,
    /// No usage was sampled.
    NoUsage,
}

/// A container's usage over the history window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// (millicores, samples at that level).
    pub cpu_levels: Vec<(i64, i64)>,
    pub memory_peak: i64,
    pub samples: i64,
    /// From the first sample to the last.
    pub history_seconds: i64,
}

/// One container's recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRightsizing {
    pub container: String,
    pub current: Resources,
    /// A CPU request and no CPU limit; equal memory request and limit. Unset where not
    /// recommended.
    pub recommended: Resources,
    pub cpu: Verdict,
    pub memory: Verdict,
    /// The 95th percentile of CPU usage, millicores.
    pub cpu_p95: Option<i64>,
    pub memory_peak: Option<i64>,
    pub samples: i64,
    pub history_seconds: i64,
    /// For all replicas over a month: what the current requests cost minus what the recommended
    /// ones would (negative: the recommendation costs more). A request left unset counts as its
    /// limit, as the apiserver defaults it, else as nothing.
    pub monthly_savings: f64,
}

fn verdict(usage: Option<&Usage>, autoscaled: bool, policy: &Policy) -> Verdict {
    match usage {
        _ if autoscaled => Verdict::Autoscaled,
        None => Verdict::NoUsage,
        Some(u) if u.samples == 0 => Verdict::NoUsage,
        Some(u) if u.history_seconds < policy.min_history_seconds => Verdict::InsufficientHistory,
        Some(_) => Verdict::Recommended,
    }
}

/// The recommendation for the template container `spec` of a workload with `replicas`,
/// HPA-scaled on (CPU, memory) as `hpa`.
pub fn recommend(
    spec: &ContainerSpec,
    usage: Option<&Usage>,
    hpa: (bool, bool),
    replicas: i64,
    policy: &Policy,
) -> ContainerRightsizing {
    let current = Resources::from(spec);
    let cpu = verdict(usage, hpa.0, policy);
    let memory = verdict(usage, hpa.1, policy);
    let cpu_p95 = usage.and_then(|u| p95(&u.cpu_levels));
    let memory_peak = usage.filter(|u| u.samples > 0).map(|u| u.memory_peak);
    let mut recommended = Resources::default();
    if cpu == Verdict::Recommended {
        recommended.cpu_request = cpu_p95.map(|p| p.max(CPU_FLOOR_MILLICORES));
    }
    if memory == Verdict::Recommended {
        let m = memory_peak.map(|p| memory_with_buffer(p).max(MEMORY_FLOOR_BYTES));
        recommended.memory_request = m;
        recommended.memory_limit = m;
    }
    let hours = replicas.max(0) as f64 * HOURS_PER_MONTH;
    let saved = |now: Option<i64>, limit: Option<i64>, then: Option<i64>| match then {
        Some(then) => (now.or(limit).unwrap_or(0) - then) as f64,
        None => 0.0,
    };
    let cpu_saved = saved(current.cpu_request, current.cpu_limit, recommended.cpu_request) / 1000.0;
    let memory_saved = saved(current.memory_request, current.memory_limit, recommended.memory_request) / GIB;
    ContainerRightsizing {
        container: spec.name.clone(),
        current,
        recommended,
        cpu,
        memory,
        cpu_p95,
        memory_peak,
        samples: usage.map_or(0, |u| u.samples),
        history_seconds: usage.map_or(0, |u| u.history_seconds),
        monthly_savings: hours * (cpu_saved * policy.cpu_hour + memory_saved * policy.memory_gib_hour),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        min_history_seconds: 86_400,
        cpu_hour: 0.04,
        memory_gib_hour: 0.005,
    };

    #[test]
    fn the_95th_percentile_is_nearest_rank_over_weighted_levels() {
        // 1..=100 once each: rank ⌈95⌉ = 95.
        let once: Vec<(i64, i64)> = (1..=100).map(|v| (v, 1)).collect();
        assert_eq!(p95(&once), Some(95));
        // 20 samples: rank 19. 18 at 100m, then 1 at 300m, 1 at 900m → the 19th is 300m.
        assert_eq!(p95(&[(900, 1), (100, 18), (300, 1)]), Some(300));
        // A 5-minute bucket of 5 samples at mean 200 and 15 raw samples at 50: rank ⌈19⌉ → 200.
        assert_eq!(p95(&[(50, 15), (200, 5)]), Some(200));
        // 7 samples: rank ⌈6.65⌉ = 7, the highest.
        assert_eq!(p95(&[(1, 6), (2, 1)]), Some(2));
        assert_eq!(p95(&[]), None);
        assert_eq!(p95(&[(5, 0)]), None);
    }

    #[test]
    fn memory_is_the_peak_plus_fifteen_percent_in_whole_mebibytes() {
        // 200 Mi × 1.15 = 230 Mi exactly.
        assert_eq!(memory_with_buffer(200 * MIB), 230 * MIB);
        // 100 Mi + 1 byte: 115 Mi and a bit → 116 Mi.
        assert_eq!(memory_with_buffer(100 * MIB + 1), 116 * MIB);
        assert_eq!(memory_with_buffer(0), 0);
    }

    fn usage(levels: &[(i64, i64)], peak: i64, history: i64) -> Usage {
        Usage {
            cpu_levels: levels.to_vec(),
            memory_peak: peak,
            samples: levels.iter().map(|(_, n)| n).sum(),
            history_seconds: history,
        }
    }

    #[test]
    fn a_recommendation_with_its_savings_by_hand() {
        let spec = ContainerSpec {
            name: "app".into(),
            cpu_request: Some(500),
            cpu_limit: Some(1000),
            memory_request: Some(512 * MIB),
            memory_limit: Some(1024 * MIB),
        };
        // p95 of 20 samples: 18 × 100m, 1 × 300m, 1 × 900m → 300m. Peak 200 Mi → 230 Mi.
        let u = usage(&[(100, 18), (300, 1), (900, 1)], 200 * MIB, 2 * 86_400);
        let r = recommend(&spec, Some(&u), (false, false), 3, &POLICY);
        assert_eq!(r.cpu, Verdict::Recommended);
        assert_eq!(r.cpu_p95, Some(300));
        assert_eq!(
            r.recommended,
            Resources {
                cpu_request: Some(300),
                cpu_limit: None,
                memory_request: Some(230 * MIB),
                memory_limit: Some(230 * MIB),
            }
        );
        // 3 replicas × 730 h × (0.2 cores × 0.04 + 282/1024 GiB × 0.005) = 2190 × (0.008 + 0.00137695…)
        let want = 2190.0 * (0.2 * 0.04 + (282.0 / 1024.0) * 0.005);
        assert!((r.monthly_savings - want).abs() < 1e-9, "{}", r.monthly_savings);
    }

    #[test]
    fn floors_history_and_autoscalers() {
        let bare = ContainerSpec {
            name: "app".into(),
            ..ContainerSpec::default()
        };
        // Tiny usage: the floors.
        let tiny = usage(&[(1, 100)], MIB, 86_400);
        let r = recommend(&bare, Some(&tiny), (false, false), 1, &POLICY);
        assert_eq!(r.recommended.cpu_request, Some(CPU_FLOOR_MILLICORES));
        assert_eq!(r.recommended.memory_limit, Some(MEMORY_FLOOR_BYTES));
        // No requests set: the recommendation costs more (10m and 100 Mi for a month).
        let want = -730.0 * (0.01 * 0.04 + (100.0 / 1024.0) * 0.005);
        assert!((r.monthly_savings - want).abs() < 1e-9);

        let young = usage(&[(100, 10)], 200 * MIB, 86_399);
        let r = recommend(&bare, Some(&young), (false, false), 1, &POLICY);
        assert_eq!(
            (r.cpu, r.memory),
            (Verdict::InsufficientHistory, Verdict::InsufficientHistory)
        );
        assert_eq!(r.recommended, Resources::default());
        assert_eq!(r.monthly_savings, 0.0);

        // An HPA on CPU: memory alone is recommended.
        let old = usage(&[(100, 10)], 200 * MIB, 86_400);
        let r = recommend(&bare, Some(&old), (true, false), 1, &POLICY);
        assert_eq!((r.cpu, r.memory), (Verdict::Autoscaled, Verdict::Recommended));
        assert_eq!(r.recommended.cpu_request, None);
        assert_eq!(r.recommended.memory_request, Some(230 * MIB));

        let r = recommend(&bare, None, (false, false), 1, &POLICY);
        assert_eq!((r.cpu, r.memory), (Verdict::NoUsage, Verdict::NoUsage));
    }
}
