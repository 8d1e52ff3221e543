//! Program accounts decoded with the program crate's own types.

use anchor_lang::{AccountDeserialize, Discriminator};
use compute_escrow::state::{Config, Lease, Listing, Provider};
use compute_escrow_client::api::{Indexed, Mirrored};
use solana_sdk::pubkey::Pubkey;

use crate::copy::{CopyError, CopyText};

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

    /// The table mirroring this kind.
    pub fn table(self) -> &'static str {
        match self {
            Self::Config => Config::TABLE,
            Self::Provider => Provider::TABLE,
            Self::Listing => Listing::TABLE,
            Self::Lease => Lease::TABLE,
        }
    }

    /// The columns identifying one row: a lease's address can hold a new
    /// lease after a settle, so leases are keyed by address and start.
    pub fn key(self) -> &'static str {
        match self {
            Self::Lease => "pubkey, start_ts",
            _ => "pubkey",
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

    /// Appends the row of this account read at `slot` to `rows`:
    /// [`Indexed`]'s fields, whose names are the table's columns.
    pub fn push_row(
        &self,
        pubkey: Pubkey,
        slot: u64,
        rows: &mut CopyText,
    ) -> Result<(), CopyError> {
        fn of<T: serde::Serialize>(
            pubkey: Pubkey,
            account: &T,
            slot: u64,
            rows: &mut CopyText,
        ) -> Result<(), CopyError> {
            rows.push(&Indexed {
                pubkey,
                account,
                slot,
                closed_slot: None,
            })
        }
        match self {
            Self::Config(c) => of(pubkey, c, slot, rows),
            Self::Provider(p) => of(pubkey, p, slot, rows),
            Self::Listing(l) => of(pubkey, &**l, slot, rows),
            Self::Lease(l) => of(pubkey, &**l, slot, rows),
        }
    }

    /// A digest of the account's content (its borsh bytes): equal digests
    /// mean a re-read changed nothing.
    pub fn digest(&self) -> [u8; 32] {
        use anchor_lang::AnchorSerialize;
        let bytes = match self {
            Self::Config(c) => borsh_bytes(c),
            Self::Provider(p) => borsh_bytes(p),
            Self::Listing(l) => borsh_bytes(&**l),
            Self::Lease(l) => borsh_bytes(&**l),
        };
        fn borsh_bytes<T: AnchorSerialize>(account: &T) -> Vec<u8> {
            let mut bytes = Vec::with_capacity(512);
            account
                .serialize(&mut bytes)
                .expect("serialising into a Vec cannot fail");
            bytes
        }
        solana_sha256_hasher::hash(&bytes).to_bytes()
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
