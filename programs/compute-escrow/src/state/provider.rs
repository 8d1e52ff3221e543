use anchor_lang::prelude::*;

use crate::constants::MAX_METADATA_URI_LEN;

/// A seller of GPU time, at `["provider", authority]`, with its track record.
#[account]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(InitSpace, Debug, Default, PartialEq, Eq)]
pub struct Provider {
    /// Signs for this provider: listings, claims, updates.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub authority: Pubkey,
    /// Receives the provider's share of payouts.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub payout_wallet: Pubkey,
    /// Listings created so far; the next listing's id.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing_count: u64,
    /// Leases settled (escrow closed).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub leases_settled: u64,
    /// Seconds of uptime attestors signed for.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub seconds_attested: u64,
    /// Seconds attested as down, plus lease time never attested, counted at settle.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub seconds_missed: u64,
    /// Lamports paid to the payout wallet (after fees).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lamports_earned: u64,
    /// Unix time of registration.
    pub registered_at: i64,
    /// PDA bump.
    pub bump: u8,
    /// Where the provider describes itself (URL or IPFS URI).
    #[max_len(MAX_METADATA_URI_LEN)]
    pub metadata_uri: String,
}

impl Provider {
    /// The authority of the provider account `info`, read in place.
    pub fn authority_in_place(info: &AccountInfo) -> Result<Pubkey> {
        crate::in_place::read_pubkey::<Provider>(info, crate::constants::PROVIDER_AUTHORITY_OFFSET)
    }

    /// The payout wallet of the provider account `info`, read in place.
    pub fn payout_wallet_in_place(info: &AccountInfo) -> Result<Pubkey> {
        crate::in_place::read_pubkey::<Provider>(
            info,
            crate::constants::PROVIDER_PAYOUT_WALLET_OFFSET,
        )
    }

    /// Adds `lamports` paid to the payout wallet to the provider account
    /// `info`'s earnings, in place.
    pub fn record_earnings_in_place(info: &AccountInfo, lamports: u64) -> Result<()> {
        use crate::constants::PROVIDER_LAMPORTS_EARNED_OFFSET;
        use crate::in_place::{add_u64, modify};
        modify::<Provider>(info, |data| {
            add_u64(data, PROVIDER_LAMPORTS_EARNED_OFFSET, lamports)
        })
    }

    /// Adds an attested period's up and down seconds to the provider account
    /// `info` in place, without deserializing the provider.
    pub fn record_uptime_in_place(info: &AccountInfo, up: u64, down: u64) -> Result<()> {
        use crate::constants::{PROVIDER_SECONDS_ATTESTED_OFFSET, PROVIDER_SECONDS_MISSED_OFFSET};
        use crate::in_place::{add_u64, modify};
        modify::<Provider>(info, |data| {
            add_u64(data, PROVIDER_SECONDS_ATTESTED_OFFSET, up)?;
            add_u64(data, PROVIDER_SECONDS_MISSED_OFFSET, down)
        })
    }
}
