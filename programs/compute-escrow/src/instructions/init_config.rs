use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, MAX_FEE_BPS, MAX_SETTLE_GRACE_SECONDS};
use crate::error::EscrowError;
use crate::events::ConfigInitialized;
use crate::state::Config;

/// Creates the market config; the signer becomes admin.
#[event_cpi]
#[derive(Accounts)]
pub struct InitConfig<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + Config::INIT_SPACE,
        seeds = [CONFIG_SEED],
        bump,
    )]
    pub config: Account<'info, Config>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    ctx: Context<InitConfig>,
    treasury: Pubkey,
    fee_bps: u16,
    settle_grace_seconds: u32,
) -> Result<()> {
    require!(fee_bps <= MAX_FEE_BPS, EscrowError::FeeTooHigh);
    require!(
        settle_grace_seconds <= MAX_SETTLE_GRACE_SECONDS,
        EscrowError::GraceTooLong
    );
    let admin = ctx.accounts.admin.key();
    ctx.accounts.config.set_inner(Config {
        admin,
        treasury,
        fee_bps,
        paused: false,
        settle_grace_seconds,
        bump: ctx.bumps.config,
    });
    emit_cpi!(ConfigInitialized {
        admin,
        treasury,
        fee_bps,
        settle_grace_seconds,
    });
    Ok(())
}
