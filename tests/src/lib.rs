//! Test harness: the compute-escrow program inside a real bank
//! (solana-program-test), with a clock the tests move, instruction builders made
//! from the program crate's own generated types, and helpers to read accounts
//! and assert on the program's named errors. Instructions come from the SDK
//! (`compute_escrow_client::ix`), so every builder is exercised here.
#![allow(deprecated)] // ProgramTest and processor! are marked unstable API.

pub use compute_escrow_client::ix;

pub mod chain;
pub mod machine;
pub mod pg;
pub mod poll;
pub mod proxy;

use anchor_lang::{AccountDeserialize, Discriminator};
use compute_escrow::error::EscrowError;
use compute_escrow::instructions::{ConfigUpdate, ListingTerms, ListingUpdate, QuotedTerms};
use compute_escrow::state::{AttestorSet, Config, Lease, Listing, Provider};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::account_info::AccountInfo;
use solana_sdk::clock::Clock;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::rent::Rent;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};
use solana_sdk_ids::bpf_loader_upgradeable;
use solana_system_interface::instruction as system_instruction;

pub use compute_escrow;

/// Lamports in one SOL.
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
/// Unix time the tests' clock starts at (2026-01-01T00:00:00Z).
pub const GENESIS_TIME: i64 = 1_767_225_600;

/// Anchor's generated `entry` ties its three arguments to one lifetime, while
/// program-test's native processor passes independent ones: re-borrow them to
/// one lifetime for the duration of the call.
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    // SAFETY: the references are only used for this call, during which all of
    // them are alive; nothing escapes `entry`.
    let (program_id, accounts, data): (&Pubkey, &[AccountInfo], &[u8]) = unsafe {
        (
            std::mem::transmute::<&Pubkey, &Pubkey>(program_id),
            std::mem::transmute::<&[AccountInfo], &[AccountInfo]>(accounts),
            std::mem::transmute::<&[u8], &[u8]>(data),
        )
    };
    compute_escrow::entry(program_id, accounts, data)
}

/// Environment variable selecting the compiled program: `COMPUTE_ESCROW_SBF=1`
/// runs every test against `compute_escrow.so` (from `SBF_OUT_DIR`, default
/// `target/deploy`); otherwise the program runs natively.
pub const SBF_MODE_VAR: &str = "COMPUTE_ESCROW_SBF";

/// Whether the tests run the compiled `.so` rather than native code.
pub fn sbf_mode() -> bool {
    std::env::var(SBF_MODE_VAR).is_ok_and(|v| v == "1")
}

/// Directory holding `compute_escrow.so`: `SBF_OUT_DIR`, or the workspace's
/// `target/deploy` where `scripts/build-sbf.sh` writes it.
pub fn sbf_out_dir() -> std::path::PathBuf {
    std::env::var_os("SBF_OUT_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/deploy"),
        std::path::PathBuf::from,
    )
}

/// The key that deploys the program in every test bank and validator: the
/// program's upgrade authority, so the only key that may sign `init_config`.
pub fn upgrade_authority() -> Keypair {
    Keypair::new_from_array([0x5e; 32])
}

/// The upgradeable loader's ProgramData account of this program with
/// `upgrade_authority`, holding `elf` after its metadata.
pub fn program_data_account(elf: &[u8], upgrade_authority: Option<Pubkey>) -> Account {
    let mut data = bincode::serialize(&UpgradeableLoaderState::ProgramData {
        slot: 0,
        upgrade_authority_address: upgrade_authority,
    })
    .expect("ProgramData serializes");
    data.extend_from_slice(elf);
    Account {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner: bpf_loader_upgradeable::id(),
        executable: false,
        rent_epoch: u64::MAX,
    }
}

/// A ProgramTest with the program deployed and [`upgrade_authority`] as its
/// upgrade authority. In SBF mode the `.so` is deployed through the
/// upgradeable loader (Program and ProgramData accounts, real compute-unit
/// metering); natively the program runs as a builtin, and its ProgramData
/// account is installed as the upgradeable loader writes it.
pub fn program_test() -> ProgramTest {
    let authority = Some(upgrade_authority().pubkey());
    let program_data = compute_escrow::pda::program_data();
    if sbf_mode() {
        let so = sbf_out_dir().join("compute_escrow.so");
        let elf = std::fs::read(&so).unwrap_or_else(|e| {
            panic!(
                "{SBF_MODE_VAR}=1 but {} is unreadable ({e}): run scripts/build-sbf.sh",
                so.display()
            )
        });
        let program = bincode::serialize(&UpgradeableLoaderState::Program {
            programdata_address: program_data,
        })
        .expect("Program serializes");
        let mut pt = ProgramTest::default();
        pt.add_genesis_account(
            compute_escrow::ID,
            Account {
                lamports: Rent::default().minimum_balance(program.len()),
                data: program,
                owner: bpf_loader_upgradeable::id(),
                executable: true,
                rent_epoch: u64::MAX,
            },
        );
        pt.add_genesis_account(program_data, program_data_account(&elf, authority));
        pt
    } else {
        let mut pt = ProgramTest::new(
            "compute_escrow",
            compute_escrow::ID,
            processor!(process_instruction),
        );
        pt.prefer_bpf(false);
        pt.add_account(program_data, program_data_account(&[], authority));
        pt
    }
}

