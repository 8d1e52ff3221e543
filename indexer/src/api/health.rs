//! `GET /health` and `GET /metrics`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use compute_escrow_client::api::{Health, NoQuery};

use super::extract::StrictQuery;
use super::AppState;

/// Whether the database and the RPC node answer, and how far indexing is.
#[utoipa::path(get, path = "/health", params(NoQuery), responses(
    (status = 200, body = Health, description = "database reachable"),
    (status = 503, body = Health, description = "database unreachable")))]
pub async fn health(
    State(state): State<AppState>,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> Response {
    let database = sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
        .is_ok();
    let chain = tokio::time::timeout(Duration::from_secs(2), state.rpc.get_slot()).await;
    let rpc = matches!(chain, Ok(Ok(_)));
    if let Ok(Ok(slot)) = chain {
        state.metrics.chain(slot);
    }
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        database: database.into(),
        rpc: rpc.into(),
        indexed_slot: state.metrics.indexed_slot(),
        chain_slot: state.metrics.chain_slot(),
        lag_slots: state.metrics.lag(),
    };
    (status, Json(body)).into_response()
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", params(NoQuery), responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(
    State(state): State<AppState>,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.prometheus.render(),
    )
        .into_response()
}
