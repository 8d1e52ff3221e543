use anchor_lang::prelude::*;

use crate::error::EscrowError;
use crate::events::{emit_event, ListingStateChanged};
use crate::instructions::update_listing::ManageListing;
use crate::state::ListingState;

/// Retires a listing for good; refused while any lease on it is unsettled.
/// The account stays, marked Closed, as history.
pub fn handler(ctx: Context<ManageListing>) -> Result<()> {
    ctx.accounts.begin_change()?;
    let listing = &mut ctx.accounts.listing;
    require!(
        listing.active_leases == 0,
        EscrowError::ListingHasOpenLeases
    );
    listing.state = ListingState::Closed;
    emit_event(
        &ctx.accounts.event_authority,
        &ListingStateChanged {
            listing: listing.key(),
            state: listing.state,
        },
    )?;
    Ok(())
}
