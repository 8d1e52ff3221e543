//! `GET /v1/leases` and `GET /v1/leases/{pubkey}` (with its history).

use axum::extract::State;
use axum::Json;
use compute_escrow_client::api::{
    spelled, AccountPath, ErrorBody, HistoryEvent, LeaseDetail, LeaseDetailQuery, LeasePage,
    LeaseQuery, LeaseView, Limit, Page,
};
use sqlx::types::Json as JsonColumn;
use sqlx::QueryBuilder;

use super::error::{ApiError, ApiResult};
use super::extract::{KeyPath, StrictQuery};
use super::{cursor, fetch_page, AppState};

const SELECT: &str = "SELECT row_to_json(leases) FROM leases";

/// Cursors of lease pages: several leases can have lived at one address, so
/// pages follow (pubkey, start_ts).
const CURSOR_TAG: &str = "lease";

/// Leases matching the query, a page at a time.
#[utoipa::path(get, path = "/v1/leases", params(LeaseQuery),
    responses((status = 200, body = LeasePage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    StrictQuery(query): StrictQuery<LeaseQuery>,
) -> ApiResult<Json<Page<LeaseView>>> {
    let limit = Limit::or_default(query.limit);
    let mut q = QueryBuilder::new(SELECT);
    q.push(" WHERE TRUE");
    for (column, value) in [
        ("renter", query.renter),
        ("provider", query.provider),
        ("listing", query.listing),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = "))
                .push_bind(v.0.to_string());
        }
    }
    if let Some(v) = query.lease_state() {
        q.push(" AND state = ").push_bind(spelled(&v));
    }
    if let Some((start_ts, pubkey)) = cursor::decode::<i64>(query.cursor.as_deref(), CURSOR_TAG)? {
        q.push(" AND (pubkey, start_ts) > (")
            .push_bind(pubkey)
            .push(", ")
            .push_bind(start_ts)
            .push(")");
    }
    q.push(" ORDER BY pubkey ASC, start_ts ASC LIMIT ");
    let page = fetch_page(q, &state.pool, limit, |last: &LeaseView| {
        cursor::encode(
            CURSOR_TAG,
            &last.account.start_ts.to_string(),
            &last.pubkey.to_string(),
        )
    })
    .await?;
    Ok(Json(page))
}

/// One lease and its events, oldest first.
#[utoipa::path(get, path = "/v1/leases/{pubkey}",
    params(AccountPath, LeaseDetailQuery),
    responses((status = 200, body = LeaseDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    KeyPath(key): KeyPath,
    StrictQuery(query): StrictQuery<LeaseDetailQuery>,
) -> ApiResult<Json<LeaseDetail>> {
    let key = key.to_string();
    let lease: LeaseView = sqlx::query_scalar::<_, JsonColumn<LeaseView>>(&format!(
        "{SELECT} WHERE pubkey = $1 AND ($2::bigint IS NULL OR start_ts = $2) ORDER BY start_ts DESC LIMIT 1"
    ))
    .bind(&key)
    .bind(query.start_ts)
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "lease" })?
    .0;
    // Only this lease's events, not those of another lease at the address.
    let history: Vec<HistoryEvent> = sqlx::query_scalar::<_, JsonColumn<HistoryEvent>>(
        "SELECT row_to_json(h) FROM (SELECT signature, instruction_index, slot, block_time, kind, data FROM events \
         WHERE lease = $1 AND (lease_start_ts = $2 OR lease_start_ts IS NULL) \
         ORDER BY slot, signature, instruction_index, inner_index) h",
    )
    .bind(&key)
    .bind(lease.account.start_ts)
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|row| row.0)
    .collect();
    Ok(Json(LeaseDetail { lease, history }))
}
