#!/usr/bin/env bash
# Builds the web app (web/) into web/dist, which the indexer serves under
# /app/: installs its packages from web/package-lock.json (npm ci) and
# bundles it (web/build.mjs), failing if it outgrows its 150 KB gzipped
# budget. Needs Node 20 and npm (scripts/setup.sh installs them if missing).
set -euo pipefail
cd "$(dirname "$0")/../web"
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-web: $tool not found; run scripts/setup.sh (installs Node.js and npm)" >&2; exit 1; }
done
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs
