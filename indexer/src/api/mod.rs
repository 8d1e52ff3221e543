//! The HTTP API (axum), one module per resource. Request and response types
//! are the SDK's (`compute_escrow_client::api`), built from the program's own
//! account and event types: amounts and u64 counters are decimal strings,
//! keys base58, times unix seconds. Every error is the same JSON body; a bad,
//! repeated or unknown parameter is a 400 naming it, an unknown id a 404.

pub mod actions;
mod attestors;
mod cache;
mod config;
mod cursor;
mod error;
mod extract;
mod health;
mod leases;
mod listings;
mod providers;
mod reports;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use compute_escrow_client::api::{
    AttestorRecord, ConfigView, ErrorBody, ErrorKind, Health, HistoryEvent, LeaseCounts,
    LeaseDetail, LeasePage, LeaseView, ListingPage, ListingView, ModelStats, ProviderRecord,
    ProviderView, Reachability, ReportView, Stats,
};
use compute_escrow_client::api::{Indexed, Page};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::de::DeserializeOwned;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::types::Json as JsonColumn;
use sqlx::{PgPool, Postgres, QueryBuilder};
use tokio::sync::OnceCell;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

pub use cache::ResponseCache;
pub use error::{ApiError, ApiResult};

use crate::metrics::{self, Metrics};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// Where reads go: the primary, or a streaming replica of it.
    pub pool: PgPool,
    /// The primary, for the API's few writes (signed uptime reports).
    pub primary: PgPool,
    pub metrics: Arc<Metrics>,
    /// Renders `/metrics`.
    pub prometheus: PrometheusHandle,
    pub rpc: Arc<RpcClient>,
    /// Where clients reach this API (absolute URLs in action responses).
    pub public_url: String,
    /// The cluster's CAIP-2 id, read from the node once it answers.
    pub chain_id: Arc<OnceCell<String>>,
    /// The built web app, served under `/app/`.
    pub web_dir: PathBuf,
    /// Recent answers of `GET /v1/listings`.
    pub listings_cache: Arc<ResponseCache>,
}

impl AppState {
    /// The cluster's CAIP-2 id (`solana:` and the first 32 characters of the
    /// genesis hash); `solana` alone while the node does not answer.
    pub async fn chain_id(&self) -> String {
        let read = || async {
            let hash = tokio::time::timeout(Duration::from_secs(2), self.rpc.get_genesis_hash())
                .await
                .map_err(|_| "timeout".to_string())?
                .map_err(|e| e.to_string())?
                .to_string();
            Ok::<_, String>(format!("solana:{}", &hash[..hash.len().min(32)]))
        };
        match self.chain_id.get_or_try_init(read).await {
            Ok(id) => id.clone(),
            Err(_) => "solana".into(),
        }
    }
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
    // Open to any page; POST for the actions, whose headers browsers may read.
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_origin(Any)
        .allow_headers(Any)
        .expose_headers([
            HeaderName::from_static("x-action-version"),
            HeaderName::from_static("x-blockchain-ids"),
        ]);
    let action_routes = Router::new()
        .route("/actions.json", get(actions::actions_json))
        .route(
            "/api/actions/rent/{listing}",
            get(actions::rent_get).post(actions::rent_post),
        )
        .route("/api/actions/lease/{lease}", get(actions::lease_get))
        .route(
            "/api/actions/lease/{lease}/{action}",
            post(actions::lease_post),
        )
        .route(
            "/api/actions/listing/{listing}/{action}",
            post(actions::listing_post),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            with_action_headers,
        ));
    Router::new()
        .merge(action_routes)
        .merge(web_app(&state.web_dir))
        .route("/v1/listings", get(listings::list))
        .route("/v1/listings/{pubkey}", get(listings::get))
        .route("/v1/leases", get(leases::list))
        .route("/v1/leases/{pubkey}", get(leases::get))
        .route("/v1/providers/{pubkey}", get(providers::get))
        .route("/v1/attestors/{pubkey}", get(attestors::get))
        .route("/v1/attestations", post(reports::post))
        .route("/v1/leases/{pubkey}/reports", get(reports::list))
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
        // The relay waits for the cluster's confirmation (bounded by the
        // transaction's blockhash lifetime), longer than a read may take.
        .merge(
            Router::new()
                .route("/api/transactions", post(actions::send_signed))
                .layer(middleware::from_fn(observe)),
        )
        // Outside the timeout, so its 408 gets the JSON error body too.
        .layer(middleware::from_fn(error::json_errors))
        .layer(CompressionLayer::new())
        .layer(cors)
        .with_state(state)
}

/// The web app's files under `/app/`; every other path under it is the app's
/// page (it routes in the browser). `/` leads there.
fn web_app(dir: &std::path::Path) -> Router<AppState> {
    let index = dir.join("index.html");
    let root = Router::new().route("/", get(|| async { Redirect::to("/app/") }));
    if index.is_file() {
        root.nest_service("/app", ServeDir::new(dir).fallback(ServeFile::new(index)))
    } else {
        let missing = || async {
            ApiError::NotFound {
                what: "the web app (build it with scripts/build-web.sh; the indexer serves --web-dir, default web/dist)",
            }
        };
        root.route("/app", get(missing))
            .route("/app/", get(missing))
            .route("/app/{*page}", get(missing))
    }
}

/// Adds the headers the Actions spec requires to an action response.
async fn with_action_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let chain = state.chain_id().await;
    for (name, value) in actions::action_headers(&chain) {
        response.headers_mut().insert(name, value);
    }
    response
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
        attestors::get,
        reports::post,
        reports::list,
        stats::get,
        config::get,
        health::health,
        health::metrics,
        actions::actions_json,
        actions::rent_get,
        actions::rent_post,
        actions::lease_get,
        actions::lease_post,
        actions::listing_post,
        actions::send_signed
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
        AttestorRecord,
        ReportView,
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
