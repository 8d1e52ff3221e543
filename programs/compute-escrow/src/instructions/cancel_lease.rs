use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::{emit_event, LeaseCancelled};
use crate::instructions::extend_lease::require_running;
use crate::math;
use crate::state::{Lease, LeaseState, Listing};

/// The renter stops the lease now. Time after the cancel can never be earned,
/// so its share of the deposit is refunded at once; the rest waits for settle.
/// With nothing left to attest (no time passed since the last attestation),
/// the lease frees its listing slot at once and may be settled right away.
#[event_cpi]
#[derive(Accounts)]
pub struct CancelLease<'info> {
    /// The lease's renter; receives the refund of time that can no longer be earned.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The lease's listing; a cancel with nothing unattested frees a slot of it, in place.
    /// CHECK: its address is the lease's (`has_one`); owner and discriminator are checked before the update.
    #[account(mut)]
    pub listing: UncheckedAccount<'info>,
    /// The lease cancelled.
    #[account(
        mut,
        dup,
        has_one = renter @ EscrowError::RenterMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
}

pub fn handler(ctx: Context<CancelLease>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let lease = &mut ctx.accounts.lease;
    require_running(lease, now)?;
    // attested_until <= now always holds: attestations never pass the clock.
    let unattested =
        u64::try_from(now - lease.attested_until).map_err(|_| EscrowError::ArithmeticOverflow)?;
    let refund = math::cancel_refund(
        lease.deposited,
        lease.refunded,
        lease.attested_seconds,
        unattested,
        lease.price_lamports_per_hour,
    )?;
    if refund > 0 {
        lease.sub_lamports(refund)?;
        ctx.accounts.renter.add_lamports(refund)?;
    }
    lease.refunded = lease
        .refunded
        .checked_add(refund)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.end_ts = now;
    lease.cancelled_at = now;
    lease.state = LeaseState::Cancelled;
    if !lease.has_unattested_time() {
        Listing::release_slot_in_place(&ctx.accounts.listing)?;
    }
    emit_event(
        &ctx.accounts.event_authority,
        &LeaseCancelled {
            lease: ctx.accounts.lease.key(),
            cancelled_at: now,
            refund_lamports: refund,
        },
    )?;
    Ok(())
}
