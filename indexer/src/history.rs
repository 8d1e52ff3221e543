//! Event history: the program's `emit_cpi!` events, read from its transactions.
//!
//! `getSignaturesForAddress` is paged backwards from the newest signature to
//! the stored cursor; transactions are then read oldest first and each one's
//! events are stored together with the advanced cursor, in one database
//! transaction. Rows are keyed by (signature, instruction, inner instruction),
//! so a restart resumes where it stopped and a re-run inserts nothing twice.

use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::{AnchorDeserialize, Discriminator};
use compute_escrow::events::*;
use compute_escrow::state::{CloseReason, ListingState};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiInstruction, UiTransactionEncoding,
};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::decode::{close_reason, listing_state};
use crate::metrics::Metrics;

/// Signatures fetched per `getSignaturesForAddress` page.
const PAGE: usize = 1_000;

/// One decoded event and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub instruction_index: i32,
    pub inner_index: i32,
    pub kind: &'static str,
    pub lease: Option<String>,
    pub listing: Option<String>,
    pub data: Value,
}

trait ToJson {
    fn to_json(&self) -> Value;
}
impl ToJson for Pubkey {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl ToJson for u64 {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
impl ToJson for ListingState {
    fn to_json(&self) -> Value {
        Value::String(listing_state(*self).into())
    }
}
impl ToJson for CloseReason {
    fn to_json(&self) -> Value {
        Value::String(close_reason(*self).into())
    }
}
macro_rules! plain_json {
    ($($t:ty),*) => { $(impl ToJson for $t { fn to_json(&self) -> Value { json!(self) } })* };
}
plain_json!(i64, u32, u16, bool);
impl ToJson for [u8; 32] {
    /// Hex, as hashes are usually shown.
    fn to_json(&self) -> Value {
        Value::String(self.iter().map(|b| format!("{b:02x}")).collect())
    }
}

macro_rules! decode_events {
    ($payload:expr, $( $ty:ident { lease: $lease:expr, listing: $listing:expr, fields: [$($f:ident),*] } ),* $(,)?) => {{
        let payload: &[u8] = $payload;
        let (disc, mut body) = payload.split_at(8.min(payload.len()));
        $(
            if disc == $ty::DISCRIMINATOR {
                return $ty::deserialize(&mut body).ok().map(|e| {
                    let lease: Option<Pubkey> = $lease(&e);
                    let listing: Option<Pubkey> = $listing(&e);
                    (stringify!($ty), lease.map(|k| k.to_string()), listing.map(|k| k.to_string()),
                     json!({ $(stringify!($f): e.$f.to_json()),* }))
                });
            }
        )*
        None
    }};
}

/// Decodes one event payload (after the event-CPI tag).
pub fn decode_event(
    payload: &[u8],
) -> Option<(&'static str, Option<String>, Option<String>, Value)> {
    fn none<T>(_: &T) -> Option<Pubkey> {
        None
    }
    decode_events!(
        payload,
        ConfigInitialized {
            lease: none,
            listing: none,
            fields: [admin, treasury, fee_bps, settle_grace_seconds]
        },
        ConfigUpdated {
            lease: none,
            listing: none,
            fields: [
                admin,
                pending_admin,
                treasury,
                fee_bps,
                paused,
                settle_grace_seconds
            ]
        },
        ProviderRegistered {
            lease: none,
            listing: none,
            fields: [provider, authority, payout_wallet, metadata_uri]
        },
        ProviderUpdated {
            lease: none,
            listing: none,
            fields: [provider, payout_wallet, metadata_uri]
        },
        ListingCreated {
            lease: none,
            listing: |e: &ListingCreated| Some(e.listing),
            fields: [
                listing,
                provider,
                listing_id,
                price_lamports_per_hour,
                attestor
            ]
        },
        ListingUpdated {
            lease: none,
            listing: |e: &ListingUpdated| Some(e.listing),
            fields: [
                listing,
                price_lamports_per_hour,
                min_hours,
                max_hours,
                attestor,
                capacity
            ]
        },
        ListingStateChanged {
            lease: none,
            listing: |e: &ListingStateChanged| Some(e.listing),
            fields: [listing, state]
        },
        LeaseOpened {
            lease: |e: &LeaseOpened| Some(e.lease),
            listing: |e: &LeaseOpened| Some(e.listing),
            fields: [
                lease,
                listing,
                renter,
                attestor,
                lease_id,
                price_lamports_per_hour,
                terms_hash,
                hours,
                deposited,
                start_ts,
                end_ts
            ]
        },
        LeaseExtended {
            lease: |e: &LeaseExtended| Some(e.lease),
            listing: none,
            fields: [lease, hours_added, lamports_added, end_ts]
        },
        UptimeAttested {
            lease: |e: &UptimeAttested| Some(e.lease),
            listing: none,
            fields: [lease, attestor, from, to, up_seconds]
        },
        PayoutClaimed {
            lease: |e: &PayoutClaimed| Some(e.lease),
            listing: none,
            fields: [lease, payout_wallet, provider_lamports, fee_lamports]
        },
        LeaseCancelled {
            lease: |e: &LeaseCancelled| Some(e.lease),
            listing: none,
            fields: [lease, cancelled_at, refund_lamports]
        },
        LeaseSettled {
            lease: |e: &LeaseSettled| Some(e.lease),
            listing: none,
            fields: [
                lease,
                reason,
                provider_lamports,
                fee_lamports,
                refund_lamports,
                forfeited_lamports,
                rent_returned,
                attested_seconds,
                paid_out,
                fee_paid,
                refunded
            ]
        },
    )
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
            if let Some((kind, lease, listing, value)) = decode_event(payload) {
                out.push(StoredEvent {
                    instruction_index: i32::from(group.index),
                    inner_index: position as i32,
                    kind,
                    lease,
                    listing,
                    data: value,
                });
            }
        }
    }
    out
}

