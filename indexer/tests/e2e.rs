//! The indexer against a real PostgreSQL (throw-away cluster) and a real
//! `solana-test-validator` running the program, with transactions sent
//! through the program; the indexer runs as its own process.

use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compute_escrow::events::{LeaseSettled, ProgramEvent};
use compute_escrow::instructions::{ListingTerms, ListingUpdate};
use compute_escrow::pda;
use compute_escrow::state::{CloseReason, Lease, LeaseState, Listing, ListingState};
use compute_escrow_indexer::decode::{AccountKind, AccountUpdate, ProgramAccount};
use compute_escrow_indexer::{bulk, db, history};
use compute_escrow_tests::chain::{free_ports, ChainMarket};
use compute_escrow_tests::pg::TestPostgres;
use compute_escrow_tests::poll::poll;
use compute_escrow_tests::proxy::Proxy;
use compute_escrow_tests::{default_terms, ix};
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// The indexer binary as a child process, killed on drop.
struct Indexer {
    child: Child,
    base: String,
}

impl Indexer {
    async fn start(database_url: &str, rpc_url: &str, ws_url: &str) -> Indexer {
        let port = free_ports(1);
        let child = Command::new(env!("CARGO_BIN_EXE_compute-escrow-indexer"))
            .args([
                "--database-url",
                database_url,
                "--rpc-url",
                rpc_url,
                "--ws-url",
                ws_url,
            ])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--reconcile-seconds", "2", "--history-poll-seconds", "1"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start indexer");
        let indexer = Indexer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_for("indexer health", || async {
            get(&indexer, "/health").await.0 == 200
        })
        .await;
        indexer
    }

    /// SIGTERM: stops the sources, finishes the batch in flight, exits 0.
    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "indexer did not stop within 15 s of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no graceful shutdown.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get(indexer: &Indexer, path: &str) -> (u16, Value) {
    match reqwest::get(format!("{}{path}", indexer.base)).await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    poll(
        what,
        Duration::from_secs(60),
        Duration::from_millis(200),
        || {
            let checked = check();
            async move { checked.await.then_some(()) }
        },
    )
    .await
}

/// The market the tests trade on (fee 2.5 %, the shortest settle grace).
async fn market() -> ChainMarket {
    ChainMarket::start(250, 600).await
}

/// The provider's listing action these tests use.
trait Listings {
    async fn list(&self, id: u64, model: &str, price: u64, region: &str, vram: u16) -> Pubkey;
}

impl Listings for ChainMarket {
    async fn list(&self, id: u64, model: &str, price: u64, region: &str, vram: u16) -> Pubkey {
        let terms = ListingTerms {
            gpu_model: model.into(),
            price_lamports_per_hour: price,
            region: region.into(),
            vram_gb: vram,
            ..default_terms(self.attestor.pubkey())
        };
        self.create_listing(id, terms).await
    }
}

/// A lamport amount, which the API serves as a decimal string.
fn lamports(value: &Value) -> Option<u64> {
    value.as_str()?.parse().ok()
}

/// The keys of every page of `path` (a query), following `next_cursor`.
async fn pages(indexer: &Indexer, path: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = get(indexer, &format!("{path}{cursor}")).await;
        assert_eq!(status, 200, "{path}{cursor}");
        seen.extend(keys(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return seen,
        }
    }
}

