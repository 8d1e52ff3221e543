//! Metrics through the `metrics` facade, exported in the Prometheus text
//! format by `metrics-exporter-prometheus`; the slots `/health` reports are
//! also kept here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// Account rows written (in committed batches).
pub const ACCOUNTS_WRITTEN: &str = "indexer_accounts_written_total";
/// Websocket subscriptions lost and re-established.
pub const WS_DISCONNECTS: &str = "indexer_ws_disconnects_total";
/// Snapshots taken at start and after reconnects.
pub const GAP_SNAPSHOTS: &str = "indexer_gap_snapshots_total";
/// Rows marked closed by reconcile.
pub const ACCOUNTS_CLOSED: &str = "indexer_accounts_closed_total";
/// Program events stored.
pub const EVENTS_WRITTEN: &str = "indexer_events_written_total";
const INDEXED_SLOT: &str = "indexer_indexed_slot";
const CHAIN_SLOT: &str = "indexer_chain_slot";
const LAG_SLOTS: &str = "indexer_lag_slots";
const REQUEST_DURATION: &str = "http_request_duration_seconds";

/// Upper bounds of the request-latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// Installs the process-wide Prometheus recorder and describes every metric;
/// the handle renders `/metrics`.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &LATENCY_BUCKETS)?
        .install_recorder()?;
    describe_counter!(ACCOUNTS_WRITTEN, "Account rows written.");
    describe_counter!(
        WS_DISCONNECTS,
        "Websocket subscriptions lost and re-established."
    );
    describe_counter!(
        GAP_SNAPSHOTS,
        "Snapshots taken at start and after reconnects."
    );
    describe_counter!(ACCOUNTS_CLOSED, "Rows marked closed by reconcile.");
    describe_counter!(EVENTS_WRITTEN, "Program events stored.");
    describe_gauge!(INDEXED_SLOT, "Newest slot written.");
    describe_gauge!(CHAIN_SLOT, "Newest slot of the RPC node.");
    describe_gauge!(LAG_SLOTS, "chain_slot - indexed_slot.");
    describe_histogram!(REQUEST_DURATION, "API request latency.");
    for name in [
        ACCOUNTS_WRITTEN,
        WS_DISCONNECTS,
        GAP_SNAPSHOTS,
        ACCOUNTS_CLOSED,
        EVENTS_WRITTEN,
    ] {
        counter!(name).absolute(0);
    }
    Ok(handle)
}

/// Adds `n` to the counter `name`.
pub fn count(name: &'static str, n: u64) {
    counter!(name).increment(n);
}

/// Records one HTTP request's latency.
pub fn observe_request(elapsed: Duration) {
    histogram!(REQUEST_DURATION).record(elapsed.as_secs_f64());
}

/// The indexed and chain slots, shared by the ingest and `/health`.
#[derive(Default)]
pub struct Metrics {
    indexed_slot: AtomicU64,
    chain_slot: AtomicU64,
}

impl Metrics {
    /// Records that everything up to `slot` is written.
    pub fn indexed(&self, slot: u64) {
        self.indexed_slot.fetch_max(slot, Ordering::Relaxed);
        self.export();
    }

    /// Records that the RPC node reported `slot`.
    pub fn chain(&self, slot: u64) {
        self.chain_slot.fetch_max(slot, Ordering::Relaxed);
        self.export();
    }

    /// Newest slot written to the database.
    pub fn indexed_slot(&self) -> u64 {
        self.indexed_slot.load(Ordering::Relaxed)
    }

    /// Newest slot the RPC node reported.
    pub fn chain_slot(&self) -> u64 {
        self.chain_slot.load(Ordering::Relaxed)
    }

    /// chain_slot − indexed_slot, 0 before anything is known.
    pub fn lag(&self) -> u64 {
        self.chain_slot().saturating_sub(self.indexed_slot())
    }

    fn export(&self) {
        gauge!(INDEXED_SLOT).set(self.indexed_slot() as f64);
        gauge!(CHAIN_SLOT).set(self.chain_slot() as f64);
        gauge!(LAG_SLOTS).set(self.lag() as f64);
    }
}
