-- Every index costs each written row an insert: GET /v1/listings answers
-- state=all as one index scan per state (merged), so the orders not led by
-- the state are not needed, and a region is always filtered next to a state
-- (too few regions for an index of its own to help). 11 index inserts per
-- listing become 6.
DROP INDEX listings_gpu_price;
DROP INDEX listings_price;
DROP INDEX listings_newest;
DROP INDEX listings_gpu_newest;
DROP INDEX listings_region;
-- Addresses and the short names listings are filtered by compare byte by
-- byte ("C"): the same order for base58, and no locale's collation to
-- call in every comparison of every index insert (a locale's can cost more
-- than the insert).
ALTER TABLE listings
    ALTER COLUMN pubkey TYPE TEXT COLLATE "C",
    ALTER COLUMN provider TYPE TEXT COLLATE "C",
    ALTER COLUMN gpu_model TYPE TEXT COLLATE "C",
    ALTER COLUMN region TYPE TEXT COLLATE "C";
ALTER TABLE leases
    ALTER COLUMN pubkey TYPE TEXT COLLATE "C",
    ALTER COLUMN renter TYPE TEXT COLLATE "C",
    ALTER COLUMN provider TYPE TEXT COLLATE "C",
    ALTER COLUMN listing TYPE TEXT COLLATE "C";
