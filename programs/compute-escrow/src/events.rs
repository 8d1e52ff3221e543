//! Events emitted through `emit_cpi!` for every state change; the indexer's history.

use anchor_lang::prelude::*;

use crate::state::{CloseReason, ListingState};

/// The config was created.
#[event]
pub struct ConfigInitialized {
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub settle_grace_seconds: u32,
}

/// The config changed (or a proposed admin accepted); all fields are the new values.
#[event]
pub struct ConfigUpdated {
    pub admin: Pubkey,
    /// Proposed next admin; the default key when none.
    pub pending_admin: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub paused: bool,
    pub settle_grace_seconds: u32,
}

/// A provider registered.
#[event]
pub struct ProviderRegistered {
    pub provider: Pubkey,
    pub authority: Pubkey,
    pub payout_wallet: Pubkey,
    pub metadata_uri: String,
}

/// A provider changed its payout wallet or metadata.
#[event]
pub struct ProviderUpdated {
    pub provider: Pubkey,
    pub payout_wallet: Pubkey,
    pub metadata_uri: String,
}

/// A listing was created.
#[event]
pub struct ListingCreated {
    pub listing: Pubkey,
    pub provider: Pubkey,
    pub listing_id: u64,
    pub price_lamports_per_hour: u64,
    pub attestor: Pubkey,
}

/// A listing's terms changed (open leases keep their snapshot).
#[event]
pub struct ListingUpdated {
    pub listing: Pubkey,
    pub price_lamports_per_hour: u64,
    pub min_hours: u32,
    pub max_hours: u32,
    pub attestor: Pubkey,
    pub capacity: u16,
}

/// A listing was paused, resumed or closed.
#[event]
pub struct ListingStateChanged {
    pub listing: Pubkey,
    pub state: ListingState,
}

/// A renter opened a lease and paid `deposited` into escrow.
#[event]
pub struct LeaseOpened {
    pub lease: Pubkey,
    pub listing: Pubkey,
    pub renter: Pubkey,
    pub attestor: Pubkey,
    pub lease_id: u64,
    pub price_lamports_per_hour: u64,
    /// [`crate::state::Listing::terms_hash`] the renter signed.
    pub terms_hash: [u8; 32],
    pub hours: u32,
    pub deposited: u64,
    pub start_ts: i64,
    pub end_ts: i64,
}

/// A renter bought more hours.
#[event]
pub struct LeaseExtended {
    pub lease: Pubkey,
    pub hours_added: u32,
    pub lamports_added: u64,
    pub end_ts: i64,
}

/// The attestor signed uptime for `[from, to)`.
#[event]
pub struct UptimeAttested {
    pub lease: Pubkey,
    pub attestor: Pubkey,
    pub from: i64,
    pub to: i64,
    pub up_seconds: u64,
}

/// Escrow paid to the provider and the treasury.
#[event]
pub struct PayoutClaimed {
    pub lease: Pubkey,
    pub payout_wallet: Pubkey,
    pub provider_lamports: u64,
    pub fee_lamports: u64,
}

/// The renter cancelled; `refund_lamports` went back at once.
#[event]
pub struct LeaseCancelled {
    pub lease: Pubkey,
    pub cancelled_at: i64,
    pub refund_lamports: u64,
}

/// The lease was settled and its account closed.
#[event]
pub struct LeaseSettled {
    pub lease: Pubkey,
    pub reason: CloseReason,
    pub provider_lamports: u64,
    pub fee_lamports: u64,
    /// Refund to the renter, including any forfeited share.
    pub refund_lamports: u64,
    /// Provider share or fee a recipient could not take, given to the renter.
    pub forfeited_lamports: u64,
    pub rent_returned: u64,
    pub attested_seconds: u64,
    pub paid_out: u64,
    pub fee_paid: u64,
    pub refunded: u64,
}
