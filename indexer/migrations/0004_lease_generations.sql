-- A settled lease's address can hold a new lease (same renter, listing and
-- lease id). Each lease keeps its own row, keyed by (pubkey, start_ts), and
-- every event of a lease records which one it belongs to (the start_ts of the
-- newest LeaseOpened before it, in chain order).
ALTER TABLE leases DROP CONSTRAINT leases_pkey;
ALTER TABLE leases ADD PRIMARY KEY (pubkey, start_ts);
ALTER TABLE events ADD COLUMN seq BIGSERIAL;
ALTER TABLE events ADD COLUMN lease_start_ts BIGINT;
UPDATE events e SET lease_start_ts = (o.data->>'start_ts')::bigint
    FROM events o
    WHERE e.lease IS NOT NULL AND o.lease = e.lease AND o.kind = 'LeaseOpened';
CREATE INDEX events_lease_opened ON events (lease, seq) WHERE kind = 'LeaseOpened';
