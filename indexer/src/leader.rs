//! One ingesting process per database. Every indexer serves the API; the one
//! holding a session-level PostgreSQL advisory lock on its own connection
//! (the leader) also ingests. The others retry the lock every second, so
//! when a leader dies (its session ends) another takes over within seconds
//! and snapshots the chain anew. A leader whose lock connection stops
//! answering (the database restarted, the network broke) stops ingesting
//! and competes again; writes are slot-guarded, so two writers overlapping
//! for a moment cannot undo each other.

use std::sync::Arc;
use std::time::Duration;

use compute_escrow_client::api::IndexerRole;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::ingest::{self, Flush, Ingest};
use crate::metrics::Metrics;
use crate::{bulk, history, progress};

/// The advisory lock key ("cescrow" in ASCII).
const LOCK_KEY: i64 = 0x0063_6573_6372_6f77;
/// How often a standby retries the lock and a leader checks its connection.
const RETRY: Duration = Duration::from_secs(1);

/// What an ingest term needs.
#[derive(Clone)]
pub struct IngestConfig {
    /// The primary database, for the lock connection.
    pub database_url: String,
    /// A pool on the primary.
    pub pool: PgPool,
    pub rpc: Arc<RpcClient>,
    /// HTTP client for streamed snapshots from `rpc`'s node.
    pub http: reqwest::Client,
    pub ws_url: String,
    pub metrics: Arc<Metrics>,
    /// Capacity of the channel to the writer.
    pub channel_capacity: usize,
    /// Connections each batch is written on at once.
    pub write_connections: usize,
    /// Between reconcile snapshots.
    pub reconcile_every: Duration,
    /// Between history polls.
    pub history_every: Duration,
}

/// The leader lock, held by this process's connection.
struct Leadership {
    conn: PgConnection,
}

impl Leadership {
    /// Waits until this process holds the lock.
    async fn acquire(url: &str) -> Leadership {
        let mut conn: Option<PgConnection> = None;
        loop {
            if conn.is_none() {
                conn = PgConnection::connect(url).await.ok();
            }
            if let Some(c) = conn.as_mut() {
                let locked = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                    .bind(LOCK_KEY)
                    .fetch_one(&mut *c)
                    .await;
                match locked {
                    Ok(true) => {
                        return Leadership {
                            conn: conn.take().expect("connected"),
                        }
                    }
                    Ok(false) => {}
                    Err(_) => conn = None,
                }
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Returns once the lock's connection stops answering.
    async fn lost(&mut self) {
        loop {
            tokio::time::sleep(RETRY).await;
            let alive = tokio::time::timeout(RETRY * 2, self.conn.ping()).await;
            if !matches!(alive, Ok(Ok(()))) {
                return;
            }
        }
    }
}

/// One leadership term's ingest: the account stream, reconciles, the event
/// history, the heartbeat and the writer.
struct Term {
    sources: Vec<JoinHandle<()>>,
    writer: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Term {
    /// Starts ingesting; into empty tables, without their secondary indexes
    /// until the first snapshot is written ([`bulk`]).
    async fn start(config: &IngestConfig) -> Term {
        match bulk::defer_if_empty(&config.pool).await {
            Ok(0) => {}
            Ok(deferred) => {
                tracing::info!(deferred, "first snapshot: secondary indexes built after it")
            }
            // Whatever an earlier load deferred is still built after the
            // first snapshot.
            Err(e) => tracing::warn!(error = %e, "deferring indexes failed; loading with them"),
        }
        let (stop, stop_rx) = watch::channel(false);
        let (updates, updates_rx) = mpsc::channel(config.channel_capacity);
        let (flush, flushes) = Flush::channel();
        let writer = tokio::spawn(ingest::write_updates(
            config.pool.clone(),
            updates_rx,
            flushes,
            config.write_connections,
            config.metrics.clone(),
            stop_rx.clone(),
        ));
        let ingest = Ingest {
            rpc_url: config.rpc.url(),
            http: config.http.clone(),
            ws_url: config.ws_url.clone(),
            pool: config.pool.clone(),
            metrics: config.metrics.clone(),
            updates: updates.clone(),
            flush,
            build_connections: config.write_connections,
        };
        let sources = vec![
            tokio::spawn({
                let (ingest, stop) = (ingest.clone(), stop_rx.clone());
                async move { ingest.stream(stop).await }
            }),
            tokio::spawn({
                let (ingest, stop, every) = (ingest, stop_rx.clone(), config.reconcile_every);
                async move { ingest.reconcile_every(every, stop).await }
            }),
            tokio::spawn(history::follow(
                config.rpc.clone(),
                config.pool.clone(),
                config.history_every,
                stop_rx.clone(),
            )),
            tokio::spawn(progress::heartbeat(
                config.rpc.clone(),
                config.pool.clone(),
                config.metrics.clone(),
                updates,
                stop_rx,
            )),
        ];
        Term {
            sources,
            writer,
            stop,
        }
    }

    /// Stops the sources, then lets the writer finish what they sent.
    async fn finish(self) {
        let _ = self.stop.send(true);
        for source in self.sources {
            let _ = source.await;
        }
        // Every sender is gone now; the writer drains the channel and returns.
        let _ = self.writer.await;
    }
}

/// Serves as a standby until this process wins the leader lock, ingests
/// while it holds it, and competes again if it loses it; returns at
/// `shutdown` once the ingest in flight is finished.
pub async fn ingest_while_leader(config: IngestConfig, mut shutdown: watch::Receiver<bool>) {
    loop {
        config.metrics.set_role(IndexerRole::Standby);
        let mut leadership = tokio::select! {
            held = Leadership::acquire(&config.database_url) => held,
            _ = shutdown.changed() => return,
        };
        config.metrics.set_role(IndexerRole::Leader);
        tracing::info!("leader lock acquired: ingesting");
        let term = Term::start(&config).await;
        let shutting_down = tokio::select! {
            () = leadership.lost() => {
                tracing::warn!("leader lock connection lost: stopping ingest, competing again");
                false
            }
            _ = shutdown.changed() => true,
        };
        term.finish().await;
        config.metrics.streaming(false);
        if shutting_down {
            return;
        }
    }
}
