use anchor_lang::prelude::*;

use crate::events::emit_event;

use crate::args::exact_args;
use crate::error::EscrowError;
use crate::payout::require_recipient;
use crate::state::Config;

/// Changes to the config; `None` keeps the current value. A new treasury is
/// passed as the optional `new_treasury` account. A new admin is only
/// proposed here and takes over when it signs `accept_admin`; proposing the
/// default key withdraws a proposal.
#[derive(AnchorSerialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigUpdate {
    pub new_admin: Option<Pubkey>,
    pub fee_bps: Option<u16>,
    pub paused: Option<bool>,
    pub settle_grace_seconds: Option<u32>,
}
exact_args!(ConfigUpdate {
    new_admin,
    fee_bps,
    paused,
    settle_grace_seconds
});

/// Admin-only change of fee, treasury, grace, pause flag, or a proposed admin.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The admin.
    pub admin: Signer<'info>,
    /// The market config, at `["config"]`.
    #[account(mut, dup, has_one = admin @ EscrowError::Unauthorized)]
    pub config: Account<'info, Config>,
    /// The new treasury, when moving it.
    /// CHECK: must be a writable system-owned wallet (checked in the handler).
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
        Config::validate_fee(fee_bps)?;
        config.fee_bps = fee_bps;
    }
    if let Some(grace) = update.settle_grace_seconds {
        Config::validate_grace(grace)?;
        config.settle_grace_seconds = grace;
    }
    if let Some(admin) = update.new_admin {
        config.pending_admin = admin;
    }
    if let Some(paused) = update.paused {
        config.paused = paused;
    }
    emit_event(&ctx.accounts.event_authority, &config.updated_event())?;
    Ok(())
}
