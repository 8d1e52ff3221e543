-- Every row is its account's JSON (the program crate's serde spelling), one
-- column per field: the PDA bumps join the other fields.
ALTER TABLE config ADD COLUMN bump INTEGER NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN bump INTEGER NOT NULL DEFAULT 0;
ALTER TABLE listings ADD COLUMN bump INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leases ADD COLUMN bump INTEGER NOT NULL DEFAULT 0;
