//! The whole market on this machine, played out in a few minutes: a local
//! validator running the program's SBF build, PostgreSQL, the indexer and its
//! API, then a provider, a renter, a crank and three attestors (2 of 3 must
//! agree) using the `compute-escrow` CLI: alice and bob run the uptime agent
//! without any SOL, bob goes silent for a while, and carol (played by this
//! program) claims full uptime whatever the machine does. Run it through
//! `scripts/local-market.sh`, which builds everything first. The market
//! stays up afterwards; Ctrl-C stops everything.
//!
//! `--exit` stops once the story is over (CI uses it); `--period N` sets the
//! attestation period in seconds (default 10).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use compute_escrow::pda;
use compute_escrow::report::UptimeReport;
use compute_escrow::state::LeaseState;
use compute_escrow_client::actions::{
    ActionGetResponse, ActionPostRequest, ActionPostResponse, SentTransaction, SignedTransaction,
};
use compute_escrow_client::api::{
    spelled, AttestorRecord, Health, LeaseDetail, LeasePage, ListingPage, ProviderRecord,
    ReportView,
};
use compute_escrow_client::reports::SignedUptimeReport;
use compute_escrow_client::sol::format as sol;
use compute_escrow_tests::chain::{free_ports, start_validator, Chain};
use compute_escrow_tests::machine::Machine;
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use compute_escrow_tests::{ix, LAMPORTS_PER_SOL};
use serde::de::DeserializeOwned;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};
use solana_sdk::transaction::Transaction;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Protocol fee of the demo market, in basis points.
const FEE_BPS: u16 = 250;
/// Settle grace of the demo market, in seconds (the program's minimum). The
/// demo never waits for it: a lease attested to its end settles at once.
const GRACE_SECONDS: u32 = 600;
/// How long the demo keeps the machine down.
const DOWNTIME_SECONDS: u64 = 15;
/// The demo's roles, each with a keypair and a Solana CLI config.
const ROLES: [&str; 6] = ["admin", "provider", "renter", "alice", "bob", "carol"];
/// Attestors that must sign the same period for it to count.
const THRESHOLD: &str = "2";

fn step(text: &str) {
    println!("\n\x1b[1m== {text}\x1b[0m");
}

fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let path = exe.parent().expect("exe dir").join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first (scripts/local-market.sh does)",
        path.display()
    );
    path
}

/// Where the demo keeps its keypairs and Solana CLI config files.
struct Roles {
    dir: PathBuf,
}

impl Roles {
    fn create(rpc_url: &str) -> (Roles, [Keypair; ROLES.len()]) {
        let dir = std::env::temp_dir().join("compute-escrow-demo");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("demo dir");
        // The admin is the key the harness deploys the program with: only the
        // upgrade authority may create the market config.
        let keys: [Keypair; ROLES.len()] = std::array::from_fn(|i| match i {
            0 => compute_escrow_tests::upgrade_authority(),
            _ => Keypair::new(),
        });
        for (name, key) in ROLES.iter().zip(&keys) {
            let keypair = dir.join(format!("{name}.json"));
            write_keypair_file(key, &keypair).expect("write keypair");
            let config = format!(
                "json_rpc_url: \"{rpc_url}\"\nwebsocket_url: \"\"\nkeypair_path: {}\ncommitment: confirmed\n",
                keypair.display()
            );
            std::fs::write(dir.join(format!("{name}.yml")), config).expect("write config");
        }
        (Roles { dir }, keys)
    }

    fn config(&self, role: &str) -> String {
        self.dir.join(format!("{role}.yml")).display().to_string()
    }
}

/// Runs `compute-escrow -C <role>.yml ARGS`, echoing the command and its
/// output; any failure ends the demo.
async fn cli(roles: &Roles, api: &str, role: &str, args: &[&str]) -> String {
    println!(
        "$ compute-escrow -C {} {}",
        roles.config(role),
        args.join(" ")
    );
    let out = Command::new(sibling("compute-escrow"))
        .args(["-C", &roles.config(role), "--api", api])
        .args(args)
        .output()
        .await
        .expect("run compute-escrow");
    // Progress lines (stderr) come before each command's summary (stdout).
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        println!("  {line}");
    }
    for line in stdout.lines() {
        println!("  {line}");
    }
    assert!(
        out.status.success(),
        "compute-escrow {} failed ({})",
        args.join(" "),
        out.status
    );
    stdout
}

