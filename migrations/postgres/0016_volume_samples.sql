-- Signals: what the kubelets said of each PersistentVolumeClaim's volume at each pass (the node
-- proxy's stats/summary, pods[].volume[] with a pvcRef), for the predictions' "PVC filling".
-- Keep in step with migrations/sqlite/0016_volume_samples.sql (tests/migrations.rs compares them).
--
-- Same shape and life as the other sample tables (0013): raw for a day, then 5-minute buckets
-- (resolution 300) kept for 30 days; both values fold as maxima.
CREATE TABLE volume_samples (
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    pvc TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    samples INTEGER NOT NULL,
    -- Bytes in use and the volume's capacity, the highest any pod mounting the claim reported.
    used_bytes BIGINT NOT NULL,
    capacity_bytes BIGINT NOT NULL,
    PRIMARY KEY (cluster, namespace, pvc, resolution, at)
);

-- The downsampler reads the oldest raw rows first.
CREATE INDEX volume_samples_at ON volume_samples (resolution, at);
