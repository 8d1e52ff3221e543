//! Query parameters of the API: each struct is the server's parser (unknown
//! parameters and bad values are refused by deserialisation, naming the
//! parameter) and its OpenAPI description, and the CLI's request builder.

use std::str::FromStr;

use compute_escrow::constants::{MAX_GPU_MODEL_LEN, MAX_REGION_LEN};
use compute_escrow::state::{LeaseState, ListingState};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use solana_sdk::pubkey::Pubkey;
use utoipa::{IntoParams, ToSchema};

use super::schema;

/// Largest page.
pub const MAX_LIMIT: u16 = 500;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u16 = 50;

/// Query of `GET /v1/listings`. By default only what a renter can rent
/// (`state=active`); `state=all` lists every state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    /// Exact GPU model, e.g. `H100`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::gpu_model_schema)]
    pub gpu_model: Option<Text<{ MAX_GPU_MODEL_LEN as usize }>>,
    /// Minimum memory per GPU, in GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0, maximum = 65535)]
    pub min_vram_gb: Option<u16>,
    /// Highest price per hour, in lamports (a u64 in decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::u64_schema)]
    pub max_price_lamports_per_hour: Option<U64>,
    /// Exact region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::region_schema)]
    pub region: Option<Text<{ MAX_REGION_LEN as usize }>>,
    /// `active` (default), `paused`, `closed`, or `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::listing_state_filter_schema)]
    pub state: Option<StateFilter<ListingState>>,
    /// Provider account (PDA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::pubkey_schema)]
    pub provider: Option<Key>,
    /// `price` (ascending, default) or `newest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(inline)]
    pub sort: Option<ListingSort>,
    /// Page size, 1 to 500, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500)]
    pub limit: Option<Limit>,
    /// `next_cursor` of the previous page (same query and sort).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::cursor_schema)]
    pub cursor: Option<String>,
}

/// Every listing state.
pub const LISTING_STATES: [ListingState; 3] = [
    ListingState::Active,
    ListingState::Paused,
    ListingState::Closed,
];

// A state added to the program must be added to LISTING_STATES: this
// match stops compiling until it is looked at.
const _: fn(ListingState) = |state| match state {
    ListingState::Active | ListingState::Paused | ListingState::Closed => {}
};

impl ListingQuery {
    /// The states asked for: one, or every state for `state=all`.
    pub fn listing_states(&self) -> &[ListingState] {
        match &self.state {
            None => &LISTING_STATES[..1],
            Some(StateFilter::All) => &LISTING_STATES,
            Some(StateFilter::Only(state)) => std::slice::from_ref(state),
        }
    }
}

/// Query of `GET /v1/leases`. Every state unless `state` names one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaseQuery {
    /// Renter wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::pubkey_schema)]
    pub renter: Option<Key>,
    /// Provider account (PDA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::pubkey_schema)]
    pub provider: Option<Key>,
    /// Listing account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::pubkey_schema)]
    pub listing: Option<Key>,
    /// `active`, `ended`, `cancelled`, `settled`, or `all` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::lease_state_filter_schema)]
    pub state: Option<StateFilter<LeaseState>>,
    /// Page size, 1 to 500, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500)]
    pub limit: Option<Limit>,
    /// `next_cursor` of the previous page (same query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schema::cursor_schema)]
    pub cursor: Option<String>,
}

impl LeaseQuery {
    /// The state asked for; `None` means every state.
    pub fn lease_state(&self) -> Option<LeaseState> {
        match self.state {
            None | Some(StateFilter::All) => None,
            Some(StateFilter::Only(state)) => Some(state),
        }
    }
}

/// Query of `GET /v1/leases/{pubkey}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaseDetailQuery {
    /// Which lease at this address, by its start time (unix seconds);
    /// default the newest (a settled lease's address can hold a new lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ts: Option<i64>,
}

/// Query of `GET /v1/leases/{pubkey}/reports`: reports ordered by period,
/// then attestor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaseReportsQuery {
    /// Only periods starting at or after this unix time (a crank passes the
    /// lease's `attested_until`; to read on, the last period's `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// Most reports returned, 1 to 500, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500)]
    pub limit: Option<Limit>,
}

/// A query that takes no parameters (any parameter is refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoQuery {}

/// Order of `GET /v1/listings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingSort {
    /// Cheapest first (then by address).
    #[default]
    Price,
    /// Newest first (then by address, descending).
    Newest,
}

impl ListingSort {
    /// As the query spells it (also tags this sort's cursors).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::Newest => "newest",
        }
    }
}

/// One state (as the program's enum spells it in snake_case), or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateFilter<S> {
    /// Every state.
    All,
    /// Only this state.
    #[serde(untagged)]
    Only(S),
}

/// A public key parameter: base58, exactly 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub Pubkey);

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Pubkey::from_str(&text)
            .map(Key)
            .map_err(|_| D::Error::custom("not a base58 public key of 32 bytes"))
    }
}

/// A u64 parameter in canonical decimal (no sign, no leading zeros), the
/// exact set [`schema::u64_pattern`] documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct U64(pub u64);

impl Serialize for U64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let canonical = text.bytes().all(|b| b.is_ascii_digit())
            && !text.is_empty()
            && (text == "0" || !text.starts_with('0'));
        canonical
            .then(|| text.parse().ok())
            .flatten()
            .map(U64)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "`{text}` is not a decimal integer from 0 to {}",
                    u64::MAX
                ))
            })
    }
}

/// A page size, 1 to [`MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit(u16);

impl Limit {
    /// `n` if it is 1 to [`MAX_LIMIT`].
    pub fn new(n: u16) -> Option<Self> {
        (1..=MAX_LIMIT).contains(&n).then_some(Self(n))
    }

    /// The page size.
    pub fn get(self) -> u16 {
        self.0
    }

    /// The page size of an optional `limit`.
    pub fn or_default(limit: Option<Self>) -> u16 {
        limit.map_or(DEFAULT_LIMIT, Self::get)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .ok()
            .and_then(Limit::new)
            .ok_or_else(|| D::Error::custom(format!("must be an integer from 1 to {MAX_LIMIT}")))
    }
}

/// A text filter of at most `MAX` bytes, without NUL (which no program
/// string can hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> Text<MAX> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.contains('\0') {
            return Err(D::Error::custom("must not contain a NUL byte"));
        }
        if text.len() > MAX {
            return Err(D::Error::custom(format!("longer than {MAX} bytes")));
        }
        Ok(Text(text))
    }
}

/// The `{pubkey}` path parameter of the single-account routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AccountPath {
    /// The account's address (a provider also by its authority).
    #[param(schema_with = schema::pubkey_schema)]
    pub pubkey: Key,
}
