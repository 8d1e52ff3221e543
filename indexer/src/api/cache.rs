//! A micro-cache for hot collection queries: the JSON body of a query's
//! answer is kept for a fraction of a second (`--cache-millis`), so a burst
//! of identical requests costs one database query per interval instead of
//! one each, and every response is at most that old. Bounded in entries;
//! a zero lifetime turns it off.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Distinct queries held at most; when full, expired ones are dropped, and
/// if none has expired, all of them.
const MAX_ENTRIES: usize = 4_096;

/// Response bodies by request, each kept for `lifetime`.
pub struct ResponseCache {
    lifetime: Duration,
    entries: Mutex<HashMap<String, (Instant, Bytes)>>,
}

impl ResponseCache {
    /// A cache keeping each body for `lifetime` (zero: keeps nothing).
    pub fn new(lifetime: Duration) -> Self {
        ResponseCache {
            lifetime,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The body stored under `key` if it is younger than the lifetime.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let entries = self.entries.lock().expect("cache lock");
        let (stored, body) = entries.get(key)?;
        (stored.elapsed() < self.lifetime).then(|| body.clone())
    }

    /// Stores `body` under `key` (nothing when the lifetime is zero).
    pub fn put(&self, key: String, body: Bytes) {
        if self.lifetime.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.retain(|_, (stored, _)| stored.elapsed() < self.lifetime);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), body));
    }

    /// `key`'s answer as a JSON response: the stored body, or `answer`'s
    /// value, serialised and stored.
    pub async fn json<T: Serialize, E>(
        &self,
        key: String,
        answer: impl Future<Output = Result<T, E>>,
    ) -> Result<Response, E> {
        if let Some(body) = self.get(&key) {
            return Ok(json_response(body));
        }
        let value = answer.await?;
        Ok(match serde_json::to_vec(&value) {
            Ok(bytes) => {
                let body = Bytes::from(bytes);
                self.put(key, body.clone());
                json_response(body)
            }
            // Left to axum, which answers a value it cannot serialise with a 500.
            Err(_) => Json(value).into_response(),
        })
    }
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_expire_and_a_zero_lifetime_keeps_nothing() {
        let cache = ResponseCache::new(Duration::from_secs(60));
        cache.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(cache.get("a"), Some(Bytes::from_static(b"1")));
        assert_eq!(cache.get("b"), None);

        let brief = ResponseCache::new(Duration::from_millis(1));
        brief.put("a".into(), Bytes::from_static(b"1"));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(brief.get("a"), None, "expired");

        let off = ResponseCache::new(Duration::ZERO);
        off.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(off.get("a"), None);
    }

    #[test]
    fn entries_stay_bounded() {
        let cache = ResponseCache::new(Duration::from_secs(60));
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(i.to_string(), Bytes::new());
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(cache.get(&(MAX_ENTRIES + 9).to_string()).is_some());
    }
}
