#!/usr/bin/env bash
# Installs what the real-browser test (indexer/tests/browser.rs) and the
# Actions spec check need: Debian's chromium (apt), and playwright-core,
# TypeScript and @solana/actions-spec from tests/browser/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  echo "setup-browser-tests: installing chromium"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq chromium
fi
cd tests/browser
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
