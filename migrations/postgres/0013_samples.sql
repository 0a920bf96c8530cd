-- Signals: what the sampler saw of every cluster at each pass — workload readiness, container
-- and node usage (metrics.k8s.io) — and the history of each node's status.
-- Keep in step with migrations/sqlite/0013_samples.sql (tests/migrations.rs compares them).
--
-- A sample row is raw (resolution 0) for a day, then folded into a 5-minute bucket
-- (resolution 300, `at` its start) kept for 30 days. A bucket stands for its `samples` raw
-- rows: sums add up and maxima stay maxima, so what is computed from buckets is what the raw
-- samples gave (docs/signals.md).

-- Per workload (Deployment, StatefulSet, DaemonSet).
CREATE TABLE workload_samples (
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    samples INTEGER NOT NULL,
    -- Σ desired replicas and Σ min(ready, desired) over the samples: availability is their ratio.
    desired BIGINT NOT NULL,
    ready BIGINT NOT NULL,
    -- The restarts of the workload's containers (a counter): the highest seen.
    restarts BIGINT NOT NULL,
    PRIMARY KEY (cluster, namespace, kind, name, resolution, at)
);

-- Per container of a workload. A raw sample's value is the highest among the workload's pods.
CREATE TABLE container_samples (
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    container TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    samples INTEGER NOT NULL,
    -- CPU in millicores (Σ and max), memory in bytes (max).
    cpu_sum BIGINT NOT NULL,
    cpu_max BIGINT NOT NULL,
    memory_max BIGINT NOT NULL,
    PRIMARY KEY (cluster, namespace, kind, name, container, resolution, at)
);

CREATE TABLE node_samples (
    cluster TEXT NOT NULL,
    node TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    samples INTEGER NOT NULL,
    cpu_sum BIGINT NOT NULL,
    cpu_max BIGINT NOT NULL,
    memory_max BIGINT NOT NULL,
    -- What the node offers pods, as last seen.
    cpu_allocatable BIGINT NOT NULL,
    memory_allocatable BIGINT NOT NULL,
    PRIMARY KEY (cluster, node, resolution, at)
);

-- Each node's status as last recorded, to tell a change from a sampler's restart.
CREATE TABLE node_states (
    cluster TEXT NOT NULL,
    node TEXT NOT NULL,
    -- ready, not_ready or unknown.
    status TEXT NOT NULL,
    unschedulable BOOLEAN NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (cluster, node)
);

-- joined, ready, not_ready, unknown, cordoned, uncordoned, deleted.
CREATE TABLE node_events (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    node TEXT NOT NULL,
    type TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT,
    message TEXT NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL
);

-- The downsampler reads the oldest raw rows first.
CREATE INDEX workload_samples_at ON workload_samples (resolution, at);
CREATE INDEX container_samples_at ON container_samples (resolution, at);
CREATE INDEX node_samples_at ON node_samples (resolution, at);

CREATE INDEX node_events_newest ON node_events (observed_at, id);
CREATE INDEX node_events_node ON node_events (cluster, node, observed_at);
