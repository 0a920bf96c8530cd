-- Rates and invoices (billing/invoice.rs, billing/invoices.rs).
-- Keep in step with migrations/sqlite/0026_invoices.sql (tests/migrations.rs compares them).

-- Rate cards as JSON: the defaults (tenant_id '': the currency and a price per resource and unit)
-- and each tenant's overrides (prices only).
CREATE TABLE rate_cards (
    tenant_id TEXT PRIMARY KEY,
    body JSONB NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Issued invoices, one per tenant and month, never changed: the lines, subtotal and currency
-- as they were issued (JSON), with the number they carry.
CREATE TABLE invoices (
    tenant_id TEXT NOT NULL,
    month TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    body JSONB NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, month)
);

-- Credit notes against an issued invoice: an amount (an exact decimal, in the invoice's
-- currency) and why.
CREATE TABLE credit_notes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    month TEXT NOT NULL,
    amount TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, month) REFERENCES invoices (tenant_id, month)
);
CREATE INDEX credit_notes_invoice ON credit_notes (tenant_id, month);
