//! Compute units of every instruction, measured on the compiled program.
//!
//! Runs each instruction against `target/deploy/compute_escrow.so` inside a
//! solana-program-test bank (real SBF execution and metering) over many trials
//! with fresh random keys and lease ids, so PDA bump-search costs vary, and
//! prints best and worst case, the `.so` size and every account's size and rent.
//!
//! `cargo run -p compute-escrow-tests --bin cu-bench [-- --trials N] [--write docs/compute-units.md]`

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anchor_lang::Space;
use compute_escrow::instructions::{ConfigUpdate, ListingTerms, ListingUpdate};
use compute_escrow::pda;
use compute_escrow::report::UptimeReport;
use compute_escrow::state::{AttestorSet, Config, Lease, Listing, Provider};
use compute_escrow_client::reports::{ed25519_instruction, SignedUptimeReport};
use compute_escrow_tests::{
    default_terms, ix, sbf_out_dir, upgrade_authority, Bank, Market, LAMPORTS_PER_SOL, SBF_MODE_VAR,
};
use solana_sdk::signature::{Keypair, Signer};

/// What the issue asks for; reported, never asserted.
const AIMS: [(&str, u64); 5] = [
    ("open_lease", 12_000),
    ("attest_uptime", 6_000),
    ("attest_reports (2 of 3)", 15_000),
    ("claim_payout", 8_000),
    ("settle_lease", 12_000),
];

type Samples = BTreeMap<&'static str, Vec<u64>>;

