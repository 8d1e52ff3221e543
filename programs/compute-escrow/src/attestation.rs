//! Crediting one attested period to a lease, shared by the 1-of-1 attestor's
//! own transaction (`attest_uptime`) and a quorum's reports
//! (`attest_reports`): the period rules, the lease's counters, the provider's
//! track record and the listing slot freed at the end.

use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::state::{Lease, Listing, Provider};

/// Checks `[from, to)` against the lease's period rules at `now`: it starts
/// where attestations stop, ends by the lease's end and by now, and the
/// attestation window (end plus grace) is still open.
pub fn check_period(lease: &Lease, from: i64, to: i64, now: i64) -> Result<()> {
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
    Ok(())
}

/// Credits `up_seconds` of `[from, to)` (checked by [`check_period`]) to the
/// lease, records them on the provider, and frees the listing's slot once
/// nothing is left to attest.
pub fn credit_period(
    lease: &mut Lease,
    provider: &AccountInfo,
    listing: &AccountInfo,
    from: i64,
    to: i64,
    up_seconds: u64,
    now: i64,
) -> Result<()> {
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
        Listing::release_slot_in_place(listing)?;
    }
    Provider::record_uptime_in_place(provider, up_seconds, down_seconds)
}
