#!/usr/bin/env bash
# Installs the system packages the build needs (Debian/Ubuntu), if missing.
set -euo pipefail
missing=()
for pkg in libssl-dev pkg-config xz-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Virtualenvs for the API fuzzer (scripts/install-schemathesis.sh).
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
# Node.js and npm: the web app's build (scripts/build-web.sh) and the
# TypeScript checks of the IDL and the Actions responses.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# PostgreSQL server binaries (initdb, pg_ctl) for the indexer tests.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
fi
for tool in cargo rustfmt cargo-clippy; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool not found; install Rust with rustup (components rustfmt, clippy)" >&2; exit 1; }
done
