-- Listings and leases name an attestor set (keys, threshold M, period grid)
-- instead of one attestor: the column holds the set's JSON. A program with
-- this layout is a new deployment, so old rows are re-read from the chain.
DELETE FROM leases;
DELETE FROM listings;
ALTER TABLE listings DROP COLUMN attestor;
ALTER TABLE listings ADD COLUMN attestors JSONB NOT NULL;
ALTER TABLE leases DROP COLUMN attestor;
ALTER TABLE leases ADD COLUMN attestors JSONB NOT NULL;
-- Leases an attestor may sign for, for agents and the attestor records.
CREATE INDEX leases_attestors ON leases USING GIN ((attestors -> 'keys'));
