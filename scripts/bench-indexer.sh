#!/usr/bin/env bash
# Indexer benchmarks (figures, not pass/fail):
#  1. write-path throughput: 10k and 100k listing/lease accounts written
#     through the indexer's batched upserts into PostgreSQL;
#  2. API throughput and p50/p99 latency of
#     GET /v1/listings?gpu_model=H100&limit=50 with 100k listings in the
#     database, the load coming from a second process;
#  3. live lag: transactions sent one at a time to a local
#     solana-test-validator, each timed from its confirmation to the change
#     showing in the API (tests/src/bin/lag-bench.rs).
# Starts its own throw-away PostgreSQL cluster (default durability settings).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export RUST_LOG=error
cargo build -q --profile perf -p compute-escrow-indexer --bins
cargo build -q -p compute-escrow-tests --bin lag-bench
scripts/build-sbf.sh >/dev/null
SOLANA_TEST_VALIDATOR="$(scripts/find-validator.sh)"
export SOLANA_TEST_VALIDATOR
bin="${CARGO_TARGET_DIR:-$(pwd)/target}/perf"
work=$(mktemp -d)
initdb_path=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -n1)
pgbin=$(dirname "$(readlink -f "$initdb_path")")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
api_port=$(free_port)
indexer_pid=""
cleanup() {
  [ -n "$indexer_pid" ] && kill "$indexer_pid" 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_pg "$pgbin/initdb" -D "$work/data" -U postgres -A trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -l "$work/log" -w start >/dev/null
url="postgres://postgres@127.0.0.1:$port"
for db in b10k b100k api; do as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"; done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}')"
"$bin/compute-escrow-indexer-bench" backfill --database-url "$url/b10k" --accounts 10000
"$bin/compute-escrow-indexer-bench" backfill --database-url "$url/b100k" --accounts 100000
# 200k accounts = 100k listings + 100k leases for the API run.
"$bin/compute-escrow-indexer-bench" backfill --database-url "$url/api" --accounts 200000 >/dev/null
# The API with no chain to follow (ingest retries quietly in the background).
"$bin/compute-escrow-indexer" --database-url "$url/api" --rpc-url http://127.0.0.1:9 \
  --listen "127.0.0.1:$api_port" >/dev/null 2>&1 &
indexer_pid=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$api_port/v1/stats" && break
  sleep 0.2
done
endpoint="http://127.0.0.1:$api_port/v1/listings?gpu_model=H100&limit=50"
"$bin/compute-escrow-indexer-bench" load --url "$endpoint" --concurrency 16 --seconds 15
"$bin/compute-escrow-indexer-bench" load --url "$endpoint&sort=newest" --concurrency 16 --seconds 15
kill "$indexer_pid" 2>/dev/null || true
indexer_pid=""
"${CARGO_TARGET_DIR:-$(pwd)/target}/debug/lag-bench" --indexer "$bin/compute-escrow-indexer" --rounds 30 \
  | grep '^live lag'
