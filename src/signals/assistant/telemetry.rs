//! The assistant's telemetry over a window of questions (pure): how many, by mode, latency
//! percentiles, how many were answered with citations, model fallbacks, and the references cited
//! most.

use std::collections::HashMap;

/// What telemetry reads of one question.
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    pub model: bool,
    pub model_fallback: bool,
    pub latency_ms: u64,
    pub citations: &'a [(String, String)],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub queries: u64,
    pub extractive: u64,
    pub model: u64,
    pub model_fallbacks: u64,
    pub latency_p50_ms: u64,
    pub latency_p95_ms: u64,
    /// Of the questions, the share answered with at least one citation (0 with none asked).
    pub answered_with_citations_rate: f64,
    /// (kind, id) → times cited, most cited first (ties by kind, then id).
    pub cited: Vec<((String, String), u64)>,
}

/// The nearest-rank percentile `p` (0 to 100) of sorted values; 0 for none.
pub fn percentile(sorted: &[u64], p: u32) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * p as usize).div_ceil(100).max(1);
    sorted[rank - 1]
}

pub fn summarize(asked: &[Asked<'_>]) -> Summary {
    let mut latencies: Vec<u64> = asked.iter().map(|a| a.latency_ms).collect();
    latencies.sort_unstable();
    let mut cited: HashMap<(String, String), u64> = HashMap::new();
    for a in asked {
        for c in a.citations {
            *cited.entry(c.clone()).or_default() += 1;
        }
    }
    let mut cited: Vec<_> = cited.into_iter().collect();
    cited.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let queries = asked.len() as u64;
    let with_citations = asked.iter().filter(|a| !a.citations.is_empty()).count() as u64;
    Summary {
        queries,
        model: asked.iter().filter(|a| a.model).count() as u64,
        extractive: asked.iter().filter(|a| !a.model).count() as u64,
        model_fallbacks: asked.iter().filter(|a| a.model_fallback).count() as u64,
        latency_p50_ms: percentile(&latencies, 50),
        latency_p95_ms: percentile(&latencies, 95),
        answered_with_citations_rate: if queries == 0 {
            0.0
        } else {
            with_citations as f64 / queries as f64
        },
        cited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 95)), (50, 95));
        assert_eq!((percentile(&[7], 50), percentile(&[7], 95)), (7, 7));
        assert_eq!((percentile(&[1, 2, 3], 50), percentile(&[1, 2, 3], 95)), (2, 3));
        assert_eq!(percentile(&[], 95), 0);
    }

    #[test]
    fn a_window_is_summarized() {
        let r = |k: &str, id: &str| (k.to_string(), id.to_string());
        let a = [r("runbook", "r1"), r("doc", "d1")];
        let b = [r("runbook", "r1")];
        let asked = [
            Asked {
                model: true,
                model_fallback: false,
                latency_ms: 900,
                citations: &a,
            },
            Asked {
                model: false,
                model_fallback: true,
                latency_ms: 3000,
                citations: &b,
            },
            Asked {
                model: false,
                model_fallback: false,
                latency_ms: 10,
                citations: &[],
            },
        ];
        let s = summarize(&asked);
        assert_eq!((s.queries, s.model, s.extractive, s.model_fallbacks), (3, 1, 2, 1));
        assert_eq!((s.latency_p50_ms, s.latency_p95_ms), (900, 3000));
        assert!((s.answered_with_citations_rate - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.cited, [(r("runbook", "r1"), 2), (r("doc", "d1"), 1)]);
        assert_eq!(summarize(&[]).answered_with_citations_rate, 0.0);
    }
}
