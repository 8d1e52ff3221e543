//! What the Rust SDK builds for every instruction, for the IDL client test.
//!
//! Sets up a market in a real bank (config, provider, listing, a lease), then
//! prints one JSON document: the program's accounts as the bank holds them,
//! and for every instruction the arguments, the accounts a client is given
//! (its signers, plus the listing or lease it already holds, plus accounts
//! that cannot be derived, like a new payout wallet) and the instruction the
//! SDK builds. `tests/idl-clients` builds the same instructions with Anchor's
//! TypeScript client from `idl/compute_escrow.json` alone and compares.
//!
//! `cargo run -p compute-escrow-tests --bin idl-fixture -- fixture.json`

use base64::Engine as _;
use compute_escrow::instructions::{ConfigUpdate, ListingUpdate};
use compute_escrow::pda;
use compute_escrow_tests::{default_terms, ix, Market};
use serde_json::{json, Map, Value};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// One instruction: what a client is given and what the SDK built.
fn case(name: &str, args: Value, given: &[(&str, Pubkey)], built: Instruction) -> Value {
    let given: Map<String, Value> = given
        .iter()
        .map(|(account, key)| ((*account).to_string(), json!(key.to_string())))
        .collect();
    json!({
        "name": name,
        "args": args,
        "given": given,
        "keys": built.accounts.iter().map(|m| json!({
            "pubkey": m.pubkey.to_string(),
            "signer": m.is_signer,
            "writable": m.is_writable,
        })).collect::<Vec<_>>(),
        "data": base64::engine::general_purpose::STANDARD.encode(&built.data),
    })
}

