use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::PayoutClaimed;
use crate::math::{self, Payout};
use crate::state::{Config, Lease, Provider};

/// The provider takes what attested uptime has earned so far.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimPayout<'info> {
    pub authority: Signer<'info>,
    pub config: Account<'info, Config>,
    #[account(
        mut,
        has_one = authority @ EscrowError::Unauthorized,
        has_one = payout_wallet @ EscrowError::WrongPayoutWallet,
    )]
    pub provider: Box<Account<'info, Provider>>,
    #[account(mut, has_one = provider @ EscrowError::ProviderMismatch)]
    pub lease: Box<Account<'info, Lease>>,
    /// CHECK: must equal `provider.payout_wallet` (has_one above); only receives lamports.
    #[account(mut)]
    pub payout_wallet: UncheckedAccount<'info>,
    /// CHECK: must equal `config.treasury`; only receives lamports.
    #[account(mut, address = config.treasury @ EscrowError::WrongTreasury)]
    pub treasury: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<ClaimPayout>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    accounts.lease.mark_ended_if_due(now);
    let payout = pay_earned(
        &mut accounts.lease,
        &mut accounts.provider,
        &accounts.payout_wallet,
        &accounts.treasury,
    )?;
    require!(payout.total()? > 0, EscrowError::NothingToClaim);
    emit_cpi!(PayoutClaimed {
        lease: ctx.accounts.lease.key(),
        payout_wallet: ctx.accounts.payout_wallet.key(),
        provider_lamports: payout.provider,
        fee_lamports: payout.fee,
    });
    Ok(())
}

/// Moves everything earned and not yet paid from the lease's escrow to the
/// payout wallet and the treasury, and records it on the lease and provider.
pub(crate) fn pay_earned<'info>(
    lease: &mut Account<'info, Lease>,
    provider: &mut Provider,
    payout_wallet: &AccountInfo<'info>,
    treasury: &AccountInfo<'info>,
) -> Result<Payout> {
    let payout = math::payout_due(
        lease.attested_seconds,
        lease.price_lamports_per_hour,
        lease.fee_bps,
        lease.paid_out,
        lease.fee_paid,
    )?;
    if payout.provider > 0 {
        lease.sub_lamports(payout.provider)?;
        payout_wallet.add_lamports(payout.provider)?;
    }
    if payout.fee > 0 {
        lease.sub_lamports(payout.fee)?;
        treasury.add_lamports(payout.fee)?;
    }
    lease.paid_out = lease
        .paid_out
        .checked_add(payout.provider)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.fee_paid = lease
        .fee_paid
        .checked_add(payout.fee)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    provider.lamports_earned = provider
        .lamports_earned
        .checked_add(payout.provider)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(payout)
}
