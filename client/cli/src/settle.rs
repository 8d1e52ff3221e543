//! `compute-escrow settle`: the permissionless crank. Anyone may settle a lease
//! once all its time is attested, or past its end plus grace; the signer only
//! pays the network fee.

use clap::Args;
use compute_escrow_client::accounts::{self, LeaseFilter};
use compute_escrow_client::ix;
use serde_json::json;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

use crate::context::{parse_pubkey, Context};
use crate::error::{CliError, CliResult};
use crate::lease_view::LeaseView;
use crate::{progress, sol};

/// `settle` arguments.
#[derive(Debug, Args)]
pub struct SettleArgs {
    /// Leases to settle.
    #[arg(value_parser = parse_pubkey, required_unless_present = "all_due")]
    leases: Vec<Pubkey>,
    /// Every lease on the cluster that is due: all attested, or past its end plus grace.
    #[arg(long, conflicts_with = "leases")]
    all_due: bool,
}

impl SettleArgs {
    /// Every lease that is due.
    pub fn all_due() -> SettleArgs {
        SettleArgs {
            leases: Vec::new(),
            all_due: true,
        }
    }
}

/// The settle instruction for `view`: accounts from the lease, its provider
/// and the config.
async fn settle_ix(ctx: &Context, view: &LeaseView, treasury: &Pubkey) -> CliResult<Instruction> {
    let provider: compute_escrow::state::Provider = accounts::fetch(&ctx.rpc, &view.lease.provider)
        .await?
        .ok_or_else(|| CliError::Remote(format!("provider {} is missing", view.lease.provider)))?;
    Ok(ix::settle_lease(
        &view.lease.provider,
        &view.lease.listing,
        &view.address,
        &view.lease.renter,
        &provider.payout_wallet,
        treasury,
    ))
}

/// Runs `settle`.
pub async fn run(ctx: &Context, args: SettleArgs) -> CliResult {
    settle(ctx, args, true).await
}

/// Settles the leases `args` names (or every due one); `report_idle` prints
/// a summary even when no lease was due.
pub async fn settle(ctx: &Context, args: SettleArgs, report_idle: bool) -> CliResult {
    let now = ctx.chain_now().await?;
    let config = accounts::config(&ctx.rpc).await?;
    let views: Vec<LeaseView> = if args.all_due {
        let mut due: Vec<LeaseView> = accounts::leases(&ctx.rpc, LeaseFilter::default())
            .await?
            .into_iter()
            .map(|(key, lease)| LeaseView::new(key, lease, now))
            .filter(|v| v.settle_after() <= now)
            .collect();
        due.sort_by_key(|v| (v.settle_after(), v.address));
        due
    } else {
        let mut views = Vec::new();
        for lease in &args.leases {
            let account = accounts::lease(&ctx.rpc, lease).await?.ok_or_else(|| {
                CliError::hinted(
                    format!("lease {lease} does not exist"),
                    "it may be settled already (settling closes the account)",
                )
            })?;
            let view = LeaseView::new(*lease, account, now);
            if view.settle_after() > now {
                return Err(CliError::hinted(
                    format!(
                        "lease {lease} cannot be settled for another {}",
                        crate::output::duration((view.settle_after() - now).unsigned_abs())
                    ),
                    "a lease settles once all its time is attested, or after its end plus the settle grace",
                ));
            }
            views.push(view);
        }
        views
    };
    let bar = progress::bar(ctx, views.len() as u64, "settling");
    let (mut settled, mut failures) = (Vec::new(), Vec::new());
    for view in &views {
        let result = async {
            let ix = settle_ix(ctx, view, &config.treasury).await?;
            ctx.send(&[ix]).await
        }
        .await;
        match result {
            Ok(signature) => {
                progress::line(
                    ctx,
                    &bar,
                    format!(
                        "settled {}: provider earned {} over the lease, renter refunded {}",
                        view.address,
                        sol::format(earned_total(view)),
                        sol::format(view.refundable)
                    ),
                );
                settled.push(json!({
                    "lease": view.address.to_string(),
                    "refund_lamports": view.refundable,
                    "signature": signature.to_string(),
                }));
            }
            Err(e) => {
                progress::line(ctx, &bar, format!("failed {}: {e}", view.address));
                failures.push(json!({ "lease": view.address.to_string(), "error": e.to_json() }));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if views.is_empty() && !report_idle {
        return Ok(());
    }
    if ctx.human() {
        if views.is_empty() {
            println!("No lease is due for settlement.");
        } else {
            println!("Settled {} of {} due leases", settled.len(), views.len());
        }
    } else {
        ctx.print_json(&json!({ "settled": settled, "failed": failures }));
    }
    progress::fail_if_any(failures.len(), "settlements")
}

/// What the provider side earned over the whole lease (paid, fee and still due).
fn earned_total(view: &LeaseView) -> u64 {
    compute_escrow::math::earned(
        view.lease.attested_seconds,
        view.lease.price_lamports_per_hour,
    )
    .unwrap_or(0)
}
