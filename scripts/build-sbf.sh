#!/usr/bin/env bash
# Builds the program for the chain: target/deploy/compute_escrow.so, plus the
# program keypair at target/deploy/compute_escrow-keypair.json as Anchor expects.
#
# Uses Solana's own toolchain when installed (`cargo build-sbf`, which
# `anchor build` wraps). Otherwise falls back to the sbf-toolchain substitute
# (for machines that cannot download Solana's platform-tools), found at
# $SBF_TOOLCHAIN_DIR or $SHARED_DIR/sbf-toolchain (see scripts/env.sh). The
# substitute's SBPF v0 output relies on stack-frame gaps, which Agave 4.x
# removes (SIMD-0460), so it also writes an SBPF v3 build for Agave 4.x
# clusters (and the local validator): target/deploy/sbpf-v3/compute_escrow.so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root=$(pwd)
program=programs/compute-escrow
deploy="$root/target/deploy"
mkdir -p "$deploy"
# The committed program keypair matches declare_id! (localnet/devnet id).
if [ ! -f "$deploy/compute_escrow-keypair.json" ]; then
  cp "$program/compute_escrow-keypair.json" "$deploy/compute_escrow-keypair.json"
fi

if command -v cargo-build-sbf >/dev/null 2>&1 && [ -z "${FORCE_SBF_SUBSTITUTE:-}" ]; then
  echo "build-sbf: using Solana's cargo build-sbf"
  cargo build-sbf --manifest-path "$program/Cargo.toml" --sbf-out-dir "$deploy"
else
  toolchain="${SBF_TOOLCHAIN_DIR:-$SHARED_DIR/sbf-toolchain}"
  if [ ! -x "$toolchain/cargo-build-sbf.sh" ]; then
    cat >&2 <<MSG
build-sbf: no SBF toolchain found.
  Install the Solana CLI (https://solana.com/docs/intro/installation), which
  provides cargo build-sbf, or point SBF_TOOLCHAIN_DIR at an sbf-toolchain
  checkout (install.sh + cargo-build-sbf.sh).
MSG
    exit 1
  fi
  echo "build-sbf: cargo build-sbf not found; using $toolchain"
  "$toolchain/install.sh"
  "$toolchain/cargo-build-sbf.sh" "$program" --out "$deploy"
  "$toolchain/cargo-build-sbf.sh" "$program" --arch v3 --out "$deploy/sbpf-v3"
fi
ls -l "$deploy"/compute_escrow.so "$deploy"/sbpf-v3/compute_escrow.so 2>/dev/null || true
