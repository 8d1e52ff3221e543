use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::UptimeAttested;
use crate::state::{Lease, Listing, Provider};

/// The lease's attestor signs `up_seconds` of uptime for `[from, to)`. The
/// period that reaches the lease's end frees its listing slot.
///
/// Provider and listing are the lease's own (`has_one`); only a few of their
/// counters change, so they are updated in place rather than deserialized
/// whole (see `in_place.rs`).
#[event_cpi]
#[derive(Accounts)]
pub struct AttestUptime<'info> {
    /// The lease's attestor, signing the period.
    pub attestor: Signer<'info>,
    /// The lease's provider; its uptime counters are updated in place.
    /// CHECK: its address is the lease's (`has_one`); owner and discriminator are checked before the update.
    #[account(mut)]
    pub provider: UncheckedAccount<'info>,
    /// The lease's listing; the period reaching the end frees a slot of it, in place.
    /// CHECK: its address is the lease's (`has_one`); owner and discriminator are checked before the update.
    #[account(mut)]
    pub listing: UncheckedAccount<'info>,
    /// The lease attested.
    #[account(
        mut,
        dup,
        has_one = attestor @ EscrowError::WrongAttestor,
        has_one = provider @ EscrowError::ProviderMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
}

pub fn handler(ctx: Context<AttestUptime>, from: i64, to: i64, up_seconds: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let lease = &mut ctx.accounts.lease;
    require!(to > from, EscrowError::InvalidPeriod);
    require!(
        from >= lease.attested_until,
        EscrowError::PeriodOverlapsAttested
    );
    require!(from == lease.attested_until, EscrowError::PeriodLeavesGap);
    require!(to <= lease.end_ts, EscrowError::PeriodPastLeaseEnd);
    require!(to <= now, EscrowError::PeriodInFuture);
    require!(
        now <= lease.settle_after()?,
        EscrowError::AttestationWindowClosed
    );
    // to > from, so the period length is positive and fits in u64.
    let period = (to - from) as u64;
    require!(up_seconds <= period, EscrowError::UpSecondsExceedPeriod);
    let down_seconds = period - up_seconds;

    lease.attested_until = to;
    lease.attested_seconds = lease
        .attested_seconds
        .checked_add(up_seconds)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.down_seconds = lease
        .down_seconds
        .checked_add(down_seconds)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.mark_ended_if_due(now);
    if !lease.has_unattested_time() {
        Listing::release_slot_in_place(&ctx.accounts.listing)?;
    }
    Provider::record_uptime_in_place(&ctx.accounts.provider, up_seconds, down_seconds)?;
    emit_cpi!(UptimeAttested {
        lease: ctx.accounts.lease.key(),
        attestor: ctx.accounts.attestor.key(),
        from,
        to,
        up_seconds,
    });
    Ok(())
}
