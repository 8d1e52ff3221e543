#!/usr/bin/env bash
# Installs schemathesis (pinned in tests/api-fuzz/requirements.txt) into a
# virtualenv under the build directory, once, and prints its path. The API
# fuzz test (indexer/tests/api_schema.rs) runs it as $SCHEMATHESIS.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=tests/api-fuzz/requirements.txt
venv="${API_FUZZ_VENV:-${CARGO_TARGET_DIR:-target}/api-fuzz-venv}"
stamp="$venv/requirements.txt"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null || [ ! -x "$venv/bin/schemathesis" ]; then
  echo "install-schemathesis: installing $(grep -v '^#' "$requirements" | xargs) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$(cd "$venv" && pwd)/bin/schemathesis"
