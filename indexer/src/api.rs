//! The HTTP API (axum). Amounts and u64 counters are decimal strings of
//! lamports (exact beyond JavaScript's 2^53); times are unix seconds.
//! Every bad parameter is a 400 naming it; unknown ids are 404.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::pubkey::Pubkey;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, QueryBuilder, Row};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::metrics::Metrics;

/// Largest page.
pub const MAX_LIMIT: i64 = 500;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: i64 = 50;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    pub rpc: Arc<RpcClient>,
}

/// Every way a request fails, mapped to a JSON response in one place.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid `{parameter}`: {message}")]
    BadParameter {
        parameter: &'static str,
        message: String,
    },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("database unavailable")]
    Database(#[from] sqlx::Error),
}

impl ApiError {
    fn bad(parameter: &'static str, message: impl Into<String>) -> Self {
        Self::BadParameter {
            parameter,
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `bad_parameter`, `not_found` or `unavailable`.
    pub error: &'static str,
    /// The offending query or path parameter (for `bad_parameter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<&'static str>,
    /// What went wrong, for humans.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            Self::Database(_) => "the database is unavailable; retry later".to_string(),
            _ => self.to_string(),
        };
        let (status, error, parameter) = match &self {
            Self::BadParameter { parameter, .. } => {
                (StatusCode::BAD_REQUEST, "bad_parameter", Some(*parameter))
            }
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", None),
            Self::Database(e) => {
                tracing::error!(error = %e, "database error");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
            }
        };
        (
            status,
            Json(ErrorBody {
                error,
                parameter,
                message,
            }),
        )
            .into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;
type Params = Query<HashMap<String, String>>;

/// The router with all routes and layers.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET])
        .allow_origin(Any)
        .allow_headers(Any);
    Router::new()
        .route("/v1/listings", get(list_listings))
        .route("/v1/listings/{pubkey}", get(get_listing))
        .route("/v1/leases", get(list_leases))
        .route("/v1/leases/{pubkey}", get(get_lease))
        .route("/v1/providers/{pubkey}", get(get_provider))
        .route("/v1/stats", get(stats))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::NotFound { what: "route" } })
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .layer(CompressionLayer::new())
        .layer(cors)
        .with_state(state)
}

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe_request(started.elapsed());
    response
}

// ---------- parameters ----------

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

fn pubkey_param(params: &HashMap<String, String>, name: &'static str) -> ApiResult<Option<String>> {
    param(params, name)
        .map(|v| parse_pubkey(name, v))
        .transpose()
}

fn parse_pubkey(name: &'static str, value: &str) -> ApiResult<String> {
    Pubkey::from_str(value)
        .map(|k| k.to_string())
        .map_err(|_| ApiError::bad(name, "not a base58 public key"))
}

fn number_param<T: FromStr>(
    params: &HashMap<String, String>,
    name: &'static str,
) -> ApiResult<Option<T>> {
    param(params, name)
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                ApiError::bad(name, format!("`{v}` is not a valid non-negative integer"))
            })
        })
        .transpose()
}

fn one_of(
    params: &HashMap<String, String>,
    name: &'static str,
    allowed: &[&'static str],
) -> ApiResult<Option<&'static str>> {
    match param(params, name) {
        None => Ok(None),
        Some(v) => allowed
            .iter()
            .find(|a| **a == v)
            .copied()
            .map(Some)
            .ok_or_else(|| ApiError::bad(name, format!("must be one of {}", allowed.join(", ")))),
    }
}

fn limit_param(params: &HashMap<String, String>) -> ApiResult<i64> {
    match param(params, "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                "limit",
                format!("must be an integer from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// An opaque keyset cursor: a tag (the sort it belongs to), the sort key and
/// the pubkey of the last item served.
fn encode_cursor(tag: &str, key: &str, pubkey: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}|{key}|{pubkey}"))
}

/// The `(key, pubkey)` of a cursor made by [`encode_cursor`] with `tag`; the
/// caller checks the key's type.
fn bad_cursor() -> ApiError {
    ApiError::bad("cursor", "not a cursor from a previous page of this query")
}

fn decode_cursor(
    params: &HashMap<String, String>,
    tag: &str,
) -> ApiResult<Option<(String, String)>> {
    let Some(raw) = param(params, "cursor") else {
        return Ok(None);
    };

    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?)
        .map_err(|_| bad_cursor())?;
    let mut parts = text.splitn(3, '|');
    let (Some(s), Some(key), Some(pubkey)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad_cursor());
    };
    if s != tag || Pubkey::from_str(pubkey).is_err() {
        return Err(bad_cursor());
    }
    Ok(Some((key.to_string(), pubkey.to_string())))
}

