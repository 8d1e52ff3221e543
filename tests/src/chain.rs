//! A real `solana-test-validator` on free loopback ports with the program
//! loaded, and a fee payer that sends transactions to it.
//!
//! Needs `target/deploy/compute_escrow.so` (scripts/build-sbf.sh) and a
//! validator: `SOLANA_TEST_VALIDATOR`, or `solana-test-validator` on PATH
//! (scripts/find-validator.sh prints one).

use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::sysvar;
use solana_sdk::transaction::Transaction;

use crate::sbf_out_dir;

/// A validator process on loopback, killed on drop.
pub struct Validator {
    child: Child,
    /// JSON-RPC client (confirmed commitment).
    pub rpc: RpcClient,
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// Websocket URL.
    pub ws_url: String,
    _ledger: TempDir,
    /// Held while this validator runs (see `ONE_AT_A_TIME`).
    _turn: tokio::sync::MutexGuard<'static, ()>,
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
pub fn free_ports(count: u16) -> u16 {
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

/// One validator at a time per test process: several at once starve each
/// other on small machines. Held by [`Validator`] until it is dropped.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn start_validator() -> Validator {
    let turn = ONE_AT_A_TIME.lock().await;
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
        .arg("--upgradeable-program")
        .arg(compute_escrow::ID.to_string())
        .arg(&so)
        .arg(crate::upgrade_authority().pubkey().to_string())
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
        rpc_url: format!("http://127.0.0.1:{rpc_port}"),
        ws_url: format!("ws://127.0.0.1:{}", rpc_port + 1),
        _ledger: TempDir(ledger),
        _turn: turn,
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
pub struct Chain {
    /// The validator.
    pub v: Validator,
    /// Pays every transaction fee.
    pub fee_payer: Keypair,
}

impl Chain {
    /// What a renter signs to rent `listing` now: its price and terms hash,
    /// and the market's fee and grace.
    pub async fn quote(&self, listing: &Pubkey) -> compute_escrow::instructions::QuotedTerms {
        use compute_escrow_client::accounts;
        let listing = accounts::listing(&self.v.rpc, listing)
            .await
            .expect("listing");
        let config = accounts::config(&self.v.rpc).await.expect("config");
        compute_escrow_client::quote::terms_in_force(&listing, &config)
    }

    pub async fn fund(&self, key: &Pubkey, lamports: u64) {
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

    pub async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) {
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

    /// Sends one transaction per instruction without waiting, then waits
    /// until all are confirmed (fast for many independent transactions).
    pub async fn send_many(&self, ixs: Vec<Instruction>, signer: &Keypair) {
        let blockhash = self.v.rpc.get_latest_blockhash().await.expect("blockhash");
        let mut signatures = Vec::new();
        for ix in ixs {
            let tx = Transaction::new_signed_with_payer(
                &[ix],
                Some(&self.fee_payer.pubkey()),
                &[&self.fee_payer, signer],
                blockhash,
            );
            signatures.push(self.v.rpc.send_transaction(&tx).await.expect("send"));
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        for sig in signatures {
            while !self.v.rpc.confirm_transaction(&sig).await.unwrap_or(false) {
                assert!(Instant::now() < deadline, "transactions not confirmed");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    pub async fn balance(&self, key: &Pubkey) -> u64 {
        self.v.rpc.get_balance(key).await.expect("balance")
    }

    pub async fn now(&self) -> i64 {
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
    pub async fn wait_until(&self, t: i64) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.now().await < t {
            assert!(Instant::now() < deadline, "chain clock did not reach {t}");
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
}

/// A market on a fresh validator: the config and one registered provider,
/// every party funded with 100 SOL and the fee payer with 100 SOL.
pub struct ChainMarket {
    pub chain: Chain,
    pub admin: Keypair,
    pub treasury: Keypair,
    /// The provider's authority.
    pub authority: Keypair,
    /// The provider's payout wallet.
    pub wallet: Keypair,
    pub attestor: Keypair,
    pub renter: Keypair,
    /// The provider account (PDA).
    pub provider: Pubkey,
}

impl ChainMarket {
    /// Starts a validator and sets up the market with `fee_bps` and a settle
    /// grace of `grace` seconds.
    pub async fn start(fee_bps: u16, grace: u32) -> ChainMarket {
        let chain = Chain {
            v: start_validator().await,
            fee_payer: Keypair::new(),
        };
        chain
            .fund(&chain.fee_payer.pubkey(), 100 * crate::LAMPORTS_PER_SOL)
            .await;
        let admin = crate::upgrade_authority();
        let [treasury, authority, wallet, attestor, renter] =
            std::array::from_fn(|_| Keypair::new());
        for key in [&admin, &treasury, &authority, &wallet, &attestor, &renter] {
            chain
                .fund(&key.pubkey(), 100 * crate::LAMPORTS_PER_SOL)
                .await;
        }
        let init = crate::ix::init_config(&admin.pubkey(), &treasury.pubkey(), fee_bps, grace);
        chain.send(&[init], &[&admin]).await;
        let register = crate::ix::register_provider(
            &authority.pubkey(),
            &wallet.pubkey(),
            "https://gpu.example/p.json",
        );
        chain.send(&[register], &[&authority]).await;
        let provider = compute_escrow::pda::provider(&authority.pubkey()).0;
        ChainMarket {
            chain,
            admin,
            treasury,
            authority,
            wallet,
            attestor,
            renter,
            provider,
        }
    }

    /// Creates the provider's listing `id` with `terms`; its address.
    pub async fn create_listing(
        &self,
        id: u64,
        terms: compute_escrow::instructions::ListingTerms,
    ) -> Pubkey {
        let ix = crate::ix::create_listing(&self.authority.pubkey(), id, terms);
        self.chain.send(&[ix], &[&self.authority]).await;
        compute_escrow::pda::listing(&self.provider, id).0
    }

    /// Applies `update` to `listing`, signed by the provider's authority.
    pub async fn update_listing(
        &self,
        listing: &Pubkey,
        update: compute_escrow::instructions::ListingUpdate,
    ) {
        let ix =
            crate::ix::update_listing(&self.authority.pubkey(), &self.provider, listing, update);
        self.chain.send(&[ix], &[&self.authority]).await;
    }
}
