#!/usr/bin/env bash
# The whole market on this machine in one command: builds the program (SBF)
# and the binaries, then starts a local validator with the program, PostgreSQL,
# the indexer with its API and the web app, and plays a provider, a renter and
# an attestor through the `compute-escrow` CLI, then one rental through the
# Solana Actions endpoint as a browser wallet makes it
# (tests/src/bin/local-market.rs). The API and the web app stay up
# afterwards; Ctrl-C stops everything it started.
# Arguments go to the demo: --exit (stop when the story ends), --period N.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-sbf.sh
scripts/build-web.sh
SOLANA_TEST_VALIDATOR="$(scripts/find-validator.sh)"
export SOLANA_TEST_VALIDATOR
echo "== building the CLI, the indexer and the demo"
cargo build --locked -p compute-escrow-cli -p compute-escrow-indexer -p compute-escrow-tests \
  --bin compute-escrow --bin compute-escrow-indexer --bin local-market
exec "${CARGO_TARGET_DIR:-target}/debug/local-market" "$@"
