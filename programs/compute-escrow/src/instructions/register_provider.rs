use anchor_lang::prelude::*;

use crate::account_creation::{create_pda, write_account};
use crate::args::exact_args;
use crate::constants::{MAX_METADATA_URI_LEN, PROVIDER_SEED};
use crate::error::EscrowError;
use crate::events::{emit_event, ProviderRegistered};
use crate::payout::require_recipient;
use crate::state::Provider;

/// How a new provider describes itself.
#[derive(AnchorSerialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderProfile {
    /// Where the provider describes itself (URL or IPFS URI), at most 200 bytes.
    pub metadata_uri: String,
}
exact_args!(ProviderProfile { metadata_uri });

/// Creates the signer's provider account.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    /// The new provider's authority; pays the provider account's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The new provider, at `["provider", authority]`.
    /// CHECK: created here by `create_pda` at the seeds checked by the constraint.
    #[account(mut, seeds = [PROVIDER_SEED, authority.key().as_ref()], bump)]
    pub provider: UncheckedAccount<'info>,
    /// Receives the provider's payouts.
    /// CHECK: must be a writable system-owned wallet (checked in the handler).
    #[account(mut)]
    pub payout_wallet: UncheckedAccount<'info>,
    /// Creates the provider account.
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RegisterProvider>, profile: ProviderProfile) -> Result<()> {
    let metadata_uri = profile.metadata_uri;
    require_recipient(&ctx.accounts.payout_wallet)?;
    let payout_wallet = ctx.accounts.payout_wallet.key();
    require!(
        metadata_uri.len() <= usize::from(MAX_METADATA_URI_LEN),
        EscrowError::MetadataUriTooLong
    );
    let authority = ctx.accounts.authority.key();
    let bump = ctx.bumps.provider;
    let provider = ctx.accounts.provider.to_account_info();
    create_pda(
        &ctx.accounts.authority.to_account_info(),
        &provider,
        &ctx.accounts.system_program.to_account_info(),
        8 + Provider::INIT_SPACE,
        &[PROVIDER_SEED, authority.as_ref(), &[bump]],
        0,
    )?;
    let record = Provider {
        authority,
        payout_wallet,
        listing_count: 0,
        leases_settled: 0,
        seconds_attested: 0,
        seconds_missed: 0,
        lamports_earned: 0,
        registered_at: Clock::get()?.unix_timestamp,
        bump,
        metadata_uri,
    };
    write_account(&provider, &record)?;
    emit_event(
        &ctx.accounts.event_authority,
        &ProviderRegistered {
            provider: ctx.accounts.provider.key(),
            authority,
            payout_wallet,
            metadata_uri: record.metadata_uri,
        },
    )?;
    Ok(())
}
