//! The indexer API's contract, shared by the server (the indexer), the CLI and
//! any Rust integrator: response types built from the program's own account
//! and event types, and the query types the server parses and documents.
//!
//! JSON spelling follows the program crate's `serde` feature: u64 amounts and
//! counters are decimal strings, public keys base58 strings, enums snake_case.

mod query;
mod schema;

use compute_escrow::events::ProgramEvent;
use compute_escrow::report::UptimeReport;
use compute_escrow::serde_text;
use compute_escrow::state::{Config, Lease, Listing, Provider};
use serde::{Deserialize, Serialize};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use utoipa::ToSchema;

use crate::reports::SignedUptimeReport;

pub use query::*;
pub use schema::{account_fields, pubkey_schema, signature_schema, u64_pattern, u64_schema};

/// A program account type the indexer mirrors into its own table.
pub trait Mirrored {
    /// The account type's name in the IDL (and its OpenAPI schema).
    const NAME: &'static str;
    /// The table holding it; one column per JSON field of [`Indexed`].
    const TABLE: &'static str;
}

impl Mirrored for Config {
    const NAME: &'static str = "Config";
    const TABLE: &'static str = "config";
}
impl Mirrored for Provider {
    const NAME: &'static str = "Provider";
    const TABLE: &'static str = "providers";
}
impl Mirrored for Listing {
    const NAME: &'static str = "Listing";
    const TABLE: &'static str = "listings";
}
impl Mirrored for Lease {
    const NAME: &'static str = "Lease";
    const TABLE: &'static str = "leases";
}

/// A program account as the indexer holds it: its address, every field of
/// the account (flattened), the slot it was read at, and the slot it was seen
/// closed at (`null` while it exists). Rows and responses have exactly these
/// fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indexed<T> {
    /// The account's address.
    #[serde(with = "serde_text")]
    pub pubkey: Pubkey,
    /// The account's fields.
    #[serde(flatten)]
    pub account: T,
    /// Slot the account was read at.
    pub slot: u64,
    /// Slot the account was first seen gone at; `null` while it exists.
    pub closed_slot: Option<u64>,
}

/// A listing as `GET /v1/listings` serves it.
pub type ListingView = Indexed<Listing>;
/// A lease as `GET /v1/leases` serves it.
pub type LeaseView = Indexed<Lease>;
/// A provider account (within [`ProviderRecord`]).
pub type ProviderView = Indexed<Provider>;
/// The market config as `GET /v1/config` serves it.
pub type ConfigView = Indexed<Config>;
/// A page of `GET /v1/listings`.
pub type ListingPage = Page<ListingView>;
/// A page of `GET /v1/leases`.
pub type LeasePage = Page<LeaseView>;

/// A page of items and the cursor of the next page (`null` on the last).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Pass as `cursor` (same query) for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A lease with its event history, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseDetail {
    /// The lease.
    #[serde(flatten)]
    pub lease: LeaseView,
    /// Its events, oldest first.
    pub history: Vec<HistoryEvent>,
}

/// One program event of a lease, where it was recorded, and the event itself
/// as `kind` (its name) and `data` (its fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// Transaction signature.
    pub signature: String,
    /// Top-level instruction that emitted it.
    pub instruction_index: u32,
    /// Slot of the transaction.
    pub slot: u64,
    /// Block time of the transaction, when the node knows it.
    pub block_time: Option<i64>,
    /// The event: `kind` and `data`.
    #[serde(flatten)]
    pub event: ProgramEvent,
}

/// Leases of a provider, counted by state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LeaseCounts {
    /// Running.
    pub active: u64,
    /// Past their end, waiting for settle.
    pub ended: u64,
    /// Cancelled, waiting for settle.
    pub cancelled: u64,
    /// Settled and closed.
    pub settled: u64,
}

/// A provider's account and track record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderRecord {
    /// The provider account.
    #[serde(flatten)]
    pub provider: Indexed<Provider>,
    /// seconds_attested / (seconds_attested + seconds_missed); null before any attestation.
    pub uptime_ratio: Option<f64>,
    /// Its leases, counted by state.
    pub leases_by_state: LeaseCounts,
}

/// A signed uptime report as the API takes it (`POST /v1/attestations`) and
/// serves it: what an attestor signed, its key and its ed25519 signature over
/// [`compute_escrow::report::UptimeReport::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportView {
    /// The lease.
    #[serde(with = "serde_text")]
    #[schema(schema_with = pubkey_schema)]
    pub lease: Pubkey,
    /// Start of the period, unix seconds (on the lease's grid).
    pub from: i64,
    /// End of the period, unix seconds.
    pub to: i64,
    /// Seconds of the period the machine was up.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub up_seconds: u64,
    /// The attestor's key.
    #[serde(with = "serde_text")]
    #[schema(schema_with = pubkey_schema)]
    pub attestor: Pubkey,
    /// The ed25519 signature, base58.
    #[serde(with = "serde_text")]
    #[schema(schema_with = signature_schema)]
    pub signature: Signature,
}