// ---------- rows ----------

/// A listing, in list and detail responses alike.
#[derive(Debug, Serialize, FromRow, ToSchema)]
pub struct ListingView {
    pub pubkey: String,
    pub state: String,
    pub provider: String,
    pub listing_id: String,
    pub gpu_model: String,
    pub gpu_count: i32,
    pub vram_gb: i32,
    pub region: String,
    pub health_check: String,
    pub price_lamports_per_hour: String,
    pub min_hours: i64,
    pub max_hours: i64,
    pub attestor: String,
    pub capacity: i32,
    pub active_leases: i32,
    pub leases_opened: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub slot: i64,
}

const LISTING_SELECT: &str = "SELECT pubkey, state, provider, listing_id::text AS listing_id, gpu_model, gpu_count, vram_gb, \
    region, health_check, price_lamports_per_hour::text AS price_lamports_per_hour, min_hours, max_hours, attestor, \
    capacity, active_leases, leases_opened::text AS leases_opened, created_at, updated_at, slot FROM listings";

/// A lease, in list and detail responses alike.
#[derive(Debug, Serialize, FromRow, ToSchema)]
pub struct LeaseView {
    pub pubkey: String,
    pub state: String,
    pub close_reason: String,
    pub renter: String,
    pub provider: String,
    pub listing: String,
    pub attestor: String,
    pub lease_id: String,
    pub price_lamports_per_hour: String,
    pub fee_bps: i32,
    pub settle_grace_seconds: i64,
    pub hours: i64,
    pub start_ts: i64,
    pub end_ts: i64,
    pub cancelled_at: i64,
    pub deposited: String,
    pub attested_until: i64,
    pub attested_seconds: String,
    pub down_seconds: String,
    pub paid_out: String,
    pub fee_paid: String,
    pub refunded: String,
    /// The health check the lease was rented with (what its attestor probes).
    pub health_check: String,
    pub slot: i64,
    pub closed_slot: Option<i64>,
}

const LEASE_SELECT: &str = "SELECT pubkey, state, close_reason, renter, provider, listing, attestor, lease_id::text AS lease_id, \
    price_lamports_per_hour::text AS price_lamports_per_hour, fee_bps, settle_grace_seconds, hours, start_ts, end_ts, \
    cancelled_at, deposited::text AS deposited, attested_until, attested_seconds::text AS attested_seconds, \
    down_seconds::text AS down_seconds, paid_out::text AS paid_out, fee_paid::text AS fee_paid, refunded::text AS refunded, \
    health_check, slot, closed_slot FROM leases";

/// A page of items and the cursor of the next page (`null` on the last).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

// ---------- handlers ----------

#[utoipa::path(get, path = "/v1/listings", params(ListingQuery),
    responses((status = 200, body = Page<ListingView>), (status = 400, body = ErrorBody)))]
