//! `GET /v1/listings` and `GET /v1/listings/{pubkey}`.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Json;
use compute_escrow_client::api::{
    spelled, AccountPath, ErrorBody, Limit, ListingPage, ListingQuery, ListingSort, ListingView,
    NoQuery, Page,
};
use rust_decimal::Decimal;
use sqlx::types::Json as JsonColumn;
use sqlx::QueryBuilder;

use super::error::{ApiError, ApiResult};
use super::extract::{KeyPath, StrictQuery};
use super::{cursor, fetch_page, AppState};

const SELECT: &str = "SELECT row_to_json(listings) FROM listings";

/// Listings matching the query, a page at a time.
#[utoipa::path(get, path = "/v1/listings", params(ListingQuery),
    responses((status = 200, body = ListingPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    StrictQuery(query): StrictQuery<ListingQuery>,
) -> ApiResult<Response> {
    state
        .listings_cache
        .json(raw.unwrap_or_default(), page(&state, query))
        .await
}

/// Where a page starts: after the previous page's last sort key.
enum After {
    Price(Decimal),
    Created(i64),
}

/// The page `query` asks for: the page of each state asked for, by the
/// index led by the state and the sort, merged (`state=all` is three
/// index scans, never a sort of every listing).
async fn page(state: &AppState, query: ListingQuery) -> ApiResult<Page<ListingView>> {
    let sort = query.sort.unwrap_or_default();
    let limit = Limit::or_default(query.limit);
    let (cursor, order) = match sort {
        ListingSort::Price => (
            cursor::decode::<u64>(query.cursor.as_deref(), sort.as_str())?
                .map(|(price, pubkey)| (After::Price(Decimal::from(price)), pubkey)),
            " ORDER BY price_lamports_per_hour ASC, pubkey ASC",
        ),
        ListingSort::Newest => (
            cursor::decode::<i64>(query.cursor.as_deref(), sort.as_str())?
                .map(|(created, pubkey)| (After::Created(created), pubkey)),
            " ORDER BY created_at DESC, pubkey DESC",
        ),
    };
    let mut q = QueryBuilder::new("SELECT row_to_json(l) FROM (");
    for (i, listing_state) in query.listing_states().iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push("(SELECT * FROM listings WHERE state = ")
            .push_bind(spelled(listing_state));
        if let Some(v) = &query.gpu_model {
            q.push(" AND gpu_model = ")
                .push_bind(v.as_str().to_string());
        }
        if let Some(v) = &query.region {
            q.push(" AND region = ").push_bind(v.as_str().to_string());
        }
        if let Some(v) = query.min_vram_gb {
            q.push(" AND vram_gb >= ").push_bind(i32::from(v));
        }
        if let Some(v) = query.max_price_lamports_per_hour {
            q.push(" AND price_lamports_per_hour <= ")
                .push_bind(Decimal::from(v.0));
        }
        if let Some(v) = query.provider {
            q.push(" AND provider = ").push_bind(v.0.to_string());
        }
        match &cursor {
            Some((After::Price(price), pubkey)) => {
                q.push(" AND (price_lamports_per_hour, pubkey) > (")
                    .push_bind(*price)
                    .push(", ")
                    .push_bind(pubkey.clone())
                    .push(")");
            }
            Some((After::Created(created), pubkey)) => {
                q.push(" AND (created_at, pubkey) < (")
                    .push_bind(*created)
                    .push(", ")
                    .push_bind(pubkey.clone())
                    .push(")");
            }
            None => {}
        }
        q.push(order)
            .push(" LIMIT ")
            .push_bind(i64::from(limit) + 1)
            .push(")");
    }
    q.push(") l").push(order).push(" LIMIT ");
    fetch_page(q, &state.pool, limit, |last: &ListingView| {
        let key = match sort {
            ListingSort::Price => last.account.price_lamports_per_hour.to_string(),
            ListingSort::Newest => last.account.created_at.to_string(),
        };
        cursor::encode(sort.as_str(), &key, &last.pubkey.to_string())
    })
    .await
}

/// One listing, in any state.
#[utoipa::path(get, path = "/v1/listings/{pubkey}", params(AccountPath, NoQuery),
    responses((status = 200, body = ListingView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    KeyPath(key): KeyPath,
    StrictQuery(NoQuery {}): StrictQuery<NoQuery>,
) -> ApiResult<Json<ListingView>> {
    let row =
        sqlx::query_scalar::<_, JsonColumn<ListingView>>(&format!("{SELECT} WHERE pubkey = $1"))
            .bind(key.to_string())
            .fetch_optional(&state.pool)
            .await?
            .ok_or(ApiError::NotFound { what: "listing" })?;
    Ok(Json(row.0))
}
