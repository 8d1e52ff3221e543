//! Extractors that refuse bad input with an [`ApiError`] naming the parameter.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use solana_sdk::pubkey::Pubkey;

use super::error::ApiError;

/// A query string parsed into `T` (one of the SDK's query types): an unknown
/// parameter, a repeated one or a bad value is a 400 naming it.
pub struct StrictQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for StrictQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let pairs = form_urlencoded::parse(query.as_bytes());
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        serde_path_to_error::deserialize(deserializer)
            .map(StrictQuery)
            .map_err(|e| {
                let message = e.inner().to_string();
                let path = e.path().to_string();
                let parameter = if path.is_empty() || path == "." {
                    message.split('`').nth(1).unwrap_or("query").to_string()
                } else {
                    path
                };
                ApiError::bad(parameter, message)
            })
    }
}

/// The `{pubkey}` path segment as a public key; anything else (including
/// bytes that are not UTF-8) is a 400 naming `pubkey`.
pub struct KeyPath(pub Pubkey);

impl<S: Send + Sync> FromRequestParts<S> for KeyPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let bad = || ApiError::bad("pubkey", "not a base58 public key of 32 bytes");
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad())?;
        Pubkey::from_str(&text).map(KeyPath).map_err(|_| bad())
    }
}