impl From<SignedUptimeReport> for ReportView {
    fn from(r: SignedUptimeReport) -> Self {
        ReportView {
            lease: r.report.lease,
            from: r.report.from,
            to: r.report.to,
            up_seconds: r.report.up_seconds,
            attestor: r.attestor,
            signature: r.signature,
        }
    }
}

impl From<ReportView> for SignedUptimeReport {
    fn from(r: ReportView) -> Self {
        SignedUptimeReport {
            attestor: r.attestor,
            signature: r.signature,
            report: UptimeReport {
                lease: r.lease,
                from: r.from,
                to: r.to,
                up_seconds: r.up_seconds,
            },
        }
    }
}

/// An attestor's reports: how many the API holds, and how they compared with
/// what its quorums credited over every attested period its report counted
/// in (from the program's `UptimeAttested` events), so renters can see who
/// disagrees with its peers and who stays silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttestorRecord {
    /// The attestor's key.
    #[serde(with = "serde_text")]
    #[schema(schema_with = pubkey_schema)]
    pub attestor: Pubkey,
    /// Signed reports the API holds from it, over every lease (counted in a
    /// credited period or not: a report that came after its period's
    /// quorum was submitted is stored but not counted).
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub reports_stored: u64,
    /// Attested periods its report counted in.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub periods_reported: u64,
    /// Of those, periods where its report differed from the credited value.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub periods_differing: u64,
    /// Sum over its periods of |reported - credited| up-seconds.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub seconds_differing: u64,
    /// Leases it reported on.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub leases: u64,
}

/// Active listings of one GPU model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModelStats {
    /// GPU model.
    pub gpu_model: String,
    /// Active listings of it.
    pub active_listings: u64,
    /// Cheapest price per hour, lamports.
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub min_price_lamports_per_hour: u64,
    /// Median price per hour, lamports (the lower middle of an even count).
    #[serde(with = "serde_text")]
    #[schema(schema_with = u64_schema)]
    pub median_price_lamports_per_hour: u64,
}

/// Market statistics per GPU model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// One entry per GPU model with active listings, by model name.
    pub gpu_models: Vec<ModelStats>,
}

/// What kind of failure an error response reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A query or path parameter is malformed, out of range or unknown.
    BadParameter,
    /// No such resource (or route).
    NotFound,
    /// The route exists, but not for this method.
    MethodNotAllowed,
    /// The request took too long.
    Timeout,
    /// The database is unreachable; retry later.
    Unavailable,
    /// Any other malformed request.
    BadRequest,
    /// The request conflicts with what is stored (e.g. a second, different
    /// report of the same period by the same attestor).
    Conflict,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What kind of failure.
    pub error: ErrorKind,
    /// The offending query or path parameter (for `bad_parameter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// What went wrong, for humans.
    pub message: String,
}

/// Whether a dependency answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// It answered.
    Ok,
    /// It did not answer (in time).
    Unreachable,
}

impl From<bool> for Reachability {
    fn from(answered: bool) -> Self {
        if answered {
            Self::Ok
        } else {
            Self::Unreachable
        }
    }
}

/// What `GET /health` reports.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// The database.
    pub database: Reachability,
    /// The Solana RPC node.
    pub rpc: Reachability,
    /// What this process does.
    pub role: IndexerRole,
    /// The slot the database mirrors the chain as of, as the ingesting
    /// leader last recorded it (0 before it did).
    pub indexed_slot: u64,
    /// Newest slot the RPC node reported.
    pub chain_slot: u64,
    /// How far the database's view is behind the chain: `chain_slot -
    /// indexed_slot`.
    pub lag_slots: u64,
    /// Seconds since the leader's last program notification (an account
    /// change); `null` before any. On a quiet chain this grows while
    /// `lag_slots` stays small.
    pub last_notification_age_seconds: Option<f64>,
    /// Seconds since the leader last recorded its progress (about 1 when
    /// one is ingesting); `null` if none ever did.
    pub leader_heartbeat_age_seconds: Option<f64>,
    /// When the database read is a streaming replica: seconds since the
    /// primary's last change it has replayed (the leader writes every
    /// second); `null` on a primary.
    pub replica_lag_seconds: Option<f64>,
}

/// What an indexer process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndexerRole {
    /// Holds the leader lock: ingests and serves the API.
    Leader,
    /// Serves the API and waits for the leader lock.
    Standby,
    /// Only serves the API (`--no-ingest`).
    ServeOnly,
}

/// How a value of the program's types is spelled in rows, responses and CLI
/// output: its serde string (e.g. a state's snake_case name).
///
/// # Panics
/// If `value` does not serialise as a JSON string.
pub fn spelled<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => panic!("{other:?} is not spelled as a string"),
    }
}

/// `value`'s JSON object with `extra`'s entries added (replacing any of the
/// same name): an account with what a client derives from it.
pub fn with_fields<T: Serialize>(value: &T, extra: serde_json::Value) -> serde_json::Value {
    let mut json = serde_json::to_value(value).unwrap_or_default();
    if let (Some(object), serde_json::Value::Object(extra)) = (json.as_object_mut(), extra) {
        object.extend(extra);
    }
    json
}
