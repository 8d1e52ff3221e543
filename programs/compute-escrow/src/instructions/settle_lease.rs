use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::{emit_event, LeaseSettled};
use crate::math;
use crate::payout::{pay_earned, Undeliverable};
use crate::state::{CloseReason, Config, Lease, LeaseState, Listing, Provider};

/// Permissionless crank, once the lease has nothing left to attest or its end
/// plus grace has passed: pays the provider for attested time, refunds the
/// renter the rest and closes the lease (rent to the renter). Never blocked by
/// a recipient: what the payout wallet or treasury cannot take is forfeited to
/// the renter.
#[event_cpi]
#[derive(Accounts)]
pub struct SettleLease<'info> {
    /// The market config, at `["config"]`; names the treasury.
    #[account(has_one = treasury @ EscrowError::WrongTreasury)]
    pub config: Account<'info, Config>,
    /// The lease's provider; its track record is updated.
    #[account(mut, dup, has_one = payout_wallet @ EscrowError::WrongPayoutWallet)]
    pub provider: Box<Account<'info, Provider>>,
    /// The lease's listing; a lease that still held a slot frees it.
    #[account(mut, dup)]
    pub listing: Box<Account<'info, Listing>>,
    /// The lease settled; closed, its rent to the renter.
    #[account(
        mut,
        dup,
        close = renter,
        has_one = provider @ EscrowError::ProviderMismatch,
        has_one = listing @ EscrowError::ListingMismatch,
        has_one = renter @ EscrowError::RenterMismatch,
    )]
    pub lease: Box<Account<'info, Lease>>,
    /// The lease's renter; receives the refund and the lease's rent.
    /// CHECK: must equal the lease's renter (`has_one`); only receives lamports.
    #[account(mut)]
    pub renter: UncheckedAccount<'info>,
    /// The provider's payout wallet; receives the provider's share.
    /// CHECK: must equal the provider's payout wallet (`has_one`); only receives lamports.
    #[account(mut)]
    pub payout_wallet: UncheckedAccount<'info>,
    /// The config's treasury; receives the protocol fee.
    /// CHECK: must equal the config's treasury (`has_one`); only receives lamports.
    #[account(mut)]
    pub treasury: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<SettleLease>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    require!(
        accounts.lease.is_settleable(now)?,
        EscrowError::SettleTooEarly
    );
    let held_slot = accounts.lease.has_unattested_time();
    let payout = pay_earned(
        &mut accounts.lease,
        &accounts.payout_wallet,
        &accounts.treasury,
        Undeliverable::Forfeit,
    )?;
    let lease = &mut accounts.lease;
    let refund = math::settle_refund(
        lease.deposited,
        lease.refunded,
        lease.attested_seconds,
        lease.price_lamports_per_hour,
    )?
    .checked_add(payout.forfeited)
    .ok_or(EscrowError::ArithmeticOverflow)?;
    if refund > 0 {
        lease.sub_lamports(refund)?;
        accounts.renter.add_lamports(refund)?;
    }
    lease.refunded = lease
        .refunded
        .checked_add(refund)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    require!(lease.escrow_balance()? == 0, EscrowError::InvariantViolated);
    lease.close_reason = if lease.state == LeaseState::Cancelled {
        CloseReason::Cancelled
    } else {
        CloseReason::Completed
    };
    lease.state = LeaseState::Settled;

    // Lease time nobody attested counts against the provider's record.
    let unattested = u64::try_from(lease.end_ts - lease.attested_until)
        .map_err(|_| EscrowError::ArithmeticOverflow)?;
    let provider = &mut accounts.provider;
    provider.lamports_earned = provider
        .lamports_earned
        .checked_add(payout.provider)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    provider.seconds_missed = provider
        .seconds_missed
        .checked_add(unattested)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    provider.leases_settled = provider
        .leases_settled
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if held_slot {
        accounts.listing.release_slot()?;
    }

    let lease = &accounts.lease;
    let settled = LeaseSettled {
        lease: lease.key(),
        reason: lease.close_reason,
        provider_lamports: payout.provider,
        fee_lamports: payout.fee,
        refund_lamports: refund,
        forfeited_lamports: payout.forfeited,
        rent_returned: lease.get_lamports(),
        attested_seconds: lease.attested_seconds,
        paid_out: lease.paid_out,
        fee_paid: lease.fee_paid,
        refunded: lease.refunded,
    };
    emit_event(&ctx.accounts.event_authority, &settled)?;
    Ok(())
}