/// Stores the events of every program transaction newer than the cursor.
/// Returns how many transactions were read.
pub async fn backfill(rpc: &RpcClient, pool: &PgPool, metrics: &Metrics) -> Result<usize, String> {
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
        metrics
            .events_written
            .fetch_add(events.len() as u64, Ordering::Relaxed);
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
        // The lease an event belongs to: a LeaseOpened names its start; any
        // other event belongs to the newest LeaseOpened stored before it
        // (history is stored oldest first, so that is the lease then at
        // this address).
        sqlx::query(
            "INSERT INTO events (signature, instruction_index, inner_index, slot, block_time, kind, lease, listing, data, lease_start_ts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $6 = 'LeaseOpened' THEN ($9->>'start_ts')::bigint \
             ELSE (SELECT o.lease_start_ts FROM events o WHERE o.lease = $7 AND o.kind = 'LeaseOpened' ORDER BY o.seq DESC LIMIT 1) END) \
             ON CONFLICT DO NOTHING",
        )
        .bind(signature)
        .bind(e.instruction_index)
        .bind(e.inner_index)
        .bind(slot as i64)
        .bind(block_time)
        .bind(e.kind)
        .bind(&e.lease)
        .bind(&e.listing)
        .bind(&e.data)
        .execute(&mut *tx)
        .await?;
        if e.kind == "LeaseSettled" {
            record_settlement(&mut tx, e, slot).await?;
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
/// totals. Records them on the lease the event belongs to (not a newer one
/// at the same address), and the close at `slot` so no older snapshot
/// overwrites them.
async fn record_settlement(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    event: &StoredEvent,
    slot: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leases SET state = 'settled', close_reason = $2->>'reason', \
         attested_seconds = ($2->>'attested_seconds')::numeric, paid_out = ($2->>'paid_out')::numeric, \
         fee_paid = ($2->>'fee_paid')::numeric, refunded = ($2->>'refunded')::numeric, \
         closed_slot = GREATEST(COALESCE(closed_slot, $3), $3) \
         WHERE pubkey = $1 AND slot <= $3 AND start_ts = COALESCE( \
           (SELECT o.lease_start_ts FROM events o WHERE o.lease = $1 AND o.kind = 'LeaseOpened' ORDER BY o.seq DESC LIMIT 1), \
           (SELECT max(start_ts) FROM leases WHERE pubkey = $1))",
    )
    .bind(&event.lease)
    .bind(&event.data)
    .bind(slot as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Backfills, then polls every `every` until shutdown.
pub async fn follow(
    rpc: Arc<RpcClient>,
    pool: PgPool,
    metrics: Arc<Metrics>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = backfill(&rpc, &pool, &metrics).await {
            tracing::warn!(error = %e, "history backfill failed; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