/// A 32-byte array as JSON numbers.
fn bytes(value: &[u8]) -> Value {
    json!(value)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut m = Market::new().await;
    let lease = m.open(7, 2).await.expect("open");
    let quote = m.quote().await;
    let (p, l) = (m.provider, m.listing);
    let admin = m.admin.pubkey();
    let authority = m.provider_authority.pubkey();
    let renter = m.renter.pubkey();
    let attestor = m.attestor.pubkey();
    let treasury = m.treasury.pubkey();
    let wallet = m.payout_wallet.pubkey();
    let newcomer = Pubkey::new_unique();
    let new_wallet = Pubkey::new_unique();
    let listing_count = m.provider().await.listing_count;
    let terms = default_terms(attestor);
    let terms_json = json!({
        "gpu_model": terms.gpu_model, "gpu_count": terms.gpu_count, "vram_gb": terms.vram_gb,
        "region": terms.region, "health_check": terms.health_check,
        "price_lamports_per_hour": terms.price_lamports_per_hour.to_string(),
        "min_hours": terms.min_hours, "max_hours": terms.max_hours,
        "attestors": {
            "keys": terms.attestors.keys.map(|k| k.to_string()),
            "count": terms.attestors.count,
            "threshold": terms.attestors.threshold,
            "period_seconds": terms.attestors.period_seconds,
        },
        "capacity": terms.capacity,
    });
    let update = ListingUpdate {
        price_lamports_per_hour: Some(4_000_000),
        region: Some("us-east".into()),
        ..Default::default()
    };
    let update_json = json!({
        "gpu_model": null, "gpu_count": null, "vram_gb": null, "region": "us-east",
        "health_check": null, "price_lamports_per_hour": "4000000", "min_hours": null,
        "max_hours": null, "attestors": null, "capacity": null,
    });
    let config_update = ConfigUpdate {
        new_admin: Some(newcomer),
        fee_bps: Some(100),
        paused: None,
        settle_grace_seconds: Some(900),
    };
    let config_update_json = json!({
        "new_admin": newcomer.to_string(), "fee_bps": 100, "paused": null,
        "settle_grace_seconds": 900,
    });
    let quote_json = json!({
        "price_lamports_per_hour": quote.price_lamports_per_hour.to_string(),
        "terms_hash": bytes(&quote.terms_hash),
        "fee_bps": quote.fee_bps,
        "settle_grace_seconds": quote.settle_grace_seconds,
    });
    let (_, lease_bump) = pda::lease(&l, &renter, 8);
    let cases = vec![
        case(
            "init_config",
            json!([250, 3600]),
            &[("admin", admin), ("treasury", treasury)],
            ix::init_config(&admin, &treasury, 250, 3_600),
        ),
        case(
            "update_config",
            json!([config_update_json]),
            &[("admin", admin), ("new_treasury", new_wallet)],
            ix::update_config_treasury(&admin, config_update, Some(new_wallet)),
        ),
        case(
            "accept_admin",
            json!([]),
            &[("new_admin", newcomer)],
            ix::accept_admin(&newcomer),
        ),
        case(
            "register_provider",
            json!([{ "metadata_uri": "https://gpu.example/p.json" }]),
            &[("authority", newcomer), ("payout_wallet", new_wallet)],
            ix::register_provider(&newcomer, &new_wallet, "https://gpu.example/p.json"),
        ),
        case(
            "update_provider",
            json!([{ "metadata_uri": null }]),
            &[("authority", authority), ("new_payout_wallet", new_wallet)],
            ix::update_provider(&authority, &p, Some(new_wallet), None),
        ),
        case(
            "create_listing",
            json!([terms_json]),
            &[("authority", authority)],
            ix::create_listing(&authority, listing_count, terms),
        ),
        case(
            "update_listing",
            json!([update_json]),
            &[("authority", authority), ("listing", l)],
            ix::update_listing(&authority, &p, &l, update),
        ),
        case(
            "pause_listing",
            json!([true]),
            &[("authority", authority), ("listing", l)],
            ix::pause_listing(&authority, &p, &l, true),
        ),
        case(
            "close_listing",
            json!([]),
            &[("authority", authority), ("listing", l)],
            ix::close_listing(&authority, &p, &l),
        ),
        case(
            "open_lease",
            json!(["8", lease_bump, 3, quote_json]),
            &[("renter", renter), ("listing", l)],
            ix::open_lease(&renter, &l, 8, 3, quote),
        ),
        case(
            "extend_lease",
            json!([1]),
            &[("renter", renter), ("lease", lease)],
            ix::extend_lease(&renter, &l, &lease, 1),
        ),
        case(
            "attest_uptime",
            json!(["1767225600", "1767225700", "90"]),
            &[("attestor", attestor), ("lease", lease)],
            ix::attest_uptime(&attestor, &p, &l, &lease, 1_767_225_600, 1_767_225_700, 90),
        ),
        case(
            "attest_reports",
            json!([2]),
            &[
                ("submitter", renter),
                ("lease", lease),
                ("instructions", solana_sdk::sysvar::instructions::ID),
            ],
            ix::attest_reports(&renter, &p, &l, &lease, 2),
        ),
        case(
            "claim_payout",
            json!([]),
            &[("authority", authority), ("lease", lease)],
            ix::claim_payout(&authority, &p, &lease, &wallet, &treasury),
        ),
        case(
            "cancel_lease",
            json!([]),
            &[("renter", renter), ("lease", lease)],
            ix::cancel_lease(&renter, &l, &lease),
        ),
        case(
            "settle_lease",
            json!([]),
            &[("lease", lease)],
            ix::settle_lease(&p, &l, &lease, &renter, &wallet, &treasury),
        ),
    ];
    let mut accounts = Map::new();
    for key in [pda::config().0, p, l, lease] {
        let data = m.bank.data(&key).await.expect("account exists");
        accounts.insert(
            key.to_string(),
            json!({
                "owner": compute_escrow::ID.to_string(),
                "lamports": m.bank.lamports(&key).await,
                "data": base64::engine::general_purpose::STANDARD.encode(&data),
            }),
        );
    }
    let fixture = json!({
        "program_id": compute_escrow::ID.to_string(),
        "accounts": accounts,
        "instructions": cases,
    });
    // Written to a file: the program's own log lines go to stdout natively.
    let out = std::env::args()
        .nth(1)
        .expect("usage: idl-fixture OUT.json");
    let text = serde_json::to_string_pretty(&fixture).expect("fixture serializes");
    std::fs::write(&out, text).expect("write the fixture");
}
