use anchor_lang::prelude::*;

use crate::constants::MAX_METADATA_URI_LEN;
use crate::error::EscrowError;
use crate::events::ProviderUpdated;
use crate::state::Provider;

/// Changes the provider's payout wallet and/or metadata URI.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateProvider<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ EscrowError::Unauthorized)]
    pub provider: Box<Account<'info, Provider>>,
}

pub fn handler(
    ctx: Context<UpdateProvider>,
    payout_wallet: Option<Pubkey>,
    metadata_uri: Option<String>,
) -> Result<()> {
    let provider = &mut ctx.accounts.provider;
    if let Some(uri) = metadata_uri {
        require!(
            uri.len() <= MAX_METADATA_URI_LEN,
            EscrowError::MetadataUriTooLong
        );
        provider.metadata_uri = uri;
    }
    if let Some(wallet) = payout_wallet {
        provider.payout_wallet = wallet;
    }
    emit_cpi!(ProviderUpdated {
        provider: provider.key(),
        payout_wallet: provider.payout_wallet,
        metadata_uri: provider.metadata_uri.clone(),
    });
    Ok(())
}
