-- Signals computed per workload: what the sampler last saw of each workload's spec, and the SLO
-- and rightsizing results the leader computes from the samples (docs/signals.md).
-- Keep in step with migrations/postgres/0015_workload_signals.sql (tests/migrations.rs compares them).

-- Each workload's spec as the sampler last saw it, replaced whole at every pass.
CREATE TABLE workload_specs (
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The fleetdeck.dev/slo-target annotation as written (checked when the SLO is computed).
    slo_target TEXT,
    -- Whether a HorizontalPodAutoscaler scales the workload on CPU, on memory.
    hpa_cpu BOOLEAN NOT NULL,
    hpa_memory BOOLEAN NOT NULL,
    -- JSON: the pod template's containers' requests and limits (millicores, bytes).
    containers TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    PRIMARY KEY (cluster, namespace, kind, name)
);

-- One computed result (signal: slo or rightsizing) per workload, as JSON of the API's type;
-- each computation replaces a cluster's rows of its signal whole.
CREATE TABLE workload_signals (
    cluster TEXT NOT NULL,
    signal TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (cluster, signal, namespace, kind, name)
);

CREATE INDEX workload_signals_signal ON workload_signals (signal, cluster, namespace);
