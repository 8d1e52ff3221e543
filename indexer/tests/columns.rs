//! The migrations' columns, the writer's rows and the API's response fields
//! are one list: each mirrored table has exactly the JSON fields of
//! `Indexed<Account>` (the program's serde spelling), the OpenAPI schema of
//! each view documents exactly those, and a row written at the extremes of
//! every field reads back equal. A field added to an account without its
//! migration (or the reverse) fails here.

use std::collections::BTreeSet;

use compute_escrow::state::{Config, Lease, Listing, Provider};
use compute_escrow_client::api::{Indexed, Mirrored};
use compute_escrow_indexer::api::ApiDoc;
use compute_escrow_indexer::db;
use compute_escrow_indexer::decode::{AccountUpdate, ProgramAccount};
use compute_escrow_tests::pg::TestPostgres;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use sqlx::types::Json;
use sqlx::PgPool;
use utoipa::OpenApi;

/// An account with every u64 at `u64::MAX`, every key unique and every
/// string non-empty, quoted and holding what COPY's text format gives a
/// meaning (tab, newline, backslash, `\N`): what a lossy column or writer
/// would break.
fn extreme<T: Serialize + DeserializeOwned + Default>() -> T {
    let mut json = serde_json::to_value(T::default()).unwrap();
    for value in json.as_object_mut().unwrap().values_mut() {
        *value = match &*value {
            Value::String(s) if *s == Pubkey::default().to_string() => {
                Value::String(Pubkey::new_unique().to_string())
            }
            Value::String(s) if s == "0" => Value::String(u64::MAX.to_string()),
            Value::String(s) if s.is_empty() => Value::String("é\"'\\\t\n\r\\N ✓".into()),
            other => other.clone(),
        };
    }
    serde_json::from_value(json).unwrap()
}

async fn table_columns(pool: &PgPool, table: &str) -> BTreeSet<String> {
    sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

fn json_keys<T: Serialize>(value: &T) -> BTreeSet<String> {
    serde_json::to_value(value)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn schema_properties(name: &str) -> BTreeSet<String> {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let schema = &doc["components"]["schemas"][name];
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} is documented: {schema}"))
        .keys()
        .cloned()
        .collect()
}

async fn agrees<T>(pool: &PgPool, account: T, wrap: fn(T) -> ProgramAccount)
where
    T: Mirrored
        + Serialize
        + DeserializeOwned
        + Clone
        + PartialEq
        + std::fmt::Debug
        + Send
        + Unpin
        + 'static,
{
    let pubkey = Pubkey::new_unique();
    let indexed = Indexed {
        pubkey,
        account: account.clone(),
        slot: i64::MAX as u64,
        closed_slot: None,
    };
    let columns = table_columns(pool, T::TABLE).await;
    assert_eq!(
        columns,
        json_keys(&indexed),
        "{}: the migrations' columns are the writer's row fields",
        T::TABLE
    );
    assert_eq!(
        columns,
        schema_properties(&format!("{}View", T::NAME)),
        "{}: the documented response fields are the columns",
        T::TABLE
    );
    db::write_batch(
        pool,
        &[AccountUpdate {
            pubkey,
            slot: indexed.slot,
            account: wrap(account),
        }],
    )
    .await
    .unwrap();
    let read: Json<Indexed<T>> = sqlx::query_scalar(&format!(
        "SELECT row_to_json(t) FROM {} t WHERE pubkey = $1",
        T::TABLE
    ))
    .bind(pubkey.to_string())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(read.0, indexed, "{}: a row reads back as written", T::TABLE);
}

#[tokio::test]
async fn migrations_writer_and_responses_have_the_same_fields() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("columns")).await.unwrap();
    agrees(&pool, extreme::<Config>(), ProgramAccount::Config).await;
    agrees(&pool, extreme::<Provider>(), ProgramAccount::Provider).await;
    agrees(&pool, extreme::<Listing>(), |l| {
        ProgramAccount::Listing(Box::new(l))
    })
    .await;
    agrees(&pool, extreme::<Lease>(), |l| {
        ProgramAccount::Lease(Box::new(l))
    })
    .await;

    // A history entry is the events row's columns the API selects, and its
    // documented fields.
    let history_columns: BTreeSet<String> = [
        "signature",
        "instruction_index",
        "slot",
        "block_time",
        "kind",
        "data",
    ]
    .map(String::from)
    .into();
    let events = table_columns(&pool, "events").await;
    assert!(history_columns.is_subset(&events), "{events:?}");
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    for variant in doc["components"]["schemas"]["HistoryEvent"]["oneOf"]
        .as_array()
        .unwrap()
    {
        let documented: BTreeSet<String> = variant["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(documented, history_columns);
    }
}
