//! Signed uptime reports: `POST /v1/attestations` takes one from any
//! attestor (no SOL needed) once it verifies, and `GET
//! /v1/leases/{pubkey}/reports` lists a lease's, for cranks to submit the
//! periods whose quorum is complete.

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::Json;
use compute_escrow::state::Lease;
use compute_escrow_client::api::{AccountPath, ErrorBody, LeaseReportsQuery, Limit, ReportView};
use compute_escrow_client::reports::SignedUptimeReport;
use sqlx::types::Json as JsonColumn;

use super::error::{ApiError, ApiResult};
use super::extract::{KeyPath, StrictQuery};
use super::AppState;

/// A JSON body whose rejection names the problem in the API's error body.
pub struct ReportBody(ReportView);

impl<S: Send + Sync> FromRequest<S> for ReportBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<ReportView>::from_request(request, state)
            .await
            .map(|Json(body)| ReportBody(body))
            .map_err(|rejection| ApiError::bad("body", rejection.body_text()))
    }
}

/// Why a report is refused before it reaches the database.
fn check(report: &SignedUptimeReport, lease: &Lease) -> Result<(), String> {
    let r = &report.report;
    if !report.verify() {
        return Err("the signature does not verify: not this attestor's over this report".into());
    }
    if !lease.attestors.contains(&report.attestor) {
        return Err(format!(
            "{} is not one of the lease's attestors ({})",
            report.attestor, lease.attestors
        ));
    }
    let on_grid = lease
        .attestors
        .period_end(lease.start_ts, lease.end_ts, r.from)
        .is_ok_and(|end| end == r.to)
        && r.from >= lease.start_ts
        && (r.from - lease.start_ts) % i64::from(lease.attestors.period_seconds.max(1)) == 0;
    if !on_grid || r.to <= r.from {
        return Err(format!(
            "[{}, {}) is not a period of the lease's grid ({} s periods from {} to {})",
            r.from, r.to, lease.attestors.period_seconds, lease.start_ts, lease.end_ts
        ));
    }
    if r.up_seconds > (r.to - r.from) as u64 {
        return Err(format!(
            "{} up seconds is more than the period's {}",
            r.up_seconds,
            r.to - r.from
        ));
    }
    Ok(())
}

/// Takes a signed report: 201 when stored, 200 when this exact report was
/// already stored; 400 naming why a report is refused (bad signature, a key
/// outside the lease's set, a period off its grid, more up seconds than the
/// period), 404 for an unknown lease, 409 when the attestor already reported
/// that period differently. A refused report never reaches the database.
#[utoipa::path(post, path = "/v1/attestations", request_body = ReportView,
    responses((status = 201, body = ReportView), (status = 200, body = ReportView),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post(
    State(state): State<AppState>,
    ReportBody(view): ReportBody,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let lease = sqlx::query_scalar::<_, JsonColumn<Lease>>(
        "SELECT row_to_json(leases) FROM leases WHERE pubkey = $1 \
         ORDER BY start_ts DESC LIMIT 1",
    )
    .bind(view.lease.to_string())
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound { what: "lease" })?
    .0;
    let report = SignedUptimeReport::from(view);
    check(&report, &lease).map_err(|message| ApiError::bad("body", message))?;
    let inserted = sqlx::query(
        "INSERT INTO uptime_reports (lease, period_from, period_to, attestor, up_seconds, signature) \
         VALUES ($1, $2, $3, $4, $5::numeric, $6) ON CONFLICT DO NOTHING",
    )
    .bind(view.lease.to_string())
    .bind(view.from)
    .bind(view.to)
    .bind(view.attestor.to_string())
    .bind(view.up_seconds.to_string())
    .bind(view.signature.to_string())
    .execute(&state.primary)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok((StatusCode::CREATED, Json(view)));
    }
    let stored = stored_report(&state, &view).await?;
    if stored == view {
        Ok((StatusCode::OK, Json(view)))
    } else {
        Err(ApiError::Conflict {
            message: format!(
                "{} already reported [{}, {}) of this lease as {} up seconds",
                view.attestor, view.from, view.to, stored.up_seconds
            ),
        })
    }
}

async fn stored_report(state: &AppState, view: &ReportView) -> ApiResult<ReportView> {
    Ok(sqlx::query_scalar::<_, JsonColumn<ReportView>>(&format!(
        "SELECT {REPORT_JSON} FROM uptime_reports \
         WHERE lease = $1 AND period_from = $2 AND period_to = $3 AND attestor = $4"
    ))
    .bind(view.lease.to_string())
    .bind(view.from)
    .bind(view.to)
    .bind(view.attestor.to_string())
    .fetch_one(&state.primary)
    .await?
    .0)
}

/// A stored report as [`ReportView`]'s JSON.
const REPORT_JSON: &str =
    "json_build_object('lease', lease, 'from', period_from, 'to', period_to, \
     'up_seconds', up_seconds::text, 'attestor', attestor, 'signature', signature)";

/// A lease's stored reports, by period then attestor, from `from` on, at
/// most `limit`.
#[utoipa::path(get, path = "/v1/leases/{pubkey}/reports",
    params(AccountPath, LeaseReportsQuery),
    responses((status = 200, body = Vec<ReportView>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    KeyPath(key): KeyPath,
    StrictQuery(query): StrictQuery<LeaseReportsQuery>,
) -> ApiResult<Json<Vec<ReportView>>> {
    let rows = sqlx::query_scalar::<_, JsonColumn<ReportView>>(&format!(
        "SELECT {REPORT_JSON} FROM uptime_reports WHERE lease = $1 AND period_from >= $2 \
         ORDER BY period_from, attestor LIMIT $3"
    ))
    .bind(key.to_string())
    .bind(query.from.unwrap_or(i64::MIN))
    .bind(i64::from(Limit::or_default(query.limit)))
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(rows.into_iter().map(|r| r.0).collect()))
}
