//! Every Solana Actions endpoint over HTTP against a real validator running
//! the program: response shapes and headers as the spec types them, the
//! unsigned transactions decoded, signed with the wallet's keypair and sent,
//! and the accounts they changed read from the chain; bad and stale requests
//! refused with a message and nothing moved.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{market_with_listing, serve};
use compute_escrow::instructions::ListingUpdate;
use compute_escrow::state::{LeaseState, ListingState};
use compute_escrow_client::accounts;
use compute_escrow_client::actions::{ActionGetResponse, ActionPostResponse, ActionsJson};
use compute_escrow_tests::chain::ChainMarket;
use compute_escrow_tests::ix;
use compute_escrow_tests::pg::TestPostgres;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;

struct Api {
    base: String,
    http: reqwest::Client,
    /// Every action response, as `<spec type>.<n>.json`, for the spec check.
    responses: PathBuf,
    recorded: AtomicUsize,
}

impl Api {
    /// Keeps `body` for the check against `@solana/actions-spec`'s `kind`.
    fn record(&self, kind: &str, body: &Value) {
        let n = self.recorded.fetch_add(1, Ordering::Relaxed);
        std::fs::write(
            self.responses.join(format!("{kind}.{n:03}.json")),
            body.to_string(),
        )
        .expect("record a response");
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    /// GET of an action (or `actions.json`): the body, recorded as `kind`
    /// when it succeeds and as an `ActionError` when it does not.
    async fn get_action<T: DeserializeOwned>(&self, path: &str, kind: &str) -> T {
        let response = self.get(path).await;
        let ok = response.status().is_success();
        let body: Value = response.json().await.expect("a JSON body");
        self.record(if ok { kind } else { "ActionError" }, &body);
        serde_json::from_value(body).expect("the SDK's spec shape")
    }

    async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// POST of an action for `account`, its body recorded as the spec's
    /// `ActionPostResponse` or `ActionError`.
    async fn post(&self, path: &str, account: &str) -> (u16, Value) {
        let (status, body) = self.post_json(path, json!({ "account": account })).await;
        self.record(
            if status == 200 {
                "ActionPostResponse"
            } else {
                "ActionError"
            },
            &body,
        );
        (status, body)
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
    let (m, listing) = market_with_listing(360_000_000, None).await;
    let pg = TestPostgres::start();
    let database = pg.database("actions");
    let (_serving, base) = serve(&m, &database, &[] as &[&str]).await;
    let responses = std::env::temp_dir().join(format!(
        "ce-action-responses-{}",
        base.rsplit(':').next().expect("a port")
    ));
    let _ = std::fs::remove_dir_all(&responses);
    std::fs::create_dir_all(&responses).expect("a responses dir");
    let api = Api {
        base,
        http: reqwest::Client::new(),
        responses,
        recorded: AtomicUsize::new(0),
    };

    // actions.json and the spec's headers.
    let rules = api.get("/actions.json").await;
    let genesis = m.chain.v.rpc.get_genesis_hash().await.unwrap().to_string();
    assert_eq!(rules.headers()["x-action-version"], "2.4");
    assert_eq!(
        rules.headers()["x-blockchain-ids"],
        format!("solana:{}", &genesis[..32]).as_str()
    );
    let rules: Value = rules.json().await.expect("JSON");
    api.record("ActionsJson", &rules);
    let rules: ActionsJson = serde_json::from_value(rules).expect("spec shape");
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
        .get_action(&format!("/api/actions/rent/{listing}"), "ActionGetResponse")
        .await;
    let quoted: ActionGetResponse = api
        .get_action(
            &format!("/api/actions/rent/{listing}?hours=3"),
            "ActionGetResponse",
        )
        .await;
    assert!(
        quoted.description.contains("1.08 SOL for 3 h"),
        "{}",
        quoted.description
    );
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
    m.update_listing(&listing, update).await;
    let (status, body) = api.post(&rent_href, &renter.pubkey().to_string()).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("changed"),
        "{body}"
    );

    // The lease page offers what the lease allows; extend and cancel land.
    let lease_page: ActionGetResponse = api
        .get_action(&format!("/api/actions/lease/{lease}"), "ActionGetResponse")
        .await;
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

    // Attested up to the cancel: the provider claims and anyone settles,
    // both sent through the API's relay as the web app does.
    m.chain
        .send(
            &[ix::attest_uptime(
                &m.attestor.pubkey(),
                &m.provider,
                &listing,
                lease,
                cancelled.attested_until,
                cancelled.end_ts,
                (cancelled.end_ts - cancelled.attested_until) as u64,
            )],
            &[&m.attestor],
        )
        .await;
    let lease_page: ActionGetResponse = api
        .get_action(&format!("/api/actions/lease/{lease}"), "ActionGetResponse")
        .await;
    let hrefs: Vec<&str> = lease_page
        .links
        .as_ref()
        .unwrap()
        .actions
        .iter()
        .map(|a| a.href.as_str())
        .collect();
    assert!(
        hrefs.iter().any(|h| h.ends_with("/claim")) && hrefs.iter().any(|h| h.ends_with("/settle")),
        "a fully attested cancelled lease offers claim and settle: {hrefs:?}"
    );
    let wallet_before = m.chain.balance(&m.wallet.pubkey()).await;
    let (status, body) = api
        .post(
            &format!("/api/actions/lease/{lease}/claim"),
            &m.authority.pubkey().to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let claimed_tx = relay(&api, body, &m.authority).await;
    let claimed = accounts::lease(&m.chain.v.rpc, lease)
        .await
        .unwrap()
        .unwrap();
    assert!(claimed.paid_out > 0, "the claim paid");
    assert_eq!(
        m.chain.balance(&m.wallet.pubkey()).await - wallet_before,
        claimed.paid_out,
        "the payout wallet got what the lease paid out"
    );
    // The same signed transaction again: refused by the cluster, named.
    let (status, body) = api
        .post_json("/api/transactions", json!({ "transaction": claimed_tx }))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = api
        .post(
            &format!("/api/actions/lease/{lease}/claim"),
            &m.authority.pubkey().to_string(),
        )
        .await;
    assert_eq!(status, 409, "nothing left to claim: {body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("NothingToClaim")),
        "{body}"
    );
    let (status, body) = api
        .post(
            &format!("/api/actions/lease/{lease}/settle"),
            &m.renter.pubkey().to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    relay(&api, body, &m.renter).await;
    assert!(
        accounts::lease(&m.chain.v.rpc, lease)
            .await
            .unwrap()
            .is_none(),
        "settled and closed"
    );

    // The relay refuses what is not a signed transaction, naming why.
    let unsigned = {
        let (status, body) = api
            .post(
                &format!("/api/actions/listing/{listing}/pause"),
                &m.authority.pubkey().to_string(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["transaction"].as_str().unwrap().to_string()
    };
    for (transaction, names) in [
        ("%%%".to_string(), "not base64"),
        (STANDARD.encode(b"garbage"), "not a serialised transaction"),
        (unsigned, "not signed"),
    ] {
        let (status, body) = api
            .post_json("/api/transactions", json!({ "transaction": transaction }))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(names)),
            "{body}"
        );
    }
    let (status, body) = api.post_json("/api/transactions", json!({})).await;
    assert!(
        (400..500).contains(&status) && body["message"].is_string(),
        "{status} {body}"
    );

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

    // Every response above, checked against the spec's own TypeScript types.
    check_against_spec(&api.responses);
}

/// Signs an action's transaction as `payer` and sends it through the API's
/// relay (`POST /api/transactions`); the signed transaction, base64.
async fn relay(api: &Api, response: Value, payer: &Keypair) -> String {
    let response: ActionPostResponse = serde_json::from_value(response).expect("spec shape");
    let bytes = STANDARD.decode(&response.transaction).expect("base64");
    let mut tx: Transaction = bincode::deserialize(&bytes).expect("a transaction");
    let blockhash = tx.message.recent_blockhash;
    tx.try_sign(&[payer], blockhash).expect("the wallet signs");
    let signed = STANDARD.encode(bincode::serialize(&tx).expect("serialise"));
    let (status, body) = api
        .post_json("/api/transactions", json!({ "transaction": signed }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["signature"], tx.signatures[0].to_string());
    signed
}

/// Type-checks the recorded responses against `@solana/actions-spec`
/// (`tests/browser/check-action-types.mjs`; `scripts/setup-browser-tests.sh`
/// installs its packages).
fn check_against_spec(responses: &Path) {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser");
    assert!(
        browser.join("node_modules/@solana/actions-spec").exists(),
        "tests/browser's packages are missing: run scripts/setup-browser-tests.sh first (scripts/test.sh does)"
    );
    let status = Command::new("node")
        .arg(browser.join("check-action-types.mjs"))
        .arg(responses)
        .status()
        .expect("run node (Node.js 20)");
    assert!(
        status.success(),
        "action responses do not match @solana/actions-spec's types (kept in {})",
        responses.display()
    );
    let _ = std::fs::remove_dir_all(responses);
}
