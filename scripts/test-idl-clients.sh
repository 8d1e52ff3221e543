#!/usr/bin/env bash
# The committed IDL, used as a TypeScript integrator would: builds every
# instruction with Anchor's client (@anchor-lang/core, installed from the
# lockfile in tests/idl-clients) given only signers and the listing or lease,
# and checks it resolves exactly the accounts, flags and data the Rust SDK
# builds (tests/idl-clients/resolve.test.mjs). Needs Node 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-idl-clients: $tool not found; install Node.js 20 and npm" >&2; exit 1; }
done
(cd tests/idl-clients && npm ci --no-audit --no-fund --loglevel=error)
fixture="$(mktemp -d)/fixture.json"
cargo run -q --locked -p compute-escrow-tests --bin idl-fixture -- "$fixture" >/dev/null
node tests/idl-clients/resolve.test.mjs "$fixture"
