//! The compiled program on a real `solana-test-validator`: one whole lease
//! (config, provider, listing, open, attest, claim, cancel, attest, settle)
//! through JSON-RPC transactions, every balance read back from the chain.
//!
//! Needs `target/deploy/compute_escrow.so` (scripts/build-sbf.sh) and a
//! validator: `SOLANA_TEST_VALIDATOR`, or `solana-test-validator` on PATH
//! (scripts/find-validator.sh prints one).

use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compute_escrow::pda;
use compute_escrow::state::{LeaseState, ListingState};
use compute_escrow_client::accounts::{self, FetchError, LeaseFilter, ListingFilter};
use compute_escrow_client::quote::{quote, QuoteError};
use compute_escrow_tests::{default_terms, ix, sbf_out_dir, LAMPORTS_PER_SOL};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::sysvar;
use solana_sdk::transaction::Transaction;

/// An address where no account lives.
fn lease_pda_of_nothing() -> Pubkey {
    pda::lease(&Pubkey::new_unique(), 0).0
}

/// A validator process on loopback, killed on drop.
struct Validator {
    child: Child,
    rpc: RpcClient,
    _ledger: TempDir,
}

impl Drop for Validator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn validator_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SOLANA_TEST_VALIDATOR") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("solana-test-validator"))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "no solana-test-validator: set SOLANA_TEST_VALIDATOR (scripts/find-validator.sh prints one) \
             or install the Solana CLI"
        )
    })
}

/// `count` consecutive loopback ports, free for both TCP and UDP right now.
fn free_ports(count: u16) -> u16 {
    let seed = std::process::id() as u16;
    (0..2_000u16)
        .map(|i| 20_000 + (seed.wrapping_mul(31).wrapping_add(i * 97)) % 40_000)
        .find(|&base| {
            (base..base + count).all(|p| {
                TcpListener::bind(("127.0.0.1", p)).is_ok()
                    && UdpSocket::bind(("127.0.0.1", p)).is_ok()
            })
        })
        .expect("free port range")
}

/// The program build for an Agave 4.x validator: `COMPUTE_ESCROW_VALIDATOR_SO`,
/// else the SBPF v3 build, else the default build. (Agave 4.x runs SBPF v0
/// without stack-frame gaps (SIMD-0460); v0 builds from the sbf-toolchain
/// substitute rely on those gaps, so scripts/build-sbf.sh also makes a v3 build.)
fn validator_program() -> PathBuf {
    if let Some(path) = std::env::var_os("COMPUTE_ESCROW_VALIDATOR_SO") {
        return PathBuf::from(path);
    }
    let v3 = sbf_out_dir().join("sbpf-v3/compute_escrow.so");
    if v3.exists() {
        v3
    } else {
        sbf_out_dir().join("compute_escrow.so")
    }
}

