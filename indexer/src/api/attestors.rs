//! `GET /v1/attestors/{pubkey}`: how many reports the API holds from an
//! attestor, and how they compared with the values its quorums credited.

use axum::extract::State;
use axum::Json;
use compute_escrow_client::api::{AccountPath, AttestorRecord, ErrorBody, NoQuery};
use sqlx::types::Json as JsonColumn;

use super::error::{ApiError, ApiResult};
use super::extract::{KeyPath, StrictQuery};
use super::AppState;

/// An attestor's record: reports stored, and every attested period its
/// report counted in; 404 if the API knows no report of it.
#[utoipa::path(get, path = "/v1/attestors/{pubkey}",
    params(AccountPath, NoQuery),
    responses((status = 200, body = AttestorRecord), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    KeyPath(key): KeyPath,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> ApiResult<Json<AttestorRecord>> {
    // Each UptimeAttested event lists the reports that counted (found
    // through the events_reports index); u64 amounts are decimal strings in
    // the events' JSON.
    let record = sqlx::query_scalar::<_, JsonColumn<AttestorRecord>>(
        "WITH counted AS (
             SELECT e.lease, (r->>'up_seconds')::numeric AS reported,
                    (e.data->>'up_seconds')::numeric AS credited
             FROM events e, jsonb_array_elements(e.data->'reports') r
             WHERE e.kind = 'UptimeAttested'
               AND e.data->'reports' @> jsonb_build_array(jsonb_build_object('attestor', $1::text))
               AND r->>'attestor' = $1),
         stored AS (SELECT COUNT(*) AS n FROM uptime_reports WHERE attestor = $1)
         SELECT json_build_object(
            'attestor', $1::text,
            'reports_stored', (SELECT n FROM stored)::text,
            'periods_reported', COUNT(*)::text,
            'periods_differing', COUNT(*) FILTER (WHERE reported <> credited)::text,
            'seconds_differing', COALESCE(SUM(ABS(reported - credited)), 0)::text,
            'leases', COUNT(DISTINCT lease)::text)
         FROM counted
         HAVING COUNT(*) > 0 OR (SELECT n FROM stored) > 0",
    )
    .bind(key.to_string())
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "attestor" })?;
    Ok(Json(record.0))
}
