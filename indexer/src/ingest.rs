//! Account ingest: subscribe first, then snapshot, then stream updates; on
//! every websocket drop reconnect with capped backoff and snapshot again; a
//! periodic reconcile snapshot marks vanished accounts closed. Updates flow
//! through a bounded channel to one writer that batches them into transactions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::response::RpcKeyedAccount;
use solana_sdk::pubkey::Pubkey;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, watch};

use crate::decode::{AccountKind, AccountUpdate, ProgramAccount};
use crate::metrics::{self, Metrics};
use crate::snapshot;
use crate::{bulk, db};

/// Most updates written in one database transaction: the writer takes
/// whatever is queued up to this, so a snapshot goes in large batches and a
/// lone notification at once (2,000 writes 100k accounts about 1.7× as fast
/// as 500; more gains nothing, `scripts/bench-indexer.sh`).
pub const BATCH_SIZE: usize = 2_000;
/// Default capacity of the channel between the readers and the writer.
pub const DEFAULT_CHANNEL_CAPACITY: usize = 10_000;
/// Default number of connections a batch is written on at once (its shards,
/// split by address): one PostgreSQL backend keeps one core busy, and two
/// write 100k accounts about 1.5× as fast as one on a 2-core machine
/// (`scripts/bench-indexer.sh`).
pub const DEFAULT_WRITE_CONNECTIONS: usize = 2;
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Shared handles of the ingest tasks.
#[derive(Clone)]
pub struct Ingest {
    /// The JSON-RPC node's URL, for streamed snapshots.
    pub rpc_url: String,
    pub http: reqwest::Client,
    pub ws_url: String,
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    pub updates: mpsc::Sender<AccountUpdate>,
    /// Waits for the writer to write what was sent to it.
    pub flush: Flush,
    /// Connections deferred indexes are built on at once.
    pub build_connections: usize,
}