/// Why a transaction failed, reduced to what tests compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxFailure {
    /// The escrow program returned this custom error code.
    Program(u32),
    /// Any other transaction error.
    Other(String),
}

/// Error code of a named program error (6000 + variant index).
pub fn code(err: EscrowError) -> u32 {
    err.into()
}

/// Asserts that `result` failed with the program error `expected`.
#[track_caller]
pub fn assert_err(result: Result<(), TxFailure>, expected: EscrowError) {
    match result {
        Err(TxFailure::Program(c)) if c == code(expected) => {}
        other => panic!("expected {expected:?} ({}), got {other:?}", code(expected)),
    }
}

fn to_failure(err: BanksClientError) -> TxFailure {
    match err {
        BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(c),
        ))
        | BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
            ..
        } => TxFailure::Program(c),
        other => TxFailure::Other(format!("{other:?}")),
    }
}

/// The bank, its clock and the fee payer; the fee payer signs every
/// transaction so that parties' balances change only by what the program moves.
pub struct Bank {
    /// The program-test context.
    pub ctx: ProgramTestContext,
    /// Makes each transaction's signature unique, so a deliberate repeat of
    /// the same instruction is executed rather than deduplicated.
    nonce: u32,
}

impl Bank {
    /// Starts a bank with the program loaded and the clock at [`GENESIS_TIME`].
    pub async fn start() -> Bank {
        let ctx = program_test().start_with_context().await;
        let mut bank = Bank { ctx, nonce: 0 };
        bank.set_time(GENESIS_TIME).await;
        bank
    }

    /// Current unix time of the bank's clock.
    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    async fn clock(&mut self) -> Clock {
        self.ctx
            .banks_client
            .get_sysvar::<Clock>()
            .await
            .expect("clock sysvar")
    }

    /// Sets the clock's unix time.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the clock forward by `seconds`.
    pub async fn advance(&mut self, seconds: i64) {
        let now = self.now().await;
        self.set_time(now + seconds).await;
    }

    /// A new keypair holding `sol` SOL.
    pub async fn funded(&mut self, sol: u64) -> Keypair {
        let kp = Keypair::new();
        self.airdrop(&kp.pubkey(), sol * LAMPORTS_PER_SOL).await;
        kp
    }

