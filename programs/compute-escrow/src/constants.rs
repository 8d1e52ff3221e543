//! Seeds, limits and layout facts shared by the program and every off-chain reader.

use anchor_lang::prelude::*;

/// Seed of the singleton [`crate::state::Config`] PDA.
#[constant]
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed prefix of a [`crate::state::Provider`] PDA: `["provider", authority]`.
#[constant]
pub const PROVIDER_SEED: &[u8] = b"provider";
/// Seed prefix of a [`crate::state::Listing`] PDA: `["listing", provider, listing_id (u64 LE)]`.
#[constant]
pub const LISTING_SEED: &[u8] = b"listing";
/// Seed prefix of a [`crate::state::Lease`] PDA: `["lease", listing, renter, lease_id (u64 LE)]`.
/// The renter is part of the address, so nobody can take another renter's lease id.
#[constant]
pub const LEASE_SEED: &[u8] = b"lease";

/// Hard cap on the protocol fee: 500 basis points = 5 %.
#[constant]
pub const MAX_FEE_BPS: u16 = 500;
/// Basis points in one whole.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Seconds in one leased hour.
pub const SECONDS_PER_HOUR: u64 = 3_600;
/// Longest settle grace the admin may configure (7 days), so refunds cannot be postponed forever.
#[constant]
pub const MAX_SETTLE_GRACE_SECONDS: u32 = 7 * 24 * 3_600;
/// Shortest settle grace the admin may configure (10 minutes): an attestor
/// must have time after a lease ends (or is cancelled) to sign its last period,
/// so its period must be shorter than this.
#[constant]
pub const MIN_SETTLE_GRACE_SECONDS: u32 = 600;
/// Longest lease a listing may offer, in hours (366 days).
#[constant]
pub const MAX_LEASE_HOURS: u32 = 366 * 24;

/// Most attestors a listing may name (the IDL shows it as the length of
/// `AttestorSet::keys`).
pub const MAX_ATTESTORS: usize = 5;
/// Highest threshold a listing may declare: a period is credited in one
/// transaction carrying at least that many signed reports, and a legacy
/// transaction (1,232 bytes) fits three (each 222 bytes plus its offsets,
/// beside the accounts `attest_reports` needs).
#[constant]
pub const MAX_THRESHOLD: u8 = 3;
/// Longest attestation period a listing may declare (one day).
#[constant]
pub const MAX_ATTESTATION_PERIOD_SECONDS: u32 = 86_400;
/// Most periods one `attest_reports` may credit.
#[constant]
pub const MAX_PERIODS_PER_SUBMISSION: u8 = 16;

/// Longest provider metadata URI, in bytes.
#[constant]
pub const MAX_METADATA_URI_LEN: u16 = 200;
/// Longest GPU model name, in bytes.
#[constant]
pub const MAX_GPU_MODEL_LEN: u16 = 32;
/// Longest region name, in bytes.
#[constant]
pub const MAX_REGION_LEN: u16 = 32;
/// Longest health-check address (`tcp://host:port` or `http(s)://…`), in bytes.
#[constant]
pub const MAX_HEALTH_CHECK_LEN: u16 = 128;

/// Longest length prefix a string argument may carry: a transaction is at
/// most 1232 bytes, so a longer string cannot be real and is refused before
/// anything is allocated. Each string also has its own, smaller bound.
pub const MAX_STRING_ARG_LEN: usize = 1_232;

/// Byte offset of the `state` enum in Listing and Lease accounts (right after the
/// 8-byte discriminator), for `getProgramAccounts` memcmp filters.
#[constant]
pub const STATE_OFFSET: u16 = 8;
/// Byte offset of `Listing::provider`, for filtering a provider's listings.
#[constant]
pub const LISTING_PROVIDER_OFFSET: u16 = 9;
/// Byte offset of `Lease::renter`, for filtering a renter's leases.
#[constant]
pub const LEASE_RENTER_OFFSET: u16 = 10;
/// Byte offset of `Lease::provider`, for filtering a provider's leases.
#[constant]
pub const LEASE_PROVIDER_OFFSET: u16 = 42;
/// Byte offset of `Lease::listing`, for filtering a listing's leases.
#[constant]
pub const LEASE_LISTING_OFFSET: u16 = 74;
/// Byte offset of `Listing::active_leases` (u16), updated in place by
/// `attest_uptime` and `cancel_lease`.
#[constant]
pub const LISTING_ACTIVE_LEASES_OFFSET: u16 = 237;
/// Byte offset of `Provider::seconds_attested` (u64), updated in place by `attest_uptime`.
#[constant]
pub const PROVIDER_SECONDS_ATTESTED_OFFSET: u16 = 88;
/// Byte offset of `Provider::seconds_missed` (u64), updated in place by `attest_uptime`.
#[constant]
pub const PROVIDER_SECONDS_MISSED_OFFSET: u16 = 96;
/// Byte offset of `Listing::leases_opened` (u64), updated in place by `open_lease`.
#[constant]
pub const LISTING_LEASES_OPENED_OFFSET: u16 = 239;
/// Byte offset of `Provider::authority`, read in place by `claim_payout`.
#[constant]
pub const PROVIDER_AUTHORITY_OFFSET: u16 = 8;
/// Byte offset of `Provider::payout_wallet`, read in place by `claim_payout`.
#[constant]
pub const PROVIDER_PAYOUT_WALLET_OFFSET: u16 = 40;
/// Byte offset of `Provider::lamports_earned` (u64), updated in place by `claim_payout`.
#[constant]
pub const PROVIDER_LAMPORTS_EARNED_OFFSET: u16 = 104;
