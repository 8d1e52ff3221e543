//! Every Solana Actions endpoint over HTTP against a real validator running
//! the program: response shapes and headers as the spec types them, the
//! unsigned transactions decoded, signed with the wallet's keypair and sent,
//! and the accounts they changed read from the chain; bad and stale requests
//! refused with a message and nothing moved.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use compute_escrow::instructions::{ListingTerms, ListingUpdate};
use compute_escrow::pda;
use compute_escrow::state::{LeaseState, ListingState};
use compute_escrow_client::accounts;
use compute_escrow_client::actions::{ActionGetResponse, ActionPostResponse, ActionsJson};
use compute_escrow_tests::chain::{free_ports, ChainMarket};
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use compute_escrow_tests::{default_terms, ix};
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;

/// The indexer serving the API (and its actions), killed on drop.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    async fn post(&self, path: &str, account: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&json!({ "account": account }))
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }
}

/// Decodes an action's transaction, checks it is unsigned with `payer`
/// paying and a compute-unit limit first, signs it and sends it.
async fn sign_and_send(m: &ChainMarket, response: Value, payer: &Keypair) {
    let response: ActionPostResponse = serde_json::from_value(response).expect("spec shape");
    let bytes = STANDARD.decode(&response.transaction).expect("base64");
    let mut tx: Transaction = bincode::deserialize(&bytes).expect("a transaction");
    assert_eq!(
        tx.message.account_keys[0],
        payer.pubkey(),
        "the wallet pays"
    );
    assert!(
        tx.signatures.iter().all(|s| *s == Default::default()),
        "unsigned"
    );
    let first = &tx.message.instructions[0];
    assert_eq!(
        tx.message.account_keys[usize::from(first.program_id_index)],
        solana_sdk_ids::compute_budget::ID,
        "a compute-unit limit comes first"
    );
    let blockhash = tx.message.recent_blockhash;
    tx.try_sign(&[payer], blockhash).expect("the wallet signs");
    m.chain
        .v
        .rpc
        .send_and_confirm_transaction(&tx)
        .await
        .expect("the signed action lands");
}

