use anchor_lang::prelude::*;

use crate::account_creation::{create_pda, write_account};
use crate::args::exact_args;
use crate::constants::LISTING_SEED;
use crate::error::EscrowError;
use crate::events::{emit_event, ListingCreated};
use crate::state::{AttestorSet, Config, Listing, ListingState, Provider};

/// What a provider offers in a new listing.
#[derive(AnchorSerialize, Clone, Debug, PartialEq, Eq)]
pub struct ListingTerms {
    pub gpu_model: String,
    pub gpu_count: u16,
    pub vram_gb: u16,
    pub region: String,
    pub health_check: String,
    pub price_lamports_per_hour: u64,
    pub min_hours: u32,
    pub max_hours: u32,
    pub attestors: AttestorSet,
    pub capacity: u16,
}
exact_args!(ListingTerms {
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

/// Creates the provider's next listing at id `provider.listing_count`.
#[event_cpi]
#[derive(Accounts)]
pub struct CreateListing<'info> {
    /// The provider's authority; pays the listing's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The market config, at `["config"]`.
    pub config: Account<'info, Config>,
    /// The provider, at `["provider", authority]`; its listing count is the new listing's id.
    #[account(mut, dup, has_one = authority @ EscrowError::Unauthorized)]
    pub provider: Box<Account<'info, Provider>>,
    /// The new listing, at `["listing", provider, provider.listing_count]`.
    /// CHECK: created here by `create_pda` at the seeds checked by the constraint.
    #[account(
        mut,
        seeds = [LISTING_SEED, provider.key().as_ref(), &provider.listing_count.to_le_bytes()],
        bump,
    )]
    pub listing: UncheckedAccount<'info>,
    /// Creates the listing account.
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateListing>, terms: ListingTerms) -> Result<()> {
    require!(!ctx.accounts.config.paused, EscrowError::MarketPaused);
    let now = Clock::get()?.unix_timestamp;
    let provider = &mut ctx.accounts.provider;
    let listing_id = provider.listing_count;
    provider.listing_count = listing_id
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let listing = Listing {
        state: ListingState::Active,
        provider: provider.key(),
        listing_id,
        price_lamports_per_hour: terms.price_lamports_per_hour,
        min_hours: terms.min_hours,
        max_hours: terms.max_hours,
        attestors: terms.attestors,
        gpu_count: terms.gpu_count,
        vram_gb: terms.vram_gb,
        capacity: terms.capacity,
        active_leases: 0,
        leases_opened: 0,
        created_at: now,
        updated_at: now,
        bump: ctx.bumps.listing,
        gpu_model: terms.gpu_model,
        region: terms.region,
        health_check: terms.health_check,
    };
    listing.validate_terms()?;
    let provider_key = provider.key();
    let bump = listing.bump;
    let account = ctx.accounts.listing.to_account_info();
    create_pda(
        &ctx.accounts.authority.to_account_info(),
        &account,
        &ctx.accounts.system_program.to_account_info(),
        8 + Listing::INIT_SPACE,
        &[
            LISTING_SEED,
            provider_key.as_ref(),
            &listing_id.to_le_bytes(),
            &[bump],
        ],
        0,
    )?;
    write_account(&account, &listing)?;
    emit_event(
        &ctx.accounts.event_authority,
        &ListingCreated {
            listing: ctx.accounts.listing.key(),
            provider: ctx.accounts.provider.key(),
            listing_id,
            price_lamports_per_hour: terms.price_lamports_per_hour,
            attestors: terms.attestors,
        },
    )?;
    Ok(())
}
