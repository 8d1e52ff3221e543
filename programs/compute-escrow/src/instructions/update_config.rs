use anchor_lang::prelude::*;

use crate::constants::{MAX_FEE_BPS, MAX_SETTLE_GRACE_SECONDS};
use crate::error::EscrowError;
use crate::events::ConfigUpdated;
use crate::payout::require_recipient;
use crate::state::Config;

/// Changes to the config; `None` keeps the current value. A new treasury is
/// passed as the optional `new_treasury` account.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigUpdate {
    pub admin: Option<Pubkey>,
    pub fee_bps: Option<u16>,
    pub paused: Option<bool>,
    pub settle_grace_seconds: Option<u32>,
}

/// Admin-only change of fee, treasury, grace, pause flag or admin.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    pub admin: Signer<'info>,
    #[account(mut, dup, has_one = admin @ EscrowError::Unauthorized)]
    pub config: Account<'info, Config>,
    /// CHECK: the new treasury, if changing it; writable and not executable.
    #[account(mut)]
    pub new_treasury: Option<UncheckedAccount<'info>>,
}

pub fn handler(ctx: Context<UpdateConfig>, update: ConfigUpdate) -> Result<()> {
    if let Some(treasury) = &ctx.accounts.new_treasury {
        require_recipient(treasury)?;
        ctx.accounts.config.treasury = treasury.key();
    }
    let config = &mut ctx.accounts.config;
    if let Some(fee_bps) = update.fee_bps {
        require!(fee_bps <= MAX_FEE_BPS, EscrowError::FeeTooHigh);
        config.fee_bps = fee_bps;
    }
    if let Some(grace) = update.settle_grace_seconds {
        require!(grace <= MAX_SETTLE_GRACE_SECONDS, EscrowError::GraceTooLong);
        config.settle_grace_seconds = grace;
    }
    if let Some(admin) = update.admin {
        config.admin = admin;
    }
    if let Some(paused) = update.paused {
        config.paused = paused;
    }
    emit_cpi!(ConfigUpdated {
        admin: config.admin,
        treasury: config.treasury,
        fee_bps: config.fee_bps,
        paused: config.paused,
        settle_grace_seconds: config.settle_grace_seconds,
    });
    Ok(())
}