#[tokio::test]
async fn every_action_builds_a_transaction_the_chain_accepts() {
    let m = ChainMarket::start(250, 600).await;
    let terms = ListingTerms {
        price_lamports_per_hour: 360_000_000,
        ..default_terms(m.attestor.pubkey())
    };
    m.chain
        .send(
            &[ix::create_listing(&m.authority.pubkey(), 0, terms)],
            &[&m.authority],
        )
        .await;
    let listing = pda::listing(&m.provider, 0).0;
    let pg = TestPostgres::start();
    let database = pg.database("actions");
    let port = free_ports(1);
    let _serving = Serving(
        Command::new(env!("CARGO_BIN_EXE_compute-escrow-indexer"))
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
    let api = Api {
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
    };
    poll(
        "the API",
        Duration::from_secs(60),
        Duration::from_millis(200),
        || async {
            api.http
                .get(format!("{}/health", api.base))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        },
    )
    .await;

    // actions.json and the spec's headers.
    let rules = api.get("/actions.json").await;
    let genesis = m.chain.v.rpc.get_genesis_hash().await.unwrap().to_string();
    assert_eq!(rules.headers()["x-action-version"], "2.4");
    assert_eq!(
        rules.headers()["x-blockchain-ids"],
        format!("solana:{}", &genesis[..32]).as_str()
    );
    let rules: ActionsJson = rules.json().await.expect("spec shape");
    assert!(rules
        .rules
        .iter()
        .any(|r| r.api_path == "/api/actions/rent/*"));
    let preflight = api
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/actions/rent/{listing}", api.base),
        )
        .header("Origin", "https://wallet.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert!(preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    // Rent: the GET states the final price; its link signs exactly it.
    let page: ActionGetResponse = api
        .get(&format!("/api/actions/rent/{listing}"))
        .await
        .json()
        .await
        .expect("spec shape");
    assert!(
        page.description.contains("0.36 SOL for 1 h"),
        "{}",
        page.description
    );
    let rent_href = page.links.as_ref().unwrap().actions[0].href.clone();
    let renter = &m.renter;
    let before = m.chain.balance(&renter.pubkey()).await;
    let (status, body) = api.post(&rent_href, &renter.pubkey().to_string()).await;
    assert_eq!(status, 200, "{body}");
    sign_and_send(&m, body, renter).await;
    let leases = accounts::leases(
        &m.chain.v.rpc,
        accounts::LeaseFilter {
            renter: Some(renter.pubkey()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(leases.len(), 1);
    let (lease, opened) = &leases[0];
    assert_eq!(opened.deposited, 360_000_000, "exactly the quoted deposit");
    let rent = accounts::lease_rent(&m.chain.v.rpc).await.unwrap();
    assert_eq!(
        before - m.chain.balance(&renter.pubkey()).await,
        360_000_000 + rent + 5_000,
        "deposit, lease rent and one signature's fee"
    );

    // Refused, with a message, and nothing moved.
    let stranger = Keypair::new();
    for (path, account, status, names) in [
        (
            rent_href.clone(),
            "not-a-key".to_string(),
            400,
            "not a wallet address",
        ),
        (
            format!(
                "/api/actions/rent/{}?hours=1&price=1&terms=00",
                Pubkey::new_unique()
            ),
            renter.pubkey().to_string(),
            404,
            "no Listing",
        ),
        (
            rent_href.replace("hours=1", "hours=100000"),
            renter.pubkey().to_string(),
            409,
            "outside the listing's",
        ),
        (
            format!("/api/actions/lease/{lease}/cancel"),
            stranger.pubkey().to_string(),
            403,
            "only its renter",
        ),
        (
            format!("/api/actions/lease/{lease}/claim"),
            renter.pubkey().to_string(),
            403,
            "only the provider's authority",
        ),
        (
            format!("/api/actions/lease/{lease}/settle"),
            renter.pubkey().to_string(),
            409,
            "SettleTooEarly",
        ),
    ] {
        let (got, body) = api.post(&path, &account).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(names)),
            "{path}: {body}"
        );
    }
    assert_eq!(
        accounts::lease(&m.chain.v.rpc, lease)
            .await
            .unwrap()
            .as_ref(),
        Some(opened),
        "refused requests moved nothing"
    );
    // A price change between quote and POST: refused, not re-priced.
    let update = ListingUpdate {
        price_lamports_per_hour: Some(400_000_000),
        ..Default::default()
    };
    m.chain
        .send(
            &[ix::update_listing(
                &m.authority.pubkey(),
                &m.provider,
                &listing,
                update,
            )],
            &[&m.authority],
        )
        .await;
    let (status, body) = api.post(&rent_href, &renter.pubkey().to_string()).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("changed"),
        "{body}"
    );

    // The lease page offers what the lease allows; extend and cancel land.
    let lease_page: ActionGetResponse = api
        .get(&format!("/api/actions/lease/{lease}"))
        .await
        .json()
        .await
        .expect("spec shape");
    let labels: Vec<&str> = lease_page
        .links
        .as_ref()
        .unwrap()
        .actions
        .iter()
        .map(|a| a.label.as_str())
        .collect();
    assert!(labels.iter().any(|l| l.starts_with("Extend")), "{labels:?}");
    let (status, body) = api
        .post(
            &format!("/api/actions/lease/{lease}/extend?hours=1"),
            &renter.pubkey().to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sign_and_send(&m, body, renter).await;
    let extended = accounts::lease(&m.chain.v.rpc, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(extended.hours, 2);
    assert_eq!(extended.deposited, 720_000_000, "the lease's own price");
    let (status, body) = api
        .post(
            &format!("/api/actions/lease/{lease}/cancel"),
            &renter.pubkey().to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sign_and_send(&m, body, renter).await;
    let cancelled = accounts::lease(&m.chain.v.rpc, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.state, LeaseState::Cancelled);

    // The provider pauses and resumes its listing from a wallet.
    for (action, state) in [
        ("pause", ListingState::Paused),
        ("resume", ListingState::Active),
    ] {
        let (status, body) = api
            .post(
                &format!("/api/actions/listing/{listing}/{action}"),
                &m.authority.pubkey().to_string(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        sign_and_send(&m, body, &m.authority).await;
        let l = accounts::listing(&m.chain.v.rpc, &listing).await.unwrap();
        assert_eq!(l.state, state);
    }
}
