//! Payout wallets and treasuries that cannot take lamports: refused when set,
//! a named error at claim, and never able to block a settle (the share they
//! cannot take is forfeited to the renter).

use anchor_lang::error::ErrorCode as AnchorError;
use compute_escrow::error::EscrowError as E;
use compute_escrow::instructions::ConfigUpdate;
use compute_escrow::pda;
use compute_escrow_tests::*;
use solana_sdk::account::{AccountSharedData, WritableAccount};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::sysvar;
use solana_system_interface::instruction as system_instruction;

/// 1 lamport per second at the default price.
const PRICE: u64 = 3_600_000;

/// Moves every lamport out of `wallet`, leaving it at 0.
async fn drain(m: &mut Market, wallet: &Keypair) {
    let all = m.bank.lamports(&wallet.pubkey()).await;
    let ix = system_instruction::transfer(&wallet.pubkey(), &Pubkey::new_unique(), all);
    m.bank.send(&[ix], &[wallet]).await.unwrap();
    assert_eq!(m.bank.lamports(&wallet.pubkey()).await, 0);
}

/// Turns `key` into an executable account, as deploying a program there would.
fn make_executable(m: &mut Market, key: &Pubkey) {
    m.bank.set_account(key, &executable_account());
}

fn executable_account() -> AccountSharedData {
    let mut account = AccountSharedData::new(LAMPORTS_PER_SOL, 0, &solana_sdk::bpf_loader::ID);
    account.set_executable(true);
    account
}

#[tokio::test]
async fn executable_or_reserved_recipients_are_refused_when_set() {
    let mut m = Market::new().await;
    // An executable account not invoked by the transaction (a deployed program).
    let executable = Pubkey::new_unique();
    make_executable(&mut m, &executable);
    let fresh = m.bank.funded(1).await;
    let f = fresh.pubkey();
    let provider = pda::provider(&f).0;
    let ix = ix::register_provider(&f, &executable, "");
    m.refused(&[ix], &[&fresh], E::InvalidRecipient, &[f, provider])
        .await;
    // Sysvars are reserved and the invoked program is demoted: the runtime
    // never lets either be written, so they fail the writable check.
    for key in [sysvar::clock::ID, compute_escrow::ID] {
        let ix = ix::register_provider(&f, &key, "");
        let failure = m.refused_any(&[ix], &[&fresh], &[f, provider]).await;
        assert_eq!(
            failure,
            TxFailure::Program(AnchorError::ConstraintMut.into())
        );
    }

    let a = m.provider_authority.insecure_clone();
    let ix = ix::update_provider(&a.pubkey(), &m.provider, Some(executable), None);
    m.refused(&[ix], &[&a], E::InvalidRecipient, &[]).await;

    let admin = m.admin.insecure_clone();
    let ix = ix::update_config_treasury(&admin.pubkey(), ConfigUpdate::default(), Some(executable));
    m.refused(&[ix], &[&admin], E::InvalidRecipient, &[]).await;

    let mut bank = Bank::start().await;
    let admin = upgrade_authority();
    bank.airdrop(&admin.pubkey(), LAMPORTS_PER_SOL).await;
    bank.set_account(&executable, &executable_account());
    let result = bank
        .send(
            &[ix::init_config(&admin.pubkey(), &executable, 0, 600)],
            &[&admin],
        )
        .await;
    assert_err(result, E::InvalidRecipient);
    assert!(bank.data(&pda::config().0).await.is_none());
}

