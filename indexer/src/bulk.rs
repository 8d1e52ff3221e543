//! A first snapshot into empty tables loads without the secondary indexes:
//! they are dropped before it and built after it is written, one sort per
//! index instead of an insert into every index for every row (1M accounts
//! load and index about 1.4x as fast, `scripts/bench-indexer.sh`).
//!
//! Crash-safe: the definitions are recorded in `deferred_indexes` in the
//! transaction that drops the indexes, and each index is built in the
//! transaction that deletes its record. A leader that dies mid-load leaves
//! them recorded; every leader builds whatever is recorded once its first
//! snapshot is written. Primary keys stay (the upserts need them), and
//! meanwhile the API answers from the tables without the indexes (slower,
//! never wrong).

use futures::{StreamExt, TryStreamExt};
use sqlx::PgPool;

use crate::decode::AccountKind;
use crate::metrics;

/// The account tables' indexes that no constraint needs and no write
/// reads: their name (schema-qualified, quoted as needed) and definition.
const SECONDARY_INDEXES: &str =
    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
    FROM pg_index i \
    WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisunique AND NOT i.indisprimary \
    AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
    ORDER BY 1";

fn account_tables() -> Vec<&'static str> {
    AccountKind::ALL.iter().map(|kind| kind.table()).collect()
}

/// Before a leader's first snapshot: if every account table is empty, drops
/// their secondary indexes and records them. Returns how many indexes are
/// deferred now (those of an earlier leader's unfinished load included).
pub async fn defer_if_empty(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // One leader at a time decides (two may overlap for a moment).
    sqlx::query("LOCK TABLE deferred_indexes IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deferred_indexes")
        .fetch_one(&mut *tx)
        .await?;
    let mut empty = true;
    for table in account_tables() {
        let any: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT FROM {table})"))
            .fetch_one(&mut *tx)
            .await?;
        empty &= !any;
    }
    if recorded == 0 && empty {
        let indexes: Vec<(String, String)> = sqlx::query_as(SECONDARY_INDEXES)
            .bind(account_tables())
            .fetch_all(&mut *tx)
            .await?;
        for (name, definition) in &indexes {
            sqlx::query("INSERT INTO deferred_indexes (name, definition) VALUES ($1, $2)")
                .bind(name)
                .bind(definition)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        metrics::set(metrics::DEFERRED_INDEXES, indexes.len() as u64);
        return Ok(indexes.len());
    }
    tx.commit().await?;
    metrics::set(metrics::DEFERRED_INDEXES, recorded as u64);
    Ok(recorded as usize)
}

/// How many indexes are deferred.
pub async fn deferred(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deferred_indexes")
        .fetch_one(pool)
        .await?;
    Ok(recorded as usize)
}

/// Builds every deferred index, `connections` at a time (at least one),
/// each in the transaction that deletes its record. Returns how many this
/// call built.
pub async fn build_deferred(pool: &PgPool, connections: usize) -> Result<usize, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM deferred_indexes ORDER BY name")
        .fetch_all(pool)
        .await?;
    let built: Vec<bool> = futures::stream::iter(names)
        .map(|name| build_one(pool, name))
        .buffer_unordered(connections.max(1))
        .try_collect()
        .await?;
    metrics::set(metrics::DEFERRED_INDEXES, deferred(pool).await? as u64);
    Ok(built.into_iter().filter(|built| *built).count())
}

/// Builds the deferred index `name` unless another leader just did.
async fn build_one(pool: &PgPool, name: String) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Waits for another leader building it, then finds its record gone.
    let definition: Option<String> =
        sqlx::query_scalar("SELECT definition FROM deferred_indexes WHERE name = $1 FOR UPDATE")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(definition) = definition else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    sqlx::query(&definition).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM deferred_indexes WHERE name = $1")
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(index = %name, elapsed = ?started.elapsed(), "deferred index built");
    Ok(true)
}
