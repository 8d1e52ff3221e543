use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::PayoutClaimed;
use crate::payout::{pay_earned, Undeliverable};
use crate::state::{Config, Lease, Provider};

/// The provider takes what attested uptime has earned so far. A fee the
/// treasury cannot take stays in escrow until a later claim or the settle.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimPayout<'info> {
    pub authority: Signer<'info>,
    #[account(has_one = treasury @ EscrowError::WrongTreasury)]
    pub config: Account<'info, Config>,
    #[account(
        mut,
        dup,
        has_one = authority @ EscrowError::Unauthorized,
        has_one = payout_wallet @ EscrowError::WrongPayoutWallet,
    )]
    pub provider: Box<Account<'info, Provider>>,
    #[account(mut, dup, has_one = provider @ EscrowError::ProviderMismatch)]
    pub lease: Box<Account<'info, Lease>>,
    /// CHECK: the provider's payout wallet (has_one above); only receives lamports.
    #[account(mut)]
    pub payout_wallet: UncheckedAccount<'info>,
    /// CHECK: the config's treasury (has_one above); only receives lamports.
    #[account(mut)]
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
        Undeliverable::Claim,
    )?;
    require!(
        payout.provider > 0 || payout.fee > 0,
        EscrowError::NothingToClaim
    );
    emit_cpi!(PayoutClaimed {
        lease: ctx.accounts.lease.key(),
        payout_wallet: ctx.accounts.payout_wallet.key(),
        provider_lamports: payout.provider,
        fee_lamports: payout.fee,
    });
    Ok(())
}
