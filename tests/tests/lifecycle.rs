//! Happy paths: every instruction, every field and balance it touches.

use anchor_lang::Space;
use compute_escrow::instructions::{ConfigUpdate, ListingUpdate};
use compute_escrow::pda;
use compute_escrow::state::{CloseReason, Config, Lease, LeaseState, ListingState, Provider};
use compute_escrow_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// 1 lamport per second at the default price.
const PRICE: u64 = 3_600_000;

#[tokio::test]
async fn init_config_stores_settings_and_admin_pays_rent() {
    let mut bank = Bank::start().await;
    let admin = upgrade_authority();
    bank.airdrop(&admin.pubkey(), 5 * LAMPORTS_PER_SOL).await;
    let treasury = Pubkey::new_unique();
    bank.send(
        &[ix::init_config(&admin.pubkey(), &treasury, 120, 900)],
        &[&admin],
    )
    .await
    .unwrap();
    let (config_key, bump) = pda::config();
    let config: Config = bank.account(&config_key).await.unwrap();
    assert_eq!(
        config,
        Config {
            admin: admin.pubkey(),
            pending_admin: Pubkey::default(),
            treasury,
            fee_bps: 120,
            paused: false,
            settle_grace_seconds: 900,
            bump,
        }
    );
    let rent = bank.rent(8 + Config::INIT_SPACE).await;
    assert_eq!(bank.lamports(&config_key).await, rent);
    assert_eq!(
        bank.lamports(&admin.pubkey()).await,
        5 * LAMPORTS_PER_SOL - rent
    );
}

#[tokio::test]
async fn update_config_changes_only_given_fields() {
    let mut m = Market::new().await;
    let admin = m.admin.insecure_clone();
    let new_treasury = Pubkey::new_unique();
    let update = ConfigUpdate {
        fee_bps: Some(500),
        ..Default::default()
    };
    let ix = ix::update_config_treasury(&admin.pubkey(), update, Some(new_treasury));
    m.bank.send(&[ix], &[&admin]).await.unwrap();
    let config: Config = m.bank.account(&pda::config().0).await.unwrap();
    assert_eq!(config.treasury, new_treasury);
    assert_eq!(config.fee_bps, 500);
    assert_eq!(config.admin, admin.pubkey());
    assert!(!config.paused);
    assert_eq!(config.settle_grace_seconds, GRACE_SECONDS);

    let new_admin = m.bank.funded(1).await;
    let update = ConfigUpdate {
        new_admin: Some(new_admin.pubkey()),
        paused: Some(true),
        settle_grace_seconds: Some(600),
        ..Default::default()
    };
    m.update_config(update).await.unwrap();
    let config: Config = m.bank.account(&pda::config().0).await.unwrap();
    assert_eq!(
        (
            config.admin,
            config.pending_admin,
            config.paused,
            config.settle_grace_seconds
        ),
        (admin.pubkey(), new_admin.pubkey(), true, 600)
    );
    assert_eq!(config.fee_bps, 500);
    // Proposed is not yet admin; accepting hands the config over.
    m.bank
        .send(&[ix::accept_admin(&new_admin.pubkey())], &[&new_admin])
        .await
        .unwrap();
    let config: Config = m.bank.account(&pda::config().0).await.unwrap();
    assert_eq!(
        (config.admin, config.pending_admin),
        (new_admin.pubkey(), Pubkey::default())
    );
    // The old admin is out, the new one is in.
    let old = ix::update_config(&admin.pubkey(), ConfigUpdate::default());
    m.refused(
        &[old],
        &[&admin],
        compute_escrow::error::EscrowError::Unauthorized,
        &[],
    )
    .await;
    let new = ix::update_config(
        &new_admin.pubkey(),
        ConfigUpdate {
            paused: Some(false),
            ..Default::default()
        },
    );
    m.bank.send(&[new], &[&new_admin]).await.unwrap();
}