async fn list_listings(
    State(state): State<AppState>,
    Query(params): Params,
) -> ApiResult<Json<Page<ListingView>>> {
    let sort = one_of(&params, "sort", &["price", "newest"])?.unwrap_or("price");
    let limit = limit_param(&params)?;
    let gpu_model = param(&params, "gpu_model");
    let region = param(&params, "region");
    let listing_state = one_of(&params, "state", &["active", "paused", "closed"])?;
    let min_vram: Option<u16> = number_param(&params, "min_vram_gb")?;
    let max_price: Option<u64> = number_param(&params, "max_price_lamports_per_hour")?;
    let provider = pubkey_param(&params, "provider")?;
    let cursor = decode_cursor(&params, sort)?;

    let mut q = QueryBuilder::new(LISTING_SELECT);
    q.push(" WHERE TRUE");
    if let Some(v) = gpu_model {
        q.push(" AND gpu_model = ").push_bind(v.to_string());
    }
    if let Some(v) = region {
        q.push(" AND region = ").push_bind(v.to_string());
    }
    if let Some(v) = listing_state {
        q.push(" AND state = ").push_bind(v);
    }
    if let Some(v) = min_vram {
        q.push(" AND vram_gb >= ").push_bind(i32::from(v));
    }
    if let Some(v) = max_price {
        q.push(" AND listings.price_lamports_per_hour <= ")
            .push_bind(v.to_string())
            .push("::numeric");
    }
    if let Some(v) = provider {
        q.push(" AND provider = ").push_bind(v);
    }
    match (sort, cursor) {
        ("price", Some((key, pubkey))) => {
            key.parse::<u64>().map_err(|_| bad_cursor())?;
            // Qualified names: the SELECT list aliases the numeric columns as text.
            q.push(" AND (listings.price_lamports_per_hour, listings.pubkey) > (")
                .push_bind(key)
                .push("::numeric, ")
                .push_bind(pubkey)
                .push(")");
        }
        (_, Some((key, pubkey))) => {
            let created: i64 = key.parse().map_err(|_| bad_cursor())?;
            q.push(" AND (created_at, pubkey) < (")
                .push_bind(created)
                .push(", ")
                .push_bind(pubkey)
                .push(")");
        }
        _ => {}
    }
    q.push(if sort == "price" {
        " ORDER BY listings.price_lamports_per_hour ASC, listings.pubkey ASC"
    } else {
        " ORDER BY listings.created_at DESC, listings.pubkey DESC"
    });
    q.push(" LIMIT ").push_bind(limit + 1);
    let mut items: Vec<ListingView> = q.build_query_as().fetch_all(&state.pool).await?;
    let next_cursor = (items.len() as i64 > limit).then(|| {
        items.truncate(limit as usize);
        let last = items.last().expect("limit >= 1");
        let key = if sort == "price" {
            last.price_lamports_per_hour.clone()
        } else {
            last.created_at.to_string()
        };
        encode_cursor(sort, &key, &last.pubkey)
    });
    Ok(Json(Page { items, next_cursor }))
}

#[utoipa::path(get, path = "/v1/listings/{pubkey}", params(("pubkey" = String, Path, description = "Listing account")),
    responses((status = 200, body = ListingView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_listing(
    State(state): State<AppState>,
    Path(pubkey): Path<String>,
) -> ApiResult<Json<ListingView>> {
    let key = parse_pubkey("pubkey", &pubkey)?;
    let sql = format!("{LISTING_SELECT} WHERE pubkey = $1");
    let row: Option<ListingView> = sqlx::query_as(&sql)
        .bind(key)
        .fetch_optional(&state.pool)
        .await?;
    row.map(Json).ok_or(ApiError::NotFound { what: "listing" })
}

#[utoipa::path(get, path = "/v1/leases", params(LeaseQuery),
    responses((status = 200, body = Page<LeaseView>), (status = 400, body = ErrorBody)))]
async fn list_leases(
    State(state): State<AppState>,
    Query(params): Params,
) -> ApiResult<Json<Page<LeaseView>>> {
    let limit = limit_param(&params)?;
    let renter = pubkey_param(&params, "renter")?;
    let provider = pubkey_param(&params, "provider")?;
    let listing = pubkey_param(&params, "listing")?;
    let lease_state = one_of(
        &params,
        "state",
        &["active", "ended", "cancelled", "settled"],
    )?;
    // Several leases can have lived at one address: pages follow (pubkey, start_ts).
    let cursor = decode_cursor(&params, "lease")?
        .map(|(start, pubkey)| start.parse::<i64>().map(|s| (pubkey, s)))
        .transpose()
        .map_err(|_| bad_cursor())?;
    let mut q = QueryBuilder::new(LEASE_SELECT);
    q.push(" WHERE TRUE");
    for (column, value) in [
        ("renter", renter),
        ("provider", provider),
        ("listing", listing),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = ")).push_bind(v);
        }
    }
    if let Some(v) = lease_state {
        q.push(" AND state = ").push_bind(v);
    }
    if let Some((pubkey, start_ts)) = cursor {
        q.push(" AND (pubkey, start_ts) > (")
            .push_bind(pubkey)
            .push(", ")
            .push_bind(start_ts)
            .push(")");
    }
    q.push(" ORDER BY pubkey ASC, start_ts ASC LIMIT ")
        .push_bind(limit + 1);
    let mut items: Vec<LeaseView> = q.build_query_as().fetch_all(&state.pool).await?;
    let next_cursor = (items.len() as i64 > limit).then(|| {
        items.truncate(limit as usize);
        let last = items.last().expect("limit >= 1");
        encode_cursor("lease", &last.start_ts.to_string(), &last.pubkey)
    });
    Ok(Json(Page { items, next_cursor }))
}

/// A lease with its event history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaseDetail {
    #[serde(flatten)]
    pub lease: LeaseView,
    pub history: Vec<HistoryEvent>,
}

