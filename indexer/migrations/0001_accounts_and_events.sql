-- Mirror of the compute-escrow program's accounts, and its event history.
-- Lamport amounts and u64 counters are NUMERIC(20,0): exact for all of u64.
-- Every row carries the slot it was read at; an update never replaces a row
-- read at a newer slot. An account that disappears keeps its row, with
-- closed_slot set (a settled lease also gets state 'settled').

CREATE TABLE config (
    pubkey TEXT PRIMARY KEY,
    admin TEXT NOT NULL,
    treasury TEXT NOT NULL,
    fee_bps INTEGER NOT NULL,
    paused BOOLEAN NOT NULL,
    settle_grace_seconds BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    closed_slot BIGINT
);

CREATE TABLE providers (
    pubkey TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    payout_wallet TEXT NOT NULL,
    listing_count NUMERIC(20, 0) NOT NULL,
    leases_settled NUMERIC(20, 0) NOT NULL,
    seconds_attested NUMERIC(20, 0) NOT NULL,
    seconds_missed NUMERIC(20, 0) NOT NULL,
    lamports_earned NUMERIC(20, 0) NOT NULL,
    registered_at BIGINT NOT NULL,
    metadata_uri TEXT NOT NULL,
    slot BIGINT NOT NULL,
    closed_slot BIGINT
);
CREATE INDEX providers_authority ON providers (authority);

CREATE TABLE listings (
    pubkey TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    provider TEXT NOT NULL,
    listing_id NUMERIC(20, 0) NOT NULL,
    price_lamports_per_hour NUMERIC(20, 0) NOT NULL,
    min_hours BIGINT NOT NULL,
    max_hours BIGINT NOT NULL,
    attestor TEXT NOT NULL,
    gpu_count INTEGER NOT NULL,
    vram_gb INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    active_leases INTEGER NOT NULL,
    leases_opened NUMERIC(20, 0) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    gpu_model TEXT NOT NULL,
    region TEXT NOT NULL,
    health_check TEXT NOT NULL,
    slot BIGINT NOT NULL,
    closed_slot BIGINT
);
CREATE INDEX listings_gpu_price ON listings (gpu_model, price_lamports_per_hour, pubkey);
CREATE INDEX listings_price ON listings (price_lamports_per_hour, pubkey);
CREATE INDEX listings_newest ON listings (created_at DESC, pubkey DESC);
CREATE INDEX listings_provider ON listings (provider);
CREATE INDEX listings_region ON listings (region);
CREATE INDEX listings_state ON listings (state);

CREATE TABLE leases (
    pubkey TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    close_reason TEXT NOT NULL,
    renter TEXT NOT NULL,
    provider TEXT NOT NULL,
    listing TEXT NOT NULL,
    attestor TEXT NOT NULL,
    lease_id NUMERIC(20, 0) NOT NULL,
    price_lamports_per_hour NUMERIC(20, 0) NOT NULL,
    fee_bps INTEGER NOT NULL,
    settle_grace_seconds BIGINT NOT NULL,
    hours BIGINT NOT NULL,
    start_ts BIGINT NOT NULL,
    end_ts BIGINT NOT NULL,
    cancelled_at BIGINT NOT NULL,
    deposited NUMERIC(20, 0) NOT NULL,
    attested_until BIGINT NOT NULL,
    attested_seconds NUMERIC(20, 0) NOT NULL,
    down_seconds NUMERIC(20, 0) NOT NULL,
    paid_out NUMERIC(20, 0) NOT NULL,
    fee_paid NUMERIC(20, 0) NOT NULL,
    refunded NUMERIC(20, 0) NOT NULL,
    slot BIGINT NOT NULL,
    closed_slot BIGINT
);
CREATE INDEX leases_renter ON leases (renter, pubkey);
CREATE INDEX leases_provider ON leases (provider, pubkey);
CREATE INDEX leases_listing ON leases (listing, pubkey);
CREATE INDEX leases_state ON leases (state, pubkey);

CREATE TABLE events (
    signature TEXT NOT NULL,
    instruction_index INTEGER NOT NULL,
    inner_index INTEGER NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    kind TEXT NOT NULL,
    lease TEXT,
    listing TEXT,
    data JSONB NOT NULL,
    PRIMARY KEY (signature, instruction_index, inner_index)
);
CREATE INDEX events_lease ON events (lease, slot);
CREATE INDEX events_slot ON events (slot DESC);

-- Newest transaction signature whose events are stored (history resumes here).
CREATE TABLE history_cursor (
    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    newest_signature TEXT NOT NULL,
    newest_slot BIGINT NOT NULL
);
