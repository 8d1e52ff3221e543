use anchor_lang::prelude::*;

use crate::constants::MAX_METADATA_URI_LEN;

/// A seller of GPU time, at `["provider", authority]`, with its track record.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Signs for this provider: listings, claims, updates.
    pub authority: Pubkey,
    /// Receives the provider's share of payouts.
    pub payout_wallet: Pubkey,
    /// Listings created so far; the next listing's id.
    pub listing_count: u64,
    /// Leases settled (escrow closed).
    pub leases_settled: u64,
    /// Seconds of uptime attestors signed for.
    pub seconds_attested: u64,
    /// Seconds attested as down, plus lease time never attested, counted at settle.
    pub seconds_missed: u64,
    /// Lamports paid to the payout wallet (after fees).
    pub lamports_earned: u64,
    /// Unix time of registration.
    pub registered_at: i64,
    /// PDA bump.
    pub bump: u8,
    /// Where the provider describes itself (URL or IPFS URI).
    #[max_len(MAX_METADATA_URI_LEN)]
    pub metadata_uri: String,
}
