use anchor_lang::prelude::*;

use crate::args::exact_args;
use crate::error::EscrowError;
use crate::events::{emit_event, ListingUpdated};
use crate::state::{AttestorSet, Listing, ListingState, Provider};

/// Changes to a listing's terms; `None` keeps the current value.
/// Open leases keep the terms they were opened with.
#[derive(AnchorSerialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ListingUpdate {
    pub gpu_model: Option<String>,
    pub gpu_count: Option<u16>,
    pub vram_gb: Option<u16>,
    pub region: Option<String>,
    pub health_check: Option<String>,
    pub price_lamports_per_hour: Option<u64>,
    pub min_hours: Option<u32>,
    pub max_hours: Option<u32>,
    pub attestors: Option<AttestorSet>,
    pub capacity: Option<u16>,
}
exact_args!(ListingUpdate {
    gpu_model,
    gpu_count,
    vram_gb,
    region,
    health_check,
    price_lamports_per_hour,
    min_hours,
    max_hours,
    attestors,
    capacity,
});

/// The provider's authority acting on one of its listings
/// (shared by `update_listing`, `pause_listing` and `close_listing`).
#[event_cpi]
#[derive(Accounts)]
pub struct ManageListing<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The listing's provider, at `["provider", authority]`.
    #[account(has_one = authority @ EscrowError::Unauthorized)]
    pub provider: Box<Account<'info, Provider>>,
    /// The listing changed.
    #[account(mut, dup, has_one = provider @ EscrowError::ProviderMismatch)]
    pub listing: Box<Account<'info, Listing>>,
}

impl ManageListing<'_> {
    /// Fails on a closed listing and stamps the update time otherwise.
    pub fn begin_change(&mut self) -> Result<()> {
        require!(
            self.listing.state != ListingState::Closed,
            EscrowError::ListingClosed
        );
        self.listing.updated_at = Clock::get()?.unix_timestamp;
        Ok(())
    }
}

pub fn handler(ctx: Context<ManageListing>, update: ListingUpdate) -> Result<()> {
    ctx.accounts.begin_change()?;
    let listing = &mut ctx.accounts.listing;
    if let Some(v) = update.gpu_model {
        listing.gpu_model = v;
    }
    if let Some(v) = update.gpu_count {
        listing.gpu_count = v;
    }
    if let Some(v) = update.vram_gb {
        listing.vram_gb = v;
    }
    if let Some(v) = update.region {
        listing.region = v;
    }
    if let Some(v) = update.health_check {
        listing.health_check = v;
    }
    if let Some(v) = update.price_lamports_per_hour {
        listing.price_lamports_per_hour = v;
    }
    if let Some(v) = update.min_hours {
        listing.min_hours = v;
    }
    if let Some(v) = update.max_hours {
        listing.max_hours = v;
    }
    if let Some(v) = update.attestors {
        listing.attestors = v;
    }
    if let Some(v) = update.capacity {
        listing.capacity = v;
    }
    listing.validate_terms()?;
    emit_event(
        &ctx.accounts.event_authority,
        &ListingUpdated {
            listing: listing.key(),
            price_lamports_per_hour: listing.price_lamports_per_hour,
            min_hours: listing.min_hours,
            max_hours: listing.max_hours,
            attestors: listing.attestors,
            capacity: listing.capacity,
        },
    )?;
    Ok(())
}