/// A page's (created_at, pubkey) pairs, in its order.
fn newest_order(page: &Value) -> Vec<(i64, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["created_at"].as_i64().unwrap(),
                i["pubkey"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn keys(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pubkey"].as_str().unwrap().to_string())
        .collect()
}

fn listing_at(price: u64, slot: u64, state: ListingState) -> AccountUpdate {
    let listing = Listing {
        state,
        provider: Pubkey::new_unique(),
        listing_id: 0,
        price_lamports_per_hour: price,
        min_hours: 1,
        max_hours: 2,
        attestors: compute_escrow_tests::one_attestor(Pubkey::new_unique()),
        gpu_count: 1,
        vram_gb: 80,
        capacity: 1,
        created_at: 1,
        updated_at: 1,
        bump: 255,
        gpu_model: "H100".into(),
        region: "eu".into(),
        ..Default::default()
    };
    AccountUpdate {
        pubkey: Pubkey::new_from_array([7; 32]),
        slot,
        account: ProgramAccount::Listing(Box::new(listing)),
    }
}

#[tokio::test]
async fn older_slots_never_overwrite_newer_rows_and_closed_rows_stay() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("slots")).await.unwrap();
    let price = |pool: sqlx::PgPool| async move {
        sqlx::query_as::<_, (String, Option<i64>)>(
            "SELECT price_lamports_per_hour::text, closed_slot FROM listings",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    db::write_batch(&pool, &[listing_at(u64::MAX, 10, ListingState::Active)])
        .await
        .unwrap();
    assert_eq!(
        price(pool.clone()).await.0,
        u64::MAX.to_string(),
        "u64::MAX is stored exactly"
    );
    db::write_batch(&pool, &[listing_at(5, 9, ListingState::Active)])
        .await
        .unwrap();
    assert_eq!(
        price(pool.clone()).await.0,
        u64::MAX.to_string(),
        "an older slot does not overwrite"
    );
    db::write_batch(
        &pool,
        &[
            listing_at(6, 10, ListingState::Active),
            listing_at(7, 11, ListingState::Paused),
        ],
    )
    .await
    .unwrap();
    assert_eq!(price(pool.clone()).await.0, "7");
    // Vanished from a snapshot at slot 20: marked closed, not deleted.
    assert_eq!(
        db::mark_closed(&pool, AccountKind::Listing, &[], 20)
            .await
            .unwrap(),
        1
    );
    assert_eq!(price(pool.clone()).await, ("7".into(), Some(20)));
    assert_eq!(
        db::mark_closed(&pool, AccountKind::Listing, &[], 21)
            .await
            .unwrap(),
        0,
        "closed once"
    );
    // A read from before the close does not revive it; a later one (the
    // address was reused) does.
    db::write_batch(&pool, &[listing_at(8, 19, ListingState::Active)])
        .await
        .unwrap();
    assert_eq!(price(pool.clone()).await, ("7".into(), Some(20)));
    db::write_batch(&pool, &[listing_at(9, 22, ListingState::Active)])
        .await
        .unwrap();
    assert_eq!(price(pool.clone()).await, ("9".into(), None));
    // A row read after the snapshot slot is not closed by it.
    assert_eq!(
        db::mark_closed(&pool, AccountKind::Listing, &[], 21)
            .await
            .unwrap(),
        0
    );
}

/// A cancelled lease's last snapshot: 1.2 SOL deposited, 0.1 paid, 0.9 refunded.
fn cancelled_lease_at(pubkey: Pubkey, slot: u64) -> AccountUpdate {
    let lease = Lease {
        state: LeaseState::Cancelled,
        close_reason: CloseReason::None,
        renter: Pubkey::new_unique(),
        provider: Pubkey::new_unique(),
        listing: Pubkey::new_unique(),
        attestors: compute_escrow_tests::one_attestor(Pubkey::new_unique()),
        lease_id: 1,
        price_lamports_per_hour: 1_200_000_000,
        fee_bps: 0,
        settle_grace_seconds: 0,
        hours: 1,
        start_ts: 0,
        end_ts: 600,
        cancelled_at: 600,
        deposited: 1_200_000_000,
        attested_until: 600,
        attested_seconds: 300,
        down_seconds: 300,
        paid_out: 100_000_000,
        refunded: 900_000_000,
        bump: 255,
        health_check: "tcp://10.0.0.7:22".into(),
        ..Default::default()
    };
    AccountUpdate {
        pubkey,
        slot,
        account: ProgramAccount::Lease(Box::new(lease)),
    }
}

#[tokio::test]
async fn a_newer_lease_at_an_address_closes_the_older_ones() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("generations")).await.unwrap();
    let rows = |pool: sqlx::PgPool| async move {
        let mut rows = sqlx::query_as::<_, (String, i64, Option<i64>)>(
            "SELECT pubkey, start_ts, closed_slot FROM leases",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows.sort();
        rows
    };
    let reused = Pubkey::new_unique();
    let other = Pubkey::new_unique();
    let started_at = |pubkey: Pubkey, start_ts: i64, slot: u64| {
        let mut update = cancelled_lease_at(pubkey, slot);
        if let ProgramAccount::Lease(lease) = &mut update.account {
            lease.start_ts = start_ts;
        }
        update
    };
    db::write_batch(
        &pool,
        &[started_at(reused, 0, 10), started_at(other, 0, 10)],
    )
    .await
    .unwrap();
    // A second generation in a later batch, a third with its own predecessor
    // in one batch: each older one is closed at its successor's slot.
    db::write_batch(&pool, &[started_at(reused, 100, 20)])
        .await
        .unwrap();
    db::write_batch(
        &pool,
        &[started_at(other, 50, 30), started_at(reused, 200, 31)],
    )
    .await
    .unwrap();
    let mut expected = vec![
        (reused.to_string(), 0, Some(20)),
        (reused.to_string(), 100, Some(31)),
        (reused.to_string(), 200, None),
        (other.to_string(), 0, Some(30)),
        (other.to_string(), 50, None),
    ];
    expected.sort();
    assert_eq!(rows(pool.clone()).await, expected);
}

/// The `LeaseSettled` event that settles `cancelled_lease_at`: the last
/// 0.1 SOL of attested time goes to the provider.
/// The indexer's writer with three lanes, fed two full batches in which
/// every address is read several times (newer reads, then stale re-reads,
/// and two leases at one address side by side): each row ends as its newest
/// read and each older lease at a reused address is closed, however the
/// lanes' transactions interleave.
#[tokio::test]
async fn the_sharded_writer_keeps_each_addresses_newest_read() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("lanes")).await.unwrap();
    let listings: Vec<Pubkey> = (0..600).map(|_| Pubkey::new_unique()).collect();
    let leases: Vec<Pubkey> = (0..60).map(|_| Pubkey::new_unique()).collect();
    let listing_read = |pubkey: Pubkey, slot: u64| {
        let mut update = listing_at(slot, slot, ListingState::Active);
        update.pubkey = pubkey;
        update
    };
    let lease_read = |pubkey: Pubkey, start_ts: i64, slot: u64| {
        let mut update = cancelled_lease_at(pubkey, slot);
        if let ProgramAccount::Lease(lease) = &mut update.account {
            lease.start_ts = start_ts;
        }
        update
    };
    let mut reads = Vec::new();
    for slot in [10, 11, 12] {
        reads.extend(listings.iter().map(|&k| listing_read(k, slot)));
    }
    reads.extend(
        leases
            .iter()
            .flat_map(|&k| [lease_read(k, 0, 10), lease_read(k, 100, 20)]),
    );
    // Stale re-reads of every listing: never written over the newer ones.
    reads.extend(listings.iter().map(|&k| listing_read(k, 5)));

    // Queued before the writer starts: it takes them in batches of
    // BATCH_SIZE, both leases of an address in the first.
    assert!(reads.len() > compute_escrow_indexer::ingest::BATCH_SIZE);
    let (queue, queued) = tokio::sync::mpsc::channel(reads.len());
    for read in reads {
        queue.send(read).await.unwrap();
    }
    let (flush, flushes) = compute_escrow_indexer::ingest::Flush::channel();
    let (_stop, stop) = tokio::sync::watch::channel(false);
    let progress = std::sync::Arc::new(compute_escrow_indexer::metrics::Metrics::default());
    let writer = tokio::spawn(compute_escrow_indexer::ingest::write_updates(
        pool.clone(),
        queued,
        flushes,
        3,
        progress.clone(),
        stop,
    ));
    // The channel stays open: a flush answers once every read queued
    // before it is written, not when the writer ends.
    assert!(flush.written().await, "every queued read written");

    let prices: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT pubkey, price_lamports_per_hour::text, slot FROM listings ORDER BY pubkey",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<(String, String, i64)> = listings
        .iter()
        .map(|k| (k.to_string(), "12".to_string(), 12))
        .collect();
    expected.sort();
    assert_eq!(prices, expected, "every listing at its newest read");
    let generations: Vec<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT pubkey, start_ts, closed_slot FROM leases ORDER BY 1, 2")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut expected: Vec<(String, i64, Option<i64>)> = leases
        .iter()
        .flat_map(|k| [(k.to_string(), 0, Some(20)), (k.to_string(), 100, None)])
        .collect();
    expected.sort();
    assert_eq!(
        generations, expected,
        "each older lease closed by its successor"
    );
    assert_eq!(progress.indexed_slot(), 20, "every batch accounted for");
    drop(queue);
    writer.await.unwrap();
    assert!(!flush.written().await, "a stopped writer answers no");
}

