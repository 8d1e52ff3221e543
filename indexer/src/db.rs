//! PostgreSQL: migrations, slot-guarded upserts, closing vanished accounts.
//!
//! A row is an account's [`Indexed`](compute_escrow_client::api::Indexed)
//! fields in the program crate's serde spelling (as its JSON has them): their
//! names are the columns, so no column is listed here; the migrations define the columns and
//! `tests/columns.rs` checks they are exactly the JSON's keys. A batch is
//! copied (`COPY ... FROM STDIN`) into the writing connection's staging
//! tables, temporary twins of the tables emptied at every commit, and
//! upserted from there.

use std::collections::HashMap;
use std::time::Duration;

use solana_sdk::pubkey::Pubkey;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Executor;

use crate::copy::CopyText;
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

/// The staging table of `kind` on a [`Writer`]'s connections.
fn staging(kind: AccountKind) -> String {
    format!("staging_{}", kind.table())
}

/// Copies rows into `kind`'s staging table, setting `columns`.
fn copy_sql(kind: AccountKind, columns: &[String]) -> String {
    format!("COPY {} ({}) FROM STDIN", staging(kind), columns.join(", "))
}

/// The connections batches are written on: each has a staging table per
/// account kind (temporary, so private to it, and emptied at every commit)
/// that rows are copied into before they are upserted.
#[derive(Clone)]
pub struct Writer {
    pool: PgPool,
}

impl Writer {
    /// Up to `connections` connections (at least one) to `database`'s
    /// database, opened when first needed.
    pub fn new(database: &PgPool, connections: usize) -> Writer {
        let pool = pool_options()
            .max_connections(connections.max(1) as u32)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    for kind in AccountKind::ALL {
                        conn.execute(
                            format!(
                                "CREATE TEMPORARY TABLE {} (LIKE {}) ON COMMIT DELETE ROWS",
                                staging(kind),
                                kind.table()
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy_with((*database.connect_options()).clone());
        Writer { pool }
    }
}

/// Upsert of the staged rows into `kind`'s table, setting every column the
/// rows have; a row read at a newer slot, or closed at a newer slot, is
/// never replaced by an older read, and a row whose content a newer read
/// finds unchanged is not rewritten (its `slot` stays that of the read that
/// changed it).
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
        "INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} \
         ON CONFLICT ({key}) DO UPDATE SET ({columns}) = ROW({excluded}) \
         WHERE {table}.slot <= EXCLUDED.slot AND ({table}.closed_slot IS NULL OR {table}.closed_slot < EXCLUDED.slot) \
         AND ROW({current}) IS DISTINCT FROM ROW({incoming})",
        staging = staging(kind),
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

/// `rows` as COPY text, and the columns they set.
fn copy_text(rows: &[&AccountUpdate]) -> Result<CopyText, sqlx::Error> {
    let mut copy = CopyText::default();
    for update in rows {
        update
            .account
            .push_row(update.pubkey, update.slot, &mut copy)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    }
    Ok(copy)
}

/// One shard of a batch turned into its statements and their parameters
/// (the CPU part of a write). A batch is split by account address into
/// shards that are written concurrently, each in its own transaction on its
/// own connection: one PostgreSQL backend keeps one core busy, so shards use
/// the database's other cores. Every read of one address lands in the same
/// shard of every batch, so shards never touch the same row and a reused
/// lease address is closed within its shard.
#[derive(Default)]
pub struct Shard {
    tables: Vec<PreparedTable>,
}

/// One table's write: its rows as COPY text and the statement copying them
/// into the staging table, the upsert from there, and for leases the
/// (address, start, slot) of each, which close older leases.
struct PreparedTable {
    copy: String,
    rows: Vec<u8>,
    upsert: String,
    leases: Option<(Vec<String>, Vec<i64>, Vec<i64>)>,
}

/// Prepares `updates` as `shards` shards (at least one; some may be empty):
/// the newest read of each row, per table.
pub fn prepare_batch(updates: &[AccountUpdate], shards: usize) -> Result<Vec<Shard>, sqlx::Error> {
    let count = shards.max(1);
    let mut shards: Vec<Shard> = (0..count).map(|_| Shard::default()).collect();
    for kind in AccountKind::ALL {
        let mut split: Vec<Vec<&AccountUpdate>> = vec![Vec::new(); count];
        for update in newest(updates, kind) {
            split[usize::from(update.pubkey.as_ref()[0]) % count].push(update);
        }
        for (rows, shard) in split.iter().zip(shards.iter_mut()) {
            if !rows.is_empty() {
                shard.tables.push(prepare_table(kind, rows)?);
            }
        }
    }
    Ok(shards)
}

/// One table's statements for `rows` (all of `kind`, at least one).
fn prepare_table(kind: AccountKind, rows: &[&AccountUpdate]) -> Result<PreparedTable, sqlx::Error> {
    let rows_text = copy_text(rows)?;
    let copy = copy_sql(kind, rows_text.columns());
    let upsert = upsert_sql(kind, rows_text.columns());
    let leases = (kind == AccountKind::Lease).then(|| {
        let mut keys = Vec::with_capacity(rows.len());
        let mut starts = Vec::with_capacity(rows.len());
        let mut slots = Vec::with_capacity(rows.len());
        for update in rows {
            if let ProgramAccount::Lease(lease) = &update.account {
                keys.push(update.pubkey.to_string());
                starts.push(lease.start_ts);
                slots.push(update.slot as i64);
            }
        }
        (keys, starts, slots)
    });
    Ok(PreparedTable {
        copy,
        upsert,
        rows: rows_text.into_text(),
        leases,
    })
}

impl Shard {
    /// Whether the shard has no rows.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Writes the shard in one transaction on one of `writer`'s connections;
    /// a row read at a newer slot is kept. Returns how many rows changed.
    pub async fn write(&self, writer: &Writer) -> Result<u64, sqlx::Error> {
        let mut tx = writer.pool.begin().await?;
        let mut changed = 0;
        for table in &self.tables {
            let mut copy = tx.copy_in_raw(&table.copy).await?;
            copy.send(table.rows.as_slice()).await?;
            copy.finish().await?;
            changed += sqlx::query(&table.upsert)
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

/// Writes `updates` in one transaction on a connection of its own; a row
/// read at a newer slot is kept. Returns how many rows changed.
pub async fn write_batch(pool: &PgPool, updates: &[AccountUpdate]) -> Result<u64, sqlx::Error> {
    let writer = Writer::new(pool, 1);
    let mut changed = 0;
    for shard in prepare_batch(updates, 1)? {
        changed += shard.write(&writer).await?;
    }
    writer.pool.close().await;
    Ok(changed)
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
