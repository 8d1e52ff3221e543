//! `GET /v1/config`: the market's fee, grace, treasury and admin.

use axum::extract::State;
use axum::Json;
use compute_escrow_client::api::{ConfigView, ErrorBody, NoQuery};
use sqlx::types::Json as JsonColumn;

use super::error::{ApiError, ApiResult};
use super::extract::StrictQuery;
use super::AppState;

/// The market config (the program's singleton account).
#[utoipa::path(get, path = "/v1/config", params(NoQuery),
    responses((status = 200, body = ConfigView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> ApiResult<Json<ConfigView>> {
    let row = sqlx::query_scalar::<_, JsonColumn<ConfigView>>(
        "SELECT row_to_json(config) FROM config ORDER BY closed_slot IS NULL DESC, slot DESC LIMIT 1",
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "config" })?;
    Ok(Json(row.0))
}
