//! Every way a request fails, mapped to one JSON body in one place.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use compute_escrow_client::api::{ErrorBody, ErrorKind};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query or path parameter is malformed, out of range or unknown.
    #[error("invalid `{parameter}`: {message}")]
    BadParameter { parameter: String, message: String },
    /// No such resource.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The request conflicts with what is stored.
    #[error("{message}")]
    Conflict { message: String },
    /// The database failed.
    #[error("database unavailable")]
    Database(#[from] sqlx::Error),
}

impl ApiError {
    /// A bad `parameter`.
    pub fn bad(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

fn body(
    status: StatusCode,
    error: ErrorKind,
    parameter: Option<String>,
    message: String,
) -> Response {
    (
        status,
        Json(ErrorBody {
            error,
            parameter,
            message,
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::BadParameter { parameter, message } => body(
                StatusCode::BAD_REQUEST,
                ErrorKind::BadParameter,
                Some(parameter.clone()),
                format!("invalid `{parameter}`: {message}"),
            ),
            Self::NotFound { what } => body(
                StatusCode::NOT_FOUND,
                ErrorKind::NotFound,
                None,
                format!("{what} not found"),
            ),
            Self::Conflict { message } => {
                body(StatusCode::CONFLICT, ErrorKind::Conflict, None, message)
            }
            Self::Database(sqlx::Error::Database(e)) if e.code().as_deref() == Some("25006") => {
                tracing::warn!(error = %e, "write refused by a read-only database");
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorKind::Unavailable,
                    None,
                    "this API reads a read-only database (a replica): send writes to an API on the primary".into(),
                )
            }
            Self::Database(e) => {
                tracing::error!(error = %e, "database error");
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorKind::Unavailable,
                    None,
                    "the database is unavailable; retry later".into(),
                )
            }
        }
    }
}

/// Gives every error response the [`ErrorBody`] shape, including those the
/// framework makes itself (405 with its `Allow` header, 408 timeouts, path
/// and other rejections), keeping their status and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, original) = response.into_parts();
    let text = to_bytes(original, 64 * 1024)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    let kind = match status {
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorKind::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ErrorKind::Timeout,
        StatusCode::SERVICE_UNAVAILABLE => ErrorKind::Unavailable,
        _ => ErrorKind::BadRequest,
    };
    let json = serde_json::to_vec(&ErrorBody {
        error: kind,
        parameter: None,
        message: text,
    })
    .unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}
