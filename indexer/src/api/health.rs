//! `GET /health` and `GET /metrics`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use compute_escrow_client::api::{Health, NoQuery};

use super::extract::StrictQuery;
use super::AppState;
use crate::progress;

/// Whether the database and the RPC node answer, what this process does,
/// and how far the database's view is behind the chain. Answers within about
/// two seconds whatever is down: 503 at once when the database is.
#[utoipa::path(get, path = "/health", params(NoQuery), responses(
    (status = 200, body = Health, description = "database reachable"),
    (status = 503, body = Health, description = "database unreachable")))]
pub async fn health(
    State(state): State<AppState>,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> Response {
    let (recorded, chain) = tokio::join!(
        progress::recorded(&state.pool, Duration::from_secs(1)),
        tokio::time::timeout(Duration::from_secs(2), state.rpc.get_slot()),
    );
    let rpc = matches!(chain, Ok(Ok(_)));
    if let Ok(Ok(slot)) = chain {
        state.metrics.chain(slot);
    }
    let database = recorded.is_ok();
    let recorded = recorded.unwrap_or_default();
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let chain_slot = state.metrics.chain_slot();
    // The leader knows its own view first-hand; the others read it.
    let indexed_slot = recorded.view_slot.max(state.metrics.view_slot());
    let body = Health {
        database: database.into(),
        rpc: rpc.into(),
        role: state.metrics.role(),
        indexed_slot,
        chain_slot,
        lag_slots: chain_slot.saturating_sub(indexed_slot),
        last_notification_age_seconds: recorded.notification_age,
        leader_heartbeat_age_seconds: recorded.heartbeat_age,
        replica_lag_seconds: recorded.replica_lag,
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