#[tokio::test]
async fn register_and_update_provider() {
    let mut m = Market::new().await;
    let provider = m.provider().await;
    let (key, bump) = pda::provider(&m.provider_authority.pubkey());
    assert_eq!(key, m.provider);
    assert_eq!(
        provider,
        Provider {
            authority: m.provider_authority.pubkey(),
            payout_wallet: m.payout_wallet.pubkey(),
            listing_count: 1,
            leases_settled: 0,
            seconds_attested: 0,
            seconds_missed: 0,
            lamports_earned: 0,
            registered_at: GENESIS_TIME,
            bump,
            metadata_uri: "https://gpu.example/provider.json".into(),
        }
    );
    let authority = m.provider_authority.insecure_clone();
    let wallet = Pubkey::new_unique();
    let ix = ix::update_provider(&authority.pubkey(), &m.provider, Some(wallet), None);
    m.bank.send(&[ix], &[&authority]).await.unwrap();
    let updated = m.provider().await;
    assert_eq!(updated.payout_wallet, wallet);
    assert_eq!(updated.metadata_uri, provider.metadata_uri);
    let ix = ix::update_provider(
        &authority.pubkey(),
        &m.provider,
        None,
        Some("ipfs://x".into()),
    );
    m.bank.send(&[ix], &[&authority]).await.unwrap();
    let updated = m.provider().await;
    assert_eq!(
        (updated.payout_wallet, updated.metadata_uri.as_str()),
        (wallet, "ipfs://x")
    );
}

#[tokio::test]
async fn create_listing_records_terms_and_numbers_listings() {
    let mut m = Market::new().await;
    let listing = m.listing().await;
    let terms = default_terms(m.attestor.pubkey());
    assert_eq!(listing.state, ListingState::Active);
    assert_eq!(listing.provider, m.provider);
    assert_eq!(listing.listing_id, 0);
    assert_eq!(
        listing.price_lamports_per_hour,
        terms.price_lamports_per_hour
    );
    assert_eq!((listing.min_hours, listing.max_hours), (1, 24));
    assert_eq!(listing.attestors, one_attestor(m.attestor.pubkey()));
    assert_eq!(
        (listing.gpu_count, listing.vram_gb, listing.capacity),
        (8, 80, 2)
    );
    assert_eq!((listing.active_leases, listing.leases_opened), (0, 0));
    assert_eq!(
        (listing.created_at, listing.updated_at),
        (GENESIS_TIME, GENESIS_TIME)
    );
    assert_eq!(listing.bump, pda::listing(&m.provider, 0).1);
    assert_eq!(
        (
            listing.gpu_model.as_str(),
            listing.region.as_str(),
            listing.health_check.as_str()
        ),
        ("H100-80GB", "eu-west", "tcp://10.0.0.7:22")
    );

    let authority = m.provider_authority.insecure_clone();
    let mut second = default_terms(m.attestor.pubkey());
    second.gpu_model = "A100".into();
    m.bank
        .send(
            &[ix::create_listing(&authority.pubkey(), 1, second)],
            &[&authority],
        )
        .await
        .unwrap();
    let key = pda::listing(&m.provider, 1).0;
    let listing2: compute_escrow::state::Listing = m.bank.account(&key).await.unwrap();
    assert_eq!(
        (listing2.listing_id, listing2.gpu_model.as_str()),
        (1, "A100")
    );
    assert_eq!(m.provider().await.listing_count, 2);
}

