//! compute-escrow indexer: mirrors the program's accounts and event history
//! from a Solana JSON-RPC node into PostgreSQL, and serves them over HTTP.

pub mod api;
pub mod bulk;
pub mod copy;
pub mod db;
pub mod decode;
pub mod history;
pub mod ingest;
pub mod leader;
pub mod metrics;
pub mod progress;
pub mod snapshot;
