use anchor_lang::prelude::*;

use crate::constants::MAX_HEALTH_CHECK_LEN;
use crate::error::EscrowError;
use crate::math::{self, Payout};
use crate::state::AttestorSet;

/// Where a lease is in its life.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum LeaseState {
    /// Running; may be extended, cancelled, attested and claimed.
    #[default]
    Active,
    /// Past its end (recorded by the first attest or claim after it); waits for settle.
    Ended,
    /// Stopped early by the renter; waits for settle.
    Cancelled,
    /// Settled and closed; seen only in events and the indexer.
    Settled,
}

/// Why a lease was settled.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum CloseReason {
    /// Not settled yet.
    #[default]
    None,
    /// Ran to its scheduled end.
    Completed,
    /// The renter cancelled it.
    Cancelled,
}

/// One rental of a listing, at `["lease", listing, renter, lease_id]`. Its
/// lamports above rent exemption are the escrow.
///
/// The renter's terms are snapshotted at open (price, attestor, fee, grace and
/// the health check the attestor probes); listing and config changes never
/// touch them. Fixed-size fields come first and the health check last, so
/// every other field has a fixed offset.
///
/// Invariant: `deposited = paid_out + fee_paid + refunded + escrow balance`.
#[account]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(InitSpace, Debug, Default, PartialEq, Eq)]
pub struct Lease {
    /// Active / Ended / Cancelled / Settled (byte offset 8).
    pub state: LeaseState,
    /// Why it was settled.
    pub close_reason: CloseReason,
    /// Paid the deposit; receives refunds and the rent at settle.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub renter: Pubkey,
    /// The provider account (PDA) of the listing.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider: Pubkey,
    /// The listing rented.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing: Pubkey,
    /// Who signs uptime for this lease, how many must agree, and the period
    /// grid (snapshot of the listing's).
    pub attestors: AttestorSet,
    /// Renter-chosen id; with `bump` it fixes the lease's address.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub lease_id: u64,
    /// Price snapshot at open; listing price changes never touch it.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub price_lamports_per_hour: u64,
    /// Fee snapshot at open, in basis points.
    pub fee_bps: u16,
    /// Settle grace snapshot at open, in seconds.
    pub settle_grace_seconds: u32,
    /// Hours bought, including extensions.
    pub hours: u32,
    /// Unix time the lease started (open).
    pub start_ts: i64,
    /// Unix time the lease ends; moved to the cancel time by a cancel.
    pub end_ts: i64,
    /// Unix time of the cancel, 0 if never cancelled.
    pub cancelled_at: i64,
    /// Lamports paid in by the renter.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub deposited: u64,
    /// Attestations cover `[start_ts, attested_until)`.
    pub attested_until: i64,
    /// Seconds attested as up.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub attested_seconds: u64,
    /// Seconds attested as down.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub down_seconds: u64,
    /// Lamports paid to the provider.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub paid_out: u64,
    /// Lamports paid to the treasury.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub fee_paid: u64,
    /// Lamports returned to the renter (escrow only, not rent).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub refunded: u64,
    /// PDA bump.
    pub bump: u8,
    /// What the attestor probes for this lease (snapshot of the listing's).
    #[max_len(MAX_HEALTH_CHECK_LEN)]
    pub health_check: String,
}

impl Lease {
    /// Lamports that should still be in escrow.
    pub fn escrow_balance(&self) -> Result<u64> {
        self.deposited
            .checked_sub(self.paid_out)
            .and_then(|v| v.checked_sub(self.fee_paid))
            .and_then(|v| v.checked_sub(self.refunded))
            .ok_or_else(|| error!(EscrowError::ArithmeticOverflow))
    }

    /// What attested uptime has earned and is not yet paid: to the provider
    /// and to the treasury.
    pub fn payout_due(&self) -> Result<Payout> {
        Ok(math::payout_due(
            self.attested_seconds,
            self.price_lamports_per_hour,
            self.fee_bps,
            self.paid_out,
            self.fee_paid,
        )?)
    }

    /// Records that the scheduled end has passed.
    pub fn mark_ended_if_due(&mut self, now: i64) {
        if self.state == LeaseState::Active && now >= self.end_ts {
            self.state = LeaseState::Ended;
        }
    }

    /// Whether time remains that an attestor could still sign for; such a
    /// lease holds one of its listing's capacity slots. Final once false:
    /// attestations never pass the clock, so `attested_until == end_ts` only
    /// after the end, when the lease can no longer be extended.
    pub fn has_unattested_time(&self) -> bool {
        self.attested_until < self.end_ts
    }

    /// Whether `settle_lease` may run at `now`: nothing is left to attest, or
    /// the grace after the end has passed.
    pub fn is_settleable(&self, now: i64) -> Result<bool> {
        Ok(!self.has_unattested_time() || now >= self.settle_after()?)
    }

    /// Time from which the lease may be settled even with unattested time.
    pub fn settle_after(&self) -> Result<i64> {
        self.end_ts
            .checked_add(i64::from(self.settle_grace_seconds))
            .ok_or_else(|| error!(EscrowError::ArithmeticOverflow))
    }
}
