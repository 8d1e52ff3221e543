//! Off-chain address derivation for every account (the program itself uses the
//! bumps stored in accounts and never searches for them).

use anchor_lang::prelude::Pubkey;

use crate::constants::{CONFIG_SEED, LEASE_SEED, LISTING_SEED, PROVIDER_SEED};
use crate::ID;

/// The config singleton.
pub fn config() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[CONFIG_SEED], &ID)
}

/// The provider account of `authority`.
pub fn provider(authority: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[PROVIDER_SEED, authority.as_ref()], &ID)
}

/// Listing number `listing_id` of the provider account `provider`.
pub fn listing(provider: &Pubkey, listing_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[LISTING_SEED, provider.as_ref(), &listing_id.to_le_bytes()],
        &ID,
    )
}

/// Lease `lease_id` of `renter` on `listing`.
pub fn lease(listing: &Pubkey, renter: &Pubkey, lease_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            LEASE_SEED,
            listing.as_ref(),
            renter.as_ref(),
            &lease_id.to_le_bytes(),
        ],
        &ID,
    )
}

/// The program's ProgramData account (upgradeable loader), naming its
/// upgrade authority.
pub fn program_data() -> Pubkey {
    use anchor_lang::solana_program::bpf_loader_upgradeable;
    Pubkey::find_program_address(&[ID.as_ref()], &bpf_loader_upgradeable::ID).0
}

/// Signer of the program's self-CPI events (`emit_cpi!`).
pub fn event_authority() -> Pubkey {
    crate::EVENT_AUTHORITY_AND_BUMP.0
}
