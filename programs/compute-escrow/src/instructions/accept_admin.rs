use anchor_lang::prelude::*;

use crate::events::emit_event;

use crate::error::EscrowError;
use crate::state::Config;

/// The proposed admin takes over the config (second step of the hand-over).
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin, accepting.
    pub new_admin: Signer<'info>,
    /// The market config, at `["config"]`.
    #[account(
        mut,
        dup,
        constraint = config.pending_admin == new_admin.key() @ EscrowError::NotPendingAdmin,
    )]
    pub config: Account<'info, Config>,
}

pub fn handler(ctx: Context<AcceptAdmin>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.admin = config.pending_admin;
    config.pending_admin = Pubkey::default();
    emit_event(&ctx.accounts.event_authority, &config.updated_event())?;
    Ok(())
}
