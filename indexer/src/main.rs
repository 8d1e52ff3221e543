//! `compute-escrow-indexer`: ingest (RPC -> PostgreSQL) and the HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use compute_escrow_client::api::IndexerRole;
use compute_escrow_indexer::api::{self, AppState, ResponseCache};
use compute_escrow_indexer::leader::{self, IngestConfig};
use compute_escrow_indexer::metrics::{self, Metrics};
use compute_escrow_indexer::snapshot;
use compute_escrow_indexer::{db, ingest};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// Mirrors the compute-escrow program into PostgreSQL and serves it over HTTP.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Solana JSON-RPC URL.
    #[arg(long, env = "RPC_URL", default_value = "http://127.0.0.1:8899")]
    rpc_url: String,
    /// Solana websocket URL (default: the RPC URL's port + 1, ws scheme).
    #[arg(long, env = "WS_URL")]
    ws_url: Option<String>,
    /// PostgreSQL connection URL: the primary (migrations, ingest, the API's
    /// writes, the leader lock).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Serve the API's reads from this database instead, e.g. a streaming
    /// replica of `--database-url` (read-only is fine).
    #[arg(long, env = "READ_DATABASE_URL")]
    read_database_url: Option<String>,
    /// Only serve the API: never ingest and never migrate (the leader, an
    /// indexer without this flag, does both).
    #[arg(long, env = "NO_INGEST")]
    no_ingest: bool,
    /// Address the HTTP API listens on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The URL clients reach the API at (action responses link to it);
    /// default `http://` + `--listen`.
    #[arg(long, env = "PUBLIC_URL")]
    public_url: Option<String>,
    /// The built web app (`scripts/build-web.sh` writes `web/dist`), served
    /// under `/app/`.
    #[arg(long, env = "WEB_DIR", default_value = "web/dist")]
    web_dir: PathBuf,
    /// Seconds between reconcile snapshots (finds closed accounts).
    #[arg(long, env = "RECONCILE_SECONDS", default_value_t = 60)]
    reconcile_seconds: u64,
    /// Seconds between polls for new program transactions (event history).
    #[arg(long, env = "HISTORY_POLL_SECONDS", default_value_t = 2)]
    history_poll_seconds: u64,
    /// Milliseconds a `GET /v1/listings` answer is reused for identical
    /// requests (0: never), so bursts of one query cost one database read.
    #[arg(long, env = "CACHE_MILLIS", default_value_t = 250)]
    cache_millis: u64,
    /// Capacity of the channel between readers and the database writer.
    #[arg(long, env = "CHANNEL_CAPACITY", default_value_t = ingest::DEFAULT_CHANNEL_CAPACITY)]
    channel_capacity: usize,
    /// Connections the writer writes each batch on at once (split by
    /// address); about the database's free cores.
    #[arg(long, env = "WRITE_CONNECTIONS", default_value_t = ingest::DEFAULT_WRITE_CONNECTIONS,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=16))]
    write_connections: usize,
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let ws_url = args
        .ws_url
        .clone()
        .unwrap_or_else(|| solana_cli_config::Config::compute_websocket_url(&args.rpc_url));
    let primary = if args.no_ingest {
        db::connect_lazy(&args.database_url)?
    } else {
        db::connect(&args.database_url).await?
    };
    let pool = match &args.read_database_url {
        Some(url) => db::connect_lazy(url)?,
        None => primary.clone(),
    };
    let prometheus = metrics::install()?;
    let metrics = Arc::new(Metrics::default());
    let rpc = Arc::new(RpcClient::new_with_commitment(
        args.rpc_url.clone(),
        CommitmentConfig::confirmed(),
    ));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);

    let ingest = if args.no_ingest {
        metrics.set_role(IndexerRole::ServeOnly);
        None
    } else {
        let config = IngestConfig {
            database_url: args.database_url.clone(),
            pool: primary.clone(),
            rpc: rpc.clone(),
            http: reqwest::Client::builder()
                .connect_timeout(snapshot::RPC_IDLE_TIMEOUT)
                .build()?,
            ws_url: ws_url.clone(),
            metrics: metrics.clone(),
            channel_capacity: args.channel_capacity,
            write_connections: args.write_connections,
            reconcile_every: Duration::from_secs(args.reconcile_seconds.max(1)),
            history_every: Duration::from_secs(args.history_poll_seconds.max(1)),
        };
        metrics.set_role(IndexerRole::Standby);
        Some(tokio::spawn(leader::ingest_while_leader(
            config,
            shutdown_rx.clone(),
        )))
    };

    let app = api::router(AppState {
        pool,
        primary,
        metrics: metrics.clone(),
        prometheus: prometheus.clone(),
        rpc,
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.listen))
            .trim_end_matches('/')
            .to_string(),
        chain_id: Arc::default(),
        web_dir: args.web_dir.clone(),
        listings_cache: Arc::new(ResponseCache::new(Duration::from_millis(args.cache_millis))),
    });
    let upkeep = tokio::spawn({
        let mut shutdown = shutdown_rx.clone();
        async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => prometheus.run_upkeep(),
                    _ = shutdown.changed() => return,
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(listen = %args.listen, rpc = %args.rpc_url, ws = %ws_url, "indexer started");
    let mut api_shutdown = shutdown_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = api_shutdown.changed().await;
            })
            .await
    });

    shutdown_signal().await;
    tracing::info!("shutting down: stopping sources, finishing the batch in flight");
    let _ = shutdown_tx.send(true);
    let _ = tokio::join!(server, upkeep);
    if let Some(ingest) = ingest {
        ingest.await?;
    }
    tracing::info!("stopped");
    Ok(())
}
