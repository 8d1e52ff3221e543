#!/usr/bin/env bash
# Runs every test, installing what it needs first (scripts/setup.sh: system
# packages; scripts/setup-browser-tests.sh: Chromium and the browser test's
# npm packages):
#  1. builds the program for the chain (scripts/build-sbf.sh) and the web app
#     (scripts/build-web.sh);
#  2. the whole workspace natively: money unit tests, the program inside a real
#     bank (lifecycle, hostile input, recipients, layout, conservation property
#     test), one whole lease on a real solana-test-validator, the API
#     fuzzed from its own OpenAPI document by schemathesis
#     (scripts/install-schemathesis.sh installs it), every Solana Actions
#     endpoint over HTTP (responses type-checked against
#     @solana/actions-spec), and the web app in headless Chromium with a
#     Wallet Standard test wallet;
#  3. the same program tests against the compiled .so (COMPUTE_ESCROW_SBF=1);
#  4. the committed IDL through Anchor's TypeScript client: every instruction
#     resolves the accounts the Rust SDK builds (scripts/test-idl-clients.sh);
#  5. the README's first command, the local market, played to its end
#     (scripts/local-market.sh --exit).
# Steps 4 and 5 run unless arguments select tests.
# Extra arguments go to both cargo test runs (e.g. `--test hostile`).
# PROPTEST_CASES=N runs more property-test sequences (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-sbf.sh
scripts/build-web.sh
scripts/setup-browser-tests.sh
SOLANA_TEST_VALIDATOR="$(scripts/find-validator.sh)"
export SOLANA_TEST_VALIDATOR
SCHEMATHESIS="$(scripts/install-schemathesis.sh)"
export SCHEMATHESIS
echo "== native mode"
cargo test --workspace --locked "$@"
echo "== SBF mode (target/deploy/compute_escrow.so)"
COMPUTE_ESCROW_SBF=1 cargo test -p compute-escrow-tests --locked --tests "$@" -- --skip validator_
if [ $# -eq 0 ]; then
  echo "== IDL through Anchor's TypeScript client (scripts/test-idl-clients.sh)"
  scripts/test-idl-clients.sh
  echo "== local market (scripts/local-market.sh --exit)"
  scripts/local-market.sh --exit
fi
