use anchor_lang::prelude::*;

use crate::account_creation::{create_pda, is_program_address, write_account};
use crate::args::exact_args;
use crate::constants::LEASE_SEED;
use crate::error::EscrowError;
use crate::events::{emit_event, LeaseOpened};
use crate::math;
use crate::state::{CloseReason, Config, Lease, LeaseState, Listing};

/// What the renter was quoted and signs: the listing's price and
/// [`Listing::terms_hash`], and the market's fee and settle grace. If any
/// differs from what is in force when the transaction runs, it fails and
/// moves nothing.
#[derive(AnchorSerialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuotedTerms {
    pub price_lamports_per_hour: u64,
    pub terms_hash: [u8; 32],
    pub fee_bps: u16,
    pub settle_grace_seconds: u32,
}
exact_args!(QuotedTerms {
    price_lamports_per_hour,
    terms_hash,
    fee_bps,
    settle_grace_seconds
});

/// A renter rents `listing` for `hours`, paying price × hours into the lease.
#[event_cpi]
#[derive(Accounts)]
pub struct OpenLease<'info> {
    /// The renter; pays the deposit and the lease's rent, and signs the quoted terms.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The market config, at `["config"]`; its fee and grace must be the quoted ones.
    pub config: Account<'info, Config>,
    /// The listing rented; its terms must be the quoted ones, and a slot of it is taken, in place.
    /// CHECK: owner and discriminator checked when the handler loads it.
    #[account(mut)]
    pub listing: UncheckedAccount<'info>,
    /// The new lease, at `["lease", listing, renter, lease_id]`; holds the escrow.
    /// CHECK: its address is checked against the seeds and `lease_bump` in the handler, then created there.
    #[account(mut)]
    pub lease: UncheckedAccount<'info>,
    /// Creates the lease account.
    pub system_program: Program<'info, System>,
}

impl OpenLease<'_> {
    /// Fails unless `listing` takes leases and `quote` is what is in force.
    fn check_quote(&self, listing: &Listing, hours: u32, quote: &QuotedTerms) -> Result<()> {
        let config = &self.config;
        require!(!config.paused, EscrowError::MarketPaused);
        listing.require_active()?;
        require!(
            listing.price_lamports_per_hour == quote.price_lamports_per_hour,
            EscrowError::PriceChanged
        );
        require!(
            listing.terms_hash() == quote.terms_hash,
            EscrowError::TermsChanged
        );
        require!(config.fee_bps == quote.fee_bps, EscrowError::FeeChanged);
        require!(
            config.settle_grace_seconds == quote.settle_grace_seconds,
            EscrowError::GraceChanged
        );
        require!(hours >= listing.min_hours, EscrowError::HoursBelowMinimum);
        require!(hours <= listing.max_hours, EscrowError::HoursAboveMaximum);
        Ok(())
    }
}

/// `lease_bump` is the bump of the lease PDA, derived off-chain (the SDK uses
/// the canonical one). Any valid bump is accepted, which only affects where
/// the renter's own lease lives; the lease records its id and bump.
pub fn handler(
    ctx: Context<OpenLease>,
    lease_id: u64,
    lease_bump: u8,
    hours: u32,
    quote: QuotedTerms,
) -> Result<()> {
    let listing = Listing::load(&ctx.accounts.listing)?;
    ctx.accounts.check_quote(&listing, hours, &quote)?;
    let renter_key = ctx.accounts.renter.key();
    let listing_key = ctx.accounts.listing.key();
    let id_bytes = lease_id.to_le_bytes();
    let bump_bytes = [lease_bump];
    let seeds: [&[u8]; 5] = [
        LEASE_SEED,
        listing_key.as_ref(),
        renter_key.as_ref(),
        &id_bytes,
        &bump_bytes,
    ];
    require!(
        is_program_address(&ctx.accounts.lease.key(), &seeds),
        EscrowError::LeaseAddressMismatch
    );

    listing.take_slot_in_place(&ctx.accounts.listing)?;
    let deposit = math::lease_cost(listing.price_lamports_per_hour, hours)?;
    let now = Clock::get()?.unix_timestamp;
    let end_ts = now
        .checked_add(math::hours_to_seconds(hours))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let lease = Lease {
        state: LeaseState::Active,
        close_reason: CloseReason::None,
        renter: renter_key,
        provider: listing.provider,
        listing: listing_key,
        attestors: listing.attestors,
        lease_id,
        price_lamports_per_hour: listing.price_lamports_per_hour,
        fee_bps: quote.fee_bps,
        settle_grace_seconds: quote.settle_grace_seconds,
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
        health_check: listing.health_check,
    };
    let account = ctx.accounts.lease.to_account_info();
    create_pda(
        &ctx.accounts.renter.to_account_info(),
        &account,
        &ctx.accounts.system_program.to_account_info(),
        8 + Lease::INIT_SPACE,
        &seeds,
        deposit,
    )?;
    write_account(&account, &lease)?;
    emit_event(
        &ctx.accounts.event_authority,
        &LeaseOpened {
            lease: account.key(),
            listing: listing_key,
            renter: renter_key,
            attestors: lease.attestors,
            lease_id,
            price_lamports_per_hour: lease.price_lamports_per_hour,
            terms_hash: quote.terms_hash,
            hours,
            deposited: deposit,
            start_ts: now,
            end_ts,
        },
    )?;
    Ok(())
}
