//! Event history: the program's `emit_cpi!` events, read from its transactions.
//!
//! `getSignaturesForAddress` is paged backwards from the newest signature to
//! the stored cursor; transactions are then read oldest first and each one's
//! events are stored together with the advanced cursor, in one database
//! transaction. Rows are keyed by (signature, instruction, inner instruction),
//! so a restart resumes where it stopped and a re-run inserts nothing twice.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use compute_escrow::events::{EventKind, LeaseSettled, ProgramEvent};
use compute_escrow::state::{Lease, LeaseState};
use compute_escrow_client::api::{account_fields, Mirrored};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiInstruction, UiTransactionEncoding,
};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::metrics;

/// Signatures fetched per `getSignaturesForAddress` page.
const PAGE: usize = 1_000;

/// One decoded event and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub instruction_index: i32,
    pub inner_index: i32,
    pub event: ProgramEvent,
}

impl StoredEvent {
    /// The event's fields as stored and served (the program's serde spelling).
    fn data(&self) -> Result<Value, sqlx::Error> {
        let mut tagged =
            serde_json::to_value(&self.event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        Ok(tagged["data"].take())
    }
}

/// The account an event names in its `field` (`lease` or `listing`), if any.
fn named(data: &Value, field: &str) -> Option<String> {
    data.get(field).and_then(Value::as_str).map(String::from)
}

/// The program's events in one fetched transaction.
pub fn events_in(tx: &EncodedConfirmedTransactionWithStatusMeta) -> Vec<StoredEvent> {
    let Some(decoded) = tx.transaction.transaction.decode() else {
        return Vec::new();
    };
    let keys = decoded.message.static_account_keys();
    let Some(meta) = &tx.transaction.meta else {
        return Vec::new();
    };
    let OptionSerializer::Some(inner) = &meta.inner_instructions else {
        return Vec::new();
    };
    let tag = anchor_lang::event::EVENT_IX_TAG_LE;
    let mut out = Vec::new();
    for group in inner {
        for (position, instruction) in group.instructions.iter().enumerate() {
            let UiInstruction::Compiled(ix) = instruction else {
                continue;
            };
            if keys.get(usize::from(ix.program_id_index)) != Some(&compute_escrow::ID) {
                continue;
            }
            let Ok(data) = bs58::decode(&ix.data).into_vec() else {
                continue;
            };
            let Some(payload) = data.strip_prefix(tag) else {
                continue;
            };
            if let Some(event) = ProgramEvent::decode(payload) {
                out.push(StoredEvent {
                    instruction_index: i32::from(group.index),
                    inner_index: position as i32,
                    event,
                });
            }
        }
    }
    out
}

/// Stores the events of every program transaction newer than the cursor.
/// Returns how many transactions were read.
pub async fn backfill(rpc: &RpcClient, pool: &PgPool) -> Result<usize, String> {
    let cursor: Option<String> = sqlx::query_scalar("SELECT newest_signature FROM history_cursor")
        .fetch_optional(pool)
        .await
        .map_err(|e| e.to_string())?;
    let until = cursor
        .as_deref()
        .map(Signature::from_str)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut newest_first = Vec::new();
    let mut before = None;
    loop {
        let config = GetConfirmedSignaturesForAddress2Config {
            before,
            until,
            limit: Some(PAGE),
            commitment: Some(CommitmentConfig::confirmed()),
        };
        let page = rpc
            .get_signatures_for_address_with_config(&compute_escrow::ID, config)
            .await
            .map_err(|e| format!("getSignaturesForAddress: {e}"))?;
        let full = page.len() == PAGE;
        before = page
            .last()
            .and_then(|s| Signature::from_str(&s.signature).ok());
        newest_first.extend(page);
        if !full {
            break;
        }
    }
    let count = newest_first.len();
    for status in newest_first.into_iter().rev() {
        let events = if status.err.is_some() {
            Vec::new()
        } else {
            let signature = Signature::from_str(&status.signature).map_err(|e| e.to_string())?;
            let config = RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                max_supported_transaction_version: Some(0),
            };
            let tx = rpc
                .get_transaction_with_config(&signature, config)
                .await
                .map_err(|e| format!("getTransaction {signature}: {e}"))?;
            events_in(&tx)
        };
        store(
            pool,
            &status.signature,
            status.slot,
            status.block_time,
            &events,
        )
        .await
        .map_err(|e| e.to_string())?;
        metrics::count(metrics::EVENTS_WRITTEN, events.len() as u64);
    }
    Ok(count)
}

