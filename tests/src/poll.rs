//! Waiting for what a test cannot be told about: poll until it holds.

use std::future::Future;
use std::time::{Duration, Instant};

/// Calls `probe` every `every` until it returns `Some`, and returns that
/// value; panics naming `what` once `within` has passed.
pub async fn poll<T, F, Fut>(what: &str, within: Duration, every: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(every).await;
    }
}
