"""Schemathesis hooks: strategies for the API's own string formats.

`solana-pubkey`: base58 of 32 bytes, drawn from the accounts the test wrote
(API_FUZZ_KEYS, comma-separated) or random, so lookups hit both rows and 404s.
`ed25519-signature`: base58 of 64 bytes.
`page-cursor`: a well-formed cursor of either list (it names its order), as
`next_cursor` gives them.
"""

import base64
import os

import schemathesis
from hypothesis import strategies as st

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = ALPHABET[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


known = [k for k in os.environ.get("API_FUZZ_KEYS", "").split(",") if k]
pubkeys = st.binary(min_size=32, max_size=32).map(base58)
if known:
    pubkeys = st.sampled_from(known) | pubkeys
schemathesis.openapi.format("solana-pubkey", pubkeys)
# Whether a signature verifies is the server's to say.
schemathesis.openapi.format(
    "ed25519-signature", st.binary(min_size=64, max_size=64).map(base58)
)


def cursor(parts):
    tag, key, pubkey = parts
    return base64.urlsafe_b64encode(f"{tag}|{key}|{pubkey}".encode()).decode().rstrip("=")


cursors = st.tuples(
    st.sampled_from(["price", "newest", "lease"]),
    st.integers(min_value=0, max_value=2**63 - 1),
    pubkeys,
).map(cursor)
schemathesis.openapi.format("page-cursor", cursors)


# Hypothesis describes a filter's lambda by parsing its module's source with
# `ast`; deep inside schemathesis's coverage walk, CPython 3.11's parser can
# raise `SystemError: AST constructor recursion depth mismatch` (a CPython
# bug, python/cpython#106905), which schemathesis reports as a runtime error
# of whichever operation it was generating. The description only names the
# lambda in reports, so fall back to Hypothesis's own "unknown" spelling.
from hypothesis.internal import lambda_sources as _lambda_sources  # noqa: E402

_describe_lambda = _lambda_sources._lambda_description


def _lambda_description_or_unknown(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


_lambda_sources._lambda_description = _lambda_description_or_unknown
