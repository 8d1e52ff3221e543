//! How far the database's view is behind the chain, shared through the
//! database so every API process (the leader, a standby, one on a replica)
//! reports the same: every second the leader records the slot the database
//! mirrors the chain as of and when its last program notification came.
//!
//! The view is the newest slot written, or, while the subscription is live,
//! the channel to the writer empty and no batch in flight, the chain's slot
//! read just before those checks: everything the node had sent by then is in
//! the database. A quiet chain therefore shows no lag, however long ago the
//! last notification was.

use std::sync::Arc;
use std::time::Duration;

use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};

use crate::decode::AccountUpdate;
use crate::metrics::Metrics;

/// How often the leader records its progress.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// The leader's heartbeat: measures the view and records it, until `stop`.
pub async fn heartbeat(
    rpc: Arc<RpcClient>,
    pool: PgPool,
    metrics: Arc<Metrics>,
    updates: mpsc::Sender<AccountUpdate>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if let Ok(Ok(slot)) = tokio::time::timeout(Duration::from_secs(2), rpc.get_slot()).await {
            metrics.chain(slot);
            let drained = updates.capacity() == updates.max_capacity();
            if drained && metrics.idle_and_streaming() {
                metrics.viewed(slot);
            }
        }
        let recorded = sqlx::query(
            "UPDATE indexer_progress SET view_slot = GREATEST(view_slot, $1), \
             last_notification_at = to_timestamp($2::float8 / 1000), updated_at = now()",
        )
        .bind(metrics.view_slot() as i64)
        .bind(metrics.notified_ms().map(|ms| ms as f64))
        .execute(&pool)
        .await;
        if let Err(e) = recorded {
            tracing::debug!(error = %e, "recording progress failed");
        }
    }
}

/// The progress the leader last recorded, as read from the (possibly
/// replica) database.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Recorded {
    /// Slot the database mirrors the chain as of.
    pub view_slot: u64,
    /// Seconds since the leader's last program notification.
    pub notification_age: Option<f64>,
    /// Seconds since the leader's last heartbeat.
    pub heartbeat_age: Option<f64>,
    /// On a streaming replica: seconds since the last change it replayed.
    pub replica_lag: Option<f64>,
}

/// Reads the recorded progress, failing within `within`.
pub async fn recorded(pool: &PgPool, within: Duration) -> Result<Recorded, String> {
    let row = tokio::time::timeout(
        within,
        sqlx::query_as::<_, (i64, Option<f64>, Option<f64>, Option<f64>)>(
            "SELECT view_slot, \
             EXTRACT(EPOCH FROM now() - last_notification_at)::float8, \
             CASE WHEN updated_at > 'epoch' THEN EXTRACT(EPOCH FROM now() - updated_at)::float8 END, \
             CASE WHEN pg_is_in_recovery() \
                  THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8, 0) END \
             FROM indexer_progress",
        )
        .fetch_one(pool),
    )
    .await
    .map_err(|_| "the database did not answer in time".to_string())?
    .map_err(|e| e.to_string())?;
    Ok(Recorded {
        view_slot: row.0.max(0) as u64,
        notification_age: row.1.map(|a| a.max(0.0)),
        heartbeat_age: row.2.map(|a| a.max(0.0)),
        replica_lag: row.3.map(|a| a.max(0.0)),
    })
}
