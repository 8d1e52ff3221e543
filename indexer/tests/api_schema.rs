//! The API against its own `/openapi.json`, fuzzed by schemathesis (PyPI,
//! pinned in `tests/api-fuzz/requirements.txt`; `scripts/test.sh` installs
//! it and sets `SCHEMATHESIS`): every check, positive and negative data, over
//! a real PostgreSQL holding accounts of every kind and state and a lease's
//! history, written through the indexer's own write path.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use compute_escrow::events::{
    AttestorReport, LeaseOpened, LeaseSettled, PayoutClaimed, ProgramEvent, UptimeAttested,
};
use compute_escrow::state::{
    CloseReason, Config, Lease, LeaseState, Listing, ListingState, Provider,
};
use compute_escrow_indexer::decode::{AccountUpdate, ProgramAccount};
use compute_escrow_indexer::{db, history};
use compute_escrow_tests::chain::free_ports;
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use solana_sdk::pubkey::Pubkey;

/// The indexer serving the API, killed on drop.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn update(pubkey: Pubkey, slot: u64, account: ProgramAccount) -> AccountUpdate {
    AccountUpdate {
        pubkey,
        slot,
        account,
    }
}

/// Accounts of every kind and state; returns their addresses.
async fn write_market(pool: &sqlx::PgPool) -> Vec<Pubkey> {
    let authority = Pubkey::new_unique();
    let provider = Pubkey::new_unique();
    let mut updates = vec![
        update(
            Pubkey::new_unique(),
            5,
            ProgramAccount::Config(Config {
                admin: authority,
                treasury: Pubkey::new_unique(),
                fee_bps: 250,
                settle_grace_seconds: 600,
                ..Default::default()
            }),
        ),
        update(
            provider,
            5,
            ProgramAccount::Provider(Provider {
                authority,
                payout_wallet: authority,
                listing_count: 3,
                seconds_attested: 3_000,
                seconds_missed: 600,
                lamports_earned: u64::MAX,
                metadata_uri: "https://provider.example/meta.json".into(),
                ..Default::default()
            }),
        ),
    ];
    let mut listings = Vec::new();
    for (i, state) in [
        ListingState::Active,
        ListingState::Paused,
        ListingState::Closed,
    ]
    .into_iter()
    .enumerate()
    {
        let listing = Pubkey::new_unique();
        listings.push(listing);
        updates.push(update(
            listing,
            6,
            ProgramAccount::Listing(Box::new(Listing {
                state,
                provider,
                listing_id: i as u64,
                price_lamports_per_hour: 1_000_000 * (i as u64 + 1),
                min_hours: 1,
                max_hours: 24,
                attestors: compute_escrow_tests::one_attestor(Pubkey::new_unique()),
                gpu_count: 8,
                vram_gb: 80,
                capacity: 2,
                created_at: 1_700_000_000 + i as i64,
                gpu_model: "H100".into(),
                region: "eu-west".into(),
                health_check: "tcp://10.0.0.7:22".into(),
                ..Default::default()
            })),
        ));
    }
    let mut leases = Vec::new();
    for (i, state) in [
        LeaseState::Active,
        LeaseState::Ended,
        LeaseState::Cancelled,
        LeaseState::Settled,
    ]
    .into_iter()
    .enumerate()
    {
        let lease = Pubkey::new_unique();
        leases.push(lease);
        updates.push(update(
            lease,
            7,
            ProgramAccount::Lease(Box::new(Lease {
                state,
                renter: authority,
                provider,
                listing: listings[0],
                attestors: compute_escrow_tests::one_attestor(Pubkey::new_unique()),
                lease_id: i as u64,
                price_lamports_per_hour: 1_000_000,
                fee_bps: 250,
                settle_grace_seconds: 600,
                hours: 2,
                start_ts: 1_700_000_000,
                end_ts: 1_700_007_200,
                deposited: 2_000_000,
                ..Default::default()
            })),
        ));
    }
    db::write_batch(pool, &updates).await.unwrap();
    let settled = leases[3];
    let events = [
        ProgramEvent::LeaseOpened(LeaseOpened {
            lease: settled,
            listing: listings[0],
            renter: authority,
            attestors: compute_escrow_tests::one_attestor(Pubkey::new_unique()),
            lease_id: 3,
            price_lamports_per_hour: 1_000_000,
            terms_hash: [7; 32],
            hours: 2,
            deposited: 2_000_000,
            start_ts: 1_700_000_000,
            end_ts: 1_700_007_200,
        }),
        ProgramEvent::UptimeAttested(UptimeAttested {
            lease: settled,
            from: 1_700_000_000,
            to: 1_700_007_200,
            up_seconds: 7_200,
            reports: vec![AttestorReport {
                attestor: Pubkey::new_unique(),
                up_seconds: 7_200,
            }],
        }),
        ProgramEvent::PayoutClaimed(PayoutClaimed {
            lease: settled,
            payout_wallet: authority,
            provider_lamports: 1_950_000,
            fee_lamports: 50_000,
        }),
        ProgramEvent::LeaseSettled(LeaseSettled {
            lease: settled,
            reason: CloseReason::Completed,
            provider_lamports: 0,
            fee_lamports: 0,
            refund_lamports: 0,
            forfeited_lamports: 0,
            rent_returned: 2_596_080,
            attested_seconds: 7_200,
            paid_out: 1_950_000,
            fee_paid: 50_000,
            refunded: 0,
        }),
    ];
    for (i, event) in events.into_iter().enumerate() {
        let stored = history::StoredEvent {
            instruction_index: 0,
            inner_index: 0,
            event,
        };
        history::store(
            pool,
            &format!("sig{i}"),
            8 + i as u64,
            Some(1_700_000_000),
            &[stored],
        )
        .await
        .unwrap();
    }
    let mut keys = vec![authority, provider];
    keys.extend(listings);
    keys.extend(leases);
    keys
}

