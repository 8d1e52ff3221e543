-- A lease snapshots the health check it was rented with; the config holds a
-- proposed admin until it accepts (two-step hand-over).
ALTER TABLE leases ADD COLUMN health_check TEXT NOT NULL DEFAULT '';
ALTER TABLE config ADD COLUMN pending_admin TEXT NOT NULL DEFAULT '';
