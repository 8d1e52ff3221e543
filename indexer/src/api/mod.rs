//! The HTTP API (axum), one module per resource. Request and response types
//! are the SDK's (`compute_escrow_client::api`), built from the program's own
//! account and event types: amounts and u64 counters are decimal strings,
//! keys base58, times unix seconds. Every error is the same JSON body; a bad,
//! repeated or unknown parameter is a 400 naming it, an unknown id a 404.

mod config;
mod cursor;
mod error;
mod extract;
mod health;
mod leases;
mod listings;
mod providers;
mod stats;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use compute_escrow_client::api::{
    ConfigView, ErrorBody, ErrorKind, Health, HistoryEvent, LeaseCounts, LeaseDetail, LeasePage,
    LeaseView, ListingPage, ListingView, ModelStats, ProviderRecord, ProviderView, Reachability,
    Stats,
};
use compute_escrow_client::api::{Indexed, Page};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::de::DeserializeOwned;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::types::Json as JsonColumn;
use sqlx::{PgPool, Postgres, QueryBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

pub use error::{ApiError, ApiResult};

use crate::metrics::{self, Metrics};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    /// Renders `/metrics`.
    pub prometheus: PrometheusHandle,
    pub rpc: Arc<RpcClient>,
}

/// Runs `q` (ending in `LIMIT`, to which this adds `limit + 1`) and returns
/// its first `limit` rows with the cursor after the last one, made by
/// `cursor_of`, when more follow.
pub(crate) async fn fetch_page<T: DeserializeOwned + Send + Unpin + 'static>(
    mut q: QueryBuilder<'_, Postgres>,
    pool: &PgPool,
    limit: u16,
    cursor_of: impl Fn(&Indexed<T>) -> String,
) -> ApiResult<Page<Indexed<T>>> {
    let limit = usize::from(limit);
    q.push_bind(limit as i64 + 1);
    let mut items: Vec<Indexed<T>> = q
        .build_query_scalar::<JsonColumn<Indexed<T>>>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| row.0)
        .collect();
    let next_cursor = (items.len() > limit).then(|| {
        items.truncate(limit);
        cursor_of(items.last().expect("limit >= 1"))
    });
    Ok(Page { items, next_cursor })
}

/// The router with all routes and layers.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET])
        .allow_origin(Any)
        .allow_headers(Any);
    Router::new()
        .route("/v1/listings", get(listings::list))
        .route("/v1/listings/{pubkey}", get(listings::get))
        .route("/v1/leases", get(leases::list))
        .route("/v1/leases/{pubkey}", get(leases::get))
        .route("/v1/providers/{pubkey}", get(providers::get))
        .route("/v1/stats", get(stats::get))
        .route("/v1/config", get(config::get))
        .route("/health", get(health::health))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::NotFound { what: "route" } })
        .layer(middleware::from_fn(observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        // Outside the timeout, so its 408 gets the JSON error body too.
        .layer(middleware::from_fn(error::json_errors))
        .layer(CompressionLayer::new())
        .layer(cors)
        .with_state(state)
}

async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::observe_request(started.elapsed());
    response
}

/// The OpenAPI document, generated from the handlers and the SDK's types
/// (account and event fields from the program's IDL).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "compute-escrow indexer API",
        description = "Listings, leases and provider track records of the compute-escrow program. Lamport amounts and u64 counters are decimal strings; public keys base58."
    ),
    paths(
        listings::list,
        listings::get,
        leases::list,
        leases::get,
        providers::get,
        stats::get,
        config::get,
        health::health,
        health::metrics
    ),
    components(schemas(
        ConfigView,
        ListingView,
        LeaseView,
        ListingPage,
        LeasePage,
        LeaseDetail,
        HistoryEvent,
        ProviderRecord,
        ProviderView,
        LeaseCounts,
        Stats,
        ModelStats,
        Health,
        Reachability,
        ErrorBody,
        ErrorKind
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
