//! What the benchmarks share: times in milliseconds and their percentiles.

use std::time::Duration;

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p99 of the times, in ms.
pub fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    (pick(0.5), pick(0.99))
}
