//! One builder per instruction, from the program crate's generated `accounts` and
//! `instruction` types: nothing about the wire format is re-declared here.

use anchor_lang::{InstructionData, ToAccountMetas};
use compute_escrow::instructions::{
    ConfigUpdate, ListingTerms, ListingUpdate, ProviderProfile, ProviderUpdate, QuotedTerms,
};
use compute_escrow::{accounts, instruction, pda};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: compute_escrow::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn system_program() -> Pubkey {
    anchor_lang::system_program::ID
}

/// `init_config`, signed by `admin`, who must be the program's upgrade authority.
pub fn init_config(admin: &Pubkey, treasury: &Pubkey, fee_bps: u16, grace: u32) -> Instruction {
    build(
        accounts::InitConfig {
            admin: *admin,
            config: pda::config().0,
            program_data: pda::program_data(),
            treasury: *treasury,
            system_program: system_program(),
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::InitConfig {
            fee_bps,
            settle_grace_seconds: grace,
        },
    )
}

/// `accept_admin`, signed by the proposed admin.
pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        accounts::AcceptAdmin {
            new_admin: *new_admin,
            config: pda::config().0,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::AcceptAdmin {},
    )
}

/// `update_config`, signed by `admin`.
pub fn update_config(admin: &Pubkey, update: ConfigUpdate) -> Instruction {
    update_config_treasury(admin, update, None)
}

