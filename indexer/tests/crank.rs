//! The crank over a real validator and API: attestors post signed reports to
//! `POST /v1/attestations` (no SOL), two `compute-escrow crank` processes run
//! at once, and the chain credits each period once at its quorum's value;
//! the attestor that disagreed shows it in its record. Then the same with
//! the attestors' agents (`attestor run --report`, wallets without SOL)
//! probing a real health endpoint, one of three silent.

mod common;

use std::process::Output;
use std::time::Duration;

use common::{cli_binary, cli_config, market_with_listing, serve, Running};
use compute_escrow::instructions::ListingUpdate;
use compute_escrow::report::UptimeReport;
use compute_escrow::state::AttestorSet;
use compute_escrow_client::accounts;
use compute_escrow_client::api::ReportView;
use compute_escrow_client::reports::SignedUptimeReport;
use compute_escrow_tests::chain::ChainMarket;
use compute_escrow_tests::ix;
use compute_escrow_tests::machine::Machine;
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// The listing's attestation period, seconds.
const PERIOD: i64 = 3;

/// Gives `listing` three new attestors, 2 of which must agree on each
/// `PERIOD`; returns their keypairs and keys.
async fn three_attestors_two_to_agree(
    m: &ChainMarket,
    listing: &Pubkey,
) -> ([Keypair; 3], Vec<Pubkey>) {
    let attestors = [Keypair::new(), Keypair::new(), Keypair::new()];
    let keys: Vec<Pubkey> = attestors.iter().map(Signer::pubkey).collect();
    let update = ListingUpdate {
        attestors: Some(AttestorSet::new(&keys, 2, PERIOD as u32).unwrap()),
        ..Default::default()
    };
    m.update_listing(listing, update).await;
    (attestors, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_two_cranks_credit_each_quorum_once() {
    let (m, listing) = market_with_listing(360_000_000, None).await;
    let (attestors, keys) = three_attestors_two_to_agree(&m, &listing).await;
    let quote = m.chain.quote(&listing).await;
    m.chain
        .send(
            &[ix::open_lease(&m.renter.pubkey(), &listing, 1, 1, quote)],
            &[&m.renter],
        )
        .await;
    let lease = compute_escrow::pda::lease(&listing, &m.renter.pubkey(), 1).0;
    let start = accounts::lease(&m.chain.v.rpc, &lease)
        .await
        .unwrap()
        .unwrap()
        .start_ts;

    let pg = TestPostgres::start();
    let database = pg.database("crank");
    let (_indexer, api) = serve(
        &m,
        &database,
        &["--reconcile-seconds", "2", "--history-poll-seconds", "1"],
    )
    .await;
    let http = reqwest::Client::new();
    poll(
        "the API to hold the lease",
        Duration::from_secs(120),
        Duration::from_millis(250),
        || async {
            http.get(format!("{api}/v1/leases/{lease}"))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        },
    )
    .await;
    m.chain.wait_until(start + 2 * PERIOD).await;

    // Period 0: 3, 3 and an under-report of 1 (credited 3); period 1: 3, 2.
    let reports = [(0, 0, 3), (1, 0, 3), (2, 0, 1), (0, 1, 3), (1, 1, 2)];
    for (who, period, up) in reports {
        let from = start + period * PERIOD;
        let signed = SignedUptimeReport::sign(
            &attestors[who],
            UptimeReport {
                lease,
                from,
                to: from + PERIOD,
                up_seconds: up,
            },
        );
        let response = http
            .post(format!("{api}/v1/attestations"))
            .json(&ReportView::from(signed))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            201,
            "{}",
            response.text().await.unwrap()
        );
    }

    // Two cranks at once, paying from their own wallet.
    let cranker = Keypair::new();
    m.chain.fund(&cranker.pubkey(), 1_000_000_000).await;
    let dir = std::env::temp_dir().join(format!("ce-crank-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = cli_config(&dir, "cranker", &cranker, &m.chain.v.rpc_url);
    let crank = || {
        let mut command = tokio::process::Command::new(cli_binary());
        command.arg("-C").arg(&config).args([
            "--api",
            &api,
            "--output",
            "json",
            "crank",
            "--no-settle",
        ]);
        command.output()
    };
    let (first, second): (Output, Output) = tokio::try_join!(crank(), crank()).unwrap();
    for out in [&first, &second] {
        assert!(
            out.status.success(),
            "crank failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let attested = accounts::lease(&m.chain.v.rpc, &lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attested.attested_until, start + 2 * PERIOD);
    assert_eq!(
        attested.attested_seconds,
        3 + 2,
        "each period at its quorum's value, once"
    );
    let submissions = |out: &Output| {
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        json["attested"].as_array().unwrap().len()
    };
    assert!(submissions(&first) + submissions(&second) >= 1);

    // Attestor 2 under-reported period 0 by 2 seconds.
    let record: Value = poll(
        "the attestor's record",
        Duration::from_secs(60),
        Duration::from_millis(250),
        || async {
            let response = http
                .get(format!("{api}/v1/attestors/{}", keys[2]))
                .send()
                .await
                .ok()?;
            response.status().is_success().then_some(())?;
            let record = response.json::<Value>().await.ok()?;
            // Its stored report counts once the attestation's event is indexed.
            (record["periods_reported"] != "0").then_some(record)
        },
    )
    .await;
    assert_eq!(record["reports_stored"], "1", "{record}");
    assert_eq!(record["periods_differing"], "1", "{record}");
    assert_eq!(record["seconds_differing"], "2", "{record}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_agents_without_sol_report_and_the_crank_credits_their_quorum() {
    let machine = Machine::start().await;
    let (m, listing) = market_with_listing(360_000_000, Some(machine.health_check())).await;
    let (attestors, keys) = three_attestors_two_to_agree(&m, &listing).await;
    let pg = TestPostgres::start();
    let database = pg.database("agents");
    let (_indexer, api) = serve(
        &m,
        &database,
        &["--reconcile-seconds", "2", "--history-poll-seconds", "1"],
    )
    .await;
    let dir = std::env::temp_dir().join(format!("ce-agents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rpc_url = &m.chain.v.rpc_url;
    // Two of the three attestors run agents (with empty wallets); the third is silent.
    let listing_text = listing.to_string();
    let _agents: Vec<Running> = attestors[..2]
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let config = cli_config(&dir, &format!("attestor{i}"), key, rpc_url);
            Running(
                std::process::Command::new(cli_binary())
                    .arg("-C")
                    .arg(&config)
                    .args(["--api", &api, "--output", "json", "attestor", "run"])
                    .args([
                        "--listing",
                        &listing_text,
                        "--period",
                        "3",
                        "--probe-interval",
                        "1",
                    ])
                    .arg("--report")
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("start an agent"),
            )
        })
        .collect();
    let quote = m.chain.quote(&listing).await;
    m.chain
        .send(
            &[ix::open_lease(&m.renter.pubkey(), &listing, 1, 1, quote)],
            &[&m.renter],
        )
        .await;
    let lease = compute_escrow::pda::lease(&listing, &m.renter.pubkey(), 1).0;
    let start = accounts::lease(&m.chain.v.rpc, &lease)
        .await
        .unwrap()
        .unwrap()
        .start_ts;
    let http = reqwest::Client::new();
    // Both agents' reports of the first two periods reach the API.
    let reports: Vec<ReportView> = poll(
        "two periods reported by both agents",
        Duration::from_secs(120),
        Duration::from_millis(500),
        || async {
            let reports: Vec<ReportView> = http
                .get(format!("{api}/v1/leases/{lease}/reports?limit=500"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let early = reports
                .iter()
                .filter(|r| r.to <= start + 2 * PERIOD)
                .count();
            (early >= 4).then_some(reports)
        },
    )
    .await;
    assert!(
        reports.iter().all(|r| keys[..2].contains(&r.attestor)),
        "the silent attestor reported nothing"
    );
    let cranker = Keypair::new();
    m.chain.fund(&cranker.pubkey(), 1_000_000_000).await;
    let config = cli_config(&dir, "cranker", &cranker, rpc_url);
    let out = std::process::Command::new(cli_binary())
        .arg("-C")
        .arg(&config)
        .args(["--api", &api, "--output", "json", "crank", "--no-settle"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let attested = accounts::lease(&m.chain.v.rpc, &lease)
        .await
        .unwrap()
        .unwrap();
    assert!(
        attested.attested_until >= start + 2 * PERIOD,
        "two periods credited"
    );
    // Each credited period at the lower of the two agents' reports (2 of 2
    // reporting), as the API held them when the crank read them.
    let reports: Vec<ReportView> = http
        .get(format!("{api}/v1/leases/{lease}/reports?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut expected = 0;
    let mut from = start;
    while from < attested.attested_until {
        let of_period: Vec<u64> = reports
            .iter()
            .filter(|r| r.from == from)
            .map(|r| r.up_seconds)
            .collect();
        expected += of_period.iter().min().copied().unwrap_or(0);
        from += PERIOD;
    }
    assert_eq!(attested.attested_seconds, expected, "{reports:?}");
    for key in &attestors[..2] {
        assert_eq!(
            m.chain.balance(&key.pubkey()).await,
            0,
            "the agents spent nothing"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
