//! PostgreSQL: migrations, slot-guarded upserts, closing vanished accounts.

use std::sync::LazyLock;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::decode::{
    close_reason, lease_state, listing_state, AccountKind, AccountUpdate, ProgramAccount,
};

/// Connects and applies the embedded migrations.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// The condition every upsert carries: a row read at a newer slot, or closed
/// at a newer slot, is never replaced by an older read.
const NEWER_ONLY: &str = "WHERE {t}.slot <= EXCLUDED.slot AND ({t}.closed_slot IS NULL OR {t}.closed_slot < EXCLUDED.slot)";

/// Upsert of one row into `table`, identified by the `key` columns.
fn upsert_sql(table: &str, key: &str, columns: &[&str], numeric: &[&str]) -> String {
    let mut values = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let cast = if numeric.contains(c) { "::numeric" } else { "" };
        values.push(format!("${}{cast}", i + 1));
    }
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}, closed_slot) VALUES ({}, NULL) ON CONFLICT ({key}) DO UPDATE SET {}, closed_slot = NULL {}",
        columns.join(", "),
        values.join(", "),
        updates.join(", "),
        NEWER_ONLY.replace("{t}", table)
    )
}

const CONFIG_COLUMNS: [&str; 8] = [
    "pubkey",
    "admin",
    "pending_admin",
    "treasury",
    "fee_bps",
    "paused",
    "settle_grace_seconds",
    "slot",
];
const PROVIDER_COLUMNS: [&str; 11] = [
    "pubkey",
    "authority",
    "payout_wallet",
    "listing_count",
    "leases_settled",
    "seconds_attested",
    "seconds_missed",
    "lamports_earned",
    "registered_at",
    "metadata_uri",
    "slot",
];
const PROVIDER_NUMERIC: [&str; 5] = [
    "listing_count",
    "leases_settled",
    "seconds_attested",
    "seconds_missed",
    "lamports_earned",
];
const LISTING_COLUMNS: [&str; 19] = [
    "pubkey",
    "state",
    "provider",
    "listing_id",
    "price_lamports_per_hour",
    "min_hours",
    "max_hours",
    "attestor",
    "gpu_count",
    "vram_gb",
    "capacity",
    "active_leases",
    "leases_opened",
    "created_at",
    "updated_at",
    "gpu_model",
    "region",
    "health_check",
    "slot",
];
const LISTING_NUMERIC: [&str; 3] = ["listing_id", "price_lamports_per_hour", "leases_opened"];
const LEASE_COLUMNS: [&str; 24] = [
    "pubkey",
    "state",
    "close_reason",
    "renter",
    "provider",
    "listing",
    "attestor",
    "lease_id",
    "price_lamports_per_hour",
    "fee_bps",
    "settle_grace_seconds",
    "hours",
    "start_ts",
    "end_ts",
    "cancelled_at",
    "deposited",
    "attested_until",
    "attested_seconds",
    "down_seconds",
    "paid_out",
    "fee_paid",
    "refunded",
    "health_check",
    "slot",
];
const LEASE_NUMERIC: [&str; 8] = [
    "lease_id",
    "price_lamports_per_hour",
    "deposited",
    "attested_seconds",
    "down_seconds",
    "paid_out",
    "fee_paid",
    "refunded",
];

static CONFIG_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert_sql("config", "pubkey", &CONFIG_COLUMNS, &[]));
static PROVIDER_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert_sql("providers", "pubkey", &PROVIDER_COLUMNS, &PROVIDER_NUMERIC));
static LISTING_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert_sql("listings", "pubkey", &LISTING_COLUMNS, &LISTING_NUMERIC));
static LEASE_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert_sql("leases", "pubkey, start_ts", &LEASE_COLUMNS, &LEASE_NUMERIC));

/// A newer lease at the same address proves every older one there was
/// settled (its account closed): marks them closed at the newer one's slot.
const CLOSE_OLDER_LEASES: &str = "UPDATE leases o SET closed_slot = n.slot FROM leases n \
    WHERE o.pubkey = $1 AND n.pubkey = $1 AND n.start_ts > o.start_ts AND o.closed_slot IS NULL";