#[tokio::test]
async fn program_owned_accounts_are_refused_as_recipients() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    // This program's own accounts (lamports there would be stuck, or swell a
    // lease's escrow unaccounted) and another program's account.
    let token_account = Pubkey::new_unique();
    m.bank.set_account(
        &token_account,
        &AccountSharedData::new(LAMPORTS_PER_SOL, 165, &Pubkey::new_unique()),
    );
    let refused = [pda::config().0, m.provider, m.listing, lease, token_account];
    let fresh = m.bank.funded(1).await;
    let f = fresh.pubkey();
    let a = m.provider_authority.insecure_clone();
    let admin = m.admin.insecure_clone();
    for key in refused {
        let register = ix::register_provider(&f, &key, "");
        m.refused(
            &[register],
            &[&fresh],
            E::InvalidRecipient,
            &[f, key, lease],
        )
        .await;
        let update = ix::update_provider(&a.pubkey(), &m.provider, Some(key), None);
        m.refused(&[update], &[&a], E::InvalidRecipient, &[key, lease])
            .await;
        let treasury =
            ix::update_config_treasury(&admin.pubkey(), ConfigUpdate::default(), Some(key));
        m.refused(&[treasury], &[&admin], E::InvalidRecipient, &[key, lease])
            .await;
    }
}

#[tokio::test]
async fn a_payout_wallet_that_became_a_lease_is_never_paid() {
    // The provider names as payout wallet the address of a lease it opens
    // later (a system-owned address until then), so the wallet turns into a
    // program-owned account. Claims refuse it; settle forfeits to the renter.
    let mut m = Market::new().await;
    let a = m.provider_authority.insecure_clone();
    let trap = m.lease_of(&a.pubkey(), 77);
    let update = ix::update_provider(&a.pubkey(), &m.provider, Some(trap), None);
    m.bank.send(&[update], &[&a]).await.unwrap();
    let renter_lease = m.open(1, 1).await.unwrap();
    let quote = m.quote().await;
    let open_trap = ix::open_lease(&a.pubkey(), &m.listing, 77, 1, quote);
    m.bank.send(&[open_trap], &[&a]).await.unwrap();
    m.bank.advance(600).await;
    m.attest(&renter_lease, GENESIS_TIME, GENESIS_TIME + 600, 600)
        .await
        .unwrap();
    let claim = ix::claim_payout(
        &a.pubkey(),
        &m.provider,
        &renter_lease,
        &trap,
        &m.treasury.pubkey(),
    );
    m.refused(
        &[claim],
        &[&a],
        E::PayoutWalletCannotReceive,
        &[renter_lease, trap],
    )
    .await;
    let trap_before = m.bank.lamports(&trap).await;
    let renter_before = m.bank.lamports(&m.renter.pubkey()).await;
    let renter_lease_lamports = m.bank.lamports(&renter_lease).await;
    m.bank.advance(3_000 + i64::from(GRACE_SECONDS)).await;
    let settle = ix::settle_lease(
        &m.provider,
        &m.listing,
        &renter_lease,
        &m.renter.pubkey(),
        &trap,
        &m.treasury.pubkey(),
    );
    m.bank.send(&[settle], &[]).await.unwrap();
    assert_eq!(
        m.bank.lamports(&trap).await,
        trap_before,
        "nothing paid into a lease"
    );
    let fee = 600 * PRICE / 3_600 * u64::from(FEE_BPS) / 10_000;
    assert_eq!(
        m.bank.lamports(&m.renter.pubkey()).await,
        renter_before + renter_lease_lamports - fee
    );
}

#[tokio::test]
async fn drained_payout_wallet_fails_small_claims_but_not_large_ones() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2).await.unwrap();
    let wallet = m.payout_wallet.insecure_clone();
    drain(&mut m, &wallet).await;
    m.bank.advance(100).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 100, 100)
        .await
        .unwrap();
    // 97,500 lamports would leave the empty wallet below rent exemption.
    let ix = ix::claim_payout(
        &m.provider_authority.pubkey(),
        &m.provider,
        &lease,
        &wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    let authority = m.provider_authority.insecure_clone();
    m.refused(&[ix], &[&authority], E::PayoutWalletCannotReceive, &[lease])
        .await;
    // Once the share covers rent exemption, the claim goes through.
    m.bank.advance(1_900).await;
    let now = GENESIS_TIME + 2_000;
    m.attest(&lease, GENESIS_TIME + 100, now, 1_900)
        .await
        .unwrap();
    m.claim(&lease).await.unwrap();
    let earned = 2_000_000;
    let fee = earned * u64::from(FEE_BPS) / 10_000;
    assert_eq!(m.bank.lamports(&wallet.pubkey()).await, earned - fee);
}