/// `update_config` that also moves the treasury to `new_treasury`.
pub fn update_config_treasury(
    admin: &Pubkey,
    update: ConfigUpdate,
    new_treasury: Option<Pubkey>,
) -> Instruction {
    build(
        accounts::UpdateConfig {
            admin: *admin,
            config: pda::config().0,
            new_treasury,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::UpdateConfig { update },
    )
}

/// `register_provider`, signed by `authority`.
pub fn register_provider(
    authority: &Pubkey,
    payout_wallet: &Pubkey,
    metadata_uri: &str,
) -> Instruction {
    build(
        accounts::RegisterProvider {
            authority: *authority,
            provider: pda::provider(authority).0,
            payout_wallet: *payout_wallet,
            system_program: system_program(),
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::RegisterProvider {
            profile: ProviderProfile {
                metadata_uri: metadata_uri.into(),
            },
        },
    )
}

/// `update_provider` of `provider`, signed by `authority`.
pub fn update_provider(
    authority: &Pubkey,
    provider: &Pubkey,
    payout_wallet: Option<Pubkey>,
    metadata_uri: Option<String>,
) -> Instruction {
    build(
        accounts::UpdateProvider {
            authority: *authority,
            provider: *provider,
            new_payout_wallet: payout_wallet,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::UpdateProvider {
            update: ProviderUpdate { metadata_uri },
        },
    )
}

/// `create_listing` number `listing_id` (the provider's `listing_count`).
pub fn create_listing(authority: &Pubkey, listing_id: u64, terms: ListingTerms) -> Instruction {
    let provider = pda::provider(authority).0;
    build(
        accounts::CreateListing {
            authority: *authority,
            config: pda::config().0,
            provider,
            listing: pda::listing(&provider, listing_id).0,
            system_program: system_program(),
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::CreateListing { terms },
    )
}

fn manage_listing(
    authority: &Pubkey,
    provider: &Pubkey,
    listing: &Pubkey,
) -> accounts::ManageListing {
    accounts::ManageListing {
        authority: *authority,
        provider: *provider,
        listing: *listing,
        event_authority: pda::event_authority(),
        program: compute_escrow::ID,
    }
}

/// `update_listing`, signed by the provider's `authority`.
pub fn update_listing(
    authority: &Pubkey,
    provider: &Pubkey,
    listing: &Pubkey,
    update: ListingUpdate,
) -> Instruction {
    build(
        manage_listing(authority, provider, listing),
        instruction::UpdateListing { update },
    )
}

/// `pause_listing` (`paused = false` resumes).
pub fn pause_listing(
    authority: &Pubkey,
    provider: &Pubkey,
    listing: &Pubkey,
    paused: bool,
) -> Instruction {
    build(
        manage_listing(authority, provider, listing),
        instruction::PauseListing { paused },
    )
}

/// `close_listing`.
pub fn close_listing(authority: &Pubkey, provider: &Pubkey, listing: &Pubkey) -> Instruction {
    build(
        manage_listing(authority, provider, listing),
        instruction::CloseListing {},
    )
}

/// `open_lease` `lease_id` on `listing` for `hours` at the `quote`d terms.
pub fn open_lease(
    renter: &Pubkey,
    listing: &Pubkey,
    lease_id: u64,
    hours: u32,
    quote: QuotedTerms,
) -> Instruction {
    let (lease, lease_bump) = pda::lease(listing, renter, lease_id);
    build(
        accounts::OpenLease {
            renter: *renter,
            config: pda::config().0,
            listing: *listing,
            lease,
            system_program: system_program(),
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::OpenLease {
            lease_id,
            lease_bump,
            hours,
            quote,
        },
    )
}

/// `extend_lease` by `hours`, signed by `renter`.
pub fn extend_lease(renter: &Pubkey, listing: &Pubkey, lease: &Pubkey, hours: u32) -> Instruction {
    build(
        accounts::ExtendLease {
            renter: *renter,
            config: pda::config().0,
            listing: *listing,
            lease: *lease,
            system_program: system_program(),
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::ExtendLease { hours },
    )
}

/// `attest_uptime` for `[from, to)`, signed by `attestor`.
pub fn attest_uptime(
    attestor: &Pubkey,
    provider: &Pubkey,
    listing: &Pubkey,
    lease: &Pubkey,
    from: i64,
    to: i64,
    up_seconds: u64,
) -> Instruction {
    build(
        accounts::AttestUptime {
            attestor: *attestor,
            provider: *provider,
            listing: *listing,
            lease: *lease,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::AttestUptime {
            from,
            to,
            up_seconds,
        },
    )
}

/// `attest_reports` crediting the lease's next `periods` grid periods from
/// the reports verified by the Ed25519 instructions ahead of it (see
/// [`crate::reports`]); anyone may submit.
pub fn attest_reports(
    submitter: &Pubkey,
    provider: &Pubkey,
    listing: &Pubkey,
    lease: &Pubkey,
    periods: u8,
) -> Instruction {
    build(
        accounts::AttestReports {
            submitter: *submitter,
            provider: *provider,
            listing: *listing,
            lease: *lease,
            instructions: solana_sdk::sysvar::instructions::ID,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::AttestReports { periods },
    )
}

/// `claim_payout`, signed by the provider's `authority`.
pub fn claim_payout(
    authority: &Pubkey,
    provider: &Pubkey,
    lease: &Pubkey,
    payout_wallet: &Pubkey,
    treasury: &Pubkey,
) -> Instruction {
    build(
        accounts::ClaimPayout {
            authority: *authority,
            config: pda::config().0,
            provider: *provider,
            lease: *lease,
            payout_wallet: *payout_wallet,
            treasury: *treasury,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::ClaimPayout {},
    )
}

/// `cancel_lease`, signed by `renter`.
pub fn cancel_lease(renter: &Pubkey, listing: &Pubkey, lease: &Pubkey) -> Instruction {
    build(
        accounts::CancelLease {
            renter: *renter,
            listing: *listing,
            lease: *lease,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::CancelLease {},
    )
}

/// `settle_lease`; needs no signer.
pub fn settle_lease(
    provider: &Pubkey,
    listing: &Pubkey,
    lease: &Pubkey,
    renter: &Pubkey,
    payout_wallet: &Pubkey,
    treasury: &Pubkey,
) -> Instruction {
    build(
        accounts::SettleLease {
            config: pda::config().0,
            provider: *provider,
            listing: *listing,
            lease: *lease,
            renter: *renter,
            payout_wallet: *payout_wallet,
            treasury: *treasury,
            event_authority: pda::event_authority(),
            program: compute_escrow::ID,
        },
        instruction::SettleLease {},
    )
}