    /// The fee payer's key.
    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Transfers `lamports` from the fee payer to `to`.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.ctx.payer.pubkey();
        let ix = system_instruction::transfer(&payer, to, lamports);
        self.send(&[ix], &[]).await.expect("airdrop");
    }

    /// Signs `ixs` with the fee payer plus `signers` and processes them.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TxFailure> {
        let payer = self.ctx.payer.insecure_clone();
        self.send_as(&payer, ixs, signers).await
    }

    /// Like [`Bank::send`] with `fee_payer` paying the fee.
    pub async fn send_as(
        &mut self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TxFailure> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(
            1_400_000 - self.nonce,
        )];
        all.extend_from_slice(ixs);
        let tx = self.sign_as(fee_payer, &all, signers).await;
        self.process(tx).await
    }

    /// Builds a transaction signed by the fee payer and `signers`.
    pub async fn sign(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let payer = self.ctx.payer.insecure_clone();
        self.sign_as(&payer, ixs, signers).await
    }

    /// Signs with a current blockhash: program-test registers a new one every
    /// few milliseconds, so a blockhash taken at start expires within a second.
    async fn sign_as(
        &mut self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Transaction {
        let blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let mut keys: Vec<&Keypair> = vec![fee_payer];
        keys.extend_from_slice(signers);
        Transaction::new_signed_with_payer(ixs, Some(&fee_payer.pubkey()), &keys, blockhash)
    }

    /// Sends `ixs` (no compute-budget instruction) and returns the compute
    /// units the transaction consumed.
    pub async fn send_measured(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<u64, TxFailure> {
        let tx = self.sign(ixs, signers).await;
        let outcome = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .map_err(to_failure)?;
        let consumed = outcome.metadata.map_or(0, |m| m.compute_units_consumed);
        outcome
            .result
            .map_err(|e| to_failure(BanksClientError::TransactionError(e)))?;
        Ok(consumed)
    }

    /// Processes an already signed transaction.
    pub async fn process(&mut self, tx: Transaction) -> Result<(), TxFailure> {
        self.ctx
            .banks_client
            .process_transaction(tx)
            .await
            .map_err(to_failure)
    }

    /// Overwrites the account at `key` (to simulate what other programs can do).
    pub fn set_account(&mut self, key: &Pubkey, account: &solana_sdk::account::AccountSharedData) {
        self.ctx.set_account(key, account);
    }

    /// Lamports held by `key` (0 if the account does not exist).
    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.ctx
            .banks_client
            .get_balance(*key)
            .await
            .expect("balance")
    }

    /// Raw data of `key`, `None` if it does not exist.
    pub async fn data(&mut self, key: &Pubkey) -> Option<Vec<u8>> {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .expect("get_account")
            .map(|a| a.data)
    }

    /// Decodes the Anchor account at `key`, `None` if it does not exist.
    pub async fn account<T: AccountDeserialize + Discriminator>(
        &mut self,
        key: &Pubkey,
    ) -> Option<T> {
        self.data(key)
            .await
            .filter(|d| !d.is_empty())
            .map(|d| T::try_deserialize(&mut d.as_slice()).expect("decodes"))
    }

    /// Rent-exempt minimum for `len` bytes, from the bank's rent sysvar.
    pub async fn rent(&mut self, len: usize) -> u64 {
        let rent: Rent = self.ctx.banks_client.get_sysvar().await.expect("rent");
        rent.minimum_balance(len)
    }
}

/// Listing terms the tests start from: 1 lamport per GPU-second
/// (3.6M lamports per hour), 1 to 24 hours, two leases at a time, one
/// attestor.
pub fn default_terms(attestor: Pubkey) -> ListingTerms {
    ListingTerms {
        gpu_model: "H100-80GB".into(),
        gpu_count: 8,
        vram_gb: 80,
        region: "eu-west".into(),
        health_check: "tcp://10.0.0.7:22".into(),
        price_lamports_per_hour: 3_600_000,
        min_hours: 1,
        max_hours: 24,
        attestors: one_attestor(attestor),
        capacity: 2,
    }
}

/// `attestor` alone deciding uptime (1 of 1) on a one-minute grid.
pub fn one_attestor(attestor: Pubkey) -> AttestorSet {
    AttestorSet::new(&[attestor], 1, 60).expect("a valid set")
}

/// Protocol fee the standard market uses (2.5 %).
pub const FEE_BPS: u16 = 250;
/// Settle grace the standard market uses.
pub const GRACE_SECONDS: u32 = 3_600;

/// A market with a config, one provider with one listing, an attestor and a
/// renter, all keys funded.
pub struct Market {
    pub bank: Bank,
    pub admin: Keypair,
    pub treasury: Keypair,
    pub provider_authority: Keypair,
    pub payout_wallet: Keypair,
    pub attestor: Keypair,
    pub renter: Keypair,
    /// The provider account (PDA).
    pub provider: Pubkey,
    /// The provider's first listing (PDA).
    pub listing: Pubkey,
}

impl Market {
    /// Starts a bank and sets up the standard market.
    pub async fn new() -> Market {
        let mut bank = Bank::start().await;
        let admin = upgrade_authority();
        bank.airdrop(&admin.pubkey(), 10 * LAMPORTS_PER_SOL).await;
        let treasury = bank.funded(1).await;
        let provider_authority = bank.funded(10).await;
        let payout_wallet = bank.funded(1).await;
        let attestor = bank.funded(1).await;
        let renter = bank.funded(1_000).await;
        bank.send(
            &[ix::init_config(
                &admin.pubkey(),
                &treasury.pubkey(),
                FEE_BPS,
                GRACE_SECONDS,
            )],
            &[&admin],
        )
        .await
        .expect("init_config");
        bank.send(
            &[ix::register_provider(
                &provider_authority.pubkey(),
                &payout_wallet.pubkey(),
                "https://gpu.example/provider.json",
            )],
            &[&provider_authority],
        )
        .await
        .expect("register_provider");
        let provider = compute_escrow::pda::provider(&provider_authority.pubkey()).0;
        bank.send(
            &[ix::create_listing(
                &provider_authority.pubkey(),
                0,
                default_terms(attestor.pubkey()),
            )],
            &[&provider_authority],
        )
        .await
        .expect("create_listing");
        let listing = compute_escrow::pda::listing(&provider, 0).0;
        Market {
            bank,
            admin,
            treasury,
            provider_authority,
            payout_wallet,
            attestor,
            renter,
            provider,
            listing,
        }
    }

