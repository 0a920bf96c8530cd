-- Tenancy: tenants own projects (a namespace in a chosen cluster, with its quota), projects hold
-- apps (a Deployment, Service and Ingress in the project's namespace); the platform policy (one
-- row) bounds them; API keys may carry a tenant or project scope.
-- Keep in step with migrations/postgres/0020_tenancy.sql (tests/migrations.rs compares them).

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    -- A DNS-1123 label, unique.
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A tenant with projects cannot be deleted (nor a project with apps): the caller deletes them first.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    -- JSON: the ResourceQuota's hard limits (Kubernetes quantities).
    quota JSON NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (cluster, namespace)
);

CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    image TEXT NOT NULL,
    replicas INTEGER NOT NULL,
    port INTEGER,
    host TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE platform_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- JSON: the image registry allowlist, the egress baseline CIDRs and the quota ceilings.
    body JSON NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- 'tenant:<id>' or 'project:<id>' for keys of the tenant and project roles.
ALTER TABLE api_keys ADD COLUMN scope TEXT;
