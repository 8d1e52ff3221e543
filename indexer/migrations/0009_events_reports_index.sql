-- GET /v1/attestors/{pubkey} finds the UptimeAttested events whose reports
-- name the attestor through this index, instead of reading every event.
CREATE INDEX events_reports ON events USING gin ((data->'reports') jsonb_path_ops)
    WHERE kind = 'UptimeAttested';
