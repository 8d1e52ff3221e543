use anchor_lang::prelude::*;

use crate::constants::{MAX_METADATA_URI_LEN, PROVIDER_SEED};
use crate::error::EscrowError;
use crate::events::ProviderRegistered;
use crate::state::Provider;

/// Creates the signer's provider account.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        init,
        payer = authority,
        space = 8 + Provider::INIT_SPACE,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    ctx: Context<RegisterProvider>,
    payout_wallet: Pubkey,
    metadata_uri: String,
) -> Result<()> {
    require!(
        metadata_uri.len() <= MAX_METADATA_URI_LEN,
        EscrowError::MetadataUriTooLong
    );
    let authority = ctx.accounts.authority.key();
    ctx.accounts.provider.set_inner(Provider {
        authority,
        payout_wallet,
        listing_count: 0,
        leases_opened: 0,
        leases_settled: 0,
        seconds_attested: 0,
        seconds_missed: 0,
        lamports_earned: 0,
        registered_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.provider,
        metadata_uri: metadata_uri.clone(),
    });
    emit_cpi!(ProviderRegistered {
        provider: ctx.accounts.provider.key(),
        authority,
        payout_wallet,
        metadata_uri,
    });
    Ok(())
}
