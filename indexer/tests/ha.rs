//! High availability against a real `solana-test-validator` and real
//! PostgreSQL clusters: several indexers on one database (one leader by
//! advisory lock, a standby taking over when it is SIGKILLed), the API alone
//! on a streaming replica made by `pg_basebackup`, PostgreSQL restarted
//! under a running indexer, and the RPC node unreachable for a while. Each
//! ends with the database equal to the chain.

mod common;

use std::time::{Duration, Instant};

use common::{market_with_listing, serve, serve_from};
use compute_escrow::instructions::ListingUpdate;
use compute_escrow::state::{Config, Lease, Listing, Provider};
use compute_escrow_client::api::{Health, Indexed, IndexerRole, ListingView, Reachability};
use compute_escrow_indexer::decode::ProgramAccount;
use compute_escrow_tests::chain::ChainMarket;
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use compute_escrow_tests::proxy::Proxy;
use serde::de::DeserializeOwned;
use solana_sdk::pubkey::Pubkey;
use sqlx::types::Json;
use sqlx::PgPool;

/// Ingest settings that make the tests quick: reconcile every 2 s, poll the
/// history every second.
const QUICK: [&str; 4] = ["--reconcile-seconds", "2", "--history-poll-seconds", "1"];

async fn get<T: DeserializeOwned>(base: &str, path: &str) -> Option<(u16, T)> {
    let response = reqwest::get(format!("{base}{path}")).await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.ok()?))
}

/// Waits until `base`'s `/health` satisfies `ready`; returns it.
async fn health_until(base: &str, what: &str, ready: impl Fn(u16, &Health) -> bool) -> Health {
    let ready = &ready;
    poll(
        what,
        Duration::from_secs(90),
        Duration::from_millis(200),
        || async move {
            get::<Health>(base, "/health")
                .await
                .filter(|(status, h)| ready(*status, h))
                .map(|(_, h)| h)
        },
    )
    .await
}

/// Sets the listing's price (a change for the indexer to pick up).
async fn set_price(m: &ChainMarket, listing: &Pubkey, price: u64) {
    let update = ListingUpdate {
        price_lamports_per_hour: Some(price),
        ..Default::default()
    };
    m.update_listing(listing, update).await;
}

/// Waits until `base` serves `listing` at `price`.
async fn serves_price(base: &str, listing: &Pubkey, price: u64) {
    poll(
        &format!("{base} to serve price {price}"),
        Duration::from_secs(90),
        Duration::from_millis(200),
        || async move {
            get::<ListingView>(base, &format!("/v1/listings/{listing}"))
                .await
                .filter(|(status, l)| *status == 200 && l.account.price_lamports_per_hour == price)
        },
    )
    .await;
}

/// The row of `pubkey` in `table` (a lease's newest), if open.
async fn row<T: DeserializeOwned + Send + Unpin + 'static>(
    pool: &PgPool,
    table: &str,
    pubkey: &Pubkey,
) -> Option<T> {
    sqlx::query_scalar::<_, Json<Indexed<T>>>(&format!(
        "SELECT row_to_json(t) FROM {table} t WHERE pubkey = $1 AND closed_slot IS NULL \
         ORDER BY {order} DESC LIMIT 1",
        order = if table == "leases" {
            "start_ts"
        } else {
            "slot"
        },
    ))
    .bind(pubkey.to_string())
    .fetch_optional(pool)
    .await
    .ok()
    .flatten()
    .map(|row| row.0.account)
}

/// What differs between the program's accounts on chain and the open rows
/// in the database (`None` when they are equal).
async fn difference(m: &ChainMarket, pool: &PgPool) -> Option<String> {
    let accounts = m
        .chain
        .v
        .rpc
        .get_program_accounts(&compute_escrow::ID)
        .await
        .ok()?;
    for (pubkey, account) in &accounts {
        let same = match ProgramAccount::decode(&account.data)? {
            ProgramAccount::Config(c) => row::<Config>(pool, "config", pubkey).await == Some(c),
            ProgramAccount::Provider(p) => {
                row::<Provider>(pool, "providers", pubkey).await == Some(p)
            }
            ProgramAccount::Listing(l) => {
                row::<Listing>(pool, "listings", pubkey).await == Some(*l)
            }
            ProgramAccount::Lease(l) => row::<Lease>(pool, "leases", pubkey).await == Some(*l),
        };
        if !same {
            return Some(format!("{pubkey} differs"));
        }
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM config WHERE closed_slot IS NULL) \
         + (SELECT COUNT(*) FROM providers WHERE closed_slot IS NULL) \
         + (SELECT COUNT(*) FROM listings WHERE closed_slot IS NULL) \
         + (SELECT COUNT(*) FROM leases WHERE closed_slot IS NULL)",
    )
    .fetch_one(pool)
    .await
    .ok()?;
    (open as usize != accounts.len())
        .then(|| format!("{open} open rows for {} accounts", accounts.len()))
}