/// How accounts are read: base64 at `confirmed`.
pub(crate) fn account_config() -> RpcAccountInfoConfig {
    RpcAccountInfoConfig {
        encoding: Some(UiAccountEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    }
}

/// Decodes one keyed account read at `slot`; `None` if it is not ours.
pub(crate) fn to_update(keyed: &RpcKeyedAccount, slot: u64) -> Option<AccountUpdate> {
    let data = keyed.account.data.decode()?;
    let account = ProgramAccount::decode(&data)?;
    Some(AccountUpdate {
        pubkey: keyed.pubkey.parse().ok()?,
        slot,
        account,
    })
}

impl Ingest {
    /// Snapshots the program (streamed: each account goes to the writer as
    /// the response arrives) and marks rows whose account no longer exists
    /// closed (never deleted).
    pub async fn reconcile(&self) -> Result<(), String> {
        let started = std::time::Instant::now();
        let snapshot = snapshot::program_accounts(&self.http, &self.rpc_url, &self.updates).await?;
        tracing::debug!(accounts = snapshot.len(), slot = snapshot.slot, elapsed = ?started.elapsed(), "snapshot read");
        for kind in AccountKind::ALL {
            let closed = db::mark_closed(&self.pool, kind, snapshot.present(kind), snapshot.slot)
                .await
                .map_err(|e| format!("mark closed: {e}"))?;
            metrics::count(metrics::ACCOUNTS_CLOSED, closed);
        }
        self.metrics.chain(snapshot.slot);
        Ok(())
    }

    /// Subscribes, snapshots, then forwards updates until the subscription
    /// ends or `shutdown` fires; reconnects with capped backoff.
    pub async fn stream(&self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(250);
        while !*shutdown.borrow() {
            match self.subscribe_once(&mut shutdown).await {
                Ok(()) if *shutdown.borrow() => return,
                Ok(()) => {
                    tracing::warn!("program subscription ended; reconnecting");
                    backoff = Duration::from_millis(250);
                }
                Err(e) => tracing::warn!(error = %e, ?backoff, "subscription failed; retrying"),
            }
            metrics::count(metrics::WS_DISCONNECTS, 1);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn subscribe_once(&self, shutdown: &mut watch::Receiver<bool>) -> Result<(), String> {
        let client = PubsubClient::new(&self.ws_url)
            .await
            .map_err(|e| format!("connect {}: {e}", self.ws_url))?;
        let config = RpcProgramAccountsConfig {
            account_config: account_config(),
            ..Default::default()
        };
        let (mut stream, unsubscribe) = client
            .program_subscribe(&compute_escrow::ID, Some(config))
            .await
            .map_err(|e| format!("programSubscribe: {e}"))?;
        // Subscribed first: whatever changes from now on arrives on the
        // stream, so the snapshot cannot miss anything in between.
        metrics::count(metrics::GAP_SNAPSHOTS, 1);
        self.reconcile().await?;
        self.build_deferred_indexes().await?;
        tracing::info!("subscribed and snapshotted");
        self.metrics.streaming(true);
        let ended = loop {
            tokio::select! {
                item = stream.next() => match item {
                    Some(response) => {
                        let slot = response.context.slot;
                        self.metrics.notified();
                        self.metrics.chain(slot);
                        if let Some(update) = to_update(&response.value, slot) {
                            if self.updates.send(update).await.is_err() {
                                break Err("writer stopped".to_string());
                            }
                        }
                    }
                    None => break Ok(()),
                },
                _ = shutdown.changed() => break Ok(()),
            }
        };
        self.metrics.streaming(false);
        unsubscribe().await;
        ended
    }

    /// Once a snapshot is handed to the writer: if indexes are deferred (a
    /// first snapshot into empty tables, or an earlier leader's unfinished
    /// one), waits until it is written and builds them.
    async fn build_deferred_indexes(&self) -> Result<(), String> {
        let deferred = bulk::deferred(&self.pool)
            .await
            .map_err(|e| format!("deferred indexes: {e}"))?;
        if deferred == 0 {
            return Ok(());
        }
        if !self.flush.written().await {
            return Err("the writer stopped before the snapshot was written".into());
        }
        let started = std::time::Instant::now();
        let built = bulk::build_deferred(&self.pool, self.build_connections)
            .await
            .map_err(|e| format!("building deferred indexes: {e}"))?;
        tracing::info!(built, elapsed = ?started.elapsed(), "first snapshot written; deferred indexes built");
        Ok(())
    }

    /// Reconciles every `every` until shutdown (closed accounts are found here:
    /// programSubscribe does not announce them).
    pub async fn reconcile_every(&self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = self.reconcile().await {
                        tracing::warn!(error = %e, "reconcile failed");
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The newest read of each account the writer has handled and a digest of
/// its content: an older read is dropped and a re-read that changed nothing
/// is not written, so reconciles and re-snapshots cost what changed.
#[derive(Default)]
struct Seen(HashMap<Pubkey, (u64, [u8; 16])>);

impl Seen {
    /// Whether `update` may change what the database holds; notes it.
    fn changes(&mut self, update: &AccountUpdate) -> bool {
        let digest: [u8; 16] = update.account.digest()[..16]
            .try_into()
            .expect("16 of 32 bytes");
        match self.0.get_mut(&update.pubkey) {
            Some((slot, _)) if update.slot < *slot => false,
            Some((slot, seen)) if *seen == digest => {
                *slot = update.slot;
                false
            }
            _ => {
                self.0.insert(update.pubkey, (update.slot, digest));
                true
            }
        }
    }
}

/// What the writer answers a flush with: whether everything sent before
/// the flush was written.
pub type FlushRequest = oneshot::Sender<bool>;

/// Asks the writer to tell when everything sent to it so far is written.
#[derive(Clone)]
pub struct Flush(mpsc::Sender<FlushRequest>);

impl Flush {
    /// A flush handle and the writer's end of it.
    pub fn channel() -> (Flush, mpsc::Receiver<FlushRequest>) {
        let (requests, received) = mpsc::channel(1);
        (Flush(requests), received)
    }

    /// Waits until every update sent to the writer before this call is
    /// written; false if the writer gave any of them up or stopped.
    pub async fn written(&self) -> bool {
        let (answer, answered) = oneshot::channel();
        self.0.send(answer).await.is_ok() && answered.await.unwrap_or(false)
    }
}

/// A batch on its way to the database, shared by its shards: when the last
/// shard is written (or given up) and drops it, the batch is accounted for:
/// counted, its newest slot marked indexed and its flush answered yes if
/// every shard landed. Each lane writes its shards in order, so batches
/// complete in order.
struct Batch {
    read: u64,
    newest: Option<u64>,
    changed: AtomicU64,
    given_up: AtomicBool,
    progress: Arc<Metrics>,
    /// A flush waiting for this batch (an empty one, after every batch
    /// sent before the flush).
    flush: Option<FlushRequest>,
}

impl Batch {
    fn new(updates: &[AccountUpdate], progress: &Arc<Metrics>) -> Batch {
        progress.batch_taken();
        Batch {
            read: updates.len() as u64,
            newest: updates.iter().map(|u| u.slot).max(),
            changed: AtomicU64::new(0),
            given_up: AtomicBool::new(false),
            progress: progress.clone(),
            flush: None,
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        let landed = !*self.given_up.get_mut();
        if landed {
            metrics::count(metrics::ACCOUNTS_READ, self.read);
            metrics::count(metrics::ACCOUNTS_WRITTEN, *self.changed.get_mut());
            if let Some(slot) = self.newest {
                self.progress.indexed(slot);
            }
        }
        if let Some(flush) = self.flush.take() {
            let _ = flush.send(landed);
        }
        self.progress.batch_done();
    }
}

/// One shard of a batch, for its lane.
struct ShardJob {
    shard: db::Shard,
    batch: Arc<Batch>,
}

/// Writes updates in batches until every sender is gone, then returns (so a
/// shutdown finishes what is in flight). Each batch is split by address into
/// `connections` shards, written at once by as many lanes (a connection
/// each, shards of one lane in order); while the lanes write, the next
/// batch is filtered and serialised. A failed shard is retried until it
/// lands, or dropped once `stop` fires (the next leader snapshots anew).
/// A flush is answered once every update queued before it is written.
pub async fn write_updates(
    pool: PgPool,
    mut updates: mpsc::Receiver<AccountUpdate>,
    mut flushes: mpsc::Receiver<FlushRequest>,
    connections: usize,
    progress: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) {
    let connections = connections.max(1);
    let writer = db::Writer::new(&pool, connections);
    let (lanes, lane_tasks): (Vec<_>, Vec<_>) = (0..connections)
        .map(|_| {
            let (jobs, jobs_rx) = mpsc::channel(1);
            let task = tokio::spawn(write_lane(writer.clone(), jobs_rx, stop.clone()));
            (jobs, task)
        })
        .unzip();
    let mut seen = Seen::default();
    let mut updates_batch = Vec::with_capacity(BATCH_SIZE);
    'batches: loop {
        // Updates first: a flush is taken only with none queued, so every
        // update sent before it is in an earlier batch.
        let flush = tokio::select! {
            biased;
            received = updates.recv_many(&mut updates_batch, BATCH_SIZE) => {
                if received == 0 {
                    break 'batches;
                }
                None
            }
            Some(flush) = flushes.recv() => Some(flush),
        };
        let mut batch = Batch::new(&updates_batch, &progress);
        batch.flush = flush;
        let batch = Arc::new(batch);
        updates_batch.retain(|u| seen.changes(u));
        let shards = match db::prepare_batch(&updates_batch, connections) {
            Ok(shards) => shards,
            Err(e) => {
                tracing::error!(error = %e, rows = updates_batch.len(), "batch cannot be encoded; dropped");
                Vec::new()
            }
        };
        updates_batch.clear();
        // Every lane gets its part, empty or not, so a batch completes only
        // after every batch before it.
        let mut shards = shards.into_iter();
        for lane in &lanes {
            let job = ShardJob {
                shard: shards.next().unwrap_or_default(),
                batch: batch.clone(),
            };
            if lane.send(job).await.is_err() {
                // A lane gave up (stopping): so does this side.
                batch.given_up.store(true, Ordering::Relaxed);
                break 'batches;
            }
        }
    }
    drop(lanes);
    for task in lane_tasks {
        let _ = task.await;
    }
}

/// One lane of [`write_updates`]: writes its shard of each batch, retrying
/// until it lands or `stop` fires (then gives up everything queued).
async fn write_lane(
    writer: db::Writer,
    mut jobs: mpsc::Receiver<ShardJob>,
    mut stop: watch::Receiver<bool>,
) {
    while let Some(job) = jobs.recv().await {
        if job.shard.is_empty() {
            continue;
        }
        let mut delay = Duration::from_millis(100);
        loop {
            match job.shard.write(&writer).await {
                Ok(changed) => {
                    job.batch.changed.fetch_add(changed, Ordering::Relaxed);
                    break;
                }
                Err(e) if *stop.borrow() => {
                    tracing::warn!(error = %e, "stopping: batch dropped");
                    job.batch.given_up.store(true, Ordering::Relaxed);
                    // The sender sees the lane closed; what it queued is
                    // given up too.
                    jobs.close();
                    while let Ok(queued) = jobs.try_recv() {
                        queued.batch.given_up.store(true, Ordering::Relaxed);
                    }
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "batch write failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stop.changed() => {}
                    }
                    delay = (delay * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}