async fn start_validator() -> Validator {
    let so = validator_program();
    assert!(
        so.exists(),
        "{} is missing: run scripts/build-sbf.sh",
        so.display()
    );
    eprintln!("validator: loading {}", so.display());
    let ledger = std::env::temp_dir().join(format!("compute-escrow-ledger-{}", std::process::id()));
    // One free range: RPC (+1 websocket), faucet, gossip, then 30 dynamic ports.
    let base = free_ports(34);
    let rpc_port = base;
    let child = Command::new(validator_binary())
        .arg("--ledger")
        .arg(&ledger)
        .args(["--bind-address", "127.0.0.1", "--quiet", "--reset"])
        .args(["--rpc-port", &rpc_port.to_string()])
        .args(["--faucet-port", &(base + 2).to_string()])
        .args(["--gossip-port", &(base + 3).to_string()])
        .args([
            "--dynamic-port-range",
            &format!("{}-{}", base + 4, base + 33),
        ])
        .arg("--bpf-program")
        .arg(compute_escrow::ID.to_string())
        .arg(&so)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start solana-test-validator");
    let rpc = RpcClient::new_with_commitment(
        format!("http://127.0.0.1:{rpc_port}"),
        CommitmentConfig::confirmed(),
    );
    let validator = Validator {
        child,
        rpc,
        _ledger: TempDir(ledger),
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while validator.rpc.get_health().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "validator did not become healthy in 90 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    validator
}

/// Parties, each funded; `fee_payer` pays every transaction fee so the others'
/// balances move only by what the program moves.
struct Chain {
    v: Validator,
    fee_payer: Keypair,
}

impl Chain {
    async fn fund(&self, key: &Pubkey, lamports: u64) {
        let sig = self
            .v
            .rpc
            .request_airdrop(key, lamports)
            .await
            .expect("airdrop");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.v.rpc.confirm_transaction(&sig).await.unwrap_or(false) {
            assert!(Instant::now() < deadline, "airdrop not confirmed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) {
        let blockhash = self.v.rpc.get_latest_blockhash().await.expect("blockhash");
        let mut keys: Vec<&Keypair> = vec![&self.fee_payer];
        keys.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.fee_payer.pubkey()),
            &keys,
            blockhash,
        );
        if let Err(e) = self.v.rpc.send_and_confirm_transaction(&tx).await {
            panic!("transaction failed: {e}");
        }
    }

    async fn balance(&self, key: &Pubkey) -> u64 {
        self.v.rpc.get_balance(key).await.expect("balance")
    }

    async fn now(&self) -> i64 {
        let account = self
            .v
            .rpc
            .get_account(&sysvar::clock::ID)
            .await
            .expect("clock");
        let clock: Clock = solana_sdk::account::from_account(&account).expect("clock decodes");
        clock.unix_timestamp
    }

    /// Waits until the chain's clock reaches `t`.
    async fn wait_until(&self, t: i64) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.now().await < t {
            assert!(Instant::now() < deadline, "chain clock did not reach {t}");
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
}

#[tokio::test]
async fn validator_runs_a_whole_lease_over_json_rpc() {
    let chain = Chain {
        v: start_validator().await,
        fee_payer: Keypair::new(),
    };
    let [admin, treasury, authority, wallet, attestor, renter] =
        std::array::from_fn(|_| Keypair::new());
    chain
        .fund(&chain.fee_payer.pubkey(), 10 * LAMPORTS_PER_SOL)
        .await;
    for key in [&admin, &treasury, &authority, &wallet, &attestor, &renter] {
        chain.fund(&key.pubkey(), 100 * LAMPORTS_PER_SOL).await;
    }
    let fee_bps = 250u16;
    let grace = 4u32;
    chain
        .send(
            &[ix::init_config(
                &admin.pubkey(),
                &treasury.pubkey(),
                fee_bps,
                grace,
            )],
            &[&admin],
        )
        .await;
    chain
        .send(
            &[ix::register_provider(
                &authority.pubkey(),
                &wallet.pubkey(),
                "https://gpu.example/p.json",
            )],
            &[&authority],
        )
        .await;
    let provider = pda::provider(&authority.pubkey()).0;
    // 1 SOL per hour: 277,777.7 lamports per second.
    let price = LAMPORTS_PER_SOL;
    let terms = compute_escrow::instructions::ListingTerms {
        price_lamports_per_hour: price,
        ..default_terms(attestor.pubkey())
    };
    chain
        .send(
            &[ix::create_listing(&authority.pubkey(), 0, terms)],
            &[&authority],
        )
        .await;
    let listing = pda::listing(&provider, 0).0;

    // The SDK reads what the chain holds and quotes with the program's maths.
    let rpc = &chain.v.rpc;
    let config = accounts::config(rpc).await.unwrap();
    assert_eq!(
        (config.fee_bps, config.settle_grace_seconds),
        (fee_bps, grace)
    );
    let stored = accounts::provider(rpc, &authority.pubkey()).await.unwrap();
    assert_eq!(stored.payout_wallet, wallet.pubkey());
    let active = ListingFilter {
        state: Some(ListingState::Active),
        provider: Some(provider),
    };
    let found = accounts::listings(rpc, active).await.unwrap();
    assert_eq!(
        found.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        vec![listing]
    );
    let paused = ListingFilter {
        state: Some(ListingState::Paused),
        ..Default::default()
    };
    assert!(accounts::listings(rpc, paused).await.unwrap().is_empty());
    let rent = accounts::lease_rent(rpc).await.unwrap();
    let quoted = quote(&found[0].1, &config, 2, rent).unwrap();
    assert_eq!(
        (quoted.deposit, quoted.total),
        (2 * price, 2 * price + rent)
    );
    assert!(matches!(
        quote(&found[0].1, &config, 25, rent),
        Err(QuoteError::HoursOutOfRange {
            hours: 25,
            min: 1,
            max: 24
        })
    ));
    assert!(matches!(
        accounts::listing(rpc, &lease_pda_of_nothing()).await,
        Err(FetchError::NotFound {
            kind: "Listing",
            ..
        })
    ));

    let renter_start = chain.balance(&renter.pubkey()).await;
    let open = ix::open_lease(
        &renter.pubkey(),
        &listing,
        1,
        2,
        quoted.price_lamports_per_hour,
        &quoted.attestor,
    );
    chain.send(&[open], &[&renter]).await;
    let lease_key = pda::lease(&listing, 1).0;
    let lease = accounts::lease(&chain.v.rpc, &lease_key)
        .await
        .unwrap()
        .expect("lease exists");
    assert_eq!(chain.balance(&lease_key).await, 2 * price + rent);
    assert_eq!(lease.deposited, 2 * price);
    assert_eq!(
        chain.balance(&renter.pubkey()).await,
        renter_start - quoted.total
    );
    let mine = LeaseFilter {
        renter: Some(renter.pubkey()),
        ..Default::default()
    };
    let leases = accounts::leases(&chain.v.rpc, mine).await.unwrap();
    assert_eq!(leases, vec![(lease_key, lease.clone())]);
    let by_listing = LeaseFilter {
        listing: Some(listing),
        state: Some(LeaseState::Active),
        ..Default::default()
    };
    assert_eq!(
        accounts::leases(&chain.v.rpc, by_listing)
            .await
            .unwrap()
            .len(),
        1
    );

    // Attest the first seconds, then claim.
    let start = lease.start_ts;
    chain.wait_until(start + 3).await;
    let attest = ix::attest_uptime(
        &attestor.pubkey(),
        &provider,
        &lease_key,
        start,
        start + 3,
        3,
    );
    chain.send(&[attest], &[&attestor]).await;
    let (wallet_0, treasury_0) = (
        chain.balance(&wallet.pubkey()).await,
        chain.balance(&treasury.pubkey()).await,
    );
    chain
        .send(
            &[ix::claim_payout(
                &authority.pubkey(),
                &provider,
                &lease_key,
                &wallet.pubkey(),
                &treasury.pubkey(),
            )],
            &[&authority],
        )
        .await;
    let earned_1 = 3 * price / 3_600;
    let fee_1 = earned_1 * u64::from(fee_bps) / 10_000;
    assert_eq!(
        chain.balance(&wallet.pubkey()).await,
        wallet_0 + earned_1 - fee_1
    );
    assert_eq!(chain.balance(&treasury.pubkey()).await, treasury_0 + fee_1);

    // The renter cancels; what can no longer be earned comes back at once.
    let before_cancel = chain.balance(&renter.pubkey()).await;
    chain
        .send(
            &[ix::cancel_lease(&renter.pubkey(), &lease_key)],
            &[&renter],
        )
        .await;
    let lease = accounts::lease(&chain.v.rpc, &lease_key)
        .await
        .unwrap()
        .expect("lease exists");
    assert_eq!(lease.state, LeaseState::Cancelled);
    let end = lease.end_ts;
    let max_earned = ((end - start) as u64) * price / 3_600;
    assert_eq!(lease.refunded, 2 * price - max_earned);
    assert_eq!(
        chain.balance(&renter.pubkey()).await,
        before_cancel + lease.refunded
    );

    // The attestor covers the rest up to the cancel, one second down.
    let rest = (end - start - 3) as u64;
    let attest = ix::attest_uptime(
        &attestor.pubkey(),
        &provider,
        &lease_key,
        start + 3,
        end,
        rest.saturating_sub(1),
    );
    if end > start + 3 {
        chain.send(&[attest], &[&attestor]).await;
    }
    let lease = accounts::lease(&chain.v.rpc, &lease_key)
        .await
        .unwrap()
        .expect("lease exists");

    // After end + grace anyone settles; the fee payer alone signs.
    chain.wait_until(end + i64::from(grace)).await;
    let (renter_1, wallet_1, treasury_1) = (
        chain.balance(&renter.pubkey()).await,
        chain.balance(&wallet.pubkey()).await,
        chain.balance(&treasury.pubkey()).await,
    );
    let settle = ix::settle_lease(
        &provider,
        &listing,
        &lease_key,
        &renter.pubkey(),
        &wallet.pubkey(),
        &treasury.pubkey(),
    );
    chain.send(&[settle], &[]).await;
    let earned = lease.attested_seconds * price / 3_600;
    let fee = earned * u64::from(fee_bps) / 10_000;
    assert_eq!(
        chain.balance(&wallet.pubkey()).await,
        wallet_1 + (earned - fee) - (earned_1 - fee_1)
    );
    assert_eq!(
        chain.balance(&treasury.pubkey()).await,
        treasury_1 + fee - fee_1
    );
    let refund = 2 * price - earned - lease.refunded;
    assert_eq!(
        chain.balance(&renter.pubkey()).await,
        renter_1 + refund + rent
    );
    assert_eq!(
        chain.balance(&lease_key).await,
        0,
        "the lease account is closed"
    );
    assert_eq!(
        accounts::lease(&chain.v.rpc, &lease_key).await.unwrap(),
        None
    );
    assert!(accounts::leases(&chain.v.rpc, mine)
        .await
        .unwrap()
        .is_empty());
    // Over the whole lease the renter paid exactly what was earned.
    assert_eq!(chain.balance(&renter.pubkey()).await, renter_start - earned);
}
