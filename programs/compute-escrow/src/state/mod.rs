//! Program accounts, one file per account.

pub mod attestor_set;
pub mod config;
pub mod lease;
pub mod listing;
pub mod provider;

pub use attestor_set::*;
pub use config::*;
pub use lease::*;
pub use listing::*;
pub use provider::*;