async fn api_get<T: DeserializeOwned>(api: &str, path: &str) -> Option<T> {
    let response = reqwest::get(format!("{api}{path}")).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

/// Waits until the API's answer at `path`, read as `T`, satisfies `ready`.
async fn api_wait<T: DeserializeOwned>(
    api: &str,
    path: &str,
    what: &str,
    ready: impl Fn(&T) -> bool,
) -> T {
    let ready = &ready;
    poll(
        &format!("the API to show {what}"),
        Duration::from_secs(120),
        Duration::from_millis(500),
        || async move { api_get(api, path).await.filter(|v| ready(v)) },
    )
    .await
}

/// Prints the API's view of a lease.
async fn show_lease(api: &str, lease: &Pubkey) -> LeaseDetail {
    let detail: LeaseDetail =
        api_wait(api, &format!("/v1/leases/{lease}"), "the lease", |_| true).await;
    let l = &detail.lease.account;
    println!(
        "  API GET /v1/leases/{lease}: state {}, {} s up, {} s down, deposited {}, paid {} (+{} fee), refunded {}; {} events",
        spelled(&l.state),
        l.attested_seconds,
        l.down_seconds,
        sol(l.deposited),
        sol(l.paid_out),
        sol(l.fee_paid),
        sol(l.refunded),
        detail.history.len(),
    );
    detail
}

/// Streams a child's stdout and stderr, each line prefixed.
fn forward(child: &mut Child, prefix: &'static str) {
    async fn lines(stream: impl tokio::io::AsyncRead + Unpin, prefix: &'static str) {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            println!("  {prefix} | {line}");
        }
    }
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(lines(stdout, prefix));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(lines(stderr, prefix));
    }
}

/// Starts `compute-escrow -C <role>.yml --api API ARGS` in the background,
/// its output prefixed with `prefix`; killed when dropped.
fn background(roles: &Roles, api: &str, role: &str, prefix: &'static str, args: &[&str]) -> Child {
    println!(
        "$ compute-escrow -C {} {} &",
        roles.config(role),
        args.join(" ")
    );
    let mut child = Command::new(sibling("compute-escrow"))
        .args(["-C", &roles.config(role), "--api", api])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start compute-escrow {}: {e}", args.join(" ")));
    forward(&mut child, prefix);
    child
}

/// Plays a dishonest attestor: signs every finished grid period of every
/// lease of `listing` as fully up, whatever the machine did, and publishes
/// it to the API as an agent would. Runs until aborted.
async fn over_report(api: String, attestor: Keypair, listing: Pubkey) {
    let http = reqwest::Client::new();
    let mut reported_until: HashMap<Pubkey, i64> = HashMap::new();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Some(page) = api_get::<LeasePage>(&api, &format!("/v1/leases?listing={listing}")).await
        else {
            continue;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64;
        for lease in page.items {
            let l = &lease.account;
            if l.state == LeaseState::Settled || !l.attestors.contains(&attestor.pubkey()) {
                continue;
            }
            let from = reported_until.entry(lease.pubkey).or_insert(l.start_ts);
            while let Ok(to) = l.attestors.period_end(l.start_ts, l.end_ts, *from) {
                if to <= *from || to > now.min(l.end_ts) {
                    break;
                }
                let claimed = (to - *from) as u64;
                let report = UptimeReport {
                    lease: lease.pubkey,
                    from: *from,
                    to,
                    up_seconds: claimed,
                };
                let view = ReportView::from(SignedUptimeReport::sign(&attestor, report));
                let sent = http
                    .post(format!("{api}/v1/attestations"))
                    .json(&view)
                    .send()
                    .await;
                if !sent.is_ok_and(|r| r.status().is_success() || r.status().as_u16() == 409) {
                    break;
                }
                println!(
                    "  carol | reported [{}, {to}) of {}: {claimed} s up (the whole period, whatever the machine did)",
                    *from, lease.pubkey
                );
                *from = to;
            }
        }
    }
}

