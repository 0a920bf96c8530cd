-- The latest computation pass of each signal whose answer is about the pass as a whole (the
-- predictions: which model answered, and why the external one was not used), as JSON.
-- Keep in step with migrations/sqlite/0018_signal_passes.sql (tests/migrations.rs compares them).
CREATE TABLE signal_passes (
    signal TEXT PRIMARY KEY,
    computed_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL
);