#[tokio::test]
async fn update_pause_resume_and_close_listing() {
    let mut m = Market::new().await;
    m.bank.advance(100).await;
    let update = ListingUpdate {
        price_lamports_per_hour: Some(7_200_000),
        region: Some("us-east".into()),
        capacity: Some(5),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    let listing = m.listing().await;
    assert_eq!(
        (
            listing.price_lamports_per_hour,
            listing.region.as_str(),
            listing.capacity
        ),
        (7_200_000, "us-east", 5)
    );
    assert_eq!(listing.gpu_model, "H100-80GB");
    assert_eq!(listing.updated_at, GENESIS_TIME + 100);

    m.set_paused(true).await.unwrap();
    assert_eq!(m.listing().await.state, ListingState::Paused);
    m.set_paused(false).await.unwrap();
    assert_eq!(m.listing().await.state, ListingState::Active);
    m.close_listing().await.unwrap();
    assert_eq!(m.listing().await.state, ListingState::Closed);
}

#[tokio::test]
async fn open_lease_escrows_price_times_hours() {
    let mut m = Market::new().await;
    let before = m.balances().await;
    let lease_key = m.open(42, 3).await.unwrap();
    let (expected_key, bump) = pda::lease(&m.listing, &m.renter.pubkey(), 42);
    assert_eq!(lease_key, expected_key);
    let rent = m.bank.rent(8 + Lease::INIT_SPACE).await;
    let deposit = 3 * PRICE;
    assert_eq!(m.bank.lamports(&lease_key).await, rent + deposit);
    assert_eq!(m.escrow(&lease_key).await, deposit);
    let after = m.balances().await;
    assert_eq!(after[0], before[0] - rent - deposit);
    assert_eq!((after[1], after[2]), (before[1], before[2]));

    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(
        lease,
        Lease {
            state: LeaseState::Active,
            close_reason: CloseReason::None,
            renter: m.renter.pubkey(),
            provider: m.provider,
            listing: m.listing,
            attestors: one_attestor(m.attestor.pubkey()),
            lease_id: 42,
            price_lamports_per_hour: PRICE,
            fee_bps: FEE_BPS,
            settle_grace_seconds: GRACE_SECONDS,
            hours: 3,
            start_ts: GENESIS_TIME,
            end_ts: GENESIS_TIME + 3 * 3600,
            cancelled_at: 0,
            deposited: deposit,
            attested_until: GENESIS_TIME,
            attested_seconds: 0,
            down_seconds: 0,
            paid_out: 0,
            fee_paid: 0,
            refunded: 0,
            bump,
            health_check: "tcp://10.0.0.7:22".into(),
        }
    );
    let listing = m.listing().await;
    assert_eq!((listing.active_leases, listing.leases_opened), (1, 1));
}

#[tokio::test]
async fn extend_lease_adds_hours_at_the_lease_price() {
    let mut m = Market::new().await;
    let lease_key = m.open(1, 2).await.unwrap();
    // A later price change does not touch the open lease's extension price.
    let update = ListingUpdate {
        price_lamports_per_hour: Some(PRICE * 10),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    m.bank.advance(1_000).await;
    let before = m.balances().await;
    m.extend(&lease_key, 3).await.unwrap();
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(lease.hours, 5);
    assert_eq!(lease.end_ts, GENESIS_TIME + 5 * 3600);
    assert_eq!(lease.deposited, 5 * PRICE);
    assert_eq!(m.escrow(&lease_key).await, 5 * PRICE);
    assert_eq!(m.balances().await[0], before[0] - 3 * PRICE);
}

#[tokio::test]
async fn attest_uptime_moves_lease_and_provider_counters() {
    let mut m = Market::new().await;
    let lease_key = m.open(1, 1).await.unwrap();
    m.bank.advance(600).await;
    m.attest(&lease_key, GENESIS_TIME, GENESIS_TIME + 300, 300)
        .await
        .unwrap();
    m.attest(&lease_key, GENESIS_TIME + 300, GENESIS_TIME + 600, 120)
        .await
        .unwrap();
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(lease.attested_until, GENESIS_TIME + 600);
    assert_eq!((lease.attested_seconds, lease.down_seconds), (420, 180));
    assert_eq!(lease.state, LeaseState::Active);
    let provider = m.provider().await;
    assert_eq!(
        (provider.seconds_attested, provider.seconds_missed),
        (420, 180)
    );
    // Attesting up to the end marks the lease Ended.
    m.bank.advance(3_000).await;
    m.attest(&lease_key, GENESIS_TIME + 600, GENESIS_TIME + 3_600, 3_000)
        .await
        .unwrap();
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(
        (lease.state, lease.attested_seconds),
        (LeaseState::Ended, 3_420)
    );
    assert_eq!(
        m.escrow(&lease_key).await,
        PRICE,
        "attesting moves no lamports"
    );
}

#[tokio::test]
async fn claim_pays_provider_and_fee_and_is_repeatable() {
    let mut m = Market::new().await;
    let lease_key = m.open(1, 2).await.unwrap();
    m.bank.advance(1_000).await;
    m.attest(&lease_key, GENESIS_TIME, GENESIS_TIME + 1_000, 999)
        .await
        .unwrap();
    let before = m.balances().await;
    m.claim(&lease_key).await.unwrap();
    // earned = 999 s × 1 lamport/s... at 3.6M/h that is 999_000 lamports.
    let earned = 999_000;
    let fee = earned * u64::from(FEE_BPS) / 10_000;
    let after = m.balances().await;
    assert_eq!(after[1], before[1] + earned - fee);
    assert_eq!(after[2], before[2] + fee);
    assert_eq!(after[0], before[0]);
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!((lease.paid_out, lease.fee_paid), (earned - fee, fee));
    assert_eq!(m.escrow(&lease_key).await, 2 * PRICE - earned);
    assert_eq!(m.provider().await.lamports_earned, earned - fee);

    m.bank.advance(500).await;
    m.attest(&lease_key, GENESIS_TIME + 1_000, GENESIS_TIME + 1_500, 500)
        .await
        .unwrap();
    m.claim(&lease_key).await.unwrap();
    let total = 1_499_000;
    let total_fee = total * u64::from(FEE_BPS) / 10_000;
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(
        (lease.paid_out, lease.fee_paid),
        (total - total_fee, total_fee)
    );
    let last = m.balances().await;
    assert_eq!(last[1], before[1] + total - total_fee);
    assert_eq!(last[2], before[2] + total_fee);
}

#[tokio::test]
async fn cancel_refunds_the_time_that_can_no_longer_be_earned() {
    let mut m = Market::new().await;
    let lease_key = m.open(1, 4).await.unwrap();
    m.bank.advance(1_800).await;
    m.attest(&lease_key, GENESIS_TIME, GENESIS_TIME + 1_200, 1_200)
        .await
        .unwrap();
    let before = m.balances().await;
    m.cancel(&lease_key).await.unwrap();
    // The provider may still be attested for [start, now) = 1800 s at most.
    let refund = 4 * PRICE - 1_800_000;
    assert_eq!(m.balances().await[0], before[0] + refund);
    let lease = m.lease(&lease_key).await.unwrap();
    assert_eq!(lease.state, LeaseState::Cancelled);
    assert_eq!(
        (lease.end_ts, lease.cancelled_at),
        (GENESIS_TIME + 1_800, GENESIS_TIME + 1_800)
    );
    assert_eq!(lease.refunded, refund);
    assert_eq!(m.escrow(&lease_key).await, 1_800_000);
    // The attestor may still cover the time before the cancel, within grace.
    m.bank.advance(100).await;
    m.attest(&lease_key, GENESIS_TIME + 1_200, GENESIS_TIME + 1_800, 300)
        .await
        .unwrap();
    assert_eq!(m.lease(&lease_key).await.unwrap().attested_seconds, 1_500);
}

#[tokio::test]
async fn settle_pays_attested_refunds_rest_and_closes() {
    let mut m = Market::new().await;
    let lease_key = m.open(1, 2).await.unwrap();
    let rent = m.bank.lamports(&lease_key).await - 2 * PRICE;
    m.bank.advance(3_600).await;
    m.attest(&lease_key, GENESIS_TIME, GENESIS_TIME + 3_600, 3_000)
        .await
        .unwrap();
    m.claim(&lease_key).await.unwrap();
    m.bank.advance(3_600).await;
    m.attest(
        &lease_key,
        GENESIS_TIME + 3_600,
        GENESIS_TIME + 5_400,
        1_001,
    )
    .await
    .unwrap();
    // Past end + grace (end = +7200, grace 3600).
    m.bank.set_time(GENESIS_TIME + 7_200 + 3_600).await;
    let before = m.balances().await;
    m.settle(&lease_key).await.unwrap();
    let earned = 4_001_000u64;
    let fee_total = earned * u64::from(FEE_BPS) / 10_000;
    let first_fee = 3_000_000 * u64::from(FEE_BPS) / 10_000;
    let second_provider = (earned - fee_total) - (3_000_000 - first_fee);
    let second_fee = fee_total - first_fee;
    let refund = 2 * PRICE - earned;
    let after = m.balances().await;
    assert_eq!(
        after[0],
        before[0] + refund + rent,
        "renter gets refund and rent"
    );
    assert_eq!(after[1], before[1] + second_provider);
    assert_eq!(after[2], before[2] + second_fee);
    assert!(
        m.lease(&lease_key).await.is_none(),
        "lease account is closed"
    );
    assert_eq!(m.bank.lamports(&lease_key).await, 0);

    let provider = m.provider().await;
    assert_eq!(provider.leases_settled, 1);
    assert_eq!(provider.seconds_attested, 4_001);
    // 600 + 799 attested down, plus the unattested 1800 s tail.
    assert_eq!(provider.seconds_missed, 600 + 799 + 1_800);
    assert_eq!(provider.lamports_earned, earned - fee_total);
    assert_eq!(m.listing().await.active_leases, 0);
    // The listing can now be closed.
    m.close_listing().await.unwrap();
}

#[tokio::test]
async fn settle_after_cancel_and_price_change_uses_the_snapshot() {
    let mut m = Market::new().await;
    let lease_key = m.open(9, 3).await.unwrap();
    let update = ListingUpdate {
        price_lamports_per_hour: Some(1),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    m.bank.advance(2_000).await;
    m.cancel(&lease_key).await.unwrap();
    m.attest(&lease_key, GENESIS_TIME, GENESIS_TIME + 2_000, 1_500)
        .await
        .unwrap();
    m.bank.advance(i64::from(GRACE_SECONDS)).await;
    let renter_before = m.bank.lamports(&m.renter.pubkey()).await;
    let lease_lamports = m.bank.lamports(&lease_key).await;
    m.settle(&lease_key).await.unwrap();
    // 1500 s at the snapshot price of 1000 lamports/s were earned; the other
    // 500 s of the 2000 left in escrow at cancel go back with the rent.
    let earned = 1_500_000;
    assert_eq!(
        m.bank.lamports(&m.renter.pubkey()).await,
        renter_before + lease_lamports - earned
    );
    assert_eq!(
        m.provider().await.lamports_earned,
        earned - earned * u64::from(FEE_BPS) / 10_000
    );
}

#[tokio::test]
async fn settle_needs_no_party_signature() {
    let mut m = Market::new().await;
    let lease_key = m.open(3, 1).await.unwrap();
    m.bank.advance(3_600 + i64::from(GRACE_SECONDS)).await;
    // A stranger sends it; no party of the lease signs.
    let stranger = m.bank.funded(1).await;
    let ix = ix::settle_lease(
        &m.provider,
        &m.listing,
        &lease_key,
        &m.renter.pubkey(),
        &m.payout_wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    let renter_before = m.bank.lamports(&m.renter.pubkey()).await;
    let lease_lamports = m.bank.lamports(&lease_key).await;
    m.bank.send_as(&stranger, &[ix], &[]).await.unwrap();
    assert_eq!(
        m.bank.lamports(&m.renter.pubkey()).await,
        renter_before + lease_lamports
    );
    // The stranger paid only the signature fee.
    assert_eq!(
        m.bank.lamports(&stranger.pubkey()).await,
        LAMPORTS_PER_SOL - 5_000
    );
}
