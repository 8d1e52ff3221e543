-- Secondary indexes dropped while a first snapshot loads into empty tables
-- (src/bulk.rs): one sort per index afterwards instead of an insert into
-- every index for every row. Recorded in the transaction that drops them,
-- so an indexer that dies mid-load leaves them here, and the next leader
-- builds them after its own first snapshot. A migration that changes one of
-- these indexes must change its row here too.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