fn api_port() -> u16 {
    if std::net::TcpListener::bind("127.0.0.1:8080").is_ok() {
        8080
    } else {
        free_ports(1)
    }
}

struct Market {
    _pg: TestPostgres,
    chain: Chain,
    _indexer: Child,
    api: String,
}

async fn start_market() -> Market {
    step("Starting PostgreSQL, a local validator with the program, the indexer and its API");
    let pg = TestPostgres::start();
    let database = pg.database("market");
    println!("PostgreSQL   {database}");
    let chain = Chain {
        v: start_validator().await,
        fee_payer: Keypair::new(),
    };
    println!(
        "Validator    {} (program {})",
        chain.v.rpc_url,
        compute_escrow::ID
    );
    let port = api_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut indexer = Command::new(sibling("compute-escrow-indexer"))
        .args(["--database-url", &database])
        .args(["--rpc-url", &chain.v.rpc_url, "--ws-url", &chain.v.ws_url])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--reconcile-seconds", "5", "--history-poll-seconds", "1"])
        .arg("--web-dir")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist"))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the indexer");
    forward(&mut indexer, "indexer");
    api_wait(&api, "/health", "health", |_: &Health| true).await;
    println!("Indexer API  {api}");
    Market {
        _pg: pg,
        chain,
        _indexer: indexer,
        api,
    }
}

/// Who keeps attesting the market after the story: alice's and bob's
/// agents, the crank and carol. Dropping it stops them.
struct Crew {
    /// Held for their drop, which kills them.
    _processes: Vec<Child>,
    liar: tokio::task::JoinHandle<()>,
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.liar.abort();
    }
}