/// One program event from a lease's transactions.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    pub signature: String,
    pub instruction_index: i32,
    pub slot: i64,
    pub block_time: Option<i64>,
    /// Event name, e.g. `UptimeAttested`.
    pub kind: String,
    /// The event's fields (u64 amounts as decimal strings).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// Query parameters of `GET /v1/listings` (documentation; parsed by hand so
/// every bad value gets a 400 naming it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListingQuery {
    /// Exact GPU model, e.g. `H100`.
    gpu_model: Option<String>,
    /// Minimum memory per GPU, in GB.
    min_vram_gb: Option<u16>,
    /// Highest price per hour, in lamports.
    max_price_lamports_per_hour: Option<u64>,
    /// Exact region.
    region: Option<String>,
    /// `active`, `paused` or `closed`.
    state: Option<String>,
    /// Provider account (PDA).
    provider: Option<String>,
    /// `price` (ascending, default) or `newest`.
    sort: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<i64>,
    /// `next_cursor` of the previous page (same query and sort).
    cursor: Option<String>,
}

/// Query parameters of `GET /v1/leases` (documentation, as above).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct LeaseQuery {
    /// Renter wallet.
    renter: Option<String>,
    /// Provider account (PDA).
    provider: Option<String>,
    /// Listing account.
    listing: Option<String>,
    /// `active`, `ended`, `cancelled` or `settled`.
    state: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/leases/{pubkey}", params(("pubkey" = String, Path, description = "Lease account"),
        ("start_ts" = Option<i64>, Query, description = "Which lease at this address, by its start time; default the newest (a settled lease's address can hold a new lease)")),
    responses((status = 200, body = LeaseDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_lease(
    State(state): State<AppState>,
    Path(pubkey): Path<String>,
    Query(params): Params,
) -> ApiResult<Json<LeaseDetail>> {
    let key = parse_pubkey("pubkey", &pubkey)?;
    let start_ts = param(&params, "start_ts")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::bad("start_ts", "must be a unix time in seconds"))
        })
        .transpose()?;
    let sql = format!(
        "{LEASE_SELECT} WHERE pubkey = $1 AND ($2::bigint IS NULL OR start_ts = $2) ORDER BY start_ts DESC LIMIT 1"
    );
    let lease: LeaseView = sqlx::query_as(&sql)
        .bind(&key)
        .bind(start_ts)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(ApiError::NotFound { what: "lease" })?;
    // Only this lease's events, not those of another lease at the address.
    let history = sqlx::query(
        "SELECT signature, instruction_index, inner_index, slot, block_time, kind, data FROM events \
         WHERE lease = $1 AND (lease_start_ts = $2 OR lease_start_ts IS NULL) \
         ORDER BY slot, signature, instruction_index, inner_index",
    )
    .bind(&key)
    .bind(lease.start_ts)
    .fetch_all(&state.pool)
    .await?
    .iter()
    .map(|r: &PgRow| HistoryEvent {
        signature: r.get("signature"),
        instruction_index: r.get("instruction_index"),
        slot: r.get("slot"),
        block_time: r.get("block_time"),
        kind: r.get("kind"),
        data: r.get("data"),
    })
    .collect();
    Ok(Json(LeaseDetail { lease, history }))
}

/// Leases of a provider, counted by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaseCounts {
    pub active: i64,
    pub ended: i64,
    pub cancelled: i64,
    pub settled: i64,
}

/// A provider's track record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub pubkey: String,
    pub authority: String,
    pub payout_wallet: String,
    pub metadata_uri: String,
    pub registered_at: i64,
    pub listing_count: String,
    pub seconds_attested: String,
    pub seconds_missed: String,
    /// seconds_attested / (seconds_attested + seconds_missed); null before any attestation.
    pub uptime_ratio: Option<f64>,
    pub lamports_earned: String,
    pub leases_settled: String,
    pub leases_by_state: LeaseCounts,
    pub slot: i64,
}

