//! `GET /v1/stats`: active listings per GPU model.

use axum::extract::State;
use axum::Json;
use compute_escrow::state::ListingState;
use compute_escrow_client::api::{spelled, ErrorBody, ModelStats, NoQuery, Stats};
use sqlx::types::Json as JsonColumn;

use super::error::ApiResult;
use super::extract::StrictQuery;
use super::AppState;

/// Count, cheapest and median price of active listings, per GPU model.
#[utoipa::path(get, path = "/v1/stats", params(NoQuery),
    responses((status = 200, body = Stats), (status = 400, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> ApiResult<Json<Stats>> {
    let gpu_models = sqlx::query_scalar::<_, JsonColumn<ModelStats>>(
        "SELECT row_to_json(s) FROM (SELECT gpu_model, COUNT(*) AS active_listings, \
         MIN(price_lamports_per_hour) AS min_price_lamports_per_hour, \
         percentile_disc(0.5) WITHIN GROUP (ORDER BY price_lamports_per_hour) AS median_price_lamports_per_hour \
         FROM listings WHERE state = $1 GROUP BY gpu_model ORDER BY gpu_model) s",
    )
    .bind(spelled(&ListingState::Active))
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|row| row.0)
    .collect();
    Ok(Json(Stats { gpu_models }))
}