async fn upsert(
    tx: &mut Transaction<'_, Postgres>,
    update: &AccountUpdate,
) -> Result<(), sqlx::Error> {
    let key = update.pubkey.to_string();
    let slot = update.slot as i64;
    match &update.account {
        ProgramAccount::Config(c) => {
            sqlx::query(&CONFIG_UPSERT)
                .bind(key)
                .bind(c.admin.to_string())
                .bind(c.pending_admin.to_string())
                .bind(c.treasury.to_string())
                .bind(i32::from(c.fee_bps))
                .bind(c.paused)
                .bind(i64::from(c.settle_grace_seconds))
                .bind(slot)
                .execute(&mut **tx)
                .await?;
        }
        ProgramAccount::Provider(p) => {
            sqlx::query(&PROVIDER_UPSERT)
                .bind(key)
                .bind(p.authority.to_string())
                .bind(p.payout_wallet.to_string())
                .bind(p.listing_count.to_string())
                .bind(p.leases_settled.to_string())
                .bind(p.seconds_attested.to_string())
                .bind(p.seconds_missed.to_string())
                .bind(p.lamports_earned.to_string())
                .bind(p.registered_at)
                .bind(p.metadata_uri.clone())
                .bind(slot)
                .execute(&mut **tx)
                .await?;
        }
        ProgramAccount::Listing(l) => {
            sqlx::query(&LISTING_UPSERT)
                .bind(&key)
                .bind(listing_state(l.state))
                .bind(l.provider.to_string())
                .bind(l.listing_id.to_string())
                .bind(l.price_lamports_per_hour.to_string())
                .bind(i64::from(l.min_hours))
                .bind(i64::from(l.max_hours))
                .bind(l.attestor.to_string())
                .bind(i32::from(l.gpu_count))
                .bind(i32::from(l.vram_gb))
                .bind(i32::from(l.capacity))
                .bind(i32::from(l.active_leases))
                .bind(l.leases_opened.to_string())
                .bind(l.created_at)
                .bind(l.updated_at)
                .bind(l.gpu_model.clone())
                .bind(l.region.clone())
                .bind(l.health_check.clone())
                .bind(slot)
                .execute(&mut **tx)
                .await?;
        }
        ProgramAccount::Lease(l) => {
            sqlx::query(&LEASE_UPSERT)
                .bind(&key)
                .bind(lease_state(l.state))
                .bind(close_reason(l.close_reason))
                .bind(l.renter.to_string())
                .bind(l.provider.to_string())
                .bind(l.listing.to_string())
                .bind(l.attestor.to_string())
                .bind(l.lease_id.to_string())
                .bind(l.price_lamports_per_hour.to_string())
                .bind(i32::from(l.fee_bps))
                .bind(i64::from(l.settle_grace_seconds))
                .bind(i64::from(l.hours))
                .bind(l.start_ts)
                .bind(l.end_ts)
                .bind(l.cancelled_at)
                .bind(l.deposited.to_string())
                .bind(l.attested_until)
                .bind(l.attested_seconds.to_string())
                .bind(l.down_seconds.to_string())
                .bind(l.paid_out.to_string())
                .bind(l.fee_paid.to_string())
                .bind(l.refunded.to_string())
                .bind(l.health_check.clone())
                .bind(slot)
                .execute(&mut **tx)
                .await?;
            sqlx::query(CLOSE_OLDER_LEASES)
                .bind(&key)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Writes `updates` in one transaction; a row read at a newer slot is kept.
pub async fn write_batch(pool: &PgPool, updates: &[AccountUpdate]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for update in updates {
        upsert(&mut tx, update).await?;
    }
    tx.commit().await
}

/// Marks closed, at `slot`, every open row of `kind` read before `slot` whose
/// account is not in `present` (a snapshot taken at `slot`). Returns how many.
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
        "UPDATE {table} SET closed_slot = $1 WHERE closed_slot IS NULL AND slot < $1 AND NOT (pubkey = ANY($2))"
    );
    let done = sqlx::query(&sql)
        .bind(slot as i64)
        .bind(present)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
