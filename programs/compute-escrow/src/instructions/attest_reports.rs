use anchor_lang::prelude::*;
use solana_instructions_sysvar::ID as INSTRUCTIONS_SYSVAR_ID;

use crate::attestation::{check_period, credit_period};
use crate::constants::MAX_PERIODS_PER_SUBMISSION;
use crate::error::EscrowError;
use crate::events::{emit_event, AttestorReport, UptimeAttested};
use crate::report::{quorum_up_seconds, verified_reports, SignedReport};
use crate::state::Lease;

/// Credits the next `periods` periods of the lease's grid from reports its
/// attestors signed off chain, verified by the Ed25519 program instructions
/// ahead of this one. Each period needs reports from at least `threshold`
/// distinct attestors of the lease for exactly that `[from, to)`; it is
/// credited the `threshold`-th highest reported up-seconds. Every report in
/// the transaction must count toward one of the periods: one for another
/// lease, an attested or later period or off the grid, from a key outside
/// the set, or an attestor's second report of a period refuses the whole
/// submission.
///
/// Anyone may submit (the submitter only pays the fee); provider and listing
/// are the lease's own and updated in place, as in `attest_uptime`.
#[event_cpi]
#[derive(Accounts)]
pub struct AttestReports<'info> {
    /// Whoever relays the reports; pays the fee, gains nothing.
    pub submitter: Signer<'info>,
    /// The lease's provider; its uptime counters are updated in place.
    /// CHECK: its address is the lease's (`has_one`); owner and discriminator are checked before the update.
    #[account(mut)]
    pub provider: UncheckedAccount<'info>,
    /// The lease's listing; the period reaching the end frees a slot of it, in place.
    /// CHECK: its address is the lease's (`has_one`); owner and discriminator are checked before the update.
    #[account(mut)]
    pub listing: UncheckedAccount<'info>,
    /// The lease attested. (`dup`: Anchor's duplicate-account check would
    /// otherwise hash keys with std's `RandomState`, whose thread-local keys
    /// an SBF program cannot hold.)
    #[account(
        mut,
        dup,
        has_one = provider @ EscrowError::ProviderMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The instructions sysvar, where the Ed25519 instructions are read.
    /// CHECK: its address is the sysvar's.
    #[account(address = INSTRUCTIONS_SYSVAR_ID @ EscrowError::NotInstructionsSysvar)]
    pub instructions: UncheckedAccount<'info>,
}

pub fn handler(mut ctx: Context<AttestReports>, periods: u8) -> Result<()> {
    require!(
        (1..=MAX_PERIODS_PER_SUBMISSION).contains(&periods),
        EscrowError::InvalidPeriodCount
    );
    let now = Clock::get()?.unix_timestamp;
    let lease_key = ctx.accounts.lease.key();
    let set = ctx.accounts.lease.attestors;
    // The periods this submission credits: the next ones on the lease's grid.
    let mut windows = Vec::with_capacity(usize::from(periods));
    let (start, end) = (ctx.accounts.lease.start_ts, ctx.accounts.lease.end_ts);
    let mut from = ctx.accounts.lease.attested_until;
    for _ in 0..periods {
        let to = set.period_end(start, end, from)?;
        windows.push((from, to));
        from = to;
    }
    let reports = verified_reports(&ctx.accounts.instructions)?;
    let attested_until = ctx.accounts.lease.attested_until;
    for signed in &reports {
        let r = &signed.report;
        require_keys_eq!(r.lease, lease_key, EscrowError::ReportForOtherLease);
        require!(
            set.contains(&signed.attestor),
            EscrowError::ReportSignerNotAttestor
        );
        if !windows.contains(&(r.from, r.to)) {
            require!(
                r.from >= attested_until,
                EscrowError::PeriodOverlapsAttested
            );
            require!(r.from < from, EscrowError::PeriodLeavesGap);
            return err!(EscrowError::ReportForOtherPeriod);
        }
    }
    for (from, to) in windows {
        check_period(&ctx.accounts.lease, from, to, now)?;
        let of_period: Vec<&SignedReport> = reports
            .iter()
            .filter(|r| (r.report.from, r.report.to) == (from, to))
            .collect();
        for (i, r) in of_period.iter().enumerate() {
            require!(
                !of_period[..i].iter().any(|o| o.attestor == r.attestor),
                EscrowError::DuplicateReport
            );
        }
        let up_seconds = quorum_up_seconds(
            of_period.iter().map(|r| r.report.up_seconds).collect(),
            set.threshold,
        )
        .ok_or(EscrowError::QuorumNotReached)?;
        let accounts = &mut ctx.accounts;
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
                lease: lease_key,
                from,
                to,
                up_seconds,
                reports: of_period
                    .iter()
                    .map(|r| AttestorReport {
                        attestor: r.attestor,
                        up_seconds: r.report.up_seconds,
                    })
                    .collect(),
            },
        )?;
    }
    Ok(())
}