#[tokio::test]
async fn settle_forfeits_what_a_drained_payout_wallet_cannot_take() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let wallet = m.payout_wallet.insecure_clone();
    drain(&mut m, &wallet).await;
    m.bank.advance(100).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 100, 100)
        .await
        .unwrap();
    m.bank
        .set_time(GENESIS_TIME + 3_600 + i64::from(GRACE_SECONDS))
        .await;
    let before = m.balances().await;
    let lease_lamports = m.bank.lamports(&lease).await;
    m.settle(&lease).await.unwrap();
    let fee = 100_000 * u64::from(FEE_BPS) / 10_000;
    let after = m.balances().await;
    assert_eq!(
        after[0],
        before[0] + lease_lamports - fee,
        "renter gets the forfeited share"
    );
    assert_eq!(after[1], 0, "the wallet got nothing");
    assert_eq!(
        after[2],
        before[2] + fee,
        "the healthy treasury still gets its fee"
    );
    assert_eq!(m.provider().await.lamports_earned, 0);
    assert!(m.lease(&lease).await.is_none());
}

#[tokio::test]
async fn payout_wallet_turned_executable_cannot_block_settle() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    m.bank.advance(3_600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 3_600, 3_600)
        .await
        .unwrap();
    // The provider deploys a program at its payout address after registering.
    let wallet = m.payout_wallet.pubkey();
    make_executable(&mut m, &wallet);
    let authority = m.provider_authority.insecure_clone();
    let ix = ix::claim_payout(
        &authority.pubkey(),
        &m.provider,
        &lease,
        &wallet,
        &m.treasury.pubkey(),
    );
    m.refused(&[ix], &[&authority], E::PayoutWalletCannotReceive, &[lease])
        .await;
    m.bank.advance(i64::from(GRACE_SECONDS)).await;
    let renter_before = m.bank.lamports(&m.renter.pubkey()).await;
    let lease_lamports = m.bank.lamports(&lease).await;
    m.settle(&lease).await.unwrap();
    let fee = PRICE * u64::from(FEE_BPS) / 10_000;
    assert_eq!(
        m.bank.lamports(&m.renter.pubkey()).await,
        renter_before + lease_lamports - fee
    );
    assert_eq!(m.bank.lamports(&wallet).await, LAMPORTS_PER_SOL);
}

#[tokio::test]
async fn drained_treasury_defers_the_fee_then_forfeits_it_at_settle() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let treasury = m.treasury.insecure_clone();
    drain(&mut m, &treasury).await;
    m.bank.advance(600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 600, 600)
        .await
        .unwrap();
    let before = m.balances().await;
    m.claim(&lease).await.unwrap();
    let fee = 600_000 * u64::from(FEE_BPS) / 10_000;
    let after = m.balances().await;
    assert_eq!(after[1], before[1] + 600_000 - fee, "the provider is paid");
    assert_eq!(after[2], 0, "the fee could not be delivered");
    let stored = m.lease(&lease).await.unwrap();
    assert_eq!((stored.paid_out, stored.fee_paid), (600_000 - fee, 0));
    assert_eq!(
        m.escrow(&lease).await,
        PRICE - (600_000 - fee),
        "the fee waits in escrow"
    );

    m.bank
        .set_time(GENESIS_TIME + 3_600 + i64::from(GRACE_SECONDS))
        .await;
    let renter_before = m.bank.lamports(&m.renter.pubkey()).await;
    let lease_lamports = m.bank.lamports(&lease).await;
    m.settle(&lease).await.unwrap();
    assert_eq!(
        m.bank.lamports(&m.renter.pubkey()).await,
        renter_before + lease_lamports
    );
    assert_eq!(m.bank.lamports(&treasury.pubkey()).await, 0);
}
