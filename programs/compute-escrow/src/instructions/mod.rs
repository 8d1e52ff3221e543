//! One module per instruction: its accounts struct and handler.
//!
//! Anchor's `#[program]` expects each accounts struct (and its generated client
//! module) at the crate root, hence the glob re-exports; every module also has a
//! `handler`, which lib.rs always calls by its full path.
//!
//! Mutable program accounts are marked `dup`, which skips Anchor's
//! duplicate-mutable-account check: within each instruction every mutable
//! `Account` has a different type, and an account's discriminator matches one
//! type only, so one account can never fill two of them. The check would
//! otherwise build a SipHash `HashSet` on every call (compute units, and a
//! `RandomState` whose thread-local keys some SBF toolchains cannot link).
#![allow(ambiguous_glob_reexports)]

pub mod accept_admin;
pub mod attest_reports;
pub mod attest_uptime;
pub mod cancel_lease;
pub mod claim_payout;
pub mod close_listing;
pub mod create_listing;
pub mod extend_lease;
pub mod init_config;
pub mod open_lease;
pub mod pause_listing;
pub mod register_provider;
pub mod settle_lease;
pub mod update_config;
pub mod update_listing;
pub mod update_provider;

pub use accept_admin::*;
pub use attest_reports::*;
pub use attest_uptime::*;
pub use cancel_lease::*;
pub use claim_payout::*;
pub use create_listing::*;
pub use extend_lease::*;
pub use init_config::*;
pub use open_lease::*;
pub use register_provider::*;
pub use settle_lease::*;
pub use update_config::*;
pub use update_listing::*;
pub use update_provider::*;
