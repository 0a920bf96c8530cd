-- Usage metering (billing/metering.rs, billing/meter.rs) and usage from outside.
-- Keep in step with migrations/postgres/0025_usage.sql (tests/migrations.rs compares them).

-- Per hour, cluster and namespace: the sums over the hour's passes of each pass's requests, usage
-- and cost (the larger of the two) times the seconds the pass stands for; CPU in
-- millicore-seconds, memory in byte-seconds. A namespace counts for the project (and tenant) that
-- held it at the hour's last pass; for none when no project did.
CREATE TABLE metered_usage (
    hour TEXT NOT NULL,
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    tenant_id TEXT,
    project_id TEXT,
    seconds BIGINT NOT NULL,
    cpu_request BIGINT NOT NULL,
    cpu_usage BIGINT NOT NULL,
    cpu_cost BIGINT NOT NULL,
    memory_request BIGINT NOT NULL,
    memory_usage BIGINT NOT NULL,
    memory_cost BIGINT NOT NULL,
    PRIMARY KEY (hour, cluster, namespace)
);
CREATE INDEX metered_usage_tenant ON metered_usage (tenant_id, hour);

-- Per hour and cluster, in the same units: what the nodes offered, and what the namespaces' cost
-- left idle.
CREATE TABLE metered_capacity (
    hour TEXT NOT NULL,
    cluster TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    cpu_allocatable BIGINT NOT NULL,
    memory_allocatable BIGINT NOT NULL,
    cpu_idle BIGINT NOT NULL,
    memory_idle BIGINT NOT NULL,
    PRIMARY KEY (hour, cluster)
);

-- Each cluster's last pass as it measured it, in millicores and bytes (GET /api/usage/snapshot).
CREATE TABLE usage_snapshot (
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    tenant_id TEXT,
    project_id TEXT,
    cpu_request BIGINT NOT NULL,
    cpu_usage BIGINT NOT NULL,
    memory_request BIGINT NOT NULL,
    memory_usage BIGINT NOT NULL,
    measured_at TEXT NOT NULL,
    PRIMARY KEY (cluster, namespace)
);
CREATE TABLE capacity_snapshot (
    cluster TEXT PRIMARY KEY,
    cpu_allocatable BIGINT NOT NULL,
    memory_allocatable BIGINT NOT NULL,
    cpu_idle BIGINT NOT NULL,
    memory_idle BIGINT NOT NULL,
    measured_at TEXT NOT NULL
);

-- Usage from outside (POST /api/usage/ingest): per hour, tenant, project ('' for the tenant as a
-- whole), source and resource, a quantity in millionths of its unit. A post replaces everything
-- the same hour, tenant, project and source held, so sending it again changes nothing.
CREATE TABLE ingested_usage (
    hour TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    source TEXT NOT NULL,
    resource TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    PRIMARY KEY (hour, tenant_id, project_id, source, resource)
);
CREATE INDEX ingested_usage_tenant ON ingested_usage (tenant_id, hour);
