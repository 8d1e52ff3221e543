//! The `compute-escrow` binary run as a user runs it (a process with a Solana
//! CLI config file, checked by output and exit code) against a real
//! `solana-test-validator` with the program deployed from its SBF build.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use compute_escrow::pda;
use compute_escrow::state::{Lease, LeaseState, Listing, ListingState};
use compute_escrow_client::accounts;
use compute_escrow_tests::chain::{Chain, ChainMarket};
use compute_escrow_tests::machine::Machine;
use compute_escrow_tests::poll::poll;
use compute_escrow_tests::proxy::Proxy;
use compute_escrow_tests::LAMPORTS_PER_SOL;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};
use tokio::process::{Child, Command};

/// A finished CLI run.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "expected success, got {}\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    fn fails_with(self, code: i32, needle: &str) -> Run {
        assert_eq!(
            self.status.code(),
            Some(code),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert!(
            self.stderr.contains(needle) || self.stdout.contains(needle),
            "`{needle}` not in\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// One user: a keypair file and a Solana CLI config file pointing at the validator.
struct User {
    config: PathBuf,
    key: Pubkey,
}

struct Users {
    dir: PathBuf,
    rpc_url: String,
}

impl Users {
    fn new(chain: &Chain, name: &str) -> Users {
        let dir = std::env::temp_dir().join(format!("ce-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Users {
            dir,
            rpc_url: chain.v.rpc_url.clone(),
        }
    }

    fn user(&self, name: &str, key: &Keypair) -> User {
        let keypair = self.dir.join(format!("{name}.json"));
        write_keypair_file(key, &keypair).unwrap();
        let config = self.dir.join(format!("{name}.yml"));
        std::fs::write(
            &config,
            format!(
                "json_rpc_url: \"{}\"\nwebsocket_url: \"\"\nkeypair_path: {}\ncommitment: confirmed\n",
                self.rpc_url,
                keypair.display()
            ),
        )
        .unwrap();
        User {
            config,
            key: key.pubkey(),
        }
    }
}

impl Drop for Users {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn command(config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_compute-escrow"));
    c.arg("-C")
        .arg(config)
        .args(["--api", "http://127.0.0.1:9"])
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

async fn cli(user: &User, args: &[&str]) -> Run {
    let out = command(&user.config, args)
        .output()
        .await
        .expect("run compute-escrow");
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// The attestor agent as a background process (JSON lines on stdout).
fn agent(user: &User, args: &[&str]) -> Child {
    let mut all = vec!["--output", "json", "attestor", "run"];
    all.extend_from_slice(args);
    command(&user.config, &all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the attestor")
}

/// Waits for `child` to exit; returns its status and stdout.
async fn finish(child: Child, within: Duration) -> Run {
    let out = tokio::time::timeout(within, child.wait_with_output())
        .await
        .expect("the attestor did not stop in time")
        .expect("wait");
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// What an agent's `attested` events say it observed: seconds its samples
/// covered, and of those seconds down.
struct Observed {
    seen: u64,
    down: u64,
}

fn observed_down(stdout: &str) -> Observed {
    let attested = events(stdout, "attested");
    let field = |e: &Value, k: &str| e[k].as_u64().unwrap_or_else(|| panic!("{k} in {e}"));
    Observed {
        seen: attested.iter().map(|e| field(e, "observed_seconds")).sum(),
        down: attested
            .iter()
            .map(|e| field(e, "observed_seconds") - field(e, "up_seconds"))
            .sum(),
    }
}

/// The agent's JSON events of kind `event`.
fn events(stdout: &str, event: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == event)
        .collect()
}

async fn lease(chain: &Chain, address: &Pubkey) -> Option<Lease> {
    accounts::lease(&chain.v.rpc, address).await.unwrap()
}

async fn wait_for_lease(chain: &Chain, address: &Pubkey, ready: impl Fn(&Lease) -> bool) -> Lease {
    let ready = &ready;
    poll(
        &format!("lease {address} to reach the state"),
        Duration::from_secs(90),
        Duration::from_millis(300),
        || async move { lease(chain, address).await.filter(|l| ready(l)) },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_cli_provider_renter_attestor_and_crank() {
    let m = ChainMarket::start(250, 600).await;
    let chain = &m.chain;
    let users = Users::new(chain, "life");
    let owner = Keypair::new();
    chain.fund(&owner.pubkey(), 10 * LAMPORTS_PER_SOL).await;
    let provider = users.user("provider", &owner);
    let renter = users.user("renter", &m.renter);
    let attestor = users.user("attestor", &m.attestor);
    let cranker = users.user("cranker", &m.admin);
    let mut machine = Machine::start().await;

    // Register, and refuse a second registration before signing anything.
    let out = cli(
        &provider,
        &[
            "provider",
            "register",
            "--metadata-uri",
            "https://p.example",
        ],
    )
    .await
    .ok();
    let provider_pda = pda::provider(&provider.key).0;
    assert!(out
        .stdout
        .contains(&format!("Registered provider {provider_pda}")));
    cli(&provider, &["provider", "register"])
        .await
        .fails_with(2, "already registered");

    // List a machine; garbage arguments never reach the chain.
    let health = machine.health_check();
    let attestor_key = attestor.key.to_string();
    let list = |price: &'static str, check: String| {
        let attestor_key = attestor_key.clone();
        let provider = &provider;
        async move {
            cli(
                provider,
                &[
                    "--output",
                    "json",
                    "provider",
                    "list-gpu",
                    "--model",
                    "H100-80GB",
                    "--gpus",
                    "8",
                    "--vram-gb",
                    "80",
                    "--health-check",
                    &check,
                    "--price",
                    price,
                    "--max-hours",
                    "24",
                    "--attestor",
                    &attestor_key,
                    "--capacity",
                    "2",
                ],
            )
            .await
        }
    };
    list("0.5", "ssh://gpu:22".into())
        .await
        .fails_with(2, "a health check is tcp://host:port");
    list("1.2.3", health.clone())
        .await
        .fails_with(2, "is not a SOL amount");
    let listed = list("0.5", health.clone()).await.ok().json();
    let listing = pda::listing(&provider_pda, 0).0;
    assert_eq!(listed["listing"], listing.to_string());
    let listing_text = listing.to_string();
    let on_chain: Listing = accounts::listing(&chain.v.rpc, &listing).await.unwrap();
    assert_eq!(on_chain.price_lamports_per_hour, LAMPORTS_PER_SOL / 2);
    assert_eq!(on_chain.health_check, health);

    cli(
        &provider,
        &[
            "provider",
            "update-listing",
            &listing_text,
            "--price",
            "0.36",
        ],
    )
    .await
    .ok();
    cli(&provider, &["provider", "update-listing", &listing_text])
        .await
        .fails_with(2, "nothing to update");
    let show = cli(&provider, &["provider", "show"]).await.ok();
    assert!(show.stdout.contains(&listing_text) && show.stdout.contains("0.36 SOL"));

    // Quote: exact lamports, from the program's own maths.
    let quote = cli(
        &renter,
        &[
            "--output",
            "json",
            "renter",
            "quote",
            &listing_text,
            "--hours",
            "2",
        ],
    )
    .await
    .ok()
    .json();
    let rent = accounts::lease_rent(&chain.v.rpc).await.unwrap();
    assert_eq!(quote["deposit"], 720_000_000u64);
    assert_eq!(quote["total"], 720_000_000 + rent);
    assert_eq!(quote["max_fee"], 18_000_000u64);
    assert_eq!(
        quote["attestors"],
        json!({"keys": [attestor_key], "threshold": 1, "period_seconds": 60})
    );
    cli(
        &renter,
        &["renter", "quote", &listing_text, "--hours", "99"],
    )
    .await
    .fails_with(2, "outside the listing's 1..=24 hours");

    // A period as long as the market's settle grace is refused: the renter
    // could settle before the last period is signed.
    let refused = finish(
        agent(&attestor, &["--listing", &listing_text, "--period", "600"]),
        Duration::from_secs(60),
    )
    .await;
    refused.fails_with(2, "not shorter than the market's settle grace of 600 s");

    // No --yes and no terminal: nothing is signed.
    let lease_addr = pda::lease(&listing, &renter.key, 7).0;
    let lease_text = lease_addr.to_string();
    cli(
        &renter,
        &[
            "renter",
            "rent",
            &listing_text,
            "--hours",
            "2",
            "--lease-id",
            "7",
        ],
    )
    .await
    .fails_with(2, "refusing to sign without confirmation");
    assert!(lease(chain, &lease_addr).await.is_none());

    let before = chain.balance(&renter.key).await;
    let rented = cli(
        &renter,
        &[
            "renter",
            "rent",
            &listing_text,
            "--hours",
            "2",
            "--lease-id",
            "7",
            "--yes",
        ],
    )
    .await
    .ok();
    assert!(
        rented.stdout.contains("Total     0.72"),
        "{}",
        rented.stdout
    );
    assert!(rented
        .stdout
        .contains(&format!("Rented: lease {lease_text}")));
    let opened = lease(chain, &lease_addr).await.expect("lease opened");
    assert_eq!(opened.deposited, 720_000_000);
    assert_eq!(
        before - chain.balance(&renter.key).await,
        720_000_000 + rent + 5_000
    );
    // The same lease id again: the program's named error, not a raw code.
    let again = cli(
        &renter,
        &[
            "--output",
            "json",
            "renter",
            "rent",
            &listing_text,
            "--hours",
            "2",
            "--lease-id",
            "7",
            "--yes",
        ],
    )
    .await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        again.json()["error"],
        "AlreadyInitialized",
        "{}",
        again.stdout
    );

    // Nothing attested yet: claiming is refused by name, with a hint.
    cli(&provider, &["provider", "claim", &lease_text])
        .await
        .fails_with(1, "NothingToClaim");
    let json_error = cli(
        &provider,
        &["--output", "json", "provider", "claim", &lease_text],
    )
    .await;
    assert_eq!(json_error.json()["error"], "NothingToClaim");
    assert!(json_error.json()["hint"]
        .as_str()
        .unwrap()
        .contains("attested"));

    cli(
        &renter,
        &["renter", "extend", &lease_text, "--hours", "1", "--yes"],
    )
    .await
    .ok();
    assert_eq!(lease(chain, &lease_addr).await.unwrap().hours, 3);

    // The attestor agent attests every 2 s while the renter uses the machine.
    let agent = agent(
        &attestor,
        &[
            "--lease",
            &lease_text,
            "--period",
            "2",
            "--probe-interval",
            "1",
        ],
    );
    wait_for_lease(chain, &lease_addr, |l| l.attested_seconds >= 4).await;
    let claimed = cli(
        &provider,
        &["--output", "json", "provider", "claim", "--all"],
    )
    .await
    .ok()
    .json();
    assert!(claimed["paid_lamports"].as_u64().unwrap() > 0);
    assert_eq!(claimed["claimed"].as_array().unwrap().len(), 1);
    let leases = cli(&provider, &["provider", "leases"]).await.ok();
    assert!(leases.stdout.contains(&lease_text) && leases.stdout.contains("active"));
    let mine = cli(&renter, &["--output", "json", "renter", "leases"])
        .await
        .ok()
        .json();
    assert_eq!(mine[0]["lease"], lease_text);
    let shown = cli(&renter, &["renter", "lease", &lease_text]).await.ok();
    assert!(
        shown.stdout.contains("State        active"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("Refundable"));

    // The crank refuses a running lease before signing: time is left to attest.
    cli(&cranker, &["settle", &lease_text])
        .await
        .fails_with(2, "cannot be settled for another");

    // Cancel: the unused time comes back now; the agent attests up to the
    // cancel and exits, since its only lease is over.
    let cancelled = cli(
        &renter,
        &["--output", "json", "renter", "cancel", &lease_text, "--yes"],
    )
    .await
    .ok()
    .json();
    assert!(cancelled["refunded"].as_u64().unwrap() > 0);
    let run = finish(agent, Duration::from_secs(30)).await.ok();
    assert!(
        events(&run.stdout, "attest_failed").is_empty(),
        "{}",
        run.stdout
    );
    let ended = lease(chain, &lease_addr).await.unwrap();
    assert_eq!(ended.state, LeaseState::Cancelled);
    assert_eq!(ended.attested_until, ended.end_ts);
    let attested: u64 = events(&run.stdout, "attested")
        .iter()
        .map(|e| e["up_seconds"].as_u64().unwrap())
        .sum();
    assert_eq!(attested, ended.attested_seconds);
    // The machine was up the whole time: every second the agent observed
    // is attested up (time it did not observe, before its first probe or
    // while a busy machine delayed its probes, counts as down), and it
    // observed the machine at all.
    let observed = observed_down(&run.stdout);
    assert_eq!(observed.down, 0, "machine was up: {}", run.stdout);
    assert!(observed.seen > 0, "{}", run.stdout);

    // Attested up to the cancel, the lease settles at once: no grace to wait.
    let settled = cli(&cranker, &["--output", "json", "settle", "--all-due"])
        .await
        .ok()
        .json();
    assert_eq!(settled["settled"][0]["lease"], lease_text);
    assert!(lease(chain, &lease_addr).await.is_none());
    cli(&renter, &["renter", "lease", &lease_text])
        .await
        .fails_with(2, "not on chain");
    let idle = cli(&cranker, &["settle", "--all-due"]).await.ok();
    assert!(idle.stdout.contains("No lease is due"));

    // Pause, resume, close.
    cli(&provider, &["provider", "pause", &listing_text])
        .await
        .ok();
    cli(&renter, &["renter", "quote", &listing_text, "--hours", "1"])
        .await
        .fails_with(2, "the listing is paused");
    cli(&provider, &["provider", "pause", &listing_text, "--resume"])
        .await
        .ok();
    cli(&provider, &["provider", "close-listing", &listing_text])
        .await
        .ok();
    let closed: Listing = accounts::listing(&chain.v.rpc, &listing).await.unwrap();
    assert_eq!(closed.state, ListingState::Closed);
    cli(&provider, &["provider", "pause", &listing_text])
        .await
        .fails_with(1, "ListingClosed");

    // The indexer API is not running on port 9: a clear error.
    cli(&renter, &["renter", "listings"]).await.fails_with(
        2,
        "indexer API http://127.0.0.1:9/v1/listings is unreachable",
    );
    machine.stop().await;
}

/// Lists the market provider's first GPU (3.6 SOL/h), probed at
/// `health_check` and attested by `attestor`; returns the listing.
async fn list_first_gpu(
    m: &ChainMarket,
    authority: &User,
    health_check: &str,
    attestor: &User,
) -> Pubkey {
    let attestor_key = attestor.key.to_string();
    cli(
        authority,
        &[
            "provider",
            "list-gpu",
            "--model",
            "L4",
            "--vram-gb",
            "24",
            "--health-check",
            health_check,
            "--price",
            "3.6",
            "--attestor",
            &attestor_key,
        ],
    )
    .await
    .ok();
    pda::listing(&m.provider, 0).0
}

/// Rents `listing` for one hour as lease id 1; returns the lease.
async fn rent_one_hour(renter: &User, listing: &Pubkey) -> Pubkey {
    let listing_text = listing.to_string();
    cli(
        renter,
        &[
            "renter",
            "rent",
            &listing_text,
            "--hours",
            "1",
            "--lease-id",
            "1",
            "--yes",
        ],
    )
    .await
    .ok();
    pda::lease(listing, &renter.key, 1).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_attestor_signs_the_uptime_it_observed_across_restarts() {
    let m = ChainMarket::start(250, 600).await;
    let chain = &m.chain;
    let users = Users::new(chain, "probe");
    let authority = users.user("provider", &m.authority);
    let renter = users.user("renter", &m.renter);
    let attestor = users.user("attestor", &m.attestor);
    let mut machine = Machine::start().await;
    let listing = list_first_gpu(&m, &authority, &machine.health_check(), &attestor).await;
    let listing_text = listing.to_string();
    let args = [
        "--listing",
        listing_text.as_str(),
        "--period",
        "4",
        "--probe-interval",
        "1",
    ];
    let first = agent(&attestor, &args);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let lease_addr = rent_one_hour(&renter, &listing).await;
    wait_for_lease(chain, &lease_addr, |l| l.attested_seconds >= 6).await;

    // Downtime, with the agent killed and restarted in the middle of it.
    machine.stop().await;
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    // Ctrl-C: the agent finishes the attestation in flight and exits 0.
    let interrupted = Command::new("kill")
        .args(["-INT", &first.id().unwrap().to_string()])
        .status()
        .await
        .unwrap();
    assert!(interrupted.success());
    let first_out = finish(first, Duration::from_secs(20)).await.ok();
    let lease_text = lease_addr.to_string();
    let second = agent(
        &attestor,
        &[
            "--lease",
            &lease_text,
            "--period",
            "4",
            "--probe-interval",
            "1",
        ],
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    machine.resume().await;
    let downtime = stopped.elapsed().as_secs_f64();
    let resumed_at = chain.now().await;
    wait_for_lease(chain, &lease_addr, |l| l.attested_until >= resumed_at + 6).await;
    cli(&renter, &["renter", "cancel", &lease_text, "--yes"])
        .await
        .ok();
    // With --lease the agent exits once its lease is attested to the end.
    let second_out = finish(second, Duration::from_secs(30)).await.ok();
    let done = lease(chain, &lease_addr).await.unwrap();
    assert_eq!(done.state, LeaseState::Cancelled);
    assert_eq!(done.attested_until, done.end_ts);
    let outputs = [first_out.stdout, second_out.stdout];

    // Every second of the lease is attested exactly once, across both runs.
    let span = (done.end_ts - done.start_ts) as u64;
    assert_eq!(done.attested_seconds + done.down_seconds, span);
    let attested: u64 = outputs
        .iter()
        .flat_map(|o| events(o, "attested"))
        .map(|e| e["up_seconds"].as_u64().unwrap())
        .sum();
    assert_eq!(attested, done.attested_seconds, "{outputs:?}");
    for out in &outputs {
        assert!(events(out, "attest_failed").is_empty(), "{out}");
    }
    // What the agent observed: it saw the outage, never saw the machine
    // down while it was up (at most a probe interval at each edge of the
    // outage), and the chain counts as down what it saw down plus what it
    // did not observe (the restart, probes a busy machine delayed).
    let seen: Vec<Observed> = outputs.iter().map(|o| observed_down(o)).collect();
    let down_seen: u64 = seen.iter().map(|o| o.down).sum();
    assert!(down_seen > 0, "the agent saw the outage: {outputs:?}");
    assert!(
        down_seen as f64 <= downtime + 2.0,
        "down {down_seen} s observed for an outage of {downtime:.1} s: {outputs:?}"
    );
    assert!(done.down_seconds >= down_seen, "{outputs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_attestor_rides_out_rpc_outages_and_lost_confirmations() {
    let m = ChainMarket::start(250, 600).await;
    let chain = &m.chain;
    let users = Users::new(chain, "outage");
    let authority = users.user("provider", &m.authority);
    let renter = users.user("renter", &m.renter);
    // The agent reaches the node through a proxy the test takes down.
    let upstream = chain
        .v
        .rpc_url
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let mut via_proxy = Users::new(chain, "outage-proxy");
    via_proxy.rpc_url = proxy.http_url();
    let attestor = via_proxy.user("attestor", &m.attestor);
    let machine = Machine::start().await;
    let listing = list_first_gpu(
        &m,
        &authority,
        &format!("tcp://{}", machine.addr),
        &attestor,
    )
    .await;
    let lease_addr = rent_one_hour(&renter, &listing).await;
    let lease_text = lease_addr.to_string();
    let agent = agent(
        &attestor,
        &[
            "--lease",
            &lease_text,
            "--period",
            "3",
            "--probe-interval",
            "1",
        ],
    );
    wait_for_lease(chain, &lease_addr, |l| l.attested_seconds >= 3).await;

    // Ten seconds without the node: the agent keeps probing and retrying.
    proxy.start_outage();
    let cut_at = chain.now().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.end_outage();
    let restored_at = chain.now().await;
    wait_for_lease(chain, &lease_addr, |l| l.attested_until >= restored_at + 3).await;

    // Attestations land but their confirmations are lost: the agent reports
    // them failed, then finds them on chain instead of signing them again.
    proxy.lose_replies_to(Some("sendTransaction"));
    let lossy_from = chain.now().await;
    wait_for_lease(chain, &lease_addr, |l| l.attested_until >= lossy_from + 6).await;
    proxy.lose_replies_to(None);
    cli(&renter, &["renter", "cancel", &lease_text, "--yes"])
        .await
        .ok();
    let out = finish(agent, Duration::from_secs(30)).await.ok();
    let done = lease(chain, &lease_addr).await.unwrap();
    assert_eq!(done.attested_until, done.end_ts);

    // The outage reached the agent, which neither stopped nor double-attested.
    // One outage: its first RPC error is logged, the rest summed at recovery.
    assert_eq!(events(&out.stdout, "rpc_error").len(), 1, "{}", out.stdout);
    let recovered = events(&out.stdout, "rpc_recovered");
    assert_eq!(recovered.len(), 1, "{}", out.stdout);
    assert!(recovered[0]["failures"].as_u64().unwrap() > 1);
    assert!(!events(&out.stdout, "attest_failed").is_empty());
    let attested = events(&out.stdout, "attested");
    assert!(
        attested.iter().any(|e| e["late"] == true),
        "no lost confirmation was found on chain: {}",
        out.stdout
    );
    let up: u64 = attested
        .iter()
        .map(|e| e["up_seconds"].as_u64().unwrap())
        .sum();
    assert_eq!(up, done.attested_seconds, "{}", out.stdout);
    for pair in attested.windows(2) {
        assert_eq!(pair[0]["to"], pair[1]["from"], "{}", out.stdout);
    }
    // The machine never went down: after the first attestation (which counts
    // the agent's start-up, before its first probe, as down) every second is
    // attested up, the outage's included.
    assert!(
        attested.iter().any(
            |e| e["from"].as_i64().unwrap() < restored_at && e["to"].as_i64().unwrap() > cut_at
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        observed_down(&out.stdout).down,
        0,
        "the machine stayed up: {}",
        out.stdout
    );
    let span = (done.end_ts - done.start_ts) as u64;
    assert_eq!(done.attested_seconds + done.down_seconds, span);
}
