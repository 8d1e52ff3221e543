use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};

use crate::error::EscrowError;
use crate::events::{emit_event, LeaseExtended};
use crate::math;
use crate::state::{Config, Lease, LeaseState, Listing};

/// The renter buys `hours` more at the lease's own price.
#[event_cpi]
#[derive(Accounts)]
pub struct ExtendLease<'info> {
    /// The lease's renter; pays for the added hours.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The market config, at `["config"]`.
    pub config: Account<'info, Config>,
    /// The lease's listing; must still take leases, and caps the lease's hours.
    pub listing: Box<Account<'info, Listing>>,
    /// The lease extended.
    #[account(
        mut,
        dup,
        has_one = renter @ EscrowError::RenterMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// Moves the payment into the lease.
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<ExtendLease>, hours: u32) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let lease = &mut ctx.accounts.lease;
    require_running(lease, now)?;
    require!(!ctx.accounts.config.paused, EscrowError::MarketPaused);
    let listing = &ctx.accounts.listing;
    listing.require_active()?;
    require!(hours >= 1, EscrowError::HoursBelowMinimum);
    let total_hours = lease
        .hours
        .checked_add(hours)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    require!(
        total_hours <= listing.max_hours,
        EscrowError::HoursAboveMaximum
    );
    let cost = math::lease_cost(lease.price_lamports_per_hour, hours)?;
    lease.hours = total_hours;
    lease.end_ts = lease
        .end_ts
        .checked_add(math::hours_to_seconds(hours))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.deposited = lease
        .deposited
        .checked_add(cost)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let end_ts = lease.end_ts;
    transfer(
        CpiContext::new(
            ctx.accounts.system_program.key(),
            Transfer {
                from: ctx.accounts.renter.to_account_info(),
                to: ctx.accounts.lease.to_account_info(),
            },
        ),
        cost,
    )?;
    emit_event(
        &ctx.accounts.event_authority,
        &LeaseExtended {
            lease: ctx.accounts.lease.key(),
            hours_added: hours,
            lamports_added: cost,
            end_ts,
        },
    )?;
    Ok(())
}

/// Fails unless the lease is Active and its end has not been reached.
pub(crate) fn require_running(lease: &Lease, now: i64) -> Result<()> {
    match lease.state {
        LeaseState::Active if now < lease.end_ts => Ok(()),
        LeaseState::Active | LeaseState::Ended => err!(EscrowError::LeaseEnded),
        LeaseState::Cancelled | LeaseState::Settled => err!(EscrowError::LeaseNotActive),
    }
}
