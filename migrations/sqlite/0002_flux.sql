-- Clusters (the registry shared with the inventory), the Flux catalog and its assignments.
-- Keep in step with migrations/postgres/0002_flux.sql (tests/migrations.rs compares them).

CREATE TABLE clusters (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    dns TEXT UNIQUE,
    environment TEXT NOT NULL,
    labels JSON NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One table for every catalog kind (platform_component, namespace, rolebinding): the entry's
-- fields live in `spec`, checked by the code that reads and writes them.
CREATE TABLE flux_catalog (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    spec JSON NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- A catalog entry assigned to a cluster, with the cluster's overrides in `spec`.
CREATE TABLE flux_assignments (
    cluster TEXT NOT NULL REFERENCES clusters (name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    spec JSON NOT NULL,
    PRIMARY KEY (cluster, kind, entry_id),
    FOREIGN KEY (kind, entry_id) REFERENCES flux_catalog (kind, id) ON DELETE CASCADE
);

CREATE INDEX flux_assignments_entry ON flux_assignments (kind, entry_id);

-- Counters bumped by every write that changes what they name; replicas poll them to drop caches.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

INSERT INTO change_counters (name, version) VALUES ('flux', 0);

-- A flux-reader key may be bound to one cluster's inputs.
ALTER TABLE api_keys ADD COLUMN cluster_dns TEXT;
