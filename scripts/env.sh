# Shared build settings for the project's scripts (sourced, not run).
# Link the system OpenSSL instead of compiling it from C (needs libssl-dev and
# pkg-config; scripts/setup.sh installs them).
export OPENSSL_NO_VENDOR=1
# Program-test logs every transaction at debug level; keep test output readable.
export RUST_LOG="${RUST_LOG:-error}"
