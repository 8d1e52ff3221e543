use anchor_lang::prelude::*;

use crate::constants::{MAX_GPU_MODEL_LEN, MAX_HEALTH_CHECK_LEN, MAX_REGION_LEN};

/// Whether a listing takes new leases.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ListingState {
    /// Takes new leases.
    Active,
    /// Temporarily takes no new leases or extensions.
    Paused,
    /// Permanently retired; kept for history.
    Closed,
}

/// A GPU machine for rent, at `["listing", provider, listing_id]`.
///
/// `state` sits at byte 8 and all strings come last, so every other field has a
/// fixed offset too.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Listing {
    /// Active / Paused / Closed (byte offset 8).
    pub state: ListingState,
    /// The provider account (PDA) that owns this listing.
    pub provider: Pubkey,
    /// Index among the provider's listings.
    pub listing_id: u64,
    /// Price for one hour of the whole machine, in lamports.
    pub price_lamports_per_hour: u64,
    /// Shortest lease, in hours.
    pub min_hours: u32,
    /// Longest lease (including extensions), in hours.
    pub max_hours: u32,
    /// Signs uptime for leases opened on this listing.
    pub attestor: Pubkey,
    /// GPUs in the machine.
    pub gpu_count: u16,
    /// Memory per GPU, in GB.
    pub vram_gb: u16,
    /// Leases that may be unsettled at the same time.
    pub capacity: u16,
    /// Leases opened and not yet settled.
    pub active_leases: u16,
    /// Leases ever opened on this listing.
    pub leases_opened: u64,
    /// Unix time of creation.
    pub created_at: i64,
    /// Unix time of the last change by the provider.
    pub updated_at: i64,
    /// PDA bump.
    pub bump: u8,
    /// GPU model, e.g. `H100-80GB`.
    #[max_len(MAX_GPU_MODEL_LEN)]
    pub gpu_model: String,
    /// Where the machine is, e.g. `eu-west`.
    #[max_len(MAX_REGION_LEN)]
    pub region: String,
    /// What the attestor probes: `tcp://host:port` or `http(s)://host/path`.
    #[max_len(MAX_HEALTH_CHECK_LEN)]
    pub health_check: String,
}

impl Listing {
    /// Checks the provider-supplied terms; called after every create or update.
    pub fn validate_terms(&self) -> Result<()> {
        use crate::constants::MAX_LEASE_HOURS;
        use crate::error::EscrowError;
        require!(
            !self.gpu_model.is_empty() && self.gpu_model.len() <= usize::from(MAX_GPU_MODEL_LEN),
            EscrowError::InvalidGpuModel
        );
        require!(
            self.region.len() <= usize::from(MAX_REGION_LEN),
            EscrowError::RegionTooLong
        );
        require!(
            self.health_check.len() <= usize::from(MAX_HEALTH_CHECK_LEN),
            EscrowError::HealthCheckTooLong
        );
        require!(self.gpu_count >= 1, EscrowError::InvalidGpuCount);
        require!(self.capacity >= 1, EscrowError::InvalidCapacity);
        require!(self.price_lamports_per_hour > 0, EscrowError::ZeroPrice);
        require!(
            self.min_hours >= 1
                && self.min_hours <= self.max_hours
                && self.max_hours <= MAX_LEASE_HOURS,
            EscrowError::InvalidHoursRange
        );
        Ok(())
    }

    /// Fails unless the listing is open for new leases or extensions.
    pub fn require_active(&self) -> Result<()> {
        use crate::error::EscrowError;
        match self.state {
            ListingState::Active => Ok(()),
            ListingState::Paused => err!(EscrowError::ListingPaused),
            ListingState::Closed => err!(EscrowError::ListingClosed),
        }
    }
}
