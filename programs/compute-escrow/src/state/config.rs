use anchor_lang::prelude::*;

/// Market-wide settings, a singleton at `["config"]`.
#[account]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(InitSpace, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// May change this config.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub admin: Pubkey,
    /// Proposed next admin, who must accept; the default key when none.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub pending_admin: Pubkey,
    /// Receives the protocol fee.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub treasury: Pubkey,
    /// Protocol fee in basis points of what providers earn (≤ 500).
    pub fee_bps: u16,
    /// When set, no new listings, leases or extensions; money already in escrow still moves.
    pub paused: bool,
    /// Seconds after a lease's end during which the attestor may still attest
    /// and before which it cannot be settled while time is unattested
    /// (between 10 minutes and 7 days).
    pub settle_grace_seconds: u32,
    /// PDA bump.
    pub bump: u8,
}

impl Config {
    /// Fails unless `fee_bps` is within the 5 % cap.
    pub fn validate_fee(fee_bps: u16) -> Result<()> {
        require!(
            fee_bps <= crate::constants::MAX_FEE_BPS,
            crate::error::EscrowError::FeeTooHigh
        );
        Ok(())
    }

    /// Fails unless `grace` is between 10 minutes and 7 days.
    pub fn validate_grace(grace: u32) -> Result<()> {
        use crate::constants::{MAX_SETTLE_GRACE_SECONDS, MIN_SETTLE_GRACE_SECONDS};
        use crate::error::EscrowError;
        require!(
            grace >= MIN_SETTLE_GRACE_SECONDS,
            EscrowError::GraceTooShort
        );
        require!(grace <= MAX_SETTLE_GRACE_SECONDS, EscrowError::GraceTooLong);
        Ok(())
    }

    /// The event recording this config's current values.
    pub fn updated_event(&self) -> crate::events::ConfigUpdated {
        crate::events::ConfigUpdated {
            admin: self.admin,
            pending_admin: self.pending_admin,
            treasury: self.treasury,
            fee_bps: self.fee_bps,
            paused: self.paused,
            settle_grace_seconds: self.settle_grace_seconds,
        }
    }
}