    /// The listing as stored.
    pub async fn listing(&mut self) -> Listing {
        let key = self.listing;
        self.bank.account(&key).await.expect("listing exists")
    }

    /// The provider as stored.
    pub async fn provider(&mut self) -> Provider {
        let key = self.provider;
        self.bank.account(&key).await.expect("provider exists")
    }

    /// A lease as stored, `None` once settled (closed).
    pub async fn lease(&mut self, lease: &Pubkey) -> Option<Lease> {
        self.bank.account(lease).await
    }

    /// Opens lease `lease_id` for `hours` as the standard renter at the
    /// listing's current terms; returns its address.
    pub async fn open(&mut self, lease_id: u64, hours: u32) -> Result<Pubkey, TxFailure> {
        let renter = self.renter.insecure_clone();
        let quote = self.quote().await;
        self.open_as(&renter, lease_id, hours, quote).await
    }

    /// What a renter signs for the standard listing now.
    pub async fn quote(&mut self) -> QuotedTerms {
        let listing = self.listing().await;
        let config: Config = self
            .bank
            .account(&compute_escrow::pda::config().0)
            .await
            .expect("config exists");
        compute_escrow_client::quote::terms_in_force(&listing, &config)
    }

    /// Opens a lease on the standard listing as `renter` with explicit quoted terms.
    pub async fn open_as(
        &mut self,
        renter: &Keypair,
        lease_id: u64,
        hours: u32,
        quote: QuotedTerms,
    ) -> Result<Pubkey, TxFailure> {
        let ix = ix::open_lease(&renter.pubkey(), &self.listing, lease_id, hours, quote);
        self.bank.send(&[ix], &[renter]).await?;
        Ok(self.lease_of(&renter.pubkey(), lease_id))
    }

    /// Address of `renter`'s lease `lease_id` on the standard listing.
    pub fn lease_of(&self, renter: &Pubkey, lease_id: u64) -> Pubkey {
        compute_escrow::pda::lease(&self.listing, renter, lease_id).0
    }

    /// The attestor signs `[from, to)` with `up` seconds up.
    pub async fn attest(
        &mut self,
        lease: &Pubkey,
        from: i64,
        to: i64,
        up: u64,
    ) -> Result<(), TxFailure> {
        let ix = ix::attest_uptime(
            &self.attestor.pubkey(),
            &self.provider,
            &self.listing,
            lease,
            from,
            to,
            up,
        );
        let attestor = self.attestor.insecure_clone();
        self.bank.send(&[ix], &[&attestor]).await
    }

    /// The provider claims what `lease` owes.
    pub async fn claim(&mut self, lease: &Pubkey) -> Result<(), TxFailure> {
        let ix = ix::claim_payout(
            &self.provider_authority.pubkey(),
            &self.provider,
            lease,
            &self.payout_wallet.pubkey(),
            &self.treasury.pubkey(),
        );
        let authority = self.provider_authority.insecure_clone();
        self.bank.send(&[ix], &[&authority]).await
    }

    /// The provider's authority updates the standard listing.
    pub async fn update_listing(&mut self, update: ListingUpdate) -> Result<(), TxFailure> {
        let a = self.provider_authority.insecure_clone();
        let ix = ix::update_listing(&a.pubkey(), &self.provider, &self.listing, update);
        self.bank.send(&[ix], &[&a]).await
    }

    /// The provider's authority pauses (`true`) or resumes the standard listing.
    pub async fn set_paused(&mut self, paused: bool) -> Result<(), TxFailure> {
        let a = self.provider_authority.insecure_clone();
        let ix = ix::pause_listing(&a.pubkey(), &self.provider, &self.listing, paused);
        self.bank.send(&[ix], &[&a]).await
    }

    /// The provider's authority closes the standard listing.
    pub async fn close_listing(&mut self) -> Result<(), TxFailure> {
        let a = self.provider_authority.insecure_clone();
        let ix = ix::close_listing(&a.pubkey(), &self.provider, &self.listing);
        self.bank.send(&[ix], &[&a]).await
    }

