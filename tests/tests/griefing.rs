//! Cheap ways for one user to hurt another, each refused or made harmless:
//! squatting a listing's capacity, settling before the attestor could sign,
//! instruction data the program would once mis-read, and payouts aimed at
//! accounts nobody can spend from. Every refusal asserts the precise error and
//! that no watched account changed.

use anchor_lang::error::ErrorCode as AnchorError;
use compute_escrow::error::EscrowError as E;
use compute_escrow::instructions::ConfigUpdate;
use compute_escrow::pda;
use compute_escrow_tests::*;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};

/// 1 lamport per second at the default price.
const PRICE: u64 = 3_600_000;

fn anchor(code: AnchorError) -> TxFailure {
    TxFailure::Program(code.into())
}

/// `renter` opens lease `id` on the standard listing at its current terms.
async fn open_ix(m: &mut Market, renter: &Keypair, id: u64, hours: u32) -> Instruction {
    let quote = m.quote().await;
    ix::open_lease(&renter.pubkey(), &m.listing, id, hours, quote)
}

#[tokio::test]
async fn open_and_cancel_in_one_transaction_frees_the_slot_at_once() {
    let mut m = Market::new().await;
    let squatter = m.renter.insecure_clone();
    let capacity = m.listing().await.capacity;
    let start = m.bank.lamports(&squatter.pubkey()).await;
    let mut squatted = Vec::new();
    for id in 0..u64::from(capacity) {
        let open = open_ix(&mut m, &squatter, id, 24).await;
        let lease = m.lease_of(&squatter.pubkey(), id);
        let cancel = ix::cancel_lease(&squatter.pubkey(), &m.listing, &lease);
        m.bank.send(&[open, cancel], &[&squatter]).await.unwrap();
        squatted.push(lease);
    }
    let listing = m.listing().await;
    assert_eq!(listing.active_leases, 0, "no slot stays taken");
    assert_eq!(listing.leases_opened, u64::from(capacity));
    // A second renter fills the listing right after.
    let other = m.bank.funded(100).await;
    for id in 0..u64::from(capacity) {
        let open = open_ix(&mut m, &other, id, 1).await;
        m.bank.send(&[open], &[&other]).await.unwrap();
    }
    let full = open_ix(&mut m, &other, 99, 1).await;
    let lease = m.lease_of(&other.pubkey(), 99);
    m.refused(&[full], &[&other], E::ListingAtCapacity, &[lease])
        .await;
    // The squatted leases have nothing to attest: anyone settles them now,
    // and the squatter is back to its start less only the lease rent it gets
    // back at settle too.
    for lease in &squatted {
        let settle = m.settle_ix(lease, &squatter.pubkey());
        m.bank.send(&[settle], &[]).await.unwrap();
        assert!(m.lease(lease).await.is_none());
    }
    assert_eq!(m.bank.lamports(&squatter.pubkey()).await, start);
    assert_eq!(m.listing().await.active_leases, capacity);
}

#[tokio::test]
async fn cancel_and_settle_in_one_transaction_is_refused_while_time_is_unattested() {
    let mut m = Market::new().await;
    let renter = m.renter.insecure_clone();
    let lease = m.open(1, 2).await.unwrap();
    m.bank.advance(300).await;
    let cancel = ix::cancel_lease(&renter.pubkey(), &m.listing, &lease);
    let settle = m.settle_ix(&lease, &renter.pubkey());
    m.refused(
        &[cancel.clone(), settle.clone()],
        &[&renter],
        E::SettleTooEarly,
        &[lease],
    )
    .await;
    // Cancelled alone, the lease keeps its slot while the attestor may
    // still sign the 300 s, and cannot be settled inside the grace.
    m.bank.send(&[cancel], &[&renter]).await.unwrap();
    assert_eq!(m.listing().await.active_leases, 1);
    m.bank.advance(i64::from(GRACE_SECONDS) - 1).await;
    m.refused(
        std::slice::from_ref(&settle),
        &[],
        E::SettleTooEarly,
        &[lease],
    )
    .await;
    // The attestor signs up to the cancel: the slot is free and the lease
    // settles at once, paying the provider for the 300 s.
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 300, 300)
        .await
        .unwrap();
    assert_eq!(m.listing().await.active_leases, 0);
    let wallet = m.bank.lamports(&m.payout_wallet.pubkey()).await;
    m.bank.send(&[settle], &[]).await.unwrap();
    let earned = 300 * PRICE / 3_600;
    let fee = earned * u64::from(FEE_BPS) / 10_000;
    assert_eq!(
        m.bank.lamports(&m.payout_wallet.pubkey()).await,
        wallet + earned - fee
    );
}

#[tokio::test]
async fn a_lease_attested_to_its_end_settles_without_waiting_for_the_grace() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    m.bank.advance(1_800).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 1_800, 1_800)
        .await
        .unwrap();
    // Before the end there is time left to attest.
    m.refused(
        &[m.settle_ix(&lease, &m.renter.pubkey())],
        &[],
        E::SettleTooEarly,
        &[lease],
    )
    .await;
    m.bank.advance(1_800).await;
    assert_eq!(m.listing().await.active_leases, 1);
    m.attest(&lease, GENESIS_TIME + 1_800, GENESIS_TIME + 3_600, 1_000)
        .await
        .unwrap();
    assert_eq!(
        m.listing().await.active_leases,
        0,
        "slot freed by the last period"
    );
    m.settle(&lease).await.unwrap();
    let provider = m.provider().await;
    assert_eq!(
        (provider.seconds_attested, provider.seconds_missed),
        (2_800, 800)
    );
}

