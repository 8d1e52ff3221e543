//! Metrics through the `metrics` facade, exported in the Prometheus text
//! format by `metrics-exporter-prometheus`; the slots `/health` reports are
//! also kept here.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use compute_escrow_client::api::IndexerRole;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// Account reads handed to the writer (snapshots and notifications).
pub const ACCOUNTS_READ: &str = "indexer_accounts_read_total";
/// Account rows written (in committed batches): the reads that changed one.
pub const ACCOUNTS_WRITTEN: &str = "indexer_accounts_written_total";
/// Websocket subscriptions lost and re-established.
pub const WS_DISCONNECTS: &str = "indexer_ws_disconnects_total";
/// Snapshots taken at start and after reconnects.
pub const GAP_SNAPSHOTS: &str = "indexer_gap_snapshots_total";
/// Rows marked closed by reconcile.
pub const ACCOUNTS_CLOSED: &str = "indexer_accounts_closed_total";
/// Program events stored.
pub const EVENTS_WRITTEN: &str = "indexer_events_written_total";
/// Secondary indexes dropped while a first snapshot loads, not yet rebuilt.
pub const DEFERRED_INDEXES: &str = "indexer_deferred_indexes";
const INDEXED_SLOT: &str = "indexer_indexed_slot";
const CHAIN_SLOT: &str = "indexer_chain_slot";
const LAG_SLOTS: &str = "indexer_lag_slots";
const VIEW_SLOT: &str = "indexer_view_slot";
const NOTIFICATION_AGE: &str = "indexer_last_notification_age_seconds";
const REQUEST_DURATION: &str = "http_request_duration_seconds";

/// Upper bounds of the request-latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// Installs the process-wide Prometheus recorder and describes every metric;
/// the handle renders `/metrics`.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &LATENCY_BUCKETS)?
        .install_recorder()?;
    describe_counter!(
        ACCOUNTS_READ,
        "Account reads handed to the writer (snapshots and notifications)."
    );
    describe_counter!(
        ACCOUNTS_WRITTEN,
        "Account rows written: the reads that changed one."
    );
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
    describe_gauge!(
        VIEW_SLOT,
        "Slot the database mirrors the chain as of (the leader's view)."
    );
    describe_gauge!(
        LAG_SLOTS,
        "chain_slot - view_slot: how far the view is behind."
    );
    describe_gauge!(
        NOTIFICATION_AGE,
        "Seconds since the last program notification."
    );
    describe_gauge!(
        DEFERRED_INDEXES,
        "Secondary indexes dropped while a first snapshot loads, not yet rebuilt."
    );
    describe_histogram!(REQUEST_DURATION, "API request latency.");
    for name in [
        ACCOUNTS_READ,
        ACCOUNTS_WRITTEN,
        WS_DISCONNECTS,
        GAP_SNAPSHOTS,
        ACCOUNTS_CLOSED,
        EVENTS_WRITTEN,
    ] {
        counter!(name).absolute(0);
    }
    gauge!(DEFERRED_INDEXES).set(0.0);
    Ok(handle)
}

/// Adds `n` to the counter `name`.
pub fn count(name: &'static str, n: u64) {
    counter!(name).increment(n);
}

/// Sets the gauge `name` to `value`.
pub fn set(name: &'static str, value: u64) {
    gauge!(name).set(value as f64);
}

/// Records one HTTP request's latency.
pub fn observe_request(elapsed: Duration) {
    histogram!(REQUEST_DURATION).record(elapsed.as_secs_f64());
}

/// The ingest's progress, shared by its tasks, the leader's heartbeat and
/// `/health`.
#[derive(Default)]
pub struct Metrics {
    indexed_slot: AtomicU64,
    chain_slot: AtomicU64,
    view_slot: AtomicU64,
    /// Unix milliseconds of the last program notification; 0 before any.
    notified_ms: AtomicU64,
    /// Batches the writer has taken and not yet written.
    batches_in_flight: AtomicUsize,
    /// The program subscription is live and its snapshot handed over.
    streaming: AtomicBool,
    role: AtomicU8,
}

impl Metrics {
    /// Records that everything up to `slot` is written.
    pub fn indexed(&self, slot: u64) {
        self.indexed_slot.fetch_max(slot, Ordering::Relaxed);
        self.viewed(slot);
    }

    /// Records that the RPC node reported `slot`.
    pub fn chain(&self, slot: u64) {
        self.chain_slot.fetch_max(slot, Ordering::Relaxed);
        self.export();
    }

    /// Records that the database mirrors the chain as of `slot`.
    pub fn viewed(&self, slot: u64) {
        self.view_slot.fetch_max(slot, Ordering::Relaxed);
        self.export();
    }

    /// Records a program notification now.
    pub fn notified(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        self.notified_ms.store(now, Ordering::Relaxed);
    }

    /// Notes that the writer took a batch from its queue.
    pub fn batch_taken(&self) {
        self.batches_in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// Notes that a batch the writer took is written (or given up).
    pub fn batch_done(&self) {
        self.batches_in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Notes whether the program subscription is live (after its snapshot).
    pub fn streaming(&self, live: bool) {
        self.streaming.store(live, Ordering::Relaxed);
    }

    /// Whether the subscription is live and the writer idle: everything
    /// the node sent has been applied.
    pub fn idle_and_streaming(&self) -> bool {
        self.streaming.load(Ordering::Relaxed)
            && self.batches_in_flight.load(Ordering::Relaxed) == 0
    }

    /// Newest slot written to the database.
    pub fn indexed_slot(&self) -> u64 {
        self.indexed_slot.load(Ordering::Relaxed)
    }

    /// Newest slot the RPC node reported.
    pub fn chain_slot(&self) -> u64 {
        self.chain_slot.load(Ordering::Relaxed)
    }

    /// The slot the database mirrors the chain as of.
    pub fn view_slot(&self) -> u64 {
        self.view_slot.load(Ordering::Relaxed)
    }

    /// Unix milliseconds of the last program notification, if any.
    pub fn notified_ms(&self) -> Option<u64> {
        Some(self.notified_ms.load(Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// What this process does.
    pub fn role(&self) -> IndexerRole {
        match self.role.load(Ordering::Relaxed) {
            0 => IndexerRole::ServeOnly,
            1 => IndexerRole::Standby,
            _ => IndexerRole::Leader,
        }
    }

    /// Sets what this process does.
    pub fn set_role(&self, role: IndexerRole) {
        let code = match role {
            IndexerRole::ServeOnly => 0,
            IndexerRole::Standby => 1,
            IndexerRole::Leader => 2,
        };
        self.role.store(code, Ordering::Relaxed);
    }

    /// chain_slot − view_slot, 0 before anything is known.
    pub fn lag(&self) -> u64 {
        self.chain_slot().saturating_sub(self.view_slot())
    }

    fn export(&self) {
        gauge!(INDEXED_SLOT).set(self.indexed_slot() as f64);
        gauge!(CHAIN_SLOT).set(self.chain_slot() as f64);
        gauge!(VIEW_SLOT).set(self.view_slot() as f64);
        gauge!(LAG_SLOTS).set(self.lag() as f64);
        if let Some(ms) = self.notified_ms() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            gauge!(NOTIFICATION_AGE).set(now.saturating_sub(ms) as f64 / 1000.0);
        }
    }
}
