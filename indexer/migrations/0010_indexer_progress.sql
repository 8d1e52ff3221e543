-- The ingesting leader's progress, written every second (src/progress.rs):
-- the slot the database mirrors the chain as of and when the last program
-- notification came. One row; every API process reads its lag from here.
CREATE TABLE indexer_progress (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    view_slot BIGINT NOT NULL DEFAULT 0,
    last_notification_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch'
);
INSERT INTO indexer_progress DEFAULT VALUES;
