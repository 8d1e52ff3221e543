//! Program accounts decoded with the program crate's own types.

use anchor_lang::{AccountDeserialize, Discriminator};
use compute_escrow::state::{
    CloseReason, Config, Lease, LeaseState, Listing, ListingState, Provider,
};
use solana_sdk::pubkey::Pubkey;

/// The four account types, in the order tables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    Config,
    Provider,
    Listing,
    Lease,
}

impl AccountKind {
    /// All kinds.
    pub const ALL: [AccountKind; 4] = [Self::Config, Self::Provider, Self::Listing, Self::Lease];

    /// The 8-byte Anchor discriminator accounts of this kind start with.
    pub fn discriminator(self) -> &'static [u8] {
        match self {
            Self::Config => Config::DISCRIMINATOR,
            Self::Provider => Provider::DISCRIMINATOR,
            Self::Listing => Listing::DISCRIMINATOR,
            Self::Lease => Lease::DISCRIMINATOR,
        }
    }

    /// The table mirroring this kind.
    pub fn table(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Provider => "providers",
            Self::Listing => "listings",
            Self::Lease => "leases",
        }
    }
}

/// A decoded program account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramAccount {
    Config(Config),
    Provider(Provider),
    Listing(Box<Listing>),
    Lease(Box<Lease>),
}

impl ProgramAccount {
    /// Decodes `data` by its discriminator; `None` for anything else.
    pub fn decode(data: &[u8]) -> Option<Self> {
        let disc = data.get(..8)?;
        let mut bytes = data;
        Some(if disc == Config::DISCRIMINATOR {
            Self::Config(Config::try_deserialize(&mut bytes).ok()?)
        } else if disc == Provider::DISCRIMINATOR {
            Self::Provider(Provider::try_deserialize(&mut bytes).ok()?)
        } else if disc == Listing::DISCRIMINATOR {
            Self::Listing(Box::new(Listing::try_deserialize(&mut bytes).ok()?))
        } else if disc == Lease::DISCRIMINATOR {
            Self::Lease(Box::new(Lease::try_deserialize(&mut bytes).ok()?))
        } else {
            return None;
        })
    }

    /// Which kind this is.
    pub fn kind(&self) -> AccountKind {
        match self {
            Self::Config(_) => AccountKind::Config,
            Self::Provider(_) => AccountKind::Provider,
            Self::Listing(_) => AccountKind::Listing,
            Self::Lease(_) => AccountKind::Lease,
        }
    }
}

/// One account as read at one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    pub pubkey: Pubkey,
    pub slot: u64,
    pub account: ProgramAccount,
}

/// API/database spelling of a listing state.
pub fn listing_state(state: ListingState) -> &'static str {
    match state {
        ListingState::Active => "active",
        ListingState::Paused => "paused",
        ListingState::Closed => "closed",
    }
}

/// API/database spelling of a lease state.
pub fn lease_state(state: LeaseState) -> &'static str {
    match state {
        LeaseState::Active => "active",
        LeaseState::Ended => "ended",
        LeaseState::Cancelled => "cancelled",
        LeaseState::Settled => "settled",
    }
}

/// API/database spelling of a close reason.
pub fn close_reason(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::None => "none",
        CloseReason::Completed => "completed",
        CloseReason::Cancelled => "cancelled",
    }
}
