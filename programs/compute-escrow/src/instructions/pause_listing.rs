use anchor_lang::prelude::*;

use crate::events::{emit_event, ListingStateChanged};
use crate::instructions::update_listing::ManageListing;
use crate::state::ListingState;

/// Pauses (`paused = true`) or resumes a listing; open leases are unaffected.
pub fn handler(ctx: Context<ManageListing>, paused: bool) -> Result<()> {
    ctx.accounts.begin_change()?;
    let listing = &mut ctx.accounts.listing;
    listing.state = if paused {
        ListingState::Paused
    } else {
        ListingState::Active
    };
    emit_event(
        &ctx.accounts.event_authority,
        &ListingStateChanged {
            listing: listing.key(),
            state: listing.state,
        },
    )?;
    Ok(())
}
