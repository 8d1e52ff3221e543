//! PostgreSQL: migrations, slot-guarded upserts, closing vanished accounts.
//!
//! A row is an account's [`Indexed`](compute_escrow_client::api::Indexed)
//! JSON (the program crate's serde spelling) written with
//! `json_populate_recordset`: PostgreSQL maps each key to the column of the
//! same name, so no column is listed here; the migrations define the columns
//! and `tests/columns.rs` checks they are exactly the JSON's keys.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::decode::{AccountKind, AccountUpdate, ProgramAccount};

/// How long a query waits for a connection before it fails: with the
/// database down, requests fail (503) within this rather than hang.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects and applies the embedded migrations.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    let pool = pool_options().connect(url).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// A pool that connects on first use and fails fast while the database is
/// down, never touching the schema: for reading a database another process
/// migrates (a streaming replica, which is read-only).
pub fn connect_lazy(url: &str) -> Result<PgPool, sqlx::Error> {
    pool_options().connect_lazy(url)
}

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// Upsert of a JSON array of rows (text) into `kind`'s table, setting every
/// column the rows have; a row read at a newer slot, or closed at a newer
/// slot, is never replaced by an older read, and a row whose content a newer
/// read finds unchanged is not rewritten (its `slot` stays that of the read
/// that changed it).
fn upsert_sql(kind: AccountKind, columns: &[String]) -> String {
    let table = kind.table();
    let list = |prefix: &str, skip_slot: bool| -> String {
        columns
            .iter()
            .filter(|c| !(skip_slot && *c == "slot"))
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json) \
         ON CONFLICT ({key}) DO UPDATE SET ({columns}) = ROW({excluded}) \
         WHERE {table}.slot <= EXCLUDED.slot AND ({table}.closed_slot IS NULL OR {table}.closed_slot < EXCLUDED.slot) \
         AND ROW({current}) IS DISTINCT FROM ROW({incoming})",
        key = kind.key(),
        columns = list("", false),
        excluded = list("EXCLUDED.", false),
        current = list(&format!("{table}."), true),
        incoming = list("EXCLUDED.", true),
    )
}

/// A newer lease at the same address proves every older one there was
/// settled (its account closed): marks them closed at the newer one's slot.
/// Driven by the batch's leases (addresses, starts, slots): one probe of the
/// key index each, touching no row unless an older lease is there (joining
/// the table with itself read both rows of every lease in the batch, and
/// 1M leases wrote at a third of the speed). Reads of one address arrive in
/// slot order (the writer drops older ones), so the newer lease is always
/// the one written last.
const CLOSE_OLDER_LEASES: &str = "UPDATE leases o SET closed_slot = n.slot \
    FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS n(pubkey, start_ts, slot) \
    WHERE o.pubkey = n.pubkey AND o.start_ts < n.start_ts AND o.closed_slot IS NULL";

/// The newest read of each row in `updates` of `kind` (the later one of two
/// reads at one slot).
fn newest(updates: &[AccountUpdate], kind: AccountKind) -> Vec<&AccountUpdate> {
    let mut newest: HashMap<(Pubkey, i64), &AccountUpdate> = HashMap::new();
    for update in updates.iter().filter(|u| u.account.kind() == kind) {
        let start = match &update.account {
            ProgramAccount::Lease(l) => l.start_ts,
            _ => 0,
        };
        let key = (update.pubkey, start);
        if newest.get(&key).is_none_or(|seen| seen.slot <= update.slot) {
            newest.insert(key, update);
        }
    }
    newest.into_values().collect()
}

