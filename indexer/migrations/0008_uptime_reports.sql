-- Uptime reports attestors signed off chain (POST /v1/attestations), verified
-- before they are stored; one per attestor and period of a lease.
CREATE TABLE uptime_reports (
    lease TEXT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    attestor TEXT NOT NULL,
    up_seconds NUMERIC(20, 0) NOT NULL,
    signature TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (lease, period_from, period_to, attestor)
);
CREATE INDEX uptime_reports_attestor ON uptime_reports (attestor);
