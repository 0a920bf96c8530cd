//! Prometheus metrics: HTTP requests by method, route template and status; process metrics;
//! the store's pool; and `fleetdeck_*` counters of our own.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::store::Store;

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    db_pool: IntGaugeVec,
    auth_rejections: IntCounterVec,
    audit_events: IntCounterVec,
    audit_write_failures: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route template and status.",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method, route template and status.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let db_pool = IntGaugeVec::new(
            Opts::new(
                "fleetdeck_db_pool_connections",
                "Store pool connections by state (open, idle, max).",
            ),
            &["state"],
        )
        .expect("valid metric");
        let auth_rejections = IntCounterVec::new(
            Opts::new(
                "fleetdeck_auth_rejections_total",
                "Requests refused for bad credentials, by reason.",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let audit_events = IntCounterVec::new(
            Opts::new("fleetdeck_audit_events_total", "Audit events written, by outcome."),
            &["outcome"],
        )
        .expect("valid metric");
        let audit_write_failures = IntCounterVec::new(
            Opts::new(
                "fleetdeck_audit_write_failures_total",
                "Audit events that could not be written.",
            ),
            &[],
        )
        .expect("valid metric");
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(db_pool.clone()),
            Box::new(auth_rejections.clone()),
            Box::new(audit_events.clone()),
            Box::new(audit_write_failures.clone()),
            Box::new(prometheus::process_collector::ProcessCollector::for_self()),
        ] {
            registry.register(c).expect("metric names are unique");
        }
        Metrics {
            registry,
            http_requests,
            http_duration,
            db_pool,
            auth_rejections,
            audit_events,
            audit_write_failures,
        }
    }

    /// Adds collectors owned elsewhere (the caches', the access reviews').
    pub fn register(&self, c: Box<dyn prometheus::core::Collector>) {
        self.registry.register(c).expect("metric names are unique");
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration.with_label_values(&labels).observe(seconds);
    }

    pub fn auth_rejected(&self, reason: &str) {
        self.auth_rejections.with_label_values(&[reason]).inc();
    }

    pub fn audit_event(&self, outcome: &str) {
        self.audit_events.with_label_values(&[outcome]).inc();
    }

    pub fn audit_write_failed(&self) {
        self.audit_write_failures.with_label_values::<&str>(&[]).inc();
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, store: &Store) -> String {
        let stats = store.pool_stats();
        for (state, v) in [("open", stats.size), ("idle", stats.idle), ("max", stats.max)] {
            self.db_pool.with_label_values(&[state]).set(i64::from(v));
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding does not fail");
        String::from_utf8(out).expect("metrics text is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}
