#!/usr/bin/env bash
# Runs every test in the workspace: the program's unit tests, and the program
# inside a real bank (solana-program-test): lifecycle, hostile input, layout
# and the conservation property test (PROPTEST_CASES=N for more sequences).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --workspace --locked "$@"
