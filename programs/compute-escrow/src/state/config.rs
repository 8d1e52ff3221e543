use anchor_lang::prelude::*;

/// Market-wide settings, a singleton at `["config"]`.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Config {
    /// May change this config.
    pub admin: Pubkey,
    /// Receives the protocol fee.
    pub treasury: Pubkey,
    /// Protocol fee in basis points of what providers earn (≤ 500).
    pub fee_bps: u16,
    /// When set, no new listings, leases or extensions; money already in escrow still moves.
    pub paused: bool,
    /// Seconds after a lease's end during which the attestor may still attest
    /// and before which it cannot be settled.
    pub settle_grace_seconds: u32,
    /// PDA bump.
    pub bump: u8,
}
