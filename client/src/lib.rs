//! Rust SDK for the compute-escrow program.
//!
//! - [`pda`]: every account's address (from the program crate);
//! - [`ix`]: one builder per instruction, all accounts filled in;
//! - [`accounts`]: fetch and decode accounts over JSON-RPC (nonblocking client);
//! - [`quote`]: what a renter pays for a listing and hours, with the program's own maths;
//! - [`api`]: the indexer API's query and response types (server and clients share them);
//! - [`errors`]: program error codes to names, messages and hints.
//!
//! Account layouts, seeds and instruction data all come from the program crate
//! (`compute_escrow`, built with `no-entrypoint`); nothing is re-declared here.

pub mod accounts;
pub mod actions;
pub mod api;
pub mod compute_units;
pub mod crank;
pub mod errors;
pub mod ix;
pub mod quote;
pub mod reports;
pub mod sol;

pub use compute_escrow::{self as program, pda, state, ID as PROGRAM_ID};
