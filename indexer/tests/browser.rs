//! The web app in a real browser: headless Chromium (Debian's `chromium`)
//! driven by playwright-core (`tests/browser/wallet-flow.mjs`) against a real
//! `solana-test-validator` with the program, a real PostgreSQL, the indexer
//! serving the API and the built web app, and the attestor agent (the
//! `compute-escrow` CLI) watching the listing. A Wallet Standard test wallet
//! holding the renter's and the provider's keypairs is the only stand-in.
//! The browser script checks every step on chain; this test starts the world,
//! hands it the addresses and keys, and fails if the script does.
//!
//! Needs `scripts/build-web.sh` (the web app) and
//! `scripts/setup-browser-tests.sh` (Chromium and the script's packages);
//! `scripts/test.sh` runs both first.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anchor_lang::Space;
use common::{answers, cli_binary, cli_config, market_with_listing, serve, Running};
use compute_escrow::state::Lease;
use compute_escrow_tests::machine::Machine;
use compute_escrow_tests::pg::TestPostgres;
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// A file the test needs, or a panic saying which script makes it.
fn required(path: PathBuf, made_by: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run {made_by} first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// The browser: `$CHROMIUM`, else Debian's `chromium` on the PATH.
fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return required(PathBuf::from(path), "scripts/setup-browser-tests.sh");
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|p| p.is_file())
        })
        .expect("chromium is not installed: run scripts/setup-browser-tests.sh first (scripts/test.sh does)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_web_app_rents_attests_claims_cancels_and_settles_from_a_browser_wallet() {
    let repo = repo();
    let script = required(
        repo.join("tests/browser/node_modules/playwright-core"),
        "scripts/setup-browser-tests.sh",
    )
    .parent()
    .and_then(Path::parent)
    .expect("tests/browser")
    .join("wallet-flow.mjs");
    let web = repo.join("web/dist");
    required(web.join("index.html"), "scripts/build-web.sh");
    let cli = cli_binary();
    let chromium = chromium();

    let machine = Machine::start().await;
    let (m, listing) = market_with_listing(360_000_000, Some(machine.health_check())).await;

    let dir = std::env::temp_dir().join(format!("ce-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let rpc_url = &m.chain.v.rpc_url;
    let provider_config = cli_config(&dir, "provider", &m.authority, rpc_url);
    let attestor_config = cli_config(&dir, "attestor", &m.attestor, rpc_url);

    let pg = TestPostgres::start();
    let database = pg.database("browser");
    let web_dir = web.display().to_string();
    let (_indexer, api) = serve(
        &m,
        &database,
        &[
            "--reconcile-seconds",
            "5",
            "--history-poll-seconds",
            "1",
            "--web-dir",
            &web_dir,
        ],
    )
    .await;
    answers(
        &format!("{api}/v1/listings/{listing}"),
        "the API to index the listing",
        Duration::from_secs(120),
    )
    .await;
    let listing_text = listing.to_string();
    let _agent = Running(
        Command::new(&cli)
            .arg("-C")
            .arg(&attestor_config)
            .args(["--api", &api, "attestor", "run", "--listing", &listing_text])
            .args(["--period", "3", "--probe-interval", "1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the attestor agent"),
    );

    let secret = |k: &Keypair| k.to_bytes().to_vec();
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let config = json!({
        "api": api,
        "rpc": rpc_url,
        "renter": secret(&m.renter),
        "provider": secret(&m.authority),
        "payout_wallet": m.wallet.pubkey().to_string(),
        "treasury": m.treasury.pubkey().to_string(),
        "listing": listing_text,
        "lease_size": 8 + Lease::INIT_SPACE,
        "cli": cli,
        "provider_config": provider_config,
        "idl": repo.join("idl/compute_escrow.json"),
        "chromium": chromium,
        "screenshots": screenshots,
    });
    let config_path = dir.join("browser.json");
    std::fs::write(&config_path, config.to_string()).expect("write the browser config");
    let status = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&config_path)
            .status()
            .expect("run node (Node.js 20)")
    })
    .await
    .expect("join");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        status.success(),
        "the browser story failed ({status}); screenshots so far in {}",
        screenshots.display()
    );
    println!("screenshots: {}", screenshots.display());
}
