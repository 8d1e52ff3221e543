use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;

use crate::account_creation::{create_pda, write_account};
use crate::constants::CONFIG_SEED;
use crate::error::EscrowError;
use crate::events::{emit_event, ConfigInitialized};
use crate::payout::require_recipient;
use crate::state::Config;

/// Creates the market config. Only the program's upgrade authority may sign,
/// so nobody can take a fresh deployment over before its operator; the signer
/// becomes admin.
#[event_cpi]
#[derive(Accounts)]
pub struct InitConfig<'info> {
    /// The program's upgrade authority; becomes admin and pays the config's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The new market config, at `["config"]`.
    /// CHECK: created here by `create_pda` at the seeds checked by the constraint.
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// The program's ProgramData account (upgradeable loader), naming its upgrade authority.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ EscrowError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    /// Receives protocol fees.
    /// CHECK: must be a writable system-owned wallet (checked in the handler).
    #[account(mut)]
    pub treasury: UncheckedAccount<'info>,
    /// Creates the config account.
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitConfig>, fee_bps: u16, settle_grace_seconds: u32) -> Result<()> {
    Config::validate_fee(fee_bps)?;
    Config::validate_grace(settle_grace_seconds)?;
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
            pending_admin: Pubkey::default(),
            treasury,
            fee_bps,
            paused: false,
            settle_grace_seconds,
            bump,
        },
    )?;
    emit_event(
        &ctx.accounts.event_authority,
        &ConfigInitialized {
            admin,
            treasury,
            fee_bps,
            settle_grace_seconds,
        },
    )?;
    Ok(())
}
