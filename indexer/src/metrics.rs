//! Counters and gauges, rendered in the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the request-latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    /// Account rows written (upserts attempted in committed batches).
    pub accounts_written: AtomicU64,
    /// Websocket subscriptions that ended and were re-established.
    pub disconnects: AtomicU64,
    /// Snapshots taken to cover a possible gap (start and every reconnect).
    pub gap_snapshots: AtomicU64,
    /// Rows marked closed by reconcile.
    pub accounts_closed: AtomicU64,
    /// Events stored from transactions.
    pub events_written: AtomicU64,
    /// Newest slot written to the database.
    pub indexed_slot: AtomicU64,
    /// Newest slot the RPC node reported.
    pub chain_slot: AtomicU64,
    requests: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_micros_sum: AtomicU64,
}

impl Metrics {
    /// Raises `gauge` to `value` if it is higher.
    pub fn raise(gauge: &AtomicU64, value: u64) {
        gauge.fetch_max(value, Ordering::Relaxed);
    }

    /// Records one HTTP request's latency.
    pub fn observe_request(&self, elapsed: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.latency_micros_sum
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.latency_buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// chain_slot − indexed_slot, 0 before anything is known.
    pub fn lag(&self) -> u64 {
        self.chain_slot
            .load(Ordering::Relaxed)
            .saturating_sub(self.indexed_slot.load(Ordering::Relaxed))
    }

    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        metric(
            "indexer_accounts_written_total",
            "counter",
            "Account rows written.",
            get(&self.accounts_written),
        );
        metric(
            "indexer_ws_disconnects_total",
            "counter",
            "Websocket subscriptions lost and re-established.",
            get(&self.disconnects),
        );
        metric(
            "indexer_gap_snapshots_total",
            "counter",
            "Snapshots taken at start and after reconnects.",
            get(&self.gap_snapshots),
        );
        metric(
            "indexer_accounts_closed_total",
            "counter",
            "Rows marked closed by reconcile.",
            get(&self.accounts_closed),
        );
        metric(
            "indexer_events_written_total",
            "counter",
            "Program events stored.",
            get(&self.events_written),
        );
        metric(
            "indexer_indexed_slot",
            "gauge",
            "Newest slot written.",
            get(&self.indexed_slot),
        );
        metric(
            "indexer_chain_slot",
            "gauge",
            "Newest slot of the RPC node.",
            get(&self.chain_slot),
        );
        metric(
            "indexer_lag_slots",
            "gauge",
            "chain_slot - indexed_slot.",
            self.lag(),
        );
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds API request latency.\n# TYPE http_request_duration_seconds histogram"
        );
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                get(bucket)
            );
        }
        let count = get(&self.requests);
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_sum {}",
            get(&self.latency_micros_sum) as f64 / 1e6
        );
        let _ = writeln!(out, "http_request_duration_seconds_count {count}");
        out
    }
}