#[tokio::test]
async fn admin_changes_to_fee_treasury_and_grace_never_touch_an_open_lease() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2).await.unwrap();
    let snapshot = m.lease(&lease).await.unwrap();
    let new_treasury = m.bank.funded(1).await;
    let admin = m.admin.insecure_clone();
    let update = ConfigUpdate {
        fee_bps: Some(500),
        settle_grace_seconds: Some(7 * 86_400),
        ..Default::default()
    };
    let ix = ix::update_config_treasury(&admin.pubkey(), update, Some(new_treasury.pubkey()));
    m.bank.send(&[ix], &[&admin]).await.unwrap();
    let after = m.lease(&lease).await.unwrap();
    assert_eq!(after, snapshot, "the lease is untouched");
    // A claim takes the lease's own fee, paid to the treasury now in force.
    m.bank.advance(3_600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 3_600, 3_600)
        .await
        .unwrap();
    let before = m.bank.lamports(&new_treasury.pubkey()).await;
    let claim = ix::claim_payout(
        &m.provider_authority.pubkey(),
        &m.provider,
        &lease,
        &m.payout_wallet.pubkey(),
        &new_treasury.pubkey(),
    );
    let authority = m.provider_authority.insecure_clone();
    m.bank.send(&[claim], &[&authority]).await.unwrap();
    let fee = PRICE * u64::from(FEE_BPS) / 10_000;
    assert_eq!(m.bank.lamports(&new_treasury.pubkey()).await, before + fee);
    // The old treasury is refused; the lease's own 1-hour grace still rules settle.
    let old = m.treasury.pubkey();
    let stale = ix::claim_payout(
        &authority.pubkey(),
        &m.provider,
        &lease,
        &m.payout_wallet.pubkey(),
        &old,
    );
    m.refused(&[stale], &[&authority], E::WrongTreasury, &[lease])
        .await;
    m.bank.advance(3_600 + i64::from(GRACE_SECONDS)).await;
    let settle = ix::settle_lease(
        &m.provider,
        &m.listing,
        &lease,
        &m.renter.pubkey(),
        &m.payout_wallet.pubkey(),
        &new_treasury.pubkey(),
    );
    m.bank.send(&[settle], &[]).await.unwrap();
    assert!(m.lease(&lease).await.is_none());
}

/// Instruction data: discriminator of `ix`, then `body`.
fn with_body(ix: &Instruction, body: &[u8]) -> Instruction {
    let mut out = ix.clone();
    out.data.truncate(8);
    out.data.extend_from_slice(body);
    out
}

#[tokio::test]
async fn huge_string_length_prefixes_and_trailing_bytes_are_refused_before_any_allocation() {
    let mut m = Market::new().await;
    let fresh = m.bank.funded(1).await;
    let f = fresh.pubkey();
    let provider = pda::provider(&f).0;
    let register = ix::register_provider(&f, &f, "https://gpu.example/p.json");
    // 32 KiB and more would exhaust the program's heap if allocated.
    for len in [32 * 1024u32, 1 << 20, u32::MAX] {
        let mut body = len.to_le_bytes().to_vec();
        body.extend_from_slice(b"https://");
        let ix = with_body(&register, &body);
        let failure = m.refused_any(&[ix], &[&fresh], &[f, provider]).await;
        assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    }
    // The same inside listing terms and a listing update.
    let a = m.provider_authority.insecure_clone();
    let create = ix::create_listing(&a.pubkey(), 1, default_terms(m.attestor.pubkey()));
    let mut body = (64 * 1024u32).to_le_bytes().to_vec();
    body.extend_from_slice(&create.data[12..]);
    let ix = with_body(&create, &body);
    let listing = pda::listing(&m.provider, 1).0;
    let failure = m.refused_any(&[ix], &[&a], &[listing]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    let update = ix::update_listing(&a.pubkey(), &m.provider, &m.listing, Default::default());
    let mut body = vec![1u8];
    body.extend_from_slice(&(40_000u32).to_le_bytes());
    let ix = with_body(&update, &body);
    let failure = m.refused_any(&[ix], &[&a], &[]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));

    // A byte after a valid instruction's arguments.
    let mut padded = register.clone();
    padded.data.push(0);
    let failure = m.refused_any(&[padded], &[&fresh], &[f, provider]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    let mut padded = create.clone();
    padded.data.push(7);
    let failure = m.refused_any(&[padded], &[&a], &[listing]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    let renter = m.renter.insecure_clone();
    let mut padded = open_ix(&mut m, &renter, 1, 1).await;
    padded.data.push(0);
    let lease = m.lease_of(&renter.pubkey(), 1);
    let failure = m.refused_any(&[padded], &[&renter], &[lease]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    let admin = m.admin.insecure_clone();
    let mut padded = ix::update_config(&admin.pubkey(), ConfigUpdate::default());
    padded.data.extend_from_slice(&[0, 0]);
    let failure = m.refused_any(&[padded], &[&admin], &[]).await;
    assert_eq!(failure, anchor(AnchorError::InstructionDidNotDeserialize));
    // Unpadded, each of them goes through.
    m.bank.send(&[register], &[&fresh]).await.unwrap();
    m.bank.send(&[create], &[&a]).await.unwrap();
}
