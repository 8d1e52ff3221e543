//! Account sizes, rent-exempt costs and the fixed offsets that
//! `getProgramAccounts` filters rely on, measured on accounts in the bank.

use anchor_lang::{Discriminator, Space};
use compute_escrow::constants::*;
use compute_escrow::state::{Config, Lease, Listing, Provider};
use compute_escrow_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// The sizes and rents the README documents.
const DOCUMENTED: [(&str, usize, u64); 4] = [
    ("Config", 112, 1_670_400),
    ("Provider", 325, 3_152_880),
    ("Listing", 468, 4_148_160),
    ("Lease", 511, 4_447_440),
];

#[tokio::test]
async fn account_sizes_rent_and_filter_offsets() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let config = compute_escrow::pda::config().0;
    let accounts: [(&str, Pubkey, usize, u64); 4] = [
        ("Config", config, 8 + Config::INIT_SPACE, 0),
        ("Provider", m.provider, 8 + Provider::INIT_SPACE, 0),
        ("Listing", m.listing, 8 + Listing::INIT_SPACE, 0),
        ("Lease", lease, 8 + Lease::INIT_SPACE, 3_600_000),
    ];
    println!("| account | size (bytes) | rent-exempt minimum (lamports) |");
    println!("|---|---:|---:|");
    let mut measured = Vec::new();
    for (name, key, space, escrow) in accounts {
        let len = m.bank.data(&key).await.unwrap().len();
        let rent = m.bank.rent(len).await;
        println!("| {name} | {len} | {rent} |");
        assert_eq!(len, space, "{name} is allocated at its InitSpace size");
        assert_eq!(
            m.bank.lamports(&key).await,
            rent + escrow,
            "{name} holds exactly rent (+ escrow)"
        );
        measured.push((name, len, rent));
    }
    assert_eq!(
        measured, DOCUMENTED,
        "the README's account table is current"
    );

    let listing = m.bank.data(&m.listing).await.unwrap();
    assert_eq!(&listing[..8], Listing::DISCRIMINATOR);
    let offset = usize::from(STATE_OFFSET);
    assert_eq!(listing[offset], 0, "Active");
    let p = usize::from(LISTING_PROVIDER_OFFSET);
    assert_eq!(&listing[p..p + 32], m.provider.as_ref());

    let data = m.bank.data(&lease).await.unwrap();
    assert_eq!(&data[..8], Lease::DISCRIMINATOR);
    assert_eq!(data[offset], 0, "Active");
    for (at, key) in [
        (LEASE_RENTER_OFFSET, m.renter.pubkey()),
        (LEASE_PROVIDER_OFFSET, m.provider),
        (LEASE_LISTING_OFFSET, m.listing),
    ] {
        let at = usize::from(at);
        assert_eq!(&data[at..at + 32], key.as_ref());
    }
    // The state byte follows the state: cancel, then pause.
    m.bank.advance(60).await;
    m.cancel(&lease).await.unwrap();
    assert_eq!(m.bank.data(&lease).await.unwrap()[offset], 2, "Cancelled");
    m.set_paused(true).await.unwrap();
    assert_eq!(m.bank.data(&m.listing).await.unwrap()[offset], 1, "Paused");
}

/// The little-endian integer of `width` bytes at `offset` of `data`.
fn read_le(data: &[u8], offset: u16, width: usize) -> u64 {
    let at = usize::from(offset);
    let mut bytes = [0u8; 8];
    bytes[..width].copy_from_slice(&data[at..at + width]);
    u64::from_le_bytes(bytes)
}

#[tokio::test]
async fn in_place_counter_offsets_match_the_accounts() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    m.bank.advance(600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 600, 550)
        .await
        .unwrap();
    let provider: Provider = m.provider().await;
    let data = m.bank.data(&m.provider).await.unwrap();
    assert_eq!(
        read_le(&data, PROVIDER_SECONDS_ATTESTED_OFFSET, 8),
        provider.seconds_attested
    );
    assert_eq!(
        read_le(&data, PROVIDER_SECONDS_MISSED_OFFSET, 8),
        provider.seconds_missed
    );
    assert_eq!(
        (provider.seconds_attested, provider.seconds_missed),
        (550, 50)
    );
    let listing: Listing = m.listing().await;
    let data = m.bank.data(&m.listing).await.unwrap();
    assert_eq!(listing.active_leases, 1);
    assert_eq!(
        read_le(&data, LISTING_ACTIVE_LEASES_OFFSET, 2),
        u64::from(listing.active_leases)
    );
    // The period reaching the end frees the slot, in place.
    m.bank.advance(3_000).await;
    m.attest(&lease, GENESIS_TIME + 600, GENESIS_TIME + 3_600, 3_000)
        .await
        .unwrap();
    assert_eq!(m.listing().await.active_leases, 0);
}
