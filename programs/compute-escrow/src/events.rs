//! Events emitted through a self-CPI ([`emit_event`]) for every state change; the indexer's history.

use anchor_lang::prelude::*;

use crate::state::{AttestorSet, CloseReason, ListingState};

/// The config was created.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ConfigInitialized {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub admin: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub settle_grace_seconds: u32,
}

/// The config changed (or a proposed admin accepted); all fields are the new values.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ConfigUpdated {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub admin: Pubkey,
    /// Proposed next admin; the default key when none.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub pending_admin: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub paused: bool,
    pub settle_grace_seconds: u32,
}

/// A provider registered.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ProviderRegistered {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub authority: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub payout_wallet: Pubkey,
    pub metadata_uri: String,
}

/// A provider changed its payout wallet or metadata.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ProviderUpdated {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub payout_wallet: Pubkey,
    pub metadata_uri: String,
}

/// A listing was created.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ListingCreated {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing_id: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub price_lamports_per_hour: u64,
    pub attestors: AttestorSet,
}

/// A listing's terms changed (open leases keep their snapshot).
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ListingUpdated {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub price_lamports_per_hour: u64,
    pub min_hours: u32,
    pub max_hours: u32,
    pub attestors: AttestorSet,
    pub capacity: u16,
}

/// A listing was paused, resumed or closed.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct ListingStateChanged {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing: Pubkey,
    pub state: ListingState,
}

/// A renter opened a lease and paid `deposited` into escrow.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct LeaseOpened {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub renter: Pubkey,
    pub attestors: AttestorSet,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease_id: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub price_lamports_per_hour: u64,
    /// [`crate::state::Listing::terms_hash`] the renter signed.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text::hex32"))]
    pub terms_hash: [u8; 32],
    pub hours: u32,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub deposited: u64,
    pub start_ts: i64,
    pub end_ts: i64,
}

/// A renter bought more hours.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct LeaseExtended {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    pub hours_added: u32,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lamports_added: u64,
    pub end_ts: i64,
}

/// `[from, to)` was attested: `up_seconds` credited (the `threshold`-th
/// highest report), with every attestor's report that was counted.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct UptimeAttested {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    pub from: i64,
    pub to: i64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub up_seconds: u64,
    /// Each counting attestor's report (one for a 1-of-1 attestor's own transaction).
    pub reports: Vec<AttestorReport>,
}

/// One attestor's report within an [`UptimeAttested`].
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttestorReport {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub attestor: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub up_seconds: u64,
}

/// Escrow paid to the provider and the treasury.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct PayoutClaimed {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub payout_wallet: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider_lamports: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub fee_lamports: u64,
}

/// The renter cancelled; `refund_lamports` went back at once.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct LeaseCancelled {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    pub cancelled_at: i64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub refund_lamports: u64,
}

/// The lease was settled and its account closed.
#[event]
#[cfg_attr(
    feature = "serde",
    derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)
)]
pub struct LeaseSettled {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease: Pubkey,
    pub reason: CloseReason,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider_lamports: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub fee_lamports: u64,
    /// Refund to the renter, including any forfeited share.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub refund_lamports: u64,
    /// Provider share or fee a recipient could not take, given to the renter.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub forfeited_lamports: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub rent_returned: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub attested_seconds: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub paid_out: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub fee_paid: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub refunded: u64,
}

/// Declares [`ProgramEvent`] over every event type, once.
#[cfg(feature = "serde")]
macro_rules! program_events {
    ($($event:ident),* $(,)?) => {
        /// Any event of this program, serialised as `{"kind": "<EventName>",
        /// "data": {..fields..}}`: the typed event kind the indexer stores
        /// and serves.
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind", content = "data")]
        pub enum ProgramEvent {
            $(
                #[doc = concat!("A [`", stringify!($event), "`].")]
                $event($event),
            )*
        }

        /// Which event a [`ProgramEvent`] is; spelled as its type's name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum EventKind {
            $(
                #[doc = concat!("[`", stringify!($event), "`].")]
                $event,
            )*
        }

        impl EventKind {
            /// Every kind.
            pub const ALL: &'static [EventKind] = &[$(Self::$event),*];

            /// The event type's name, as `kind` spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$event => stringify!($event),)*
                }
            }
        }

        impl ProgramEvent {

            /// Decodes an event's bytes (8-byte discriminator, then Borsh);
            /// `None` for anything else.
            pub fn decode(bytes: &[u8]) -> Option<Self> {
                use anchor_lang::Discriminator;
                let (discriminator, mut body) = bytes.split_at(8.min(bytes.len()));
                $(
                    if discriminator == $event::DISCRIMINATOR {
                        return $event::deserialize(&mut body).ok().map(Self::$event);
                    }
                )*
                None
            }

            /// Which event this is.
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Self::$event(_) => EventKind::$event,)*
                }
            }
        }
    };
}

#[cfg(feature = "serde")]
program_events!(
    ConfigInitialized,
    ConfigUpdated,
    ProviderRegistered,
    ProviderUpdated,
    ListingCreated,
    ListingUpdated,
    ListingStateChanged,
    LeaseOpened,
    LeaseExtended,
    UptimeAttested,
    PayoutClaimed,
    LeaseCancelled,
    LeaseSettled,
);

/// Emits `event` as `emit_cpi!` does: a self-CPI, signed by the event
/// authority, whose data is Anchor's event tag, the event's discriminator
/// and its borsh bytes (what `anchor_lang::event` parsers and the indexer
/// read). The macro collects that data byte by byte through an iterator,
/// about 10 compute units per byte on SBF; this writes it in one buffer.
pub fn emit_event<E: anchor_lang::Event>(event_authority: &AccountInfo, event: &E) -> Result<()> {
    use anchor_lang::event::EVENT_IX_TAG_LE;
    use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
    use anchor_lang::solana_program::program::invoke_signed;

    let mut data = Vec::with_capacity(EVENT_IX_TAG_LE.len() + 256);
    data.extend_from_slice(EVENT_IX_TAG_LE);
    data.extend_from_slice(E::DISCRIMINATOR);
    event.serialize(&mut data)?;
    let ix = Instruction {
        program_id: crate::ID,
        accounts: vec![AccountMeta::new_readonly(*event_authority.key, true)],
        data,
    };
    invoke_signed(
        &ix,
        std::slice::from_ref(event_authority),
        &[&[b"__event_authority", &[crate::EVENT_AUTHORITY_AND_BUMP.1]]],
    )?;
    Ok(())
}
