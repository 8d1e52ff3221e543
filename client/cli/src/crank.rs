//! `compute-escrow crank`: the permissionless crank. Submits every period
//! whose attestor quorum is complete among the reports the indexer API holds
//! (the submitter only pays the network fee), then settles every lease that
//! is due. Several cranks may run at once and a crank may restart at any
//! time: a period another crank credited first is skipped, never failed on.
//! With `--every SECONDS` it keeps running, one round per interval.

use clap::Args;
use compute_escrow::error::EscrowError;
use compute_escrow::state::Lease;
use compute_escrow_client::accounts::{self, LeaseFilter};
use compute_escrow_client::api::{LeaseReportsQuery, Limit, ReportView, MAX_LIMIT};
use compute_escrow_client::crank::submissions;
use compute_escrow_client::reports::SignedUptimeReport;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;

use crate::context::{parse_pubkey, Context};
use crate::error::{CliError, CliResult};
use crate::progress;
use crate::settle::{self, SettleArgs};

/// `crank` arguments.
#[derive(Debug, Args)]
pub struct CrankArgs {
    /// Leases to attest (default: every lease with time left to attest).
    #[arg(value_parser = parse_pubkey)]
    leases: Vec<Pubkey>,
    /// Only submit reports; do not settle due leases.
    #[arg(long)]
    no_settle: bool,
    /// Keep running: a round every SECONDS until Ctrl-C (or SIGTERM). A
    /// round that fails is reported and the next one runs; rounds with
    /// nothing to do print nothing.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    every: Option<u64>,
}

/// Whether `err` says another submission credited the period first.
fn already_attested(err: &CliError) -> bool {
    let taken = [
        EscrowError::PeriodOverlapsAttested,
        EscrowError::PeriodLeavesGap,
    ];
    matches!(err, CliError::Program(e) if taken.iter().any(|t| u32::from(*t) == e.code))
}

/// Runs `crank`: one round, or one every `--every` seconds until stopped.
pub async fn run(ctx: &Context, args: CrankArgs) -> CliResult {
    let Some(every) = args.every else {
        return round(ctx, &args, true).await;
    };
    let signal = |kind| {
        tokio::signal::unix::signal(kind)
            .map_err(|e| CliError::Remote(format!("cannot listen for signals: {e}")))
    };
    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(every));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        }
        if let Err(e) = round(ctx, &args, false).await {
            if ctx.human() {
                eprintln!("crank round failed, retrying in {every} s: {e}");
            } else {
                ctx.print_json(&json!({ "round_failed": e.to_json() }));
            }
        }
    }
}

/// One round: submits every complete quorum, then (unless `--no-settle`)
/// settles what is due. `report_idle` prints a summary even when there was
/// nothing to do.
async fn round(ctx: &Context, args: &CrankArgs, report_idle: bool) -> CliResult {
    let now = ctx.chain_now().await?;
    let submitter = ctx.me()?;
    let leases: Vec<(Pubkey, Lease)> = if args.leases.is_empty() {
        accounts::leases(&ctx.rpc, LeaseFilter::default())
            .await?
            .into_iter()
            .filter(|(_, l)| l.has_unattested_time())
            .collect()
    } else {
        let mut found = Vec::new();
        for key in &args.leases {
            let lease = accounts::lease(&ctx.rpc, key)
                .await?
                .ok_or_else(|| CliError::usage(format!("lease {key} does not exist")))?;
            found.push((*key, lease));
        }
        found
    };
    let bar = progress::bar(ctx, leases.len() as u64, "attesting");
    let (mut credited, mut failures) = (Vec::new(), Vec::new());
    for (key, lease) in &leases {
        // The reports of the periods still to credit; a lease with more
        // pending than one page gets the rest in the next round.
        let query = LeaseReportsQuery {
            from: Some(lease.attested_until),
            limit: Limit::new(MAX_LIMIT),
        };
        let stored: Vec<ReportView> = ctx
            .api_get(&format!("/v1/leases/{key}/reports"), &query)
            .await?;
        let reports: Vec<SignedUptimeReport> = stored.into_iter().map(Into::into).collect();
        for submission in submissions(&submitter, key, lease, &reports, now) {
            let (from, to) = (
                submission.periods[0].0,
                submission.periods[submission.periods.len() - 1].1,
            );
            match ctx.send(&submission.instructions).await {
                Ok(signature) => {
                    progress::line(
                        ctx,
                        &bar,
                        format!(
                            "attested {key} [{from}, {to}) from {} reports",
                            submission.reports.len()
                        ),
                    );
                    credited.push(json!({
                        "lease": key.to_string(), "from": from, "to": to,
                        "periods": submission.periods.len(), "signature": signature.to_string(),
                    }));
                }
                Err(e) if already_attested(&e) => {
                    progress::line(
                        ctx,
                        &bar,
                        format!("skipped {key}: attested by another crank"),
                    );
                    break;
                }
                Err(e) => {
                    progress::line(ctx, &bar, format!("failed {key}: {e}"));
                    failures.push(json!({ "lease": key.to_string(), "error": e.to_json() }));
                    break;
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if report_idle || !credited.is_empty() || !failures.is_empty() {
        if ctx.human() {
            println!(
                "Attested {} submission(s) over {} lease(s)",
                credited.len(),
                leases.len()
            );
        } else {
            ctx.print_json(&json!({ "attested": credited, "failed": failures }));
        }
    }
    progress::fail_if_any(failures.len(), "submissions")?;
    if args.no_settle {
        return Ok(());
    }
    settle::settle(ctx, SettleArgs::all_due(), report_idle).await
}
