use anchor_lang::prelude::*;

use crate::attestation::{check_period, credit_period};
use crate::error::EscrowError;
use crate::events::{emit_event, AttestorReport, UptimeAttested};
use crate::state::Lease;

/// A lease whose attestor set needs one signature (1 of N): one of its
/// attestors signs `up_seconds` of uptime for `[from, to)` with its own
/// transaction. Leases that need more use `attest_reports`.
///
/// Provider and listing are the lease's own (`has_one`); only a few of their
/// counters change, so they are updated in place rather than deserialized
/// whole (see `in_place.rs`).
#[event_cpi]
#[derive(Accounts)]
pub struct AttestUptime<'info> {
    /// One of the lease's attestors, signing the period.
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
        constraint = lease.attestors.contains(attestor.key) @ EscrowError::WrongAttestor,
        constraint = lease.attestors.threshold == 1 @ EscrowError::QuorumRequired,
        has_one = provider @ EscrowError::ProviderMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
}

pub fn handler(mut ctx: Context<AttestUptime>, from: i64, to: i64, up_seconds: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    check_period(&accounts.lease, from, to, now)?;
    credit_period(
        &mut accounts.lease,
        &accounts.provider,
        &accounts.listing,
        from,
        to,
        up_seconds,
        now,
    )?;
    emit_event(
        &ctx.accounts.event_authority,
        &UptimeAttested {
            lease: ctx.accounts.lease.key(),
            from,
            to,
            up_seconds,
            reports: vec![AttestorReport {
                attestor: ctx.accounts.attestor.key(),
                up_seconds,
            }],
        },
    )?;
    Ok(())
}
