use anchor_lang::prelude::*;

use crate::args::exact_args;
use crate::constants::MAX_METADATA_URI_LEN;
use crate::error::EscrowError;
use crate::events::{emit_event, ProviderUpdated};
use crate::payout::require_recipient;
use crate::state::Provider;

/// Changes to a provider; `None` keeps the current value. A new payout
/// wallet is passed as the optional `new_payout_wallet` account.
#[derive(AnchorSerialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderUpdate {
    /// New metadata URI, at most 200 bytes.
    pub metadata_uri: Option<String>,
}
exact_args!(ProviderUpdate { metadata_uri });

/// Changes the provider's payout wallet (pass the new one as an account)
/// and/or metadata URI.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateProvider<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The provider, at `["provider", authority]`.
    #[account(mut, dup, has_one = authority @ EscrowError::Unauthorized)]
    pub provider: Box<Account<'info, Provider>>,
    /// The new payout wallet, when moving it.
    /// CHECK: must be a writable system-owned wallet (checked in the handler).
    #[account(mut)]
    pub new_payout_wallet: Option<UncheckedAccount<'info>>,
}

pub fn handler(ctx: Context<UpdateProvider>, update: ProviderUpdate) -> Result<()> {
    let new_wallet = match &ctx.accounts.new_payout_wallet {
        Some(wallet) => {
            require_recipient(wallet)?;
            Some(wallet.key())
        }
        None => None,
    };
    let provider = &mut ctx.accounts.provider;
    if let Some(uri) = update.metadata_uri {
        require!(
            uri.len() <= usize::from(MAX_METADATA_URI_LEN),
            EscrowError::MetadataUriTooLong
        );
        provider.metadata_uri = uri;
    }
    if let Some(wallet) = new_wallet {
        provider.payout_wallet = wallet;
    }
    emit_event(
        &ctx.accounts.event_authority,
        &ProviderUpdated {
            provider: provider.key(),
            payout_wallet: provider.payout_wallet,
            metadata_uri: provider.metadata_uri.clone(),
        },
    )?;
    Ok(())
}
