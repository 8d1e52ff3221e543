use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::{emit_event, PayoutClaimed};
use crate::payout::{pay_earned, Undeliverable};
use crate::state::{Config, Lease, Provider};

/// The provider takes what attested uptime has earned so far. A fee the
/// treasury cannot take stays in escrow until a later claim or the settle.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimPayout<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The market config, at `["config"]`; names the treasury.
    #[account(has_one = treasury @ EscrowError::WrongTreasury)]
    pub config: Account<'info, Config>,
    /// The lease's provider, at `["provider", authority]`; its earnings counter is updated in place.
    /// CHECK: owner and discriminator checked, and its authority and payout wallet read in place, by the constraints.
    #[account(
        mut,
        constraint = Provider::authority_in_place(&provider)? == authority.key()
            @ EscrowError::Unauthorized,
        constraint = Provider::payout_wallet_in_place(&provider)? == payout_wallet.key()
            @ EscrowError::WrongPayoutWallet,
    )]
    pub provider: UncheckedAccount<'info>,
    /// The lease paying out.
    #[account(mut, dup, has_one = provider @ EscrowError::ProviderMismatch)]
    pub lease: Box<Account<'info, Lease>>,
    /// The provider's payout wallet; receives the provider's share.
    /// CHECK: must equal the provider's payout wallet (constraint above); only receives lamports.
    #[account(mut)]
    pub payout_wallet: UncheckedAccount<'info>,
    /// The config's treasury; receives the protocol fee.
    /// CHECK: must equal the config's treasury (`has_one`); only receives lamports.
    #[account(mut)]
    pub treasury: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<ClaimPayout>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    accounts.lease.mark_ended_if_due(now);
    let payout = pay_earned(
        &mut accounts.lease,
        &accounts.payout_wallet,
        &accounts.treasury,
        Undeliverable::Claim,
    )?;
    Provider::record_earnings_in_place(&accounts.provider, payout.provider)?;
    require!(
        payout.provider > 0 || payout.fee > 0,
        EscrowError::NothingToClaim
    );
    emit_event(
        &ctx.accounts.event_authority,
        &PayoutClaimed {
            lease: ctx.accounts.lease.key(),
            payout_wallet: ctx.accounts.payout_wallet.key(),
            provider_lamports: payout.provider,
            fee_lamports: payout.fee,
        },
    )?;
    Ok(())
}
