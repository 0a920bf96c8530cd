-- Plans and orders (billing/plans.rs, billing/orders.rs).
-- Keep in step with migrations/postgres/0027_orders.sql (tests/migrations.rs compares them).

-- What tenants may buy: a price for a period, and the quota it entitles a tenant to (JSON).
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    price TEXT NOT NULL,
    currency TEXT NOT NULL,
    period_days INTEGER NOT NULL,
    quota JSON NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A tenant's order of a plan, with the plan as it was ordered (JSON), so a later change of the
-- plan changes no order. pending → paid (through Stripe Checkout or by an admin) → its
-- entitlement lasts until ends_at; pending or paid → canceled. Kept after the tenant is gone:
-- they are financial records, like invoices.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    plan JSON NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    checkout_session TEXT UNIQUE,
    checkout_url TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    paid_at TEXT,
    paid_via TEXT,
    payment_ref TEXT,
    ends_at TEXT,
    canceled_at TEXT,
    canceled_by TEXT
);
CREATE INDEX orders_tenant ON orders (tenant_id, created_at);