/// Every index in the database and its definition, by name.
async fn index_definitions(pool: &sqlx::PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A first snapshot into empty tables loads without the account tables'
/// secondary indexes and builds the same ones after; a leader that died
/// mid-load leaves them recorded for the next; populated tables keep theirs.
#[tokio::test]
async fn a_first_backfill_builds_the_secondary_indexes_after_loading() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("bulk")).await.unwrap();
    let migrated = index_definitions(&pool).await;
    let recorded = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT name, definition FROM deferred_indexes ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };

    assert_eq!(bulk::defer_if_empty(&pool).await.unwrap(), 11);
    let loading = index_definitions(&pool).await;
    let dropped: Vec<_> = migrated
        .iter()
        .filter(|index| !loading.contains(index))
        .cloned()
        .collect();
    assert_eq!(dropped, recorded().await, "every dropped index recorded");
    assert_eq!(dropped.len(), 11);
    for (name, _) in &loading {
        let account_table = ["config", "providers", "listings", "leases"]
            .iter()
            .any(|table| name.starts_with(table));
        assert!(
            !account_table || name.ends_with("_pkey"),
            "only the keys stay on account tables, not {name}"
        );
    }

    // The next leader after a crash mid-load: the same indexes stay deferred.
    assert_eq!(bulk::defer_if_empty(&pool).await.unwrap(), 11);
    assert_eq!(recorded().await, dropped, "the record is kept, not redone");

    db::write_batch(
        &pool,
        &[
            listing_at(1, 1, ListingState::Active),
            cancelled_lease_at(Pubkey::new_unique(), 2),
        ],
    )
    .await
    .unwrap();
    assert_eq!(bulk::build_deferred(&pool, 2).await.unwrap(), 11);
    assert_eq!(
        index_definitions(&pool).await,
        migrated,
        "the same indexes back"
    );
    assert!(recorded().await.is_empty());
    assert_eq!(bulk::build_deferred(&pool, 2).await.unwrap(), 0);

    // Tables with rows keep their indexes.
    assert_eq!(bulk::defer_if_empty(&pool).await.unwrap(), 0);
    assert_eq!(index_definitions(&pool).await, migrated);
}