/// Waits until the database equals the chain.
async fn equals_the_chain(m: &ChainMarket, database: &str) {
    let pool = PgPool::connect(database).await.expect("connect");
    let pool = &pool;
    poll(
        "the database to equal the chain",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || async move { difference(m, pool).await.is_none().then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_a_standby_takes_over_when_the_leader_is_killed() {
    let (m, listing) = market_with_listing(1_000_000, None).await;
    let pg = TestPostgres::start();
    let database = pg.database("ha");
    let (leader, first) = serve(&m, &database, &QUICK).await;
    health_until(&first, "the first indexer to lead", |_, h| {
        h.role == IndexerRole::Leader
    })
    .await;
    let (_standby, second) = serve(&m, &database, &QUICK).await;
    health_until(&second, "the second indexer to wait", |_, h| {
        h.role == IndexerRole::Standby
    })
    .await;
    // Both serve the API; the standby reads what the leader wrote.
    set_price(&m, &listing, 1_000_001).await;
    serves_price(&second, &listing, 1_000_001).await;

    drop(leader); // SIGKILL: no graceful shutdown, its session just ends.
    let killed = Instant::now();
    set_price(&m, &listing, 1_000_002).await;
    health_until(&second, "the standby to take over", |_, h| {
        h.role == IndexerRole::Leader
    })
    .await;
    println!("took over {:?} after the SIGKILL", killed.elapsed());
    serves_price(&second, &listing, 1_000_002).await;
    equals_the_chain(&m, &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_the_api_serves_a_streaming_replica() {
    let (m, listing) = market_with_listing(2_000_000, None).await;
    let primary = TestPostgres::start();
    let database = primary.database("market");
    let (_leader, _) = serve(&m, &database, &QUICK).await;
    let replica = primary.replica();
    // The API alone, reading only the replica (a read-only database).
    let (_api, api) = serve(
        &m,
        &replica.url_of("market"),
        &["--no-ingest", "--reconcile-seconds", "2"],
    )
    .await;
    set_price(&m, &listing, 2_000_001).await;
    serves_price(&api, &listing, 2_000_001).await;
    let health = health_until(&api, "replica health", |status, h| {
        status == 200 && h.indexed_slot > 0 && h.replica_lag_seconds.is_some()
    })
    .await;
    assert_eq!(health.role, IndexerRole::ServeOnly);
    println!(
        "replica: lag {:?} s, {} slots behind the chain, leader heartbeat {:?} s ago",
        health.replica_lag_seconds, health.lag_slots, health.leader_heartbeat_age_seconds
    );
    equals_the_chain(&m, &replica.url_of("market")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_postgres_restarted_under_the_indexer_loses_nothing() {
    let (m, listing) = market_with_listing(3_000_000, None).await;
    let pg = TestPostgres::start();
    let database = pg.database("restart");
    let (_indexer, base) = serve(&m, &database, &QUICK).await;
    health_until(&base, "the indexer to lead", |_, h| {
        h.role == IndexerRole::Leader
    })
    .await;

    pg.stop();
    // The outage is reported at once, and the API fails fast with 503.
    health_until(&base, "health to report the outage", |status, h| {
        status == 503 && h.database == Reachability::Unreachable
    })
    .await;
    let (status, _) = get::<serde_json::Value>(&base, "/v1/listings")
        .await
        .expect("the API answers while the database is down");
    assert_eq!(status, 503, "a request during the outage");
    set_price(&m, &listing, 3_000_001).await;

    pg.start_server();
    health_until(&base, "health after the restart", |status, _| status == 200).await;
    serves_price(&base, &listing, 3_000_001).await;
    equals_the_chain(&m, &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_an_rpc_outage_is_ridden_out() {
    let (m, listing) = market_with_listing(4_000_000, None).await;
    let pg = TestPostgres::start();
    let database = pg.database("rpc");
    let upstream = |url: &str| {
        url.split("//")
            .nth(1)
            .expect("a URL")
            .parse()
            .expect("host:port")
    };
    let rpc = Proxy::start(upstream(&m.chain.v.rpc_url)).await;
    let ws = Proxy::start(upstream(&m.chain.v.ws_url)).await;
    let (_indexer, base) = serve_from(
        &rpc.http_url(),
        &format!("ws://{}", ws.addr),
        &database,
        &QUICK,
    )
    .await;
    serves_price(&base, &listing, 4_000_000).await;

    rpc.start_outage();
    ws.start_outage();
    set_price(&m, &listing, 4_000_001).await;
    let during = health_until(&base, "health to report the RPC down", |status, h| {
        status == 200 && h.rpc == Reachability::Unreachable
    })
    .await;
    assert_eq!(during.database, Reachability::Ok);
    rpc.end_outage();
    ws.end_outage();
    serves_price(&base, &listing, 4_000_001).await;
    equals_the_chain(&m, &database).await;
}