/// `rows` as one JSON array (text), and the columns they set (the keys of
/// a row: every row of a kind has the same).
fn rows_json(rows: &[&AccountUpdate]) -> Result<(String, Vec<String>), sqlx::Error> {
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let mut out = Vec::with_capacity(rows.len() * 768);
    out.push(b'[');
    for (i, update) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        update
            .account
            .write_row(update.pubkey, update.slot, &mut out)
            .map_err(encode)?;
    }
    out.push(b']');
    let columns = match rows.first() {
        Some(first) => match first
            .account
            .row(first.pubkey, first.slot)
            .map_err(encode)?
        {
            Value::Object(fields) => fields.keys().cloned().collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    let text = String::from_utf8(out).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok((text, columns))
}

/// A batch turned into its statements and their parameters (the CPU part of
/// a write), so the writer can prepare one batch while the database writes
/// the one before.
pub struct PreparedBatch {
    tables: Vec<PreparedTable>,
}

/// One table's upsert: the statement, its rows as JSON text, and for leases
/// the (address, start, slot) of each, which close older leases.
struct PreparedTable {
    sql: String,
    rows: String,
    leases: Option<(Vec<String>, Vec<i64>, Vec<i64>)>,
}

/// Prepares `updates` for [`PreparedBatch::write`]: the newest read of each
/// row, per table.
pub fn prepare_batch(updates: &[AccountUpdate]) -> Result<PreparedBatch, sqlx::Error> {
    let mut tables = Vec::new();
    for kind in AccountKind::ALL {
        let rows = newest(updates, kind);
        if rows.is_empty() {
            continue;
        }
        let (json, columns) = rows_json(&rows)?;
        let leases = (kind == AccountKind::Lease).then(|| {
            let mut keys = Vec::with_capacity(rows.len());
            let mut starts = Vec::with_capacity(rows.len());
            let mut slots = Vec::with_capacity(rows.len());
            for update in &rows {
                if let ProgramAccount::Lease(lease) = &update.account {
                    keys.push(update.pubkey.to_string());
                    starts.push(lease.start_ts);
                    slots.push(update.slot as i64);
                }
            }
            (keys, starts, slots)
        });
        tables.push(PreparedTable {
            sql: upsert_sql(kind, &columns),
            rows: json,
            leases,
        });
    }
    Ok(PreparedBatch { tables })
}

impl PreparedBatch {
    /// Writes the batch in one transaction; a row read at a newer slot is
    /// kept. Returns how many rows changed.
    pub async fn write(&self, pool: &PgPool) -> Result<u64, sqlx::Error> {
        let mut tx = pool.begin().await?;
        let mut changed = 0;
        for table in &self.tables {
            changed += sqlx::query(&table.sql)
                .bind(&table.rows)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if let Some((keys, starts, slots)) = &table.leases {
                sqlx::query(CLOSE_OLDER_LEASES)
                    .bind(keys)
                    .bind(starts)
                    .bind(slots)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }
}

/// Writes `updates` in one transaction; a row read at a newer slot is kept.
/// Returns how many rows changed.
pub async fn write_batch(pool: &PgPool, updates: &[AccountUpdate]) -> Result<u64, sqlx::Error> {
    prepare_batch(updates)?.write(pool).await
}

/// Marks closed, at `slot`, every open row of `kind` read before `slot` whose
/// account is not in `present` (a snapshot taken at `slot`). Returns how many.
///
/// An anti-join against the snapshot's addresses: linear in the table and
/// the snapshot (`NOT (pubkey = ANY(..))` compares every row with every
/// address once the plan is generic).
///
/// A closed lease keeps its last state here: it becomes `settled` only with
/// its final totals, when the history stores its `LeaseSettled` event.
pub async fn mark_closed(
    pool: &PgPool,
    kind: AccountKind,
    present: &[String],
    slot: u64,
) -> Result<u64, sqlx::Error> {
    let table = kind.table();
    let sql = format!(
        "UPDATE {table} t SET closed_slot = $1 WHERE closed_slot IS NULL AND slot < $1 \
         AND NOT EXISTS (SELECT FROM unnest($2::text[]) AS p(pubkey) WHERE p.pubkey = t.pubkey)"
    );
    let done = sqlx::query(&sql)
        .bind(slot as i64)
        .bind(present)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
