//! Live lag of the indexer (a benchmark program, not a test): sends
//! transactions to a local `solana-test-validator` one at a time (lease
//! opens, attestations, claims) and measures, for each, the time from its
//! confirmation (polled every 5 ms at `confirmed`) to the change being
//! visible in the indexer's API (polled every 5 ms). Prints p50, p99 and max
//! per kind and overall.
//!
//! `lag-bench --indexer PATH [--rounds N]`; `scripts/bench-indexer.sh` runs
//! it against the `perf` build of the indexer.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compute_escrow::instructions::ListingTerms;
use compute_escrow::pda;
use compute_escrow::state::Lease;
use compute_escrow_client::api::Indexed;
use compute_escrow_tests::chain::{free_ports, ChainMarket};
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::{default_terms, ix};
use solana_commitment_config::CommitmentConfig;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

/// How often confirmation and the API are polled.
const POLL: Duration = Duration::from_millis(5);

struct Indexer(Child);

impl Drop for Indexer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Sends `ixs` signed by `signers` (and the fee payer) without waiting.
async fn send(m: &ChainMarket, ixs: &[Instruction], signers: &[&Keypair]) -> Signature {
    let blockhash = m
        .chain
        .v
        .rpc
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let mut keys: Vec<&Keypair> = vec![&m.chain.fee_payer];
    keys.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(
        ixs,
        Some(&m.chain.fee_payer.pubkey()),
        &keys,
        blockhash,
    );
    m.chain.v.rpc.send_transaction(&tx).await.expect("send")
}

/// When `signature` was first seen confirmed.
async fn confirmed(m: &ChainMarket, signature: &Signature) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let statuses = m
            .chain
            .v
            .rpc
            .get_signature_statuses(&[*signature])
            .await
            .expect("statuses");
        if let Some(Some(status)) = statuses.value.first() {
            assert!(status.err.is_none(), "transaction failed: {:?}", status.err);
            if status.satisfies_commitment(CommitmentConfig::confirmed()) {
                return Instant::now();
            }
        }
        assert!(Instant::now() < deadline, "{signature} not confirmed");
        tokio::time::sleep(POLL).await;
    }
}

/// When the API first showed `lease` satisfying `visible`.
async fn shown(
    http: &reqwest::Client,
    api: &str,
    lease: &Pubkey,
    visible: impl Fn(&Lease) -> bool,
) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = http.get(format!("{api}/v1/leases/{lease}")).send().await;
        if let Ok(response) = response {
            if response.status().is_success() {
                if let Ok(view) = response.json::<Indexed<Lease>>().await {
                    if visible(&view.account) {
                        return Instant::now();
                    }
                }
            }
        }
        assert!(Instant::now() < deadline, "the API never showed {lease}");
        tokio::time::sleep(POLL).await;
    }
}

/// Sends, then measures confirmation to visibility (negative when the API
/// showed the change before the confirmation poll saw it), in ms.
async fn measure(
    m: &ChainMarket,
    http: &reqwest::Client,
    api: &str,
    lease: &Pubkey,
    ixs: &[Instruction],
    signers: &[&Keypair],
    visible: impl Fn(&Lease) -> bool,
) -> f64 {
    let signature = send(m, ixs, signers).await;
    let (at_confirmed, at_shown) =
        tokio::join!(confirmed(m, &signature), shown(http, api, lease, visible));
    if at_shown >= at_confirmed {
        (at_shown - at_confirmed).as_secs_f64() * 1000.0
    } else {
        -((at_confirmed - at_shown).as_secs_f64() * 1000.0)
    }
}

fn summary(kind: &str, samples: &mut [f64]) {
    samples.sort_by(f64::total_cmp);
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let early = samples.iter().filter(|ms| **ms < 0.0).count();
    println!(
        "live lag, {kind}: {} transactions, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({early} visible before the confirmation poll saw them)",
        samples.len(),
        at(0.50),
        at(0.99),
        samples[samples.len() - 1],
    );
}

#[tokio::main]
async fn main() {
    let indexer_bin = PathBuf::from(arg("--indexer").expect("--indexer PATH"));
    let rounds: u64 = arg("--rounds").map_or(30, |r| r.parse().expect("--rounds N"));
    let pg = TestPostgres::start();
    let database = pg.database("lag");
    let m = ChainMarket::start(250, 600).await;
    let terms = ListingTerms {
        capacity: u16::try_from(rounds).unwrap_or(u16::MAX),
        ..default_terms(m.attestor.pubkey())
    };
    let listing = m.create_listing(0, terms).await;
    let port = free_ports(1);
    let api = format!("http://127.0.0.1:{port}");
    let _indexer = Indexer(
        Command::new(&indexer_bin)
            .args(["--database-url", &database])
            .args([
                "--rpc-url",
                &m.chain.v.rpc_url,
                "--ws-url",
                &m.chain.v.ws_url,
            ])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the indexer"),
    );
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http
        .get(format!("{api}/v1/listings/{listing}"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the indexer did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (mut opens, mut attests, mut claims) = (Vec::new(), Vec::new(), Vec::new());
    let quote = m.chain.quote(&listing).await;
    for round in 0..rounds {
        let lease_id = 1_000 + round;
        let lease = pda::lease(&listing, &m.renter.pubkey(), lease_id).0;
        let open = ix::open_lease(&m.renter.pubkey(), &listing, lease_id, 1, quote);
        opens.push(measure(&m, &http, &api, &lease, &[open], &[&m.renter], |_| true).await);
        let account = compute_escrow_client::accounts::lease(&m.chain.v.rpc, &lease)
            .await
            .expect("read the lease")
            .expect("the lease exists");
        m.chain.wait_until(account.start_ts + 2).await;
        let to = m.chain.now().await.min(account.end_ts);
        let up = (to - account.start_ts) as u64;
        let attest = ix::attest_uptime(
            &m.attestor.pubkey(),
            &m.provider,
            &listing,
            &lease,
            account.start_ts,
            to,
            up,
        );
        attests.push(
            measure(&m, &http, &api, &lease, &[attest], &[&m.attestor], |l| {
                l.attested_until == to
            })
            .await,
        );
        let claim = ix::claim_payout(
            &m.authority.pubkey(),
            &m.provider,
            &lease,
            &m.wallet.pubkey(),
            &m.treasury.pubkey(),
        );
        claims.push(
            measure(&m, &http, &api, &lease, &[claim], &[&m.authority], |l| {
                l.paid_out > 0
            })
            .await,
        );
    }
    let mut all: Vec<f64> = opens
        .iter()
        .chain(&attests)
        .chain(&claims)
        .copied()
        .collect();
    summary("open_lease", &mut opens);
    summary("attest_uptime", &mut attests);
    summary("claim_payout", &mut claims);
    summary("all", &mut all);
}
