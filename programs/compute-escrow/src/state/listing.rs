use anchor_lang::prelude::*;

use crate::constants::{MAX_GPU_MODEL_LEN, MAX_HEALTH_CHECK_LEN, MAX_REGION_LEN};
use crate::state::AttestorSet;

/// Whether a listing takes new leases.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum ListingState {
    /// Takes new leases.
    #[default]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(InitSpace, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Active / Paused / Closed (byte offset 8).
    pub state: ListingState,
    /// The provider account (PDA) that owns this listing.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub provider: Pubkey,
    /// Index among the provider's listings.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub listing_id: u64,
    /// Price for one hour of the whole machine, in lamports.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
    pub price_lamports_per_hour: u64,
    /// Shortest lease, in hours.
    pub min_hours: u32,
    /// Longest lease (including extensions), in hours.
    pub max_hours: u32,
    /// Who signs uptime for leases opened on this listing, how many must
    /// agree, and the period grid.
    pub attestors: AttestorSet,
    /// GPUs in the machine.
    pub gpu_count: u16,
    /// Memory per GPU, in GB.
    pub vram_gb: u16,
    /// Leases that may hold a slot at the same time.
    pub capacity: u16,
    /// Leases holding a slot: opened and with time left to attest. A lease
    /// frees its slot once nothing more can be attested on it (its last
    /// period attested, a cancel with nothing unattested, or its settle).
    pub active_leases: u16,
    /// Leases ever opened on this listing.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
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

/// Domain tag of [`Listing::terms_hash`].
pub const TERMS_HASH_TAG: &[u8] = b"compute-escrow:listing-terms:v2";

impl Listing {
    /// SHA-256 of every term a renter relies on: GPU model, GPU count, VRAM,
    /// region, health check, price, longest lease and attestor set (count,
    /// threshold, period, then the keys in use; strings
    /// length-prefixed as in Borsh, integers little-endian, after
    /// [`TERMS_HASH_TAG`]). The renter signs it in `open_lease`, so a listing
    /// changed after the quote refuses the lease instead of renting other terms.
    pub fn terms_hash(&self) -> [u8; 32] {
        let len = |s: &String| (s.len() as u32).to_le_bytes();
        let set = self.attestors.hashed_fields();
        let keys = self.attestors.members();
        let key = |i: usize| keys.get(i).map_or(&[][..], |k| k.as_ref());
        solana_sha256_hasher::hashv(&[
            TERMS_HASH_TAG,
            &len(&self.gpu_model),
            self.gpu_model.as_bytes(),
            &self.gpu_count.to_le_bytes(),
            &self.vram_gb.to_le_bytes(),
            &len(&self.region),
            self.region.as_bytes(),
            &len(&self.health_check),
            self.health_check.as_bytes(),
            &self.price_lamports_per_hour.to_le_bytes(),
            &self.max_hours.to_le_bytes(),
            &set,
            key(0),
            key(1),
            key(2),
            key(3),
            key(4),
        ])
        .to_bytes()
    }

    /// Reads the listing account `info` (owner and discriminator checked),
    /// for instructions that only change its counters, in place.
    pub fn load(info: &AccountInfo) -> Result<Listing> {
        require_keys_eq!(
            *info.owner,
            crate::ID,
            ErrorCode::AccountOwnedByWrongProgram
        );
        let data = info.try_borrow_data()?;
        Listing::try_deserialize(&mut &data[..])
    }

    /// Takes a capacity slot of the listing account `info` for a new lease,
    /// in place; `self` is that listing as loaded.
    pub fn take_slot_in_place(&self, info: &AccountInfo) -> Result<()> {
        use crate::constants::{LISTING_ACTIVE_LEASES_OFFSET, LISTING_LEASES_OPENED_OFFSET};
        use crate::error::EscrowError;
        use crate::in_place::{add_u64, modify, update_u16};
        require!(
            self.active_leases < self.capacity,
            EscrowError::ListingAtCapacity
        );
        modify::<Listing>(info, |data| {
            update_u16(data, LISTING_ACTIVE_LEASES_OFFSET, |n| n.checked_add(1))?;
            add_u64(data, LISTING_LEASES_OPENED_OFFSET, 1)
        })
    }

    /// Frees a slot of the listing account `info` in place, without
    /// deserializing the listing.
    pub fn release_slot_in_place(info: &AccountInfo) -> Result<()> {
        use crate::constants::LISTING_ACTIVE_LEASES_OFFSET;
        use crate::in_place::{modify, update_u16};
        modify::<Listing>(info, |data| {
            update_u16(data, LISTING_ACTIVE_LEASES_OFFSET, |n| n.checked_sub(1))
        })
    }

    /// Frees the slot of a lease that has nothing left to attest.
    pub fn release_slot(&mut self) -> Result<()> {
        self.active_leases = self
            .active_leases
            .checked_sub(1)
            .ok_or(crate::error::EscrowError::ArithmeticOverflow)?;
        Ok(())
    }

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
        self.attestors.validate()?;
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
