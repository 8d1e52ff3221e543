use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};

use crate::account_creation::{create_pda, write_account};
use crate::constants::LEASE_SEED;
use crate::error::EscrowError;
use crate::events::LeaseOpened;
use crate::math;
use crate::state::{CloseReason, Config, Lease, LeaseState, Listing, Provider};

/// A renter rents `listing` for `hours`, paying price × hours into the lease.
#[event_cpi]
#[derive(Accounts)]
#[instruction(lease_id: u64)]
pub struct OpenLease<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    pub config: Account<'info, Config>,
    #[account(mut, address = listing.provider @ EscrowError::ProviderMismatch)]
    pub provider: Box<Account<'info, Provider>>,
    #[account(mut)]
    pub listing: Box<Account<'info, Listing>>,
    /// CHECK: created here by `create_pda` at the seeds checked below.
    #[account(
        mut,
        seeds = [LEASE_SEED, listing.key().as_ref(), &lease_id.to_le_bytes()],
        bump,
    )]
    pub lease: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// `expected_price_lamports_per_hour` and `expected_attestor` are what the renter
/// was quoted; if the listing changed since, the whole transaction fails.
pub fn handler(
    ctx: Context<OpenLease>,
    lease_id: u64,
    hours: u32,
    expected_price_lamports_per_hour: u64,
    expected_attestor: Pubkey,
) -> Result<()> {
    let config = &ctx.accounts.config;
    let listing = &mut ctx.accounts.listing;
    require!(!config.paused, EscrowError::MarketPaused);
    listing.require_active()?;
    require!(
        listing.price_lamports_per_hour == expected_price_lamports_per_hour,
        EscrowError::PriceChanged
    );
    require!(
        listing.attestor == expected_attestor,
        EscrowError::AttestorChanged
    );
    require!(hours >= listing.min_hours, EscrowError::HoursBelowMinimum);
    require!(hours <= listing.max_hours, EscrowError::HoursAboveMaximum);
    require!(
        listing.active_leases < listing.capacity,
        EscrowError::ListingAtCapacity
    );
    let deposit = math::lease_cost(listing.price_lamports_per_hour, hours)?;

    let now = Clock::get()?.unix_timestamp;
    let end_ts = now
        .checked_add(math::hours_to_seconds(hours))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    listing.active_leases += 1;
    listing.leases_opened = listing
        .leases_opened
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let provider = &mut ctx.accounts.provider;
    provider.leases_opened = provider
        .leases_opened
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;

    let lease = Lease {
        state: LeaseState::Active,
        close_reason: CloseReason::None,
        renter: ctx.accounts.renter.key(),
        provider: provider.key(),
        listing: listing.key(),
        attestor: listing.attestor,
        lease_id,
        price_lamports_per_hour: listing.price_lamports_per_hour,
        fee_bps: config.fee_bps,
        settle_grace_seconds: config.settle_grace_seconds,
        hours,
        start_ts: now,
        end_ts,
        cancelled_at: 0,
        deposited: deposit,
        attested_until: now,
        attested_seconds: 0,
        down_seconds: 0,
        paid_out: 0,
        fee_paid: 0,
        refunded: 0,
        bump: ctx.bumps.lease,
    };
    let listing_key = listing.key();
    let renter = ctx.accounts.renter.to_account_info();
    let account = ctx.accounts.lease.to_account_info();
    create_pda(
        &renter,
        &account,
        &ctx.accounts.system_program.to_account_info(),
        8 + Lease::INIT_SPACE,
        &[
            LEASE_SEED,
            listing_key.as_ref(),
            &lease_id.to_le_bytes(),
            &[lease.bump],
        ],
    )?;
    write_account(&account, &lease)?;
    transfer(
        CpiContext::new(
            ctx.accounts.system_program.key(),
            Transfer {
                from: renter,
                to: account,
            },
        ),
        deposit,
    )?;
    emit_cpi!(LeaseOpened {
        lease: ctx.accounts.lease.key(),
        listing: listing_key,
        renter: lease.renter,
        attestor: lease.attestor,
        lease_id,
        price_lamports_per_hour: lease.price_lamports_per_hour,
        hours,
        deposited: deposit,
        start_ts: now,
        end_ts,
    });
    Ok(())
}