    /// The admin updates the config.
    pub async fn update_config(&mut self, update: ConfigUpdate) -> Result<(), TxFailure> {
        let admin = self.admin.insecure_clone();
        let ix = ix::update_config(&admin.pubkey(), update);
        self.bank.send(&[ix], &[&admin]).await
    }

    /// The renter cancels `lease`.
    pub async fn cancel(&mut self, lease: &Pubkey) -> Result<(), TxFailure> {
        let ix = ix::cancel_lease(&self.renter.pubkey(), &self.listing, lease);
        let renter = self.renter.insecure_clone();
        self.bank.send(&[ix], &[&renter]).await
    }

    /// The renter extends `lease` by `hours`.
    pub async fn extend(&mut self, lease: &Pubkey, hours: u32) -> Result<(), TxFailure> {
        let ix = ix::extend_lease(&self.renter.pubkey(), &self.listing, lease, hours);
        let renter = self.renter.insecure_clone();
        self.bank.send(&[ix], &[&renter]).await
    }

    /// Anyone settles `lease` (the fee payer signs; no party signs).
    pub async fn settle(&mut self, lease: &Pubkey) -> Result<(), TxFailure> {
        let ix = self.settle_ix(lease, &self.renter.pubkey());
        self.bank.send(&[ix], &[]).await
    }

    /// `settle_lease` of `renter`'s `lease` on the standard listing, paying
    /// the standard payout wallet and treasury.
    pub fn settle_ix(&self, lease: &Pubkey, renter: &Pubkey) -> Instruction {
        ix::settle_lease(
            &self.provider,
            &self.listing,
            lease,
            renter,
            &self.payout_wallet.pubkey(),
            &self.treasury.pubkey(),
        )
    }

    /// Lamports of every party the program pays: renter, payout wallet,
    /// treasury, in that order.
    pub async fn balances(&mut self) -> [u64; 3] {
        let keys = [
            self.renter.pubkey(),
            self.payout_wallet.pubkey(),
            self.treasury.pubkey(),
        ];
        let mut out = [0; 3];
        for (slot, key) in out.iter_mut().zip(keys.iter()) {
            *slot = self.bank.lamports(key).await;
        }
        out
    }

    /// Lamports in `lease`'s escrow: its balance above rent exemption.
    pub async fn escrow(&mut self, lease: &Pubkey) -> u64 {
        let len = self.bank.data(lease).await.map_or(0, |d| d.len());
        if len == 0 {
            return 0;
        }
        let rent = self.bank.rent(len).await;
        self.bank.lamports(lease).await - rent
    }
}

/// Lamports and data of a set of accounts at one moment.
pub type Snapshot = Vec<(Pubkey, u64, Option<Vec<u8>>)>;

impl Market {
    /// Every account of the standard market, plus `extra`.
    pub fn watched(&self, extra: &[Pubkey]) -> Vec<Pubkey> {
        let mut keys = vec![
            compute_escrow::pda::config().0,
            self.provider,
            self.listing,
            self.admin.pubkey(),
            self.treasury.pubkey(),
            self.provider_authority.pubkey(),
            self.payout_wallet.pubkey(),
            self.attestor.pubkey(),
            self.renter.pubkey(),
        ];
        keys.extend_from_slice(extra);
        keys
    }

    /// Lamports and data of the market's accounts plus `extra`.
    pub async fn snapshot(&mut self, extra: &[Pubkey]) -> Snapshot {
        let mut out = Vec::new();
        for key in self.watched(extra) {
            let lamports = self.bank.lamports(&key).await;
            let data = self.bank.data(&key).await;
            out.push((key, lamports, data));
        }
        out
    }

    /// Sends `ixs`, asserts the transaction failed and that no watched
    /// account (the market's and `extra`) changed a lamport or a byte.
    pub async fn refused_any(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        extra: &[Pubkey],
    ) -> TxFailure {
        let before = self.snapshot(extra).await;
        let result = self.bank.send(ixs, signers).await;
        let after = self.snapshot(extra).await;
        let failure = result.expect_err("transaction should have been refused");
        for (b, a) in before.iter().zip(after.iter()) {
            assert_eq!(
                b, a,
                "account {} changed although the transaction failed",
                b.0
            );
        }
        failure
    }

    /// Like [`Market::refused_any`], and the failure is the program error `expected`.
    pub async fn refused(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: EscrowError,
        extra: &[Pubkey],
    ) {
        let failure = self.refused_any(ixs, signers, extra).await;
        assert_err(Err(failure), expected);
    }
}