/// Plays the story; returns the attestors and crank, still running.
async fn play(market: &Market, period: u64) -> Crew {
    let chain = &market.chain;
    let api = market.api.as_str();
    let (roles, [admin, provider, renter, alice, bob, carol]) = Roles::create(&chain.v.rpc_url);
    step("Funding the demo wallets and opening the market");
    for key in [&chain.fee_payer, &admin, &provider, &renter] {
        chain.fund(&key.pubkey(), 100 * LAMPORTS_PER_SOL).await;
    }
    println!(
        "Wallets and Solana CLI configs in {}; the attestors alice, bob and carol hold no SOL",
        roles.dir.display()
    );
    chain
        .send(
            &[ix::init_config(
                &admin.pubkey(),
                &admin.pubkey(),
                FEE_BPS,
                GRACE_SECONDS,
            )],
            &[&admin],
        )
        .await;
    println!(
        "Market config: fee {FEE_BPS} bps to treasury {}, settle grace {GRACE_SECONDS} s",
        admin.pubkey()
    );
    let mut machine = Machine::start().await;
    println!(
        "The provider's GPU machine answers health checks at {}",
        machine.health_check()
    );

    step(&format!(
        "Provider registers and lists two GPU machines; {THRESHOLD} of the attestors alice, bob and carol must agree on each {period} s period"
    ));
    cli(
        &roles,
        api,
        "provider",
        &[
            "provider",
            "register",
            "--metadata-uri",
            "https://gpu.example/provider.json",
        ],
    )
    .await;
    let attestor_keys = [&alice, &bob, &carol].map(|k| k.pubkey().to_string());
    let health = machine.health_check();
    let period_text = period.to_string();
    for (model, gpus, vram, price) in [
        ("H100-80GB", "8", "80", "2"),
        ("A100-40GB", "4", "40", "0.8"),
    ] {
        let mut args = vec![
            "provider",
            "list-gpu",
            "--model",
            model,
            "--gpus",
            gpus,
            "--vram-gb",
            vram,
            "--region",
            "eu-west",
            "--health-check",
            &health,
            "--price",
            price,
            "--max-hours",
            "24",
            "--capacity",
            "2",
            "--threshold",
            THRESHOLD,
            "--period",
            &period_text,
        ];
        for key in &attestor_keys {
            args.extend(["--attestor", key.as_str()]);
        }
        cli(&roles, api, "provider", &args).await;
    }
    let provider_pda = pda::provider(&provider.pubkey()).0;
    let listing = pda::listing(&provider_pda, 0).0;
    api_wait(
        api,
        "/v1/listings",
        "both listings",
        |page: &ListingPage| page.items.len() == 2,
    )
    .await;

    step("Renter browses the listings (through the indexer API) and asks for a quote");
    cli(&roles, api, "renter", &["renter", "listings"]).await;
    let listing_text = listing.to_string();
    cli(
        &roles,
        api,
        "renter",
        &["renter", "quote", &listing_text, "--hours", "2"],
    )
    .await;

    step("Attestors alice and bob start their uptime agents (no SOL: they sign reports and publish them to the API), carol starts lying, and the admin runs a crank that submits every complete quorum");
    let agent_args = [
        "attestor",
        "run",
        "--listing",
        &listing_text,
        "--period",
        &period_text,
        "--probe-interval",
        "1",
    ];
    let alice_agent = background(&roles, api, "alice", "alice", &agent_args);
    let mut bob_agent = Some(background(&roles, api, "bob", "bob  ", &agent_args));
    let liar = tokio::spawn(over_report(
        api.to_string(),
        carol.insecure_clone(),
        listing,
    ));
    println!("(carol is played by the demo: she signs every period as fully up)");
    let crank = background(&roles, api, "admin", "crank", &["crank", "--every", "2"]);
    tokio::time::sleep(Duration::from_secs(2)).await;

    step("Renter rents the H100 machine for 2 hours");
    cli(
        &roles,
        api,
        "renter",
        &[
            "renter",
            "rent",
            &listing_text,
            "--hours",
            "2",
            "--yes",
            "--lease-id",
            "1",
        ],
    )
    .await;
    let lease = pda::lease(&listing, &renter.pubkey(), 1).0;
    let lease_text = lease.to_string();
    show_lease(api, &lease).await;

    step(&format!(
        "The machine runs; every {period} s the attestors sign the period and the crank credits it once 2 of 3 agree"
    ));
    let attested =
        |seconds: u64| move |detail: &LeaseDetail| detail.lease.account.attested_seconds >= seconds;
    api_wait(
        api,
        &format!("/v1/leases/{lease}"),
        "two periods attested",
        attested(2 * period - 1),
    )
    .await;
    show_lease(api, &lease).await;

    // Longer than a period, so a period ends while bob is silent: its
    // quorum is alice and carol, and carol's claim is on the record.
    let downtime = DOWNTIME_SECONDS.max(period + 5);
    step(&format!(
        "bob goes silent, and the machine goes down for {downtime} s: alice reports the outage, carol claims it was up"
    ));
    drop(bob_agent.take());
    println!("bob's agent is stopped; alice and carol still make a quorum of 2");
    machine.stop().await;
    tokio::time::sleep(Duration::from_secs(downtime)).await;
    machine.resume().await;
    let resumed = chain.now().await;
    println!("The machine is back up and bob's agent restarts (it resumes from what the chain has credited).");
    bob_agent = Some(background(&roles, api, "bob", "bob  ", &agent_args));
    let after_outage = api_wait(
        api,
        &format!("/v1/leases/{lease}"),
        "the downtime and the uptime after it attested",
        |detail: &LeaseDetail| {
            let l = &detail.lease.account;
            l.down_seconds > 0 && l.attested_until >= resumed + period as i64
        },
    )
    .await;
    show_lease(api, &lease).await;
    println!(
        "  The quorum credits the 2nd highest report of each period: carol alone cannot add a second of uptime, so the {} s down stay down.",
        after_outage.lease.account.down_seconds
    );
    show_attestors(
        api,
        &lease,
        [("alice", &alice), ("bob", &bob), ("carol", &carol)],
    )
    .await;

    step("Provider claims what the attested uptime has earned");
    cli(&roles, api, "provider", &["provider", "claim", &lease_text]).await;
    cli(&roles, api, "renter", &["renter", "lease", &lease_text]).await;

    step("Renter cancels early: unused time is refunded at once");
    cli(
        &roles,
        api,
        "renter",
        &["renter", "cancel", &lease_text, "--yes"],
    )
    .await;
    api_wait(
        api,
        &format!("/v1/leases/{lease}"),
        "the cancel",
        |detail: &LeaseDetail| detail.lease.account.state != LeaseState::Active,
    )
    .await;
    show_lease(api, &lease).await;

    step("The attestors report the last period up to the cancel; the crank credits it and, with nothing left to attest, settles the lease");
    println!(
        "(a lease with unattested time waits for its end plus the {GRACE_SECONDS} s settle grace)"
    );
    let settled = api_wait(
        api,
        &format!("/v1/leases/{lease}"),
        "the settlement",
        |detail: &LeaseDetail| detail.lease.account.state == LeaseState::Settled,
    )
    .await;
    show_lease(api, &lease).await;
    check_settlement(&settled);
    let record = cli(&roles, api, "renter", &["renter", "lease", &lease_text]).await;
    assert!(
        record.contains("settled (cancelled), from the indexer")
            && record.contains(&sol(settled.lease.account.refunded)),
        "renter lease does not show the settled record"
    );
    let track: ProviderRecord = api_wait(
        api,
        &format!("/v1/providers/{provider_pda}"),
        "the provider's track record",
        |track: &ProviderRecord| track.provider.account.leases_settled > 0,
    )
    .await;
    let p = &track.provider.account;
    println!(
        "  API GET /v1/providers/{provider_pda}: {} leases settled, {} s up, {} s missed, earned {}",
        p.leases_settled,
        p.seconds_attested,
        p.seconds_missed,
        sol(p.lamports_earned),
    );

    rent_through_actions(market, &renter, &listing).await;
    Crew {
        _processes: [Some(alice_agent), bob_agent, Some(crank)]
            .into_iter()
            .flatten()
            .collect(),
        liar,
    }
}

