#!/usr/bin/env bash
# Prints the path of a solana-test-validator to use, or fails with advice.
# Order: $SOLANA_TEST_VALIDATOR; `solana-test-validator` on PATH (Solana CLI);
# the prebuilt copy in $SOLANA_VALIDATOR_XZ_DIR or $SHARED_DIR/bin (see
# scripts/env.sh), unpacked once into target/tools after its SHA256 is checked.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ -n "${SOLANA_TEST_VALIDATOR:-}" ]; then
  [ -x "$SOLANA_TEST_VALIDATOR" ] || { echo "find-validator: SOLANA_TEST_VALIDATOR=$SOLANA_TEST_VALIDATOR is not executable" >&2; exit 1; }
  echo "$SOLANA_TEST_VALIDATOR"; exit 0
fi
if command -v solana-test-validator >/dev/null 2>&1; then
  command -v solana-test-validator; exit 0
fi
dir="${SOLANA_VALIDATOR_XZ_DIR:-$SHARED_DIR/bin}"
xz_file=$(ls "$dir"/solana-test-validator-*.xz 2>/dev/null | head -n1 || true)
if [ -z "$xz_file" ]; then
  cat >&2 <<MSG
find-validator: no solana-test-validator found. Install the Solana CLI
(https://solana.com/docs/intro/installation) or set SOLANA_TEST_VALIDATOR.
MSG
  exit 1
fi
out="$(pwd)/target/tools/solana-test-validator"
if [ ! -x "$out" ]; then
  mkdir -p "$(dirname "$out")"
  xz -dc "$xz_file" > "$out.tmp"
  want=$(awk '$2 == "solana-test-validator" {print $1}' "$dir/SHA256SUMS")
  got=$(sha256sum "$out.tmp" | cut -d' ' -f1)
  [ "$want" = "$got" ] || { rm -f "$out.tmp"; echo "find-validator: checksum mismatch for $xz_file" >&2; exit 1; }
  chmod +x "$out.tmp" && mv "$out.tmp" "$out"
fi
echo "$out"