fn schemathesis() -> String {
    let program = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let found = Command::new(&program)
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "schemathesis not found: run scripts/test.sh (it installs tests/api-fuzz/requirements.txt), \
         or set SCHEMATHESIS to its path"
    );
    program
}

#[tokio::test]
async fn the_api_keeps_to_its_openapi_document() {
    let program = schemathesis();
    let pg = TestPostgres::start();
    let database = pg.database("schema");
    let pool = db::connect(&database).await.unwrap();
    let keys = write_market(&pool).await;

    // Nothing answers on the RPC port: the rows stay as written.
    let api_port = free_ports(2);
    let rpc_port = api_port + 1;
    let base = format!("http://127.0.0.1:{api_port}");
    let _serving = Serving(
        Command::new(env!("CARGO_BIN_EXE_compute-escrow-indexer"))
            .args(["--database-url", &database])
            .args(["--rpc-url", &format!("http://127.0.0.1:{rpc_port}")])
            .args(["--listen", &format!("127.0.0.1:{api_port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the indexer"),
    );
    poll(
        "the API answering",
        Duration::from_secs(60),
        Duration::from_millis(200),
        || async {
            let response = reqwest::get(format!("{base}/v1/stats")).await.ok()?;
            response.status().is_success().then_some(())
        },
    )
    .await;

    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/api-fuzz");
    let keys: Vec<String> = keys.iter().map(Pubkey::to_string).collect();
    let output = tokio::process::Command::new(program)
        .current_dir(&fuzz)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", &fuzz)
        .env("API_FUZZ_KEYS", keys.join(","))
        .args(["run", &format!("{base}/openapi.json")])
        .args(["--checks", "all", "--mode", "all", "--max-examples", "150"])
        .args(["--workers", "2", "--no-color", "--request-timeout", "30"])
        .output()
        .await
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "schemathesis found the API departing from its document (report above)"
    );
}