/// Prints what the API holds on each attestor: its reports of `lease` and
/// how its reports compared with what the quorums credited; waits until
/// carol's claims during the outage show as disagreement.
async fn show_attestors(api: &str, lease: &Pubkey, attestors: [(&str, &Keypair); 3]) {
    let reports: Vec<ReportView> = api_wait(
        api,
        &format!("/v1/leases/{lease}/reports"),
        "the lease's reports",
        |_| true,
    )
    .await;
    for (name, key) in attestors {
        let pubkey = key.pubkey();
        // Carol's claims during the outage disagree with what was credited
        // (the record follows the indexed events).
        let record: AttestorRecord = api_wait(
            api,
            &format!("/v1/attestors/{pubkey}"),
            &format!("{name}'s record, carol's with her disagreement"),
            |record: &AttestorRecord| name != "carol" || record.seconds_differing > 0,
        )
        .await;
        let signed = reports.iter().filter(|r| r.attestor == pubkey).count();
        println!(
            "  API GET /v1/attestors/{pubkey} ({name}): {signed} reports of this lease stored, {} counted in credited periods, {} of them differing from the credited value by {} s in all",
            record.periods_reported, record.periods_differing, record.seconds_differing
        );
    }
}

/// What a browser wallet does: the renter rents `listing` for 1 hour
/// through the API's Solana Actions endpoint (the quote, the unsigned
/// transaction for its wallet, the signature, the API's relay), then the
/// lease shows in the API.
async fn rent_through_actions(market: &Market, renter: &Keypair, listing: &Pubkey) {
    let api = market.api.as_str();
    step("A renter with a browser wallet rents the H100 machine again, for 1 hour, through Solana Actions");
    let quote: ActionGetResponse = api_wait(
        api,
        &format!("/api/actions/rent/{listing}?hours=1"),
        "the rent action",
        |_| true,
    )
    .await;
    println!(
        "  GET {api}/api/actions/rent/{listing}?hours=1
    {}: {}",
        quote.title, quote.description
    );
    let link = &quote.links.as_ref().expect("the rent link").actions[0];
    let http = reqwest::Client::new();
    let built: ActionPostResponse = http
        .post(format!("{api}{}", link.href))
        .json(&ActionPostRequest {
            account: renter.pubkey().to_string(),
        })
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the rent action builds a transaction")
        .json()
        .await
        .expect("an action response");
    println!(
        "  POST {api}{} {{\"account\": \"{}\"}}\n    {}",
        link.href,
        renter.pubkey(),
        built.message.as_deref().unwrap_or_default()
    );
    let mut tx: Transaction =
        bincode::deserialize(&STANDARD.decode(&built.transaction).expect("base64"))
            .expect("a transaction");
    let blockhash = tx.message.recent_blockhash;
    tx.try_sign(&[renter], blockhash).expect("the wallet signs");
    let sent: SentTransaction = http
        .post(format!("{api}/api/transactions"))
        .json(&SignedTransaction {
            transaction: STANDARD.encode(bincode::serialize(&tx).expect("serialise")),
        })
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the relay sends the signed rental")
        .json()
        .await
        .expect("a signature");
    println!(
        "  signed by the renter's wallet, sent through POST {api}/api/transactions: {}",
        sent.signature
    );
    let leases: LeasePage = api_wait(
        api,
        &format!("/v1/leases?listing={listing}&state=active"),
        "the lease rented through the action",
        |page: &LeasePage| !page.items.is_empty(),
    )
    .await;
    show_lease(api, &leases.items[0].pubkey).await;
}

