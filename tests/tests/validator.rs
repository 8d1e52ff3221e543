//! The compiled program on a real `solana-test-validator`: one whole lease
//! (config, provider, listing, open, attest, claim, cancel, attest, settle)
//! through JSON-RPC transactions, every balance read back from the chain.
//!
//! Needs the SBF build and a validator (see `compute_escrow_tests::chain`).

use compute_escrow::pda;
use compute_escrow::state::{LeaseState, ListingState};
use compute_escrow_client::accounts::{self, FetchError, LeaseFilter, ListingFilter};
use compute_escrow_client::quote::{quote, QuoteError};
use compute_escrow_tests::chain::ChainMarket;
use compute_escrow_tests::{default_terms, ix, LAMPORTS_PER_SOL};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// An address where no account lives.
fn lease_pda_of_nothing() -> Pubkey {
    pda::lease(&Pubkey::new_unique(), &Pubkey::new_unique(), 0).0
}

#[tokio::test]
async fn validator_runs_a_whole_lease_over_json_rpc() {
    let fee_bps = 250u16;
    let grace = 600u32;
    let ChainMarket {
        chain,
        treasury,
        authority,
        wallet,
        attestor,
        renter,
        provider,
        ..
    } = ChainMarket::start(fee_bps, grace).await;
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
    let open = ix::open_lease(&renter.pubkey(), &listing, 1, 2, quoted.signed);
    chain.send(&[open], &[&renter]).await;
    let lease_key = pda::lease(&listing, &renter.pubkey(), 1).0;
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
        &listing,
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
            &[ix::cancel_lease(&renter.pubkey(), &listing, &lease_key)],
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
        &listing,
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

    // Attested to its end, the lease settles at once (no wait for the
    // grace); anyone settles, the fee payer alone signs.
    assert_eq!(lease.attested_until, lease.end_ts);
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