#[utoipa::path(get, path = "/v1/providers/{pubkey}",
    params(("pubkey" = String, Path, description = "Provider account (PDA) or its authority")),
    responses((status = 200, body = ProviderView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_provider(
    State(state): State<AppState>,
    Path(pubkey): Path<String>,
) -> ApiResult<Json<ProviderView>> {
    let key = parse_pubkey("pubkey", &pubkey)?;
    let row = sqlx::query(
        "SELECT pubkey, authority, payout_wallet, listing_count::text AS listing_count, leases_settled::text AS leases_settled, \
         seconds_attested::text AS seconds_attested, seconds_missed::text AS seconds_missed, \
         lamports_earned::text AS lamports_earned, registered_at, metadata_uri, slot, \
         CASE WHEN seconds_attested + seconds_missed = 0 THEN NULL \
              ELSE (seconds_attested / (seconds_attested + seconds_missed))::float8 END AS uptime_ratio \
         FROM providers WHERE pubkey = $1 OR authority = $1 ORDER BY pubkey = $1 DESC LIMIT 1",
    )
    .bind(&key)
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "provider" })?;
    let provider: String = row.get("pubkey");
    let by_state: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT state, COUNT(*) FROM leases WHERE provider = $1 GROUP BY state",
    )
    .bind(&provider)
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .collect();
    let count = |s: &str| by_state.get(s).copied().unwrap_or(0);
    Ok(Json(ProviderView {
        pubkey: provider.clone(),
        authority: row.get("authority"),
        payout_wallet: row.get("payout_wallet"),
        metadata_uri: row.get("metadata_uri"),
        registered_at: row.get("registered_at"),
        listing_count: row.get("listing_count"),
        seconds_attested: row.get("seconds_attested"),
        seconds_missed: row.get("seconds_missed"),
        uptime_ratio: row.get("uptime_ratio"),
        lamports_earned: row.get("lamports_earned"),
        leases_settled: row.get("leases_settled"),
        leases_by_state: LeaseCounts {
            active: count("active"),
            ended: count("ended"),
            cancelled: count("cancelled"),
            settled: count("settled"),
        },
        slot: row.get("slot"),
    }))
}

/// Active listings of one GPU model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelStats {
    pub gpu_model: String,
    pub active_listings: i64,
    pub min_price_lamports_per_hour: String,
    pub median_price_lamports_per_hour: String,
}

/// Market statistics per GPU model.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub gpu_models: Vec<ModelStats>,
}

#[utoipa::path(get, path = "/v1/stats", responses((status = 200, body = Stats)))]
async fn stats(State(state): State<AppState>) -> ApiResult<Json<Stats>> {
    let rows = sqlx::query(
        "SELECT gpu_model, COUNT(*) AS active_listings, MIN(price_lamports_per_hour)::text AS min_price, \
         percentile_disc(0.5) WITHIN GROUP (ORDER BY price_lamports_per_hour)::text AS median_price \
         FROM listings WHERE state = 'active' GROUP BY gpu_model ORDER BY gpu_model",
    )
    .fetch_all(&state.pool)
    .await?;
    let gpu_models = rows
        .iter()
        .map(|r| ModelStats {
            gpu_model: r.get("gpu_model"),
            active_listings: r.get("active_listings"),
            min_price_lamports_per_hour: r.get("min_price"),
            median_price_lamports_per_hour: r.get("median_price"),
        })
        .collect();
    Ok(Json(Stats { gpu_models }))
}

#[utoipa::path(get, path = "/health", responses(
    (status = 200, description = "database reachable; rpc, indexed slot, chain slot and lag in the body"),
    (status = 503, description = "database unreachable")))]
async fn health(State(state): State<AppState>) -> Response {
    let database = sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
        .is_ok();
    let chain = tokio::time::timeout(Duration::from_secs(2), state.rpc.get_slot()).await;
    if let Ok(Ok(slot)) = chain {
        Metrics::raise(&state.metrics.chain_slot, slot);
    }
    let indexed = state
        .metrics
        .indexed_slot
        .load(std::sync::atomic::Ordering::Relaxed);
    let chain_slot = state
        .metrics
        .chain_slot
        .load(std::sync::atomic::Ordering::Relaxed);
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "database": if database { "ok" } else { "unreachable" },
        "rpc": if matches!(chain, Ok(Ok(_))) { "ok" } else { "unreachable" },
        "indexed_slot": indexed,
        "chain_slot": chain_slot,
        "lag_slots": state.metrics.lag(),
    });
    (status, Json(body)).into_response()
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format")))]
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The OpenAPI document, generated from the handlers and their types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "compute-escrow indexer API",
        description = "Listings, leases and provider track records of the compute-escrow program. Lamport amounts and u64 counters are decimal strings."
    ),
    paths(
        list_listings,
        get_listing,
        list_leases,
        get_lease,
        get_provider,
        stats,
        health,
        metrics
    ),
    components(schemas(
        ListingView,
        LeaseView,
        LeaseDetail,
        HistoryEvent,
        ProviderView,
        LeaseCounts,
        Stats,
        ModelStats,
        ErrorBody
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