async fn trial(samples: &mut Samples, lease_id: u64) {
    let mut m = Market::new_measured(samples).await;
    let a = m.provider_authority.insecure_clone();
    let admin = m.admin.insecure_clone();
    let renter = m.renter.insecure_clone();
    let attestor = m.attestor.insecure_clone();
    let (p, l) = (m.provider, m.listing);
    let mut run = async |name: &'static str,
                         m: &mut Market,
                         ixs: Vec<_>,
                         signers: Vec<&solana_sdk::signature::Keypair>| {
        let cu = m
            .bank
            .send_measured(&ixs, &signers)
            .await
            .unwrap_or_else(|e| panic!("{name} failed: {e:?}"));
        samples.entry(name).or_default().push(cu);
    };
    let update = ConfigUpdate {
        paused: Some(false),
        ..Default::default()
    };
    run(
        "update_config",
        &mut m,
        vec![ix::update_config(&admin.pubkey(), update)],
        vec![&admin],
    )
    .await;
    let uri = Some("ipfs://provider".to_string());
    run(
        "update_provider",
        &mut m,
        vec![ix::update_provider(&a.pubkey(), &p, None, uri)],
        vec![&a],
    )
    .await;
    let update = ListingUpdate {
        capacity: Some(4),
        ..Default::default()
    };
    run(
        "update_listing",
        &mut m,
        vec![ix::update_listing(&a.pubkey(), &p, &l, update)],
        vec![&a],
    )
    .await;
    run(
        "pause_listing",
        &mut m,
        vec![ix::pause_listing(&a.pubkey(), &p, &l, true)],
        vec![&a],
    )
    .await;
    m.bank
        .send(&[ix::pause_listing(&a.pubkey(), &p, &l, false)], &[&a])
        .await
        .unwrap();

    let quote = m.quote().await;
    let open = ix::open_lease(&renter.pubkey(), &l, lease_id, 2, quote);
    run("open_lease", &mut m, vec![open], vec![&renter]).await;
    let lease = pda::lease(&l, &renter.pubkey(), lease_id).0;
    run(
        "extend_lease",
        &mut m,
        vec![ix::extend_lease(&renter.pubkey(), &l, &lease, 1)],
        vec![&renter],
    )
    .await;
    let start = m.lease(&lease).await.unwrap().start_ts;
    m.bank.advance(600).await;
    let attest = ix::attest_uptime(&attestor.pubkey(), &p, &l, &lease, start, start + 600, 590);
    run("attest_uptime", &mut m, vec![attest], vec![&attestor]).await;
    let claim = ix::claim_payout(
        &a.pubkey(),
        &p,
        &lease,
        &m.payout_wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    run("claim_payout", &mut m, vec![claim], vec![&a]).await;
    run(
        "cancel_lease",
        &mut m,
        vec![ix::cancel_lease(&renter.pubkey(), &l, &lease)],
        vec![&renter],
    )
    .await;
    m.bank.advance(3_600).await;
    let settle = ix::settle_lease(
        &p,
        &l,
        &lease,
        &renter.pubkey(),
        &m.payout_wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    run("settle_lease", &mut m, vec![settle], vec![]).await;

    run(
        "close_listing",
        &mut m,
        vec![ix::close_listing(&a.pubkey(), &p, &l)],
        vec![&a],
    )
    .await;
    samples
        .entry("attest_reports (2 of 3)")
        .or_default()
        .push(quorum_units(&mut m, lease_id).await);
}

/// Compute units of `attest_reports` for a 2-of-3 quorum: three attestors
/// report the first period of a lease on a new listing; the program's own
/// instruction is the transaction less the same Ed25519 instruction alone.
async fn quorum_units(m: &mut Market, lease_id: u64) -> u64 {
    let a = m.provider_authority.insecure_clone();
    let renter = m.renter.insecure_clone();
    let attestors = [Keypair::new(), Keypair::new(), Keypair::new()];
    let keys: Vec<_> = attestors.iter().map(Signer::pubkey).collect();
    let terms = ListingTerms {
        attestors: AttestorSet::new(&keys, 2, 60).expect("a set"),
        ..default_terms(keys[0])
    };
    m.bank
        .send(&[ix::create_listing(&a.pubkey(), 1, terms)], &[&a])
        .await
        .unwrap();
    m.listing = pda::listing(&m.provider, 1).0;
    let (p, l) = (m.provider, m.listing);
    let quote = m.quote().await;
    let open = ix::open_lease(&renter.pubkey(), &l, lease_id, 1, quote);
    m.bank.send(&[open], &[&renter]).await.unwrap();
    let lease = pda::lease(&l, &renter.pubkey(), lease_id).0;
    let start = m.lease(&lease).await.unwrap().start_ts;
    m.bank.advance(60).await;
    let reports: Vec<_> = attestors
        .iter()
        .map(|k| {
            let report = UptimeReport {
                lease,
                from: start,
                to: start + 60,
                up_seconds: 60,
            };
            SignedUptimeReport::sign(k, report)
        })
        .collect();
    let verify = ed25519_instruction(&reports);
    let alone = m
        .bank
        .send_measured(std::slice::from_ref(&verify), &[])
        .await
        .expect("the Ed25519 instruction alone");
    let payer = m.bank.payer();
    let attest = ix::attest_reports(&payer, &p, &l, &lease, 1);
    let both = m
        .bank
        .send_measured(&[verify, attest], &[])
        .await
        .expect("attest_reports (2 of 3)");
    both - alone
}

trait MeasuredMarket {
    async fn new_measured(samples: &mut Samples) -> Market;
}

impl MeasuredMarket for Market {
    /// The standard market, measuring the instructions that build it.
    async fn new_measured(samples: &mut Samples) -> Market {
        let mut bank = Bank::start().await;
        let admin = upgrade_authority();
        bank.airdrop(&admin.pubkey(), 10 * LAMPORTS_PER_SOL).await;
        let treasury = bank.funded(1).await;
        let authority = bank.funded(10).await;
        let wallet = bank.funded(1).await;
        let attestor = bank.funded(1).await;
        let renter = bank.funded(1_000).await;
        let mut record = |name: &'static str, cu: u64| samples.entry(name).or_default().push(cu);
        let init = ix::init_config(&admin.pubkey(), &treasury.pubkey(), 250, 3_600);
        record(
            "init_config",
            bank.send_measured(&[init], &[&admin]).await.unwrap(),
        );
        let register = ix::register_provider(
            &authority.pubkey(),
            &wallet.pubkey(),
            "https://gpu.example/p.json",
        );
        record(
            "register_provider",
            bank.send_measured(&[register], &[&authority])
                .await
                .unwrap(),
        );
        let create = ix::create_listing(&authority.pubkey(), 0, default_terms(attestor.pubkey()));
        record(
            "create_listing",
            bank.send_measured(&[create], &[&authority]).await.unwrap(),
        );
        let provider = pda::provider(&authority.pubkey()).0;
        Market {
            bank,
            admin,
            treasury,
            provider_authority: authority,
            payout_wallet: wallet,
            attestor,
            renter,
            provider,
            listing: pda::listing(&provider, 0).0,
        }
    }
}

fn report(samples: &Samples, trials: usize) -> String {
    let so = sbf_out_dir().join("compute_escrow.so");
    let so_size = std::fs::metadata(&so).map(|m| m.len()).unwrap_or(0);
    let rent = solana_sdk::rent::Rent::default();
    let mut out = String::new();
    writeln!(out, "# Compute units\n").unwrap();
    writeln!(
        out,
        "Measured by `cargo run -p compute-escrow-tests --bin cu-bench -- --trials {trials} --write docs/compute-units.md` \
         on `target/deploy/compute_escrow.so` ({so_size} bytes) inside solana-program-test 3.1.12 (SBPF v0). \
         Each instruction ran {trials} times with fresh random keys and lease ids, so best/worst include \
         PDA bump-search differences. Figures are whole transactions (one instruction, no compute-budget \
         instruction).\n"
    )
    .unwrap();
    writeln!(out, "| instruction | best CU | worst CU | aim | |").unwrap();
    writeln!(out, "|---|---:|---:|---:|---|").unwrap();
    for (name, cus) in samples {
        let (best, worst) = (cus.iter().min().unwrap(), cus.iter().max().unwrap());
        let aim = AIMS.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
        let (aim_text, status) = match aim {
            Some(a) if *worst <= a => (a.to_string(), "within aim"),
            Some(a) => (a.to_string(), "**over aim**"),
            None => ("–".into(), ""),
        };
        writeln!(out, "| {name} | {best} | {worst} | {aim_text} | {status} |").unwrap();
    }
    writeln!(
        out,
        "\n| account | size (bytes) | rent-exempt minimum (lamports) |"
    )
    .unwrap();
    writeln!(out, "|---|---:|---:|").unwrap();
    for (name, space) in [
        ("Config", 8 + Config::INIT_SPACE),
        ("Provider", 8 + Provider::INIT_SPACE),
        ("Listing", 8 + Listing::INIT_SPACE),
        ("Lease", 8 + Lease::INIT_SPACE),
    ] {
        writeln!(
            out,
            "| {name} | {space} | {} |",
            rent.minimum_balance(space)
        )
        .unwrap();
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let trials: usize = value("--trials").map_or(20, |t| t.parse().expect("--trials N"));
    // Single-threaded, before anything reads the environment.
    std::env::set_var(SBF_MODE_VAR, "1");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut samples = Samples::new();
    rt.block_on(async {
        for _ in 0..trials {
            let random = solana_sdk::signature::Keypair::new().pubkey().to_bytes();
            let lease_id = u64::from_le_bytes(random[..8].try_into().unwrap());
            trial(&mut samples, lease_id).await;
        }
    });
    let text = report(&samples, trials);
    print!("{text}");
    if let Some(path) = value("--write") {
        std::fs::write(&path, &text).expect("write report");
        eprintln!("cu-bench: wrote {path}");
    }
}