/// Stores one transaction's events and moves the cursor to it, in one
/// database transaction; a `LeaseSettled` event also records the lease's
/// final totals.
pub async fn store(
    pool: &PgPool,
    signature: &str,
    slot: u64,
    block_time: Option<i64>,
    events: &[StoredEvent],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for e in events {
        let data = e.data()?;
        let lease = named(&data, "lease");
        // The lease an event belongs to: a LeaseOpened names its start; any
        // other event belongs to the newest LeaseOpened stored before it
        // (history is stored oldest first, so that is the lease then at
        // this address).
        let opened_at = match &e.event {
            ProgramEvent::LeaseOpened(opened) => Some(opened.start_ts),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO events (signature, instruction_index, inner_index, slot, block_time, kind, lease, listing, data, lease_start_ts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, \
             (SELECT o.lease_start_ts FROM events o WHERE o.lease = $7 AND o.kind = $11 ORDER BY o.seq DESC LIMIT 1))) \
             ON CONFLICT DO NOTHING",
        )
        .bind(signature)
        .bind(e.instruction_index)
        .bind(e.inner_index)
        .bind(slot as i64)
        .bind(block_time)
        .bind(e.event.kind().as_str())
        .bind(&lease)
        .bind(named(&data, "listing"))
        .bind(&data)
        .bind(opened_at)
        .bind(EventKind::LeaseOpened.as_str())
        .execute(&mut *tx)
        .await?;
        if let ProgramEvent::LeaseSettled(settled) = &e.event {
            record_settlement(&mut tx, settled, &data, slot).await?;
        }
    }
    sqlx::query(
        "INSERT INTO history_cursor (id, newest_signature, newest_slot) VALUES (TRUE, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET newest_signature = EXCLUDED.newest_signature, newest_slot = EXCLUDED.newest_slot",
    )
    .bind(signature)
    .bind(slot as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A settled lease's account is gone, so its row keeps the last snapshot
/// taken before the settle; the `LeaseSettled` event carries the final
/// totals. Patches the lease with them (every event field named like a lease
/// field, its state `settled` and its close reason) on the lease the event
/// belongs to (not a newer one at the same address), and records the close
/// at `slot` so no older snapshot overwrites them.
async fn record_settlement(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    settled: &LeaseSettled,
    data: &Value,
    slot: u64,
) -> Result<(), sqlx::Error> {
    let lease_fields = account_fields(Lease::NAME);
    let mut patch: serde_json::Map<String, Value> = data
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, _)| lease_fields.contains(field))
        .map(|(field, value)| (field.clone(), value.clone()))
        .collect();
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    patch.insert(
        "state".into(),
        serde_json::to_value(LeaseState::Settled).map_err(encode)?,
    );
    patch.insert(
        "close_reason".into(),
        serde_json::to_value(settled.reason).map_err(encode)?,
    );
    let columns: Vec<&str> = patch.keys().map(String::as_str).collect();
    let sql = format!(
        "UPDATE leases l SET ({columns}) = (SELECT {columns} FROM jsonb_populate_record(l, $2)), \
         closed_slot = GREATEST(COALESCE(closed_slot, $3), $3) \
         WHERE pubkey = $1 AND slot <= $3 AND start_ts = COALESCE( \
           (SELECT o.lease_start_ts FROM events o WHERE o.lease = $1 AND o.kind = $4 ORDER BY o.seq DESC LIMIT 1), \
           (SELECT max(start_ts) FROM leases WHERE pubkey = $1))",
        columns = columns.join(", ")
    );
    sqlx::query(&sql)
        .bind(settled.lease.to_string())
        .bind(Value::Object(patch))
        .bind(slot as i64)
        .bind(EventKind::LeaseOpened.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Backfills, then polls every `every` until shutdown.
pub async fn follow(
    rpc: Arc<RpcClient>,
    pool: PgPool,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = backfill(&rpc, &pool).await {
            tracing::warn!(error = %e, "history backfill failed; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
