//! Indexer benchmarks (programs, not tests; `scripts/bench-indexer.sh` runs both):
//!
//! - `backfill --database-url URL --accounts N`: writes N synthetic listing and
//!   lease accounts (half each) through the indexer's write path
//!   (`db::write_batch`, batches of `ingest::BATCH_SIZE`), prints accounts/s;
//! - `load --url URL --concurrency C --seconds S`: GETs URL from C concurrent
//!   clients for S seconds (run it as a second process next to the API),
//!   prints requests/s and p50/p99 latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use compute_escrow::state::{AttestorSet, Lease, Listing, ListingState};
use compute_escrow_indexer::db;
use compute_escrow_indexer::decode::{AccountUpdate, ProgramAccount};
use compute_escrow_indexer::ingest::BATCH_SIZE;
use solana_sdk::pubkey::Pubkey;

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
        /// Accounts per transaction (default: the indexer writer's largest).
        #[arg(long, default_value_t = BATCH_SIZE)]
        batch_size: usize,
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

async fn backfill(database_url: &str, accounts: usize, batch_size: usize) {
    let pool = db::connect(database_url).await.expect("database");
    let updates: Vec<AccountUpdate> = (0..accounts)
        .map(|i| AccountUpdate {
            pubkey: Pubkey::new_unique(),
            slot: 1 + i as u64,
            account: if i.is_multiple_of(2) {
                ProgramAccount::Listing(Box::new(listing(i)))
            } else {
                ProgramAccount::Lease(Box::new(lease(i)))
            },
        })
        .collect();
    let started = Instant::now();
    for batch in updates.chunks(batch_size) {
        db::write_batch(&pool, batch).await.expect("write");
    }
    let elapsed = started.elapsed();
    println!(
        "backfill: {accounts} accounts ({} listings, {} leases) in {:.2} s = {:.0} accounts/s (batches of {batch_size})",
        accounts.div_ceil(2),
        accounts / 2,
        elapsed.as_secs_f64(),
        accounts as f64 / elapsed.as_secs_f64()
    );
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
            batch_size,
        } => backfill(&database_url, accounts, batch_size).await,
        Mode::Load {
            url,
            concurrency,
            seconds,
        } => load(&url, concurrency, seconds).await,
    }
}