fn settled_event(lease: Pubkey) -> history::StoredEvent {
    let event = LeaseSettled {
        lease,
        reason: CloseReason::Cancelled,
        provider_lamports: 100_000_000,
        fee_lamports: 0,
        refund_lamports: 0,
        forfeited_lamports: 0,
        rent_returned: 2_596_080,
        attested_seconds: 600,
        paid_out: 200_000_000,
        fee_paid: 0,
        refunded: 1_000_000_000,
    };
    history::StoredEvent {
        instruction_index: 0,
        inner_index: 0,
        event: ProgramEvent::decode(&anchor_lang::Event::data(&event)).expect("decodes"),
    }
}

#[tokio::test]
async fn a_closed_lease_is_settled_only_with_its_final_totals() {
    let pg = TestPostgres::start();
    let pool = db::connect(&pg.database("settle_order")).await.unwrap();
    let row = |pool: sqlx::PgPool, lease: Pubkey| async move {
        sqlx::query_as::<_, (String, String, String, String, Option<i64>)>(
            "SELECT state, close_reason, paid_out::text, refunded::text, closed_slot FROM leases WHERE pubkey = $1",
        )
        .bind(lease.to_string())
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let settled = |closed_slot| {
        (
            "settled".to_string(),
            "cancelled".to_string(),
            "200000000".to_string(),
            "1000000000".to_string(),
            Some(closed_slot),
        )
    };

    // Reconcile sees the account gone before the history has the event.
    let first = Pubkey::new_unique();
    db::write_batch(&pool, &[cancelled_lease_at(first, 10)])
        .await
        .unwrap();
    assert_eq!(
        db::mark_closed(&pool, AccountKind::Lease, &[], 20)
            .await
            .unwrap(),
        1
    );
    let closed = row(pool.clone(), first).await;
    assert_eq!(
        (closed.0.as_str(), closed.2.as_str(), closed.4),
        ("cancelled", "100000000", Some(20)),
        "closed, but not called settled without the settlement's totals"
    );
    history::store(&pool, "first", 21, None, &[settled_event(first)])
        .await
        .unwrap();
    assert_eq!(row(pool.clone(), first).await, settled(21));

    // The history stores the event before reconcile runs.
    let second = Pubkey::new_unique();
    db::write_batch(&pool, &[cancelled_lease_at(second, 10)])
        .await
        .unwrap();
    history::store(&pool, "second", 21, None, &[settled_event(second)])
        .await
        .unwrap();
    assert_eq!(row(pool.clone(), second).await, settled(21));
    assert_eq!(
        db::mark_closed(&pool, AccountKind::Lease, &[], 30)
            .await
            .unwrap(),
        0,
        "already closed by its settlement"
    );
    // A snapshot read before the settle does not undo it.
    db::write_batch(&pool, &[cancelled_lease_at(second, 15)])
        .await
        .unwrap();
    assert_eq!(row(pool.clone(), second).await, settled(21));
}

#[tokio::test]
async fn mirrors_a_market_and_serves_it() {
    let pg = TestPostgres::start();
    let database = pg.database("market");
    let m = market().await;
    // Prices of different lengths: sorting them as text would misorder them.
    let cheap = m.list(0, "A100", 900_000, "us-east", 40).await;
    let mid = m.list(1, "H100", 2_000_000, "eu-west", 80).await;
    let dear = m.list(2, "H100", 3_000_000, "eu-west", 80).await;
    // Paused: not rentable, so listed only when asked for.
    let asleep = m.list(3, "A100", 100, "us-east", 40).await;
    let pause = ix::pause_listing(&m.authority.pubkey(), &m.provider, &asleep, true);
    m.chain.send(&[pause], &[&m.authority]).await;
    let indexer = Indexer::start(&database, &m.chain.v.rpc_url, &m.chain.v.ws_url).await;

    // The snapshot arrives complete.
    wait_for("three listings", || async {
        keys(&get(&indexer, "/v1/listings").await.1).len() == 3
    })
    .await;
    let (_, all) = get(&indexer, "/v1/listings").await;
    assert_eq!(
        keys(&all),
        [cheap, mid, dear].map(|k| k.to_string()),
        "sorted by price"
    );
    let (_, newest) = get(&indexer, "/v1/listings?sort=newest").await;
    // Newest first: (created_at, pubkey) strictly descending (listings made in
    // the same second are ordered by pubkey).
    let order = newest_order(&newest);
    assert_eq!(order.len(), 3);
    assert!(order.windows(2).all(|w| w[0] > w[1]), "{order:?}");
    let (_, h100) = get(
        &indexer,
        "/v1/listings?gpu_model=H100&max_price_lamports_per_hour=2000000",
    )
    .await;
    assert_eq!(keys(&h100), [mid.to_string()]);
    let (_, eu) = get(
        &indexer,
        "/v1/listings?region=eu-west&min_vram_gb=80&state=active",
    )
    .await;
    assert_eq!(keys(&eu).len(), 2);
    let (_, paused) = get(&indexer, "/v1/listings?state=paused").await;
    assert_eq!(keys(&paused), [asleep.to_string()]);
    let (_, every) = get(&indexer, "/v1/listings?state=all").await;
    assert_eq!(
        keys(&every),
        [asleep, cheap, mid, dear].map(|k| k.to_string()),
        "every state when asked, sorted by price"
    );
    let (_, every_newest) = get(&indexer, "/v1/listings?state=all&sort=newest").await;
    let order = newest_order(&every_newest);
    assert_eq!(order.len(), 4);
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "every state merged newest first: {order:?}"
    );
    // Keyset pages of one, in both sorts, of one state and of every state
    // (merged from one index scan per state), cover the whole page's
    // listings exactly once, in its order.
    for states in ["", "&state=all"] {
        for sort in ["price", "newest"] {
            let (_, whole) = get(&indexer, &format!("/v1/listings?sort={sort}{states}")).await;
            let seen = pages(
                &indexer,
                &format!("/v1/listings?sort={sort}{states}&limit=1"),
            )
            .await;
            assert_eq!(seen, keys(&whole), "pages of {sort}{states}");
        }
    }
    // Reconcile rewrites rows (and their read `slot`) every 2 s: compare a
    // list and a detail read between two rewrites.
    wait_for("list and detail views carrying the same fields", || async {
        let (_, listed) = get(&indexer, "/v1/listings").await;
        let (_, one) = get(&indexer, &format!("/v1/listings/{mid}")).await;
        one == listed["items"][1]
    })
    .await;
    let (_, one) = get(&indexer, &format!("/v1/listings/{mid}")).await;
    assert_eq!(one["price_lamports_per_hour"], "2000000");

    // A lease through its whole life, seen live through the subscription.
    let renter = &m.renter;
    // Lease 9 of the renter on the cheap listing, at the terms in force.
    let open_lease_nine = || async {
        let open = ix::open_lease(&renter.pubkey(), &cheap, 9, 1, m.chain.quote(&cheap).await);
        m.chain.send(&[open], &[renter]).await;
    };
    open_lease_nine().await;
    let lease = pda::lease(&cheap, &renter.pubkey(), 9).0;
    wait_for("lease row", || async {
        get(&indexer, &format!("/v1/leases/{lease}")).await.0 == 200
    })
    .await;
    let start = get(&indexer, &format!("/v1/leases/{lease}")).await.1["start_ts"]
        .as_i64()
        .unwrap();
    m.chain.wait_until(start + 2).await;
    let attest = ix::attest_uptime(
        &m.attestor.pubkey(),
        &m.provider,
        &cheap,
        &lease,
        start,
        start + 2,
        2,
    );
    m.chain.send(&[attest], &[&m.attestor]).await;
    let claim = ix::claim_payout(
        &m.authority.pubkey(),
        &m.provider,
        &lease,
        &m.wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    m.chain.send(&[claim], &[&m.authority]).await;
    m.chain
        .send(
            &[ix::cancel_lease(&renter.pubkey(), &cheap, &lease)],
            &[renter],
        )
        .await;
    let (_, cancelled) = {
        wait_for("cancelled", || async {
            get(&indexer, &format!("/v1/leases/{lease}")).await.1["state"] == "cancelled"
        })
        .await;
        get(&indexer, &format!("/v1/leases/{lease}")).await
    };
    // The attestor covers the time up to the cancel, so the lease settles at once.
    let end = cancelled["end_ts"].as_i64().unwrap();
    let attested_rest = end > start + 2;
    if attested_rest {
        let rest = ix::attest_uptime(
            &m.attestor.pubkey(),
            &m.provider,
            &cheap,
            &lease,
            start + 2,
            end,
            0,
        );
        m.chain.send(&[rest], &[&m.attestor]).await;
    }
    let settle = ix::settle_lease(
        &m.provider,
        &cheap,
        &lease,
        &renter.pubkey(),
        &m.wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    m.chain.send(&[settle], &[]).await;
    // programSubscribe does not announce the close: reconcile or the history
    // finds it. Whichever comes first, a lease the API calls settled carries
    // the settlement's final totals.
    let adds_up = |l: &serde_json::Value| {
        let amount = |field: &str| l[field].as_str().unwrap().parse::<u64>().unwrap();
        amount("deposited") == amount("paid_out") + amount("fee_paid") + amount("refunded")
    };
    wait_for("settled, with the history", || async {
        let lease = get(&indexer, &format!("/v1/leases/{lease}")).await.1;
        assert!(
            lease["state"] != "settled" || adds_up(&lease),
            "settled before its final totals: {lease}"
        );
        lease["state"] == "settled"
            && lease["closed_slot"].is_i64()
            && lease["history"]
                .as_array()
                .is_some_and(|h| h.len() == 5 + usize::from(attested_rest))
    })
    .await;
    let (_, detail) = get(&indexer, &format!("/v1/leases/{lease}")).await;
    let kinds: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let mut expected = vec![
        "LeaseOpened",
        "UptimeAttested",
        "PayoutClaimed",
        "LeaseCancelled",
    ];
    if attested_rest {
        expected.push("UptimeAttested");
    }
    expected.push("LeaseSettled");
    assert_eq!(kinds, expected);
    assert_eq!(detail["history"][1]["data"]["up_seconds"], "2");
    // The row carries the settle's final totals, not the last snapshot.
    let amount = |field: &str| detail[field].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(detail["close_reason"], "cancelled");
    assert_eq!(
        amount("deposited"),
        amount("paid_out") + amount("fee_paid") + amount("refunded"),
        "{detail}"
    );
    assert_eq!(
        detail["history"][kinds.len() - 1]["data"]["refunded"],
        detail["refunded"].clone()
    );
    let (_, leases) = get(
        &indexer,
        &format!("/v1/leases?renter={}&state=settled", renter.pubkey()),
    )
    .await;
    assert_eq!(keys(&leases), [lease.to_string()]);
    let (_, other) = get(&indexer, &format!("/v1/leases?listing={mid}")).await;
    assert!(keys(&other).is_empty());

    // Provider track record: 2 s attested, the rest of the lease missed.
    wait_for("provider counters", || async {
        get(&indexer, &format!("/v1/providers/{}", m.authority.pubkey()))
            .await
            .1["leases_settled"]
            == "1"
    })
    .await;
    let (_, provider) = get(&indexer, &format!("/v1/providers/{}", m.provider)).await;
    assert_eq!(provider["seconds_attested"], "2");
    assert_eq!(provider["leases_by_state"]["settled"], 1);
    let missed: f64 = provider["seconds_missed"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        provider["uptime_ratio"].as_f64().unwrap(),
        2.0 / (2.0 + missed)
    );

    let (_, stats) = get(&indexer, "/v1/stats").await;
    let h100 = stats["gpu_models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gpu_model"] == "H100")
        .unwrap()
        .clone();
    assert_eq!(h100["active_listings"], 2);
    assert_eq!(h100["min_price_lamports_per_hour"], "2000000");
    let (status, health) = get(&indexer, "/health").await;
    assert_eq!((status, health["database"].as_str()), (200, Some("ok")));
    assert!(health["indexed_slot"].as_u64().unwrap() > 0);
    assert_eq!(health["role"], "leader");
    // Lag is how far the database's view is behind the chain, not the age of
    // the last write: on a quiet chain it falls to a few slots while the
    // last notification only grows older.
    wait_for("the view to catch up with a quiet chain", || async {
        let (_, health) = get(&indexer, "/health").await;
        health["lag_slots"].as_u64().is_some_and(|lag| lag <= 4)
            && health["last_notification_age_seconds"].is_number()
    })
    .await;
    let metrics = reqwest::get(format!("{}/metrics", indexer.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("indexer_accounts_written_total"),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_count"));

    let (status, doc) = get(&indexer, "/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/v1/listings",
        "/v1/listings/{pubkey}",
        "/v1/leases",
        "/v1/leases/{pubkey}",
        "/v1/providers/{pubkey}",
        "/v1/stats",
        "/health",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    assert!(
        doc["components"]["schemas"]["ListingView"]["properties"]["price_lamports_per_hour"]
            .is_object()
    );
    assert!(doc["paths"]["/v1/listings"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "cursor"));

    // Browser pages may call it.
    let cors = reqwest::Client::new()
        .get(format!("{}/v1/stats", indexer.base))
        .header("Origin", "https://wallet.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cors.headers()["access-control-allow-origin"], "*");

    // The renter opens a new lease at the settled lease's address (same
    // listing and lease id): a new lease, while the settled one keeps its
    // row, final totals and history.
    let settled_start = detail["start_ts"].as_i64().unwrap();
    open_lease_nine().await;
    wait_for(
        "the new lease at the old address, with its history",
        || async {
            let newest = get(&indexer, &format!("/v1/leases/{lease}")).await.1;
            newest["state"] == "active"
                && newest["history"].as_array().is_some_and(|h| !h.is_empty())
        },
    )
    .await;
    let (_, newest) = get(&indexer, &format!("/v1/leases/{lease}")).await;
    assert!(newest["start_ts"].as_i64().unwrap() > settled_start);
    let kinds_of = |d: &Value| -> Vec<String> {
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds_of(&newest), ["LeaseOpened"]);
    let (_, old) = get(
        &indexer,
        &format!("/v1/leases/{lease}?start_ts={settled_start}"),
    )
    .await;
    assert_eq!(old["state"], "settled");
    assert_eq!(old["refunded"], detail["refunded"]);
    assert_eq!(kinds_of(&old), kinds);
    let (_, both) = get(
        &indexer,
        &format!("/v1/leases?renter={}&limit=1", renter.pubkey()),
    )
    .await;
    let first_page = both["items"].as_array().unwrap().clone();
    let cursor = both["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, rest) = get(
        &indexer,
        &format!(
            "/v1/leases?renter={}&limit=1&cursor={cursor}",
            renter.pubkey()
        ),
    )
    .await;
    let states: Vec<&str> = first_page
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|l| {
            assert_eq!(l["pubkey"], lease.to_string());
            l["state"].as_str().unwrap()
        })
        .collect();
    assert_eq!(states, ["settled", "active"], "both leases, oldest first");

    // Garbage in: a 400 naming the parameter, never a 500.
    for (path, parameter) in [
        ("/v1/listings?limit=0", "limit"),
        ("/v1/listings?limit=501", "limit"),
        ("/v1/listings?limit=-5", "limit"),
        ("/v1/listings?limit=99999999999999999999", "limit"),
        ("/v1/listings?limit=ten", "limit"),
        ("/v1/listings?cursor=garbage!!", "cursor"),
        ("/v1/listings?cursor=cHJpY2V8MXxub3RhcHVia2V5", "cursor"),
        ("/v1/listings?sort=cheapest", "sort"),
        ("/v1/listings?state=sleeping", "state"),
        ("/v1/listings?min_vram_gb=-1", "min_vram_gb"),
        ("/v1/listings?min_vram_gb=70000", "min_vram_gb"),
        (
            "/v1/listings?max_price_lamports_per_hour=1e9",
            "max_price_lamports_per_hour",
        ),
        ("/v1/listings?provider=xyz", "provider"),
        ("/v1/listings/not-a-key", "pubkey"),
        ("/v1/leases?renter=0x1234", "renter"),
        ("/v1/leases?provider=", "provider"),
        ("/v1/leases?state=done", "state"),
        ("/v1/leases?cursor=AAAA", "cursor"),
        ("/v1/leases/%00", "pubkey"),
        (
            "/v1/leases/SxWfXFaJ7YTrB5gfidX6n8LwaBx1SNHhq44ETLffaUz?start_ts=yesterday",
            "start_ts",
        ),
        ("/v1/providers/nope", "pubkey"),
        // Unknown and repeated parameters, and bytes no program string holds.
        ("/v1/listings?max_price=1", "max_price"),
        ("/v1/listings?limit=1&limit=2", "limit"),
        ("/v1/listings?gpu_model=H100%00", "gpu_model"),
        ("/v1/listings?region=eu%00west", "region"),
        (
            "/v1/listings?gpu_model=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "gpu_model",
        ),
        (
            "/v1/listings?max_price_lamports_per_hour=007",
            "max_price_lamports_per_hour",
        ),
        (
            "/v1/listings?max_price_lamports_per_hour=18446744073709551616",
            "max_price_lamports_per_hour",
        ),
        ("/v1/stats?verbose=1", "verbose"),
        ("/v1/leases/%FF%FE", "pubkey"),
    ] {
        let (status, body) = get(&indexer, path).await;
        assert_eq!(
            (status, body["parameter"].as_str()),
            (400, Some(parameter)),
            "{path}: {body}"
        );
    }
    // A cursor from the other sort is refused too.
    let (_, page) = get(&indexer, "/v1/listings?sort=price&limit=1").await;
    let price_cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (status, _) = get(
        &indexer,
        &format!("/v1/listings?sort=newest&cursor={price_cursor}"),
    )
    .await;
    assert_eq!(status, 400);
    // Every error is the same JSON body, the framework's own included.
    let wrong_method = reqwest::Client::new()
        .post(format!("{}/v1/listings", indexer.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.headers().contains_key("allow"));
    let body: Value = wrong_method.json().await.expect("a JSON body");
    assert_eq!(body["error"], "method_not_allowed", "{body}");
    let not_found_paths = [
        format!("/v1/listings/{}", Pubkey::new_unique()),
        format!("/v1/leases/{}", Pubkey::new_unique()),
        format!("/v1/providers/{}", Pubkey::new_unique()),
        "/v1/unknown".to_string(),
    ];
    for path in not_found_paths {
        let (status, body) = get(&indexer, &path).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    assert!(
        indexer.terminate().await.success(),
        "graceful shutdown exits 0"
    );
}

#[tokio::test]
async fn a_dropped_websocket_loses_nothing() {
    let pg = TestPostgres::start();
    let database = pg.database("dropped");
    let m = market().await;
    let listing = m.list(0, "L40S", 5_000_000, "ap-south", 48).await;
    let ws_upstream = m
        .chain
        .v
        .ws_url
        .trim_start_matches("ws://")
        .parse()
        .unwrap();
    let proxy = Proxy::start(ws_upstream).await;
    let indexer = Indexer::start(
        &database,
        &m.chain.v.rpc_url,
        &format!("ws://{}", proxy.addr),
    )
    .await;
    wait_for("listing", || async {
        get(&indexer, &format!("/v1/listings/{listing}")).await.0 == 200
    })
    .await;
    for round in 1..=3u64 {
        proxy.cut();
        let price = 5_000_000 + round;
        let update = ListingUpdate {
            price_lamports_per_hour: Some(price),
            ..Default::default()
        };
        m.update_listing(&listing, update).await;
        wait_for("the update made while disconnected", || async {
            lamports(
                &get(&indexer, &format!("/v1/listings/{listing}")).await.1
                    ["price_lamports_per_hour"],
            ) == Some(price)
        })
        .await;
    }
    let metrics = reqwest::get(format!("{}/metrics", indexer.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let disconnects: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("indexer_ws_disconnects_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(disconnects >= 1, "{metrics}");
}

#[tokio::test]
async fn killed_mid_backfill_resumes_to_equal_the_chain() {
    let pg = TestPostgres::start();
    let database = pg.database("killed");
    let m = market().await;
    let listing = m.list(0, "H200", 7_000_000, "us-west", 141).await;
    // 60 lease accounts (renter-chosen ids, sent concurrently) for the
    // snapshot to deliver complete.
    let roomy = ListingUpdate {
        capacity: Some(100),
        ..Default::default()
    };
    m.update_listing(&listing, roomy).await;
    let quote = m.chain.quote(&listing).await;
    let opens: Vec<_> = (1_000..1_060u64)
        .map(|id| ix::open_lease(&m.renter.pubkey(), &listing, id, 1, quote))
        .collect();
    m.chain.send_many(opens, &m.renter).await;
    // Many program transactions, each emitting one ListingUpdated event.
    let updates: Vec<_> = (1..=150u64)
        .map(|i| {
            let update = ListingUpdate {
                price_lamports_per_hour: Some(7_000_000 + i),
                ..Default::default()
            };
            ix::update_listing(&m.authority.pubkey(), &m.provider, &listing, update)
        })
        .collect();
    m.chain.send_many(updates, &m.authority).await;
    // config + provider + listing + capacity + 60 opens + 150 updates.
    let expected_events: i64 = 214;

    // An earlier leader died mid-load: it had deferred the indexes.
    let pool = db::connect(&database).await.unwrap();
    let migrated = index_definitions(&pool).await;
    assert!(bulk::defer_if_empty(&pool).await.unwrap() > 0);
    let indexer = Indexer::start(&database, &m.chain.v.rpc_url, &m.chain.v.ws_url).await;
    let events = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    wait_for("first events", || async { events(pool.clone()).await > 0 }).await;
    let at_kill = events(pool.clone()).await;
    indexer.kill();
    println!("killed after {at_kill} of {expected_events} events");

    let indexer = Indexer::start(&database, &m.chain.v.rpc_url, &m.chain.v.ws_url).await;
    wait_for("all events", || async {
        events(pool.clone()).await == expected_events
    })
    .await;
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM events GROUP BY kind ORDER BY kind")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            ("ConfigInitialized", 1),
            ("LeaseOpened", 60),
            ("ListingCreated", 1),
            ("ListingUpdated", 151),
            ("ProviderRegistered", 1),
        ]
        .map(|(k, n)| (k.to_string(), n))
    );
    // The accounts equal the chain: every lease, and the listing's last state.
    let (_, leases) = get(&indexer, &format!("/v1/leases?listing={listing}&limit=500")).await;
    assert_eq!(
        keys(&leases).len(),
        60,
        "the snapshot delivered every lease"
    );
    // Pages of 25 cover the same 60 leases exactly once.
    let paged = pages(&indexer, &format!("/v1/leases?listing={listing}&limit=25")).await;
    assert_eq!(paged, keys(&leases), "lease pages in order, none twice");
    let on_chain = compute_escrow_client::accounts::listing(&m.chain.v.rpc, &listing)
        .await
        .unwrap();
    wait_for("listing equals chain", || async {
        lamports(
            &get(&indexer, &format!("/v1/listings/{listing}")).await.1["price_lamports_per_hour"],
        ) == Some(on_chain.price_lamports_per_hour)
    })
    .await;
    wait_for("the deferred indexes built", || async {
        bulk::deferred(&pool).await.unwrap() == 0
    })
    .await;
    assert_eq!(index_definitions(&pool).await, migrated);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        events(pool.clone()).await,
        expected_events,
        "nothing inserted twice"
    );
}
