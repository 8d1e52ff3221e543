//! Opaque keyset cursors: a tag (the order they belong to), the sort key and
//! the address of the last item served, in URL-safe base64.

use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use solana_sdk::pubkey::Pubkey;

use super::error::{ApiError, ApiResult};

/// The cursor after an item with sort `key` and address `pubkey`.
pub fn encode(tag: &str, key: &str, pubkey: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}|{key}|{pubkey}"))
}

fn bad() -> ApiError {
    ApiError::bad("cursor", "not a cursor from a previous page of this query")
}

/// The `(key, address)` of a cursor made by [`encode`] with `tag`, the key
/// parsed as `K`.
pub fn decode<K: FromStr>(raw: Option<&str>, tag: &str) -> ApiResult<Option<(K, String)>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.splitn(3, '|');
    let (Some(t), Some(key), Some(pubkey)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if t != tag || Pubkey::from_str(pubkey).is_err() {
        return Err(bad());
    }
    let key = key.parse().map_err(|_| bad())?;
    Ok(Some((key, pubkey.to_string())))
}
