//! Signed uptime reports over HTTP: `POST /v1/attestations` stores a report
//! that verifies against a lease's attestor set and grid, returns it again
//! idempotently, and refuses by name (never storing) a forged signature, a
//! key outside the set, a period off the grid, an overstated period, an
//! unknown lease, a conflicting second report and garbage bodies; `GET
//! /v1/leases/{pubkey}/reports` lists what was stored and `GET
//! /v1/attestors/{pubkey}` how an attestor's reports compared with what its
//! quorums credited.

mod common;

use std::process::{Command, Stdio};

use common::Running;
use compute_escrow::events::{AttestorReport, ProgramEvent, UptimeAttested};
use compute_escrow::report::UptimeReport;
use compute_escrow::state::{AttestorSet, Lease};
use compute_escrow_client::api::ReportView;
use compute_escrow_client::reports::SignedUptimeReport;
use compute_escrow_indexer::decode::{AccountUpdate, ProgramAccount};
use compute_escrow_indexer::{db, history};
use compute_escrow_tests::chain::free_ports;
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const START: i64 = 1_700_000_000;

#[tokio::test]
async fn reports_are_verified_before_they_are_stored() {
    let pg = TestPostgres::start();
    let database = pg.database("reports");
    let pool = db::connect(&database).await.unwrap();
    let attestors = [Keypair::new(), Keypair::new(), Keypair::new()];
    let keys: Vec<Pubkey> = attestors.iter().map(Signer::pubkey).collect();
    let lease = Pubkey::new_unique();
    let account = Lease {
        attestors: AttestorSet::new(&keys, 2, 60).unwrap(),
        start_ts: START,
        end_ts: START + 3_600,
        attested_until: START,
        hours: 1,
        ..Default::default()
    };
    db::write_batch(
        &pool,
        &[AccountUpdate {
            pubkey: lease,
            slot: 5,
            account: ProgramAccount::Lease(Box::new(account)),
        }],
    )
    .await
    .unwrap();

    // Nothing answers on the RPC port: the API serves what the database holds.
    let port = free_ports(2);
    let base = format!("http://127.0.0.1:{port}");
    let _serving = Running(
        Command::new(env!("CARGO_BIN_EXE_compute-escrow-indexer"))
            .args(["--database-url", &database])
            .args(["--rpc-url", &format!("http://127.0.0.1:{}", port + 1)])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the indexer"),
    );
    let http = reqwest::Client::new();
    poll(
        "the API",
        std::time::Duration::from_secs(60),
        std::time::Duration::from_millis(200),
        || async {
            http.get(format!("{base}/v1/leases/{lease}/reports"))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        },
    )
    .await;
    let post = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/v1/attestations");
        async move {
            let response = http.post(url).json(&body).send().await.expect("POST");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("a JSON body"))
        }
    };
    let report = |who: &Keypair, lease: Pubkey, from: i64, to: i64, up: u64| {
        let signed = SignedUptimeReport::sign(
            who,
            UptimeReport {
                lease,
                from,
                to,
                up_seconds: up,
            },
        );
        serde_json::to_value(ReportView::from(signed)).unwrap()
    };

    let good = report(&attestors[0], lease, START, START + 60, 58);
    assert_eq!(post(good.clone()).await, (201, good.clone()));
    assert_eq!(post(good.clone()).await, (200, good.clone()), "idempotent");

    let mut forged = report(&attestors[1], lease, START, START + 60, 60);
    forged["up_seconds"] = json!("59");
    let stranger = report(&Keypair::new(), lease, START, START + 60, 60);
    let off_grid = report(&attestors[1], lease, START + 30, START + 90, 60);
    let overstated = report(&attestors[1], lease, START, START + 60, 61);
    let past_end = report(&attestors[1], lease, START + 3_600, START + 3_660, 60);
    let conflicting = report(&attestors[0], lease, START, START + 60, 10);
    let unknown = report(&attestors[1], Pubkey::new_unique(), START, START + 60, 60);
    let mut extra = good.clone();
    extra["note"] = json!("hi");
    for (body, status, names) in [
        (forged, 400, "does not verify"),
        (stranger, 400, "not one of the lease's attestors"),
        (off_grid, 400, "not a period of the lease's grid"),
        (overstated, 400, "more than the period"),
        (past_end, 400, "not a period of the lease's grid"),
        (conflicting, 409, "already reported"),
        (unknown, 404, "lease not found"),
        (extra, 400, "note"),
        (json!({"lease": "x"}), 400, "body"),
        (json!("garbage"), 400, "body"),
    ] {
        let (got, answer) = post(body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(names)),
            "{body}: {answer}"
        );
    }
    let stored: Vec<Value> = http
        .get(format!("{base}/v1/leases/{lease}/reports"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![good.clone()],
        "only the verified report was stored"
    );
    // A crank reads from the lease's attested_until on, a page at a time.
    let listed = |query: String| {
        let http = http.clone();
        let url = format!("{base}/v1/leases/{lease}/reports?{query}");
        async move {
            let response = http.get(url).send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    assert_eq!(
        listed(format!("from={START}&limit=1")).await,
        (200, json!([good]))
    );
    assert_eq!(
        listed(format!("from={}", START + 1)).await,
        (200, json!([]))
    );
    for bad in ["limit=0", "limit=501", "from=soon", "after=1"] {
        let (status, body) = listed(bad.to_string()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // Attestor records from the chain's events: attestor 0 reported 58 where
    // 55 was credited; attestor 1 matched it.
    let event = ProgramEvent::UptimeAttested(UptimeAttested {
        lease,
        from: START,
        to: START + 60,
        up_seconds: 55,
        reports: vec![
            AttestorReport {
                attestor: keys[0],
                up_seconds: 58,
            },
            AttestorReport {
                attestor: keys[1],
                up_seconds: 55,
            },
        ],
    });
    let stored_event = history::StoredEvent {
        instruction_index: 0,
        inner_index: 0,
        event,
    };
    history::store(&pool, "sig", 9, Some(START), &[stored_event])
        .await
        .unwrap();
    let record = |key: Pubkey| {
        let http = http.clone();
        let url = format!("{base}/v1/attestors/{key}");
        async move {
            let response = http.get(url).send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, differing) = record(keys[0]).await;
    assert_eq!(status, 200, "{differing}");
    assert_eq!(
        differing,
        json!({"attestor": keys[0].to_string(), "reports_stored": "1", "periods_reported": "1",
               "periods_differing": "1", "seconds_differing": "3", "leases": "1"})
    );
    let (_, agreeing) = record(keys[1]).await;
    assert_eq!(agreeing["periods_differing"], "0");
    let (status, _) = record(keys[2]).await;
    assert_eq!(status, 404, "never reported");
}
