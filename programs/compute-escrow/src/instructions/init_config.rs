use anchor_lang::prelude::*;

use crate::account_creation::{create_pda, write_account};
use crate::constants::{CONFIG_SEED, MAX_FEE_BPS, MAX_SETTLE_GRACE_SECONDS};
use crate::error::EscrowError;
use crate::events::ConfigInitialized;
use crate::payout::require_recipient;
use crate::state::Config;

/// Creates the market config; the signer becomes admin.
#[event_cpi]
#[derive(Accounts)]
pub struct InitConfig<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    /// CHECK: created here by `create_pda` at the seeds checked below.
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// CHECK: receives protocol fees; must be writable and not executable.
    #[account(mut)]
    pub treasury: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitConfig>, fee_bps: u16, settle_grace_seconds: u32) -> Result<()> {
    require!(fee_bps <= MAX_FEE_BPS, EscrowError::FeeTooHigh);
    require!(
        settle_grace_seconds <= MAX_SETTLE_GRACE_SECONDS,
        EscrowError::GraceTooLong
    );
    require_recipient(&ctx.accounts.treasury)?;
    let treasury = ctx.accounts.treasury.key();
    let admin = ctx.accounts.admin.key();
    let bump = ctx.bumps.config;
    let config = ctx.accounts.config.to_account_info();
    create_pda(
        &ctx.accounts.admin.to_account_info(),
        &config,
        &ctx.accounts.system_program.to_account_info(),
        8 + Config::INIT_SPACE,
        &[CONFIG_SEED, &[bump]],
        0,
    )?;
    write_account(
        &config,
        &Config {
            admin,
            treasury,
            fee_bps,
            paused: false,
            settle_grace_seconds,
            bump,
        },
    )?;
    emit_cpi!(ConfigInitialized {
        admin,
        treasury,
        fee_bps,
        settle_grace_seconds,
    });
    Ok(())
}
