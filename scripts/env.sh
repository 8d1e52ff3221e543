# Shared build settings for the project's scripts (sourced, not run).
# Link the system OpenSSL instead of compiling it from C (needs libssl-dev and
# pkg-config; scripts/setup.sh installs them).
export OPENSSL_NO_VENDOR=1
# Program-test logs every transaction at debug level; keep test output readable.
export RUST_LOG="${RUST_LOG:-error}"
# Substitutes for Solana's downloadable tools on machines that cannot fetch
# them (sbf-toolchain/, bin/solana-test-validator-*.xz). Only used when
# Solana's own tools are missing; SHARED_DIR overrides the search.
if [ -z "${SHARED_DIR:-}" ]; then
  for candidate in "$(pwd)/../shared" /work/shared; do
    if [ -d "$candidate/sbf-toolchain" ] || [ -d "$candidate/bin" ]; then
      SHARED_DIR="$(cd "$candidate" && pwd)"
      break
    fi
  done
fi
export SHARED_DIR="${SHARED_DIR:-}"