/// Checks the settled lease adds up, and says so.
fn check_settlement(detail: &LeaseDetail) {
    let l = &detail.lease.account;
    let (deposited, paid, fee, refunded) = (l.deposited, l.paid_out, l.fee_paid, l.refunded);
    let (up, down) = (l.attested_seconds, l.down_seconds);
    let span = (l.end_ts - l.start_ts) as u64;
    let price = l.price_lamports_per_hour;
    let earned = (u128::from(up) * u128::from(price) / 3600) as u64;
    assert_eq!(deposited, paid + fee + refunded, "money does not add up");
    assert_eq!(paid + fee, earned, "paid for other than the attested time");
    assert_eq!(up + down, span, "attestations do not cover the lease");
    assert!(down > 0, "the downtime was not attested");
    println!(
        "\n\x1b[1mSettled.\x1b[0m The lease ran {span} s: {up} s attested up, {down} s down.\n\
         Provider paid {} + {} fee for the {up} s up only; renter refunded {} of the {} deposit.\n\
         deposited = paid + fee + refunded: {} = {} + {} + {} lamports. {} events in the lease history.",
        sol(paid),
        sol(fee),
        sol(refunded),
        sol(deposited),
        deposited,
        paid,
        fee,
        refunded,
        detail.history.len(),
    );
}

fn exit_when_done() -> bool {
    std::env::args().any(|a| a == "--exit")
}

fn period_arg() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--period")
        .and_then(|i| args.get(i + 1))
        .map_or(10, |p| p.parse().expect("--period takes whole seconds"))
}

#[tokio::main]
async fn main() {
    let period = period_arg();
    let market = start_market().await;
    let _crew = tokio::select! {
        crew = play(&market, period) => crew,
        _ = tokio::signal::ctrl_c() => {
            println!("\nInterrupted: stopping everything.");
            return;
        }
    };
    if exit_when_done() {
        return;
    }
    step("The market keeps running");
    println!(
        "Web app      {api}/app/   (rent, cancel, settle and claim from any Wallet Standard browser wallet)\n\
         Actions      {api}/actions.json   (blink: {api}/api/actions/rent/<listing>)\n\
         Indexer API  {api}   e.g. curl {api}/v1/listings | curl {api}/v1/stats | {api}/openapi.json\n\
         Validator    {rpc}\n\
         CLI          {cli} -C {dir}/renter.yml --api {api} renter listings\n\
         Attestors    alice's and bob's agents, carol and the crank keep attesting the H100 listing; curl {api}/v1/leases/<lease>/reports\n\
         Press Ctrl-C to stop the validator, the indexer, PostgreSQL, the agents and the crank.",
        api = market.api,
        rpc = market.chain.v.rpc_url,
        dir = std::env::temp_dir().join("compute-escrow-demo").display(),
        cli = sibling("compute-escrow").display(),
    );
    let _ = tokio::signal::ctrl_c().await;
    println!("\nStopping everything.");
}
