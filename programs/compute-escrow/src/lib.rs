//! compute-escrow: SOL escrow for GPU-hour leases, released to the provider only
//! for uptime an attestor signed for; everything else returns to the renter.
//!
//! This file only dispatches; see `instructions/` for each handler and
//! `state/` for the accounts. `SPEC.md` in the repository describes the model.

use anchor_lang::prelude::*;

mod account_creation;
mod args;
mod attestation;
pub mod constants;
pub mod error;
pub mod events;
mod in_place;
pub mod instructions;
pub mod math;
pub mod payout;
#[cfg(not(target_os = "solana"))]
pub mod pda;
pub mod report;
#[cfg(feature = "serde")]
pub mod serde_text;
pub mod state;

use instructions::*;

declare_id!("SxWfXFaJ7YTrB5gfidX6n8LwaBx1SNHhq44ETLffaUz");

#[program]
pub mod compute_escrow {
    use super::*;

    /// Creates the market config; only the upgrade authority may sign, and becomes admin.
    pub fn init_config(
        ctx: Context<InitConfig>,
        fee_bps: u16,
        settle_grace_seconds: u32,
    ) -> Result<()> {
        init_config::handler(ctx, fee_bps, settle_grace_seconds)
    }

    /// Admin changes fee, treasury, grace or pause flag, or proposes a new admin.
    pub fn update_config(ctx: Context<UpdateConfig>, update: ConfigUpdate) -> Result<()> {
        update_config::handler(ctx, update)
    }

    /// The proposed admin accepts and becomes admin.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        accept_admin::handler(ctx)
    }

    /// Registers the signer as a provider.
    pub fn register_provider(
        ctx: Context<RegisterProvider>,
        profile: ProviderProfile,
    ) -> Result<()> {
        register_provider::handler(ctx, profile)
    }

    /// Changes the provider's payout wallet and/or metadata URI.
    pub fn update_provider(ctx: Context<UpdateProvider>, update: ProviderUpdate) -> Result<()> {
        update_provider::handler(ctx, update)
    }

    /// Lists a GPU machine for rent.
    pub fn create_listing(ctx: Context<CreateListing>, terms: ListingTerms) -> Result<()> {
        create_listing::handler(ctx, terms)
    }

    /// Changes a listing's terms; open leases keep theirs.
    pub fn update_listing(ctx: Context<ManageListing>, update: ListingUpdate) -> Result<()> {
        update_listing::handler(ctx, update)
    }

    /// Pauses (`true`) or resumes (`false`) a listing.
    pub fn pause_listing(ctx: Context<ManageListing>, paused: bool) -> Result<()> {
        pause_listing::handler(ctx, paused)
    }

    /// Retires a listing that has no unsettled leases.
    pub fn close_listing(ctx: Context<ManageListing>) -> Result<()> {
        close_listing::handler(ctx)
    }

    /// Rents a listing for `hours` at the quoted terms, fee and grace.
    pub fn open_lease(
        ctx: Context<OpenLease>,
        lease_id: u64,
        lease_bump: u8,
        hours: u32,
        quote: QuotedTerms,
    ) -> Result<()> {
        open_lease::handler(ctx, lease_id, lease_bump, hours, quote)
    }

    /// Buys more hours at the lease's price.
    pub fn extend_lease(ctx: Context<ExtendLease>, hours: u32) -> Result<()> {
        extend_lease::handler(ctx, hours)
    }

    /// One attestor of a 1-of-N lease signs `up_seconds` of uptime for `[from, to)`.
    pub fn attest_uptime(
        ctx: Context<AttestUptime>,
        from: i64,
        to: i64,
        up_seconds: u64,
    ) -> Result<()> {
        attest_uptime::handler(ctx, from, to, up_seconds)
    }

    /// Credits the next `periods` grid periods from attestors' signed reports
    /// (Ed25519 instructions ahead of this one), each at its quorum's value.
    pub fn attest_reports(ctx: Context<AttestReports>, periods: u8) -> Result<()> {
        attest_reports::handler(ctx, periods)
    }

    /// Pays the provider (and treasury fee) for attested uptime not yet paid.
    pub fn claim_payout(ctx: Context<ClaimPayout>) -> Result<()> {
        claim_payout::handler(ctx)
    }

    /// The renter stops the lease now.
    pub fn cancel_lease(ctx: Context<CancelLease>) -> Result<()> {
        cancel_lease::handler(ctx)
    }

    /// Anyone, once nothing is left to attest or after end + grace: final payout, refund, close.
    pub fn settle_lease(ctx: Context<SettleLease>) -> Result<()> {
        settle_lease::handler(ctx)
    }
}
