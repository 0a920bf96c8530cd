-- The latest computation pass of each signal whose answer is about the pass as a whole (the
-- predictions: which model answered, and why the external one was not used), as JSON.
-- Keep in step with migrations/postgres/0018_signal_passes.sql (tests/migrations.rs compares them).
CREATE TABLE signal_passes (
    signal TEXT PRIMARY KEY,
    computed_at TEXT NOT NULL,
    body TEXT NOT NULL
);
