//! What the API tests over a validator share: a market with one listing, and
//! the indexer serving the API over it.

// Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use compute_escrow::instructions::ListingTerms;
use compute_escrow_tests::chain::{free_ports, ChainMarket};
use compute_escrow_tests::default_terms;
use compute_escrow_tests::poll::poll;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};

/// A child process, killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A market on a fresh validator (2.5 % fee, 600 s grace) whose provider
/// lists one GPU machine at `price` lamports per hour, probed at
/// `health_check` (the default terms' when `None`); and that listing.
pub async fn market_with_listing(
    price: u64,
    health_check: Option<String>,
) -> (ChainMarket, Pubkey) {
    let m = ChainMarket::start(250, 600).await;
    let defaults = default_terms(m.attestor.pubkey());
    let terms = ListingTerms {
        price_lamports_per_hour: price,
        health_check: health_check.unwrap_or(defaults.health_check.clone()),
        ..defaults
    };
    let listing = m.create_listing(0, terms).await;
    (m, listing)
}

/// The indexer over `m`'s validator and `database` on a free port, with
/// `extra` arguments, once `/health` answers; and its base URL.
pub async fn serve<S: AsRef<OsStr>>(
    m: &ChainMarket,
    database: &str,
    extra: &[S],
) -> (Running, String) {
    serve_from(&m.chain.v.rpc_url, &m.chain.v.ws_url, database, extra).await
}

/// The indexer over the node at `rpc_url` and `ws_url` and `database` on a
/// free port, with `extra` arguments, once `/health` answers; and its base
/// URL.
pub async fn serve_from<S: AsRef<OsStr>>(
    rpc_url: &str,
    ws_url: &str,
    database: &str,
    extra: &[S],
) -> (Running, String) {
    let port = free_ports(1);
    let indexer = Running(
        Command::new(env!("CARGO_BIN_EXE_compute-escrow-indexer"))
            .args(["--database-url", database])
            .args(["--rpc-url", rpc_url, "--ws-url", ws_url])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the indexer"),
    );
    let base = format!("http://127.0.0.1:{port}");
    answers(
        &format!("{base}/health"),
        "the API",
        Duration::from_secs(60),
    )
    .await;
    (indexer, base)
}

/// A Solana CLI config for `key` in `dir`.
pub fn cli_config(dir: &Path, name: &str, key: &Keypair, rpc_url: &str) -> PathBuf {
    let keypair = dir.join(format!("{name}.json"));
    write_keypair_file(key, &keypair).expect("write keypair");
    let config = dir.join(format!("{name}.yml"));
    std::fs::write(
        &config,
        format!(
            "json_rpc_url: \"{rpc_url}\"\nwebsocket_url: \"\"\nkeypair_path: {}\ncommitment: confirmed\n",
            keypair.display()
        ),
    )
    .expect("write config");
    config
}

/// The `compute-escrow` CLI built beside the indexer (`cargo test
/// --workspace` builds both).
pub fn cli_binary() -> PathBuf {
    let path =
        Path::new(env!("CARGO_BIN_EXE_compute-escrow-indexer")).with_file_name("compute-escrow");
    assert!(
        path.exists(),
        "{} is missing: build it first (`cargo build -p compute-escrow-cli`; scripts/test.sh does)",
        path.display()
    );
    path
}

/// Waits (up to `within`) until a GET of `url` succeeds; `what` names it in
/// the timeout's panic.
pub async fn answers(url: &str, what: &str, within: Duration) {
    let http = reqwest::Client::new();
    poll(what, within, Duration::from_millis(200), || async {
        http.get(url)
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
    })
    .await;
}
