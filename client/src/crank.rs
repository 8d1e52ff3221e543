//! Turning stored uptime reports into `attest_reports` transactions: every
//! period of a lease whose quorum is complete, in order, as few transactions
//! as fit (a crank runs this; anyone may).

use compute_escrow::constants::MAX_PERIODS_PER_SUBMISSION;
use compute_escrow::state::Lease;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

use crate::ix;
use crate::reports::{ed25519_instruction, SignedUptimeReport};

/// Most bytes of Ed25519 instruction data one transaction can carry beside
/// `attest_reports`, its accounts, a compute-unit limit and one signature
/// (1,232-byte legacy transactions): three reports of different values.
pub const MAX_REPORT_BYTES: usize = 800;

/// One transaction's worth: the Ed25519 instruction and `attest_reports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The periods it credits, `[from, to)` each.
    pub periods: Vec<(i64, i64)>,
    /// The reports it carries.
    pub reports: Vec<SignedUptimeReport>,
    /// `[Ed25519 verification, attest_reports]`.
    pub instructions: Vec<Instruction>,
}

/// The reports of `[from, to)` that count for `lease`: from its attestors,
/// one per attestor (the first stored), highest up-seconds first.
fn quorum_of(
    lease_key: &Pubkey,
    lease: &Lease,
    reports: &[SignedUptimeReport],
    from: i64,
    to: i64,
) -> Vec<SignedUptimeReport> {
    let mut found: Vec<SignedUptimeReport> = Vec::new();
    for r in reports {
        let same_period =
            r.report.lease == *lease_key && (r.report.from, r.report.to) == (from, to);
        if same_period
            && lease.attestors.contains(&r.attestor)
            && r.verify()
            && !found.iter().any(|f| f.attestor == r.attestor)
        {
            found.push(*r);
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.report.up_seconds));
    found
}

/// The submissions crediting every period of `lease` (at `lease_key`) from
/// its `attested_until` on whose quorum `reports` complete, stopping at the
/// first period that has none or is not over at `now`. Each period carries
/// all its attestors' reports when they fit, else the `threshold` highest
/// (which credit the same value).
pub fn submissions(
    submitter: &Pubkey,
    lease_key: &Pubkey,
    lease: &Lease,
    reports: &[SignedUptimeReport],
    now: i64,
) -> Vec<Submission> {
    let set = lease.attestors;
    let threshold = usize::from(set.threshold);
    let mut out: Vec<Submission> = Vec::new();
    let mut current = Submission {
        periods: Vec::new(),
        reports: Vec::new(),
        instructions: Vec::new(),
    };
    let mut from = lease.attested_until;
    let horizon = now.min(lease.end_ts);
    while let Ok(to) = set.period_end(lease.start_ts, lease.end_ts, from) {
        if to <= from || to > horizon {
            break;
        }
        let quorum = quorum_of(lease_key, lease, reports, from, to);
        if threshold == 0 || quorum.len() < threshold {
            break;
        }
        let fits = |extra: &[SignedUptimeReport], base: &[SignedUptimeReport]| {
            let all: Vec<SignedUptimeReport> = base.iter().chain(extra).copied().collect();
            ed25519_instruction(&all).data.len() <= MAX_REPORT_BYTES
        };
        let chosen = if fits(&quorum, &[]) {
            quorum
        } else {
            quorum[..threshold].to_vec()
        };
        if !current.periods.is_empty()
            && (!fits(&chosen, &current.reports)
                || current.periods.len() == usize::from(MAX_PERIODS_PER_SUBMISSION))
        {
            out.push(std::mem::replace(
                &mut current,
                Submission {
                    periods: Vec::new(),
                    reports: Vec::new(),
                    instructions: Vec::new(),
                },
            ));
        }
        current.periods.push((from, to));
        current.reports.extend(chosen);
        from = to;
    }
    if !current.periods.is_empty() {
        out.push(current);
    }
    for s in &mut out {
        s.instructions = vec![
            ed25519_instruction(&s.reports),
            ix::attest_reports(
                submitter,
                &lease.provider,
                &lease.listing,
                lease_key,
                s.periods.len() as u8,
            ),
        ];
    }
    out
}
