//! Indexer benchmarks (programs, not tests; `scripts/bench-indexer.sh` runs both):
//!
//! - `backfill --database-url URL --accounts N`: writes N synthetic listing and
//!   lease accounts (half each) through the indexer's writer
//!   (`ingest::write_updates`, fed through its bounded channel), prints
//!   accounts/s; into empty tables as a leader's first snapshot does (the
//!   secondary indexes deferred and built after, included in the time);
//! - `load --url URL --concurrency C --seconds S`: GETs URL from C concurrent
//!   clients for S seconds (run it as a second process next to the API),
//!   prints requests/s and p50/p99 latency;
//! - `accounts --dir DIR --accounts N`: writes the same synthetic accounts as
//!   `solana-test-validator --account-dir` files (owned by the program), for
//!   the end-to-end snapshot benchmark.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use compute_escrow::state::{AttestorSet, Lease, Listing, ListingState};
use compute_escrow_indexer::decode::{AccountUpdate, ProgramAccount};
use compute_escrow_indexer::ingest;
use compute_escrow_indexer::metrics::Metrics;
use compute_escrow_indexer::{bulk, db};
use solana_sdk::pubkey::Pubkey;
use tokio::sync::{mpsc, watch};

#[derive(Parser)]
#[command(about = "compute-escrow indexer benchmarks")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Write-path throughput.
    Backfill {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        accounts: usize,
        /// Index of the first account (each index is one fixed address), so
        /// a second run can add accounts next to a first one's.
        #[arg(long, default_value_t = 0)]
        from: usize,
        /// Write at most this many accounts a second, in batches of 100
        /// (an indexer following a busy chain), instead of as fast as possible.
        #[arg(long)]
        per_second: Option<u32>,
        /// Connections each batch is written on at once (the indexer's
        /// `--write-connections`).
        #[arg(long, default_value_t = ingest::DEFAULT_WRITE_CONNECTIONS)]
        write_connections: usize,
        /// Write with the secondary indexes in place, as into populated
        /// tables, instead of deferring them as a first snapshot does.
        #[arg(long)]
        keep_indexes: bool,
    },
    /// Synthetic program accounts as `solana-test-validator --account-dir` files.
    Accounts {
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long)]
        accounts: usize,
    },
    /// HTTP throughput and latency.
    Load {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

const MODELS: [&str; 5] = ["H100", "A100", "L40S", "H200", "RTX4090"];
const REGIONS: [&str; 4] = ["eu-west", "us-east", "us-west", "ap-south"];

fn listing(i: usize) -> Listing {
    Listing {
        // One listing in ten of every model is paused.
        state: if (i / 10).is_multiple_of(10) {
            ListingState::Paused
        } else {
            ListingState::Active
        },
        provider: Pubkey::new_unique(),
        listing_id: i as u64,
        price_lamports_per_hour: 1_000_000 + (i as u64 * 7_919) % 50_000_000,
        min_hours: 1,
        max_hours: 24,
        attestors: AttestorSet::new(&[Pubkey::new_unique()], 1, 60).expect("a set"),
        gpu_count: 8,
        vram_gb: 80,
        capacity: 2,
        created_at: 1_767_225_600 + i as i64,
        updated_at: 1_767_225_600 + i as i64,
        bump: 255,
        gpu_model: MODELS[i % MODELS.len()].into(),
        region: REGIONS[i % REGIONS.len()].into(),
        health_check: "tcp://10.0.0.1:22".into(),
        ..Default::default()
    }
}

fn lease(i: usize) -> Lease {
    Lease {
        renter: Pubkey::new_unique(),
        provider: Pubkey::new_unique(),
        listing: Pubkey::new_unique(),
        attestors: AttestorSet::new(&[Pubkey::new_unique()], 1, 60).expect("a set"),
        lease_id: i as u64,
        price_lamports_per_hour: 3_600_000,
        fee_bps: 250,
        settle_grace_seconds: 3_600,
        hours: 2,
        start_ts: 1_767_225_600,
        end_ts: 1_767_232_800,
        deposited: 7_200_000,
        attested_until: 1_767_225_600,
        bump: 255,
        health_check: "tcp://10.0.0.1:22".into(),
        ..Default::default()
    }
}

/// Synthetic accounts `from..from + n`, listings (even) and leases (odd),
/// each index at its own fixed address.
fn synthetic(from: usize, n: usize) -> impl Iterator<Item = (Pubkey, ProgramAccount)> {
    (from..from + n).map(|i| {
        let account = if i.is_multiple_of(2) {
            ProgramAccount::Listing(Box::new(listing(i)))
        } else {
            ProgramAccount::Lease(Box::new(lease(i)))
        };
        let address = solana_sha256_hasher::hash(&i.to_le_bytes()).to_bytes();
        (Pubkey::new_from_array(address), account)
    })
}

async fn backfill(
    database_url: &str,
    accounts: usize,
    from: usize,
    per_second: Option<u32>,
    write_connections: usize,
    keep_indexes: bool,
) {
    let pool = db::connect(database_url).await.expect("database");
    let updates: Vec<AccountUpdate> = synthetic(from, accounts)
        .enumerate()
        .map(|(i, (pubkey, account))| AccountUpdate {
            pubkey,
            slot: 1 + i as u64,
            account,
        })
        .collect();
    let (queue, queued) = mpsc::channel(ingest::DEFAULT_CHANNEL_CAPACITY);
    let (_flush, flushes) = ingest::Flush::channel();
    let (_stop, stop) = watch::channel(false);
    let started = Instant::now();
    let deferred = if keep_indexes {
        0
    } else {
        bulk::defer_if_empty(&pool).await.expect("defer indexes")
    };
    let writer = tokio::spawn(ingest::write_updates(
        pool.clone(),
        queued,
        flushes,
        write_connections,
        Arc::new(Metrics::default()),
        stop,
    ));
    let mut tick =
        per_second.map(|rate| tokio::time::interval(Duration::from_secs(100) / rate.max(1)));
    let mut updates = updates.into_iter().peekable();
    while updates.peek().is_some() {
        if let Some(tick) = tick.as_mut() {
            tick.tick().await;
        }
        let step = if tick.is_some() { 100 } else { usize::MAX };
        for update in updates.by_ref().take(step) {
            queue.send(update).await.expect("the writer runs");
        }
    }
    drop(queue);
    writer.await.expect("the writer finishes");
    let loaded = started.elapsed();
    bulk::build_deferred(&pool, write_connections)
        .await
        .expect("build the deferred indexes");
    let elapsed = started.elapsed();
    let indexes = if deferred > 0 {
        format!(
            "loaded in {:.2} s, {deferred} deferred indexes built in {:.2} s",
            loaded.as_secs_f64(),
            (elapsed - loaded).as_secs_f64()
        )
    } else {
        "indexes live".to_string()
    };
    println!(
        "backfill: {accounts} accounts ({} listings, {} leases) on {write_connections} connection(s) ({indexes}) in {:.2} s = {:.0} accounts/s",
        accounts.div_ceil(2),
        accounts / 2,
        elapsed.as_secs_f64(),
        accounts as f64 / elapsed.as_secs_f64()
    );
}

/// Writes `accounts` synthetic accounts into `dir`, one JSON file each in
/// the format `solana account --output json` prints.
fn account_files(dir: &std::path::Path, accounts: usize) {
    use anchor_lang::AccountSerialize;
    use base64::Engine;
    std::fs::create_dir_all(dir).expect("create the account directory");
    for (pubkey, account) in synthetic(0, accounts) {
        let mut data = Vec::new();
        match &account {
            ProgramAccount::Listing(l) => l.try_serialize(&mut data),
            ProgramAccount::Lease(l) => l.try_serialize(&mut data),
            _ => unreachable!("only listings and leases are generated"),
        }
        .expect("serialise the account");
        let file = serde_json::json!({
            "pubkey": pubkey.to_string(),
            "account": {
                "lamports": 10_000_000u64,
                "data": [base64::engine::general_purpose::STANDARD.encode(&data), "base64"],
                "owner": compute_escrow::ID.to_string(),
                "executable": false,
                "rentEpoch": 0,
                "space": data.len(),
            }
        });
        std::fs::write(dir.join(format!("{pubkey}.json")), file.to_string())
            .expect("write an account file");
    }
    println!("accounts: {accounts} account files in {}", dir.display());
}

async fn load(url: &str, concurrency: usize, seconds: u64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let url = Arc::new(url.to_string());
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match client.get(url.as_str()).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "load: {} requests in {seconds} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {errors} errors ({concurrency} concurrent clients) {url}",
        all.len(),
        all.len() as f64 / seconds as f64,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() {
    match Args::parse().mode {
        Mode::Backfill {
            database_url,
            accounts,
            from,
            per_second,
            write_connections,
            keep_indexes,
        } => {
            backfill(
                &database_url,
                accounts,
                from,
                per_second,
                write_connections,
                keep_indexes,
            )
            .await
        }
        Mode::Accounts { dir, accounts } => account_files(&dir, accounts),
        Mode::Load {
            url,
            concurrency,
            seconds,
        } => load(&url, concurrency, seconds).await,
    }
}
