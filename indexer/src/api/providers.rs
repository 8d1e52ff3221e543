//! `GET /v1/providers/{pubkey}`: a provider's account and track record.

use axum::extract::State;
use axum::Json;
use compute_escrow::state::Provider;
use compute_escrow_client::api::{
    AccountPath, ErrorBody, Indexed, LeaseCounts, NoQuery, ProviderRecord,
};
use sqlx::types::Json as JsonColumn;

use super::error::{ApiError, ApiResult};
use super::extract::{KeyPath, StrictQuery};
use super::AppState;

/// A provider by its account (PDA) or its authority.
#[utoipa::path(get, path = "/v1/providers/{pubkey}",
    params(AccountPath, NoQuery),
    responses((status = 200, body = ProviderRecord), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    KeyPath(key): KeyPath,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> ApiResult<Json<ProviderRecord>> {
    let provider: Indexed<Provider> = sqlx::query_scalar::<_, JsonColumn<Indexed<Provider>>>(
        "SELECT row_to_json(providers) FROM providers WHERE pubkey = $1 OR authority = $1 \
         ORDER BY pubkey = $1 DESC LIMIT 1",
    )
    .bind(key.to_string())
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "provider" })?
    .0;
    // States as the rows spell them are LeaseCounts' fields.
    let leases_by_state: LeaseCounts = sqlx::query_scalar::<_, JsonColumn<LeaseCounts>>(
        "SELECT COALESCE(jsonb_object_agg(state, n), '{}'::jsonb) FROM \
         (SELECT state, COUNT(*) AS n FROM leases WHERE provider = $1 GROUP BY state) counts",
    )
    .bind(provider.pubkey.to_string())
    .fetch_one(&state.pool)
    .await?
    .0;
    let p = &provider.account;
    let observed = u128::from(p.seconds_attested) + u128::from(p.seconds_missed);
    let uptime_ratio = (observed > 0).then(|| p.seconds_attested as f64 / observed as f64);
    Ok(Json(ProviderRecord {
        provider,
        uptime_ratio,
        leases_by_state,
    }))
}
