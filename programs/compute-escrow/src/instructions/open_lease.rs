use anchor_lang::prelude::*;

use crate::account_creation::{create_pda, write_account};
use crate::constants::LEASE_SEED;
use crate::error::EscrowError;
use crate::events::LeaseOpened;
use crate::math;
use crate::state::{CloseReason, Config, Lease, LeaseState, Listing};

/// A renter rents `listing` for `hours`, paying price × hours into the lease.
#[event_cpi]
#[derive(Accounts)]
pub struct OpenLease<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    pub config: Account<'info, Config>,
    #[account(mut, dup)]
    pub listing: Box<Account<'info, Listing>>,
    /// CHECK: must be the PDA `["lease", listing, lease_id]` with `lease_bump`
    /// (checked in the handler with one hash, no bump search); created there.
    #[account(mut)]
    pub lease: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// `expected_price_lamports_per_hour` and `expected_attestor` are what the renter
/// was quoted; if the listing changed since, the whole transaction fails.
/// `lease_bump` is the bump of the lease PDA, derived off-chain (the SDK uses
/// the canonical one). Any valid bump is accepted, which only affects where
/// the renter's own lease lives; the lease records its id and bump.
pub fn handler(
    ctx: Context<OpenLease>,
    lease_id: u64,
    lease_bump: u8,
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

    let lease = Lease {
        state: LeaseState::Active,
        close_reason: CloseReason::None,
        renter: ctx.accounts.renter.key(),
        provider: listing.provider,
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
        bump: lease_bump,
    };
    let listing_key = listing.key();
    let id_bytes = lease_id.to_le_bytes();
    let bump_bytes = [lease_bump];
    let seeds: [&[u8]; 4] = [LEASE_SEED, listing_key.as_ref(), &id_bytes, &bump_bytes];
    let expected = Pubkey::create_program_address(&seeds, &crate::ID)
        .map_err(|_| error!(EscrowError::LeaseAddressMismatch))?;
    require_keys_eq!(
        expected,
        ctx.accounts.lease.key(),
        EscrowError::LeaseAddressMismatch
    );
    let renter = ctx.accounts.renter.to_account_info();
    let account = ctx.accounts.lease.to_account_info();
    create_pda(
        &renter,
        &account,
        &ctx.accounts.system_program.to_account_info(),
        8 + Lease::INIT_SPACE,
        &seeds,
        deposit,
    )?;
    write_account(&account, &lease)?;
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
