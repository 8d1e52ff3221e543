//! Moving earned lamports out of a lease's escrow, for claim and settle.
//!
//! A recipient that cannot take lamports (an executable account, or one the
//! credit would leave below rent exemption) would fail the whole transaction.
//! A claim reports that; a settle must never be blocked by it, so whatever a
//! recipient cannot take there goes to the renter instead (forfeited).

use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::state::Lease;

/// Whether `account` can be credited `amount` lamports in this transaction.
pub fn can_receive(account: &AccountInfo, amount: u64, rent: &Rent) -> Result<bool> {
    if amount == 0 {
        return Ok(true);
    }
    // Lamports credited to one of this program's own accounts would never
    // leave it by the rules (or would swell a lease's escrow unaccounted).
    if account.executable || !account.is_writable || account.owner == &crate::ID {
        return Ok(false);
    }
    let after = account
        .lamports()
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(after >= rent.minimum_balance(account.data_len()))
}

/// Fails unless `account` may be set as a payout wallet or treasury: a
/// writable wallet owned by the system program, whose owner can spend what it
/// receives. Never one of this program's accounts (config, provider, listing,
/// lease), where lamports would be stuck, nor any other program's account.
pub fn require_recipient(account: &AccountInfo) -> Result<()> {
    require!(
        account.owner == &anchor_lang::system_program::ID
            && !account.executable
            && account.is_writable,
        EscrowError::InvalidRecipient
    );
    Ok(())
}

/// What to do with lamports a recipient cannot take.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Undeliverable {
    /// Claim: the provider's share is an error; the fee waits in escrow.
    Claim,
    /// Settle: both go to the renter.
    Forfeit,
}

/// What a payout moved.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delivered {
    /// To the payout wallet.
    pub provider: u64,
    /// To the treasury.
    pub fee: u64,
    /// Owed to a recipient that could not take it; left for the renter.
    pub forfeited: u64,
}

/// Pays everything earned and not yet paid from `lease` to the payout wallet
/// and the treasury, recording it on the lease; the caller adds
/// [`Delivered::provider`] to the provider's earnings.
pub fn pay_earned<'info>(
    lease: &mut Account<'info, Lease>,
    payout_wallet: &AccountInfo<'info>,
    treasury: &AccountInfo<'info>,
    undeliverable: Undeliverable,
) -> Result<Delivered> {
    let due = lease.payout_due()?;
    let rent = Rent::get()?;
    let mut delivered = Delivered::default();
    if can_receive(payout_wallet, due.provider, &rent)? {
        delivered.provider = due.provider;
    } else if undeliverable == Undeliverable::Claim {
        return err!(EscrowError::PayoutWalletCannotReceive);
    } else {
        delivered.forfeited = due.provider;
    }
    if can_receive(treasury, due.fee, &rent)? {
        delivered.fee = due.fee;
    } else if undeliverable == Undeliverable::Forfeit {
        delivered.forfeited = delivered
            .forfeited
            .checked_add(due.fee)
            .ok_or(EscrowError::ArithmeticOverflow)?;
    }
    if delivered.provider > 0 {
        lease.sub_lamports(delivered.provider)?;
        payout_wallet.add_lamports(delivered.provider)?;
    }
    if delivered.fee > 0 {
        lease.sub_lamports(delivered.fee)?;
        treasury.add_lamports(delivered.fee)?;
    }
    lease.paid_out = lease
        .paid_out
        .checked_add(delivered.provider)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    lease.fee_paid = lease
        .fee_paid
        .checked_add(delivered.fee)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(delivered)
}
