//! OpenAPI schemas of the API's types, derived from the program's committed
//! IDL (itself generated from the program crate), so the documented fields,
//! types and ranges are the program's own.

use std::borrow::Cow;
use std::sync::LazyLock;

use compute_escrow::constants::{MAX_GPU_MODEL_LEN, MAX_REGION_LEN};
use serde_json::{json, Map, Value};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use compute_escrow::state::Provider;

use super::{HistoryEvent, Indexed, LeaseDetail, Mirrored, Page, ProviderRecord};

/// The program's IDL, as committed (`idl/compute_escrow.json`).
static IDL: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../idl/compute_escrow.json"))
        .expect("the committed IDL is JSON")
});

fn idl_type(name: &str) -> &'static Value {
    IDL["types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["name"] == name))
        .map(|t| &t["type"])
        .unwrap_or_else(|| panic!("type {name} is not in the IDL"))
}

/// The field names of an account or event type, in order, as the IDL has them.
pub fn account_fields(name: &str) -> Vec<String> {
    idl_type(name)["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A regular expression matching exactly the canonical decimal spellings
/// (no sign, no leading zero) of 0 to `u64::MAX`.
pub fn u64_pattern() -> String {
    let max = u64::MAX.to_string();
    let digits: Vec<u32> = max.chars().filter_map(|c| c.to_digit(10)).collect();
    let mut alternatives = vec![
        "0".to_string(),
        format!("[1-9][0-9]{{0,{}}}", digits.len() - 2),
    ];
    for (i, &d) in digits.iter().enumerate() {
        let low = u32::from(i == 0);
        if d > low {
            let rest = digits.len() - i - 1;
            alternatives.push(format!("{}[{low}-{}][0-9]{{{rest}}}", &max[..i], d - 1));
        }
    }
    alternatives.push(max);
    format!("^({})$", alternatives.join("|"))
}

fn u64_json() -> Value {
    json!({"type": "string", "pattern": u64_pattern(),
           "description": "u64 as a decimal string (exact beyond 2^53)"})
}

fn pubkey_json() -> Value {
    json!({"type": "string", "format": "solana-pubkey", "pattern": "^[1-9A-HJ-NP-Za-km-z]{32,44}$",
           "description": "public key, base58 (32 bytes)"})
}

fn text_json(max: u16) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": "^[^\\u0000]*$"})
}

fn to_schema(value: Value) -> RefOr<Schema> {
    RefOr::T(serde_json::from_value(value).expect("a valid schema"))
}

/// Schema of a u64 in decimal.
pub fn u64_schema() -> RefOr<Schema> {
    to_schema(u64_json())
}

/// Schema of a signature.
pub fn signature_schema() -> RefOr<Schema> {
    to_schema(json!({
        "type": "string",
        "format": "ed25519-signature",
        "pattern": "^[1-9A-HJ-NP-Za-km-z]{64,88}$",
        "description": "ed25519 signature (64 bytes), base58",
    }))
}

/// Schema of a public key.
pub fn pubkey_schema() -> RefOr<Schema> {
    to_schema(pubkey_json())
}

/// Schema of the `gpu_model` filter.
pub fn gpu_model_schema() -> RefOr<Schema> {
    to_schema(text_json(MAX_GPU_MODEL_LEN))
}

/// Schema of the `region` filter.
pub fn region_schema() -> RefOr<Schema> {
    to_schema(text_json(MAX_REGION_LEN))
}

/// Schema of a page cursor: URL-safe base64, as `next_cursor` gives it.
pub fn cursor_schema() -> RefOr<Schema> {
    to_schema(json!({"type": "string", "format": "page-cursor", "pattern": "^[A-Za-z0-9_-]+$"}))
}

fn enum_values(name: &str) -> Vec<Value> {
    idl_type(name)["variants"]
        .as_array()
        .map(|variants| {
            variants
                .iter()
                .filter_map(|v| v["name"].as_str())
                .map(|v| Value::String(snake_case(v)))
                .collect()
        })
        .unwrap_or_default()
}

fn state_filter(name: &str) -> RefOr<Schema> {
    let mut values = enum_values(name);
    values.push(json!("all"));
    to_schema(json!({"type": "string", "enum": values}))
}

/// Schema of a listing `state` filter.
pub fn listing_state_filter_schema() -> RefOr<Schema> {
    state_filter("ListingState")
}

/// Schema of a lease `state` filter.
pub fn lease_state_filter_schema() -> RefOr<Schema> {
    state_filter("LeaseState")
}

/// An attestor set as the `serde` feature spells it: the keys in use, M and
/// the period grid.
fn attestor_set_json() -> Value {
    use compute_escrow::constants::{MAX_ATTESTATION_PERIOD_SECONDS, MAX_ATTESTORS, MAX_THRESHOLD};
    json!({
        "type": "object",
        "required": ["keys", "threshold", "period_seconds"],
        "additionalProperties": false,
        "properties": {
            "keys": {"type": "array", "items": pubkey_json(), "minItems": 1, "maxItems": MAX_ATTESTORS,
                     "description": "The attestors' keys."},
            "threshold": {"type": "integer", "minimum": 1, "maximum": MAX_THRESHOLD,
                          "description": "How many must sign the same period."},
            "period_seconds": {"type": "integer", "minimum": 1, "maximum": MAX_ATTESTATION_PERIOD_SECONDS,
                               "description": "Attestation period, seconds, counted from the lease's start."},
        },
        "description": "Who signs uptime: `threshold` of `keys` must report the same period.",
    })
}

fn field_json(ty: &Value) -> Value {
    match ty {
        Value::String(t) => match t.as_str() {
            "u8" => json!({"type": "integer", "minimum": 0, "maximum": u8::MAX}),
            "u16" => json!({"type": "integer", "minimum": 0, "maximum": u16::MAX}),
            "u32" => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
            "i64" => json!({"type": "integer", "format": "int64"}),
            "u64" => u64_json(),
            "bool" => json!({"type": "boolean"}),
            "string" => json!({"type": "string"}),
            "pubkey" => pubkey_json(),
            other => panic!("IDL type {other} has no JSON spelling"),
        },
        Value::Object(o) if o.contains_key("array") => {
            json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "32 bytes, hex"})
        }
        Value::Object(o) if o.contains_key("vec") => {
            json!({"type": "array", "items": field_json(&o["vec"])})
        }
        Value::Object(o) if o.contains_key("defined") => {
            let name = o["defined"]["name"].as_str().unwrap_or("");
            match (name, idl_type(name)["kind"].as_str()) {
                ("AttestorSet", _) => attestor_set_json(),
                (_, Some("struct")) => object_json(name, Vec::new()),
                _ => json!({"type": "string", "enum": enum_values(name)}),
            }
        }
        other => panic!("IDL type {other} has no JSON spelling"),
    }
}

/// An object schema with `fields` plus the IDL type `name`'s fields, every
/// one required and nothing else allowed.
fn object_json(name: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut properties = Map::new();
    for (field, schema) in fields {
        properties.insert(field.into(), schema);
    }
    for field in idl_type(name)["fields"].as_array().into_iter().flatten() {
        let mut schema = field_json(&field["type"]);
        if let Some(docs) = field["docs"].as_array() {
            let text: Vec<&str> = docs.iter().filter_map(Value::as_str).collect();
            if !text.is_empty() {
                schema["description"] = json!(text.join(" "));
            }
        }
        properties.insert(field["name"].as_str().unwrap_or("").into(), schema);
    }
    let required: Vec<&String> = properties.keys().collect();
    json!({"type": "object", "required": required, "properties": properties,
           "additionalProperties": false})
}

/// The JSON schema of an IDL type's fields alone (e.g. an event's `data`).
fn idl_schema(name: &str) -> Value {
    object_json(name, Vec::new())
}

impl<T: Mirrored> PartialSchema for Indexed<T> {
    fn schema() -> RefOr<Schema> {
        to_schema(object_json(T::NAME, indexed_fields()))
    }
}

impl<T: Mirrored> ToSchema for Indexed<T> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("{}View", T::NAME))
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn indexed_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("pubkey", pubkey_json()),
        (
            "slot",
            json!({"type": "integer", "minimum": 0, "description": "Slot the account was read at."}),
        ),
        (
            "closed_slot",
            json!({"type": ["integer", "null"], "minimum": 0,
                   "description": "Slot the account was first seen gone at; null while it exists."}),
        ),
    ]
}

impl<T: ToSchema> PartialSchema for Page<T> {
    fn schema() -> RefOr<Schema> {
        to_schema(
            json!({"type": "object", "required": ["items", "next_cursor"], "additionalProperties": false,
            "properties": {
                "items": {"type": "array", "items": reference(&T::name())},
                "next_cursor": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]+$",
                                "description": "Pass as `cursor` (same query) for the next page; null on the last."},
            }}),
        )
    }
}

impl<T: ToSchema> ToSchema for Page<T> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Page", T::name().trim_end_matches("View")))
    }
}

impl PartialSchema for LeaseDetail {
    fn schema() -> RefOr<Schema> {
        let mut fields = indexed_fields();
        fields.push((
            "history",
            json!({"type": "array", "items": reference("HistoryEvent"), "description": "The lease's events, oldest first."}),
        ));
        to_schema(object_json("Lease", fields))
    }
}

impl ToSchema for LeaseDetail {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("LeaseDetail")
    }
}

impl PartialSchema for ProviderRecord {
    fn schema() -> RefOr<Schema> {
        let mut fields = indexed_fields();
        fields.push((
            "uptime_ratio",
            json!({"type": ["number", "null"], "minimum": 0, "maximum": 1,
                   "description": "seconds_attested / (seconds_attested + seconds_missed); null before any attestation."}),
        ));
        fields.push(("leases_by_state", reference("LeaseCounts")));
        to_schema(object_json(Provider::NAME, fields))
    }
}

impl ToSchema for ProviderRecord {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProviderRecord")
    }
}

impl PartialSchema for HistoryEvent {
    fn schema() -> RefOr<Schema> {
        let kinds = compute_escrow::events::EventKind::ALL;
        let one_of: Vec<Value> = kinds
            .iter()
            .map(|kind| {
                let kind = kind.as_str();
                json!({"type": "object",
                    "required": ["signature", "instruction_index", "slot", "block_time", "kind", "data"],
                    "additionalProperties": false,
                    "properties": {
                        "signature": {"type": "string", "description": "Transaction signature, base58."},
                        "instruction_index": {"type": "integer", "minimum": 0},
                        "slot": {"type": "integer", "minimum": 0},
                        "block_time": {"type": ["integer", "null"], "format": "int64"},
                        "kind": {"type": "string", "enum": [kind]},
                        "data": idl_schema(kind),
                    }})
            })
            .collect();
        to_schema(
            json!({"oneOf": one_of, "description": "One program event: `kind` names it, `data` holds its fields."}),
        )
    }
}

impl ToSchema for HistoryEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("HistoryEvent")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_u64_pattern_matches_exactly_the_canonical_u64s() {
        let pattern = u64_pattern();
        let inner = &pattern[2..pattern.len() - 2];
        let matches = |s: &str| inner.split('|').any(|alt| simple_match(alt, s));
        for ok in [
            "0",
            "1",
            "10",
            "18446744073709551615",
            "18446744073709551609",
            "9999999999999999999",
        ] {
            assert!(matches(ok), "{ok}");
            assert!(ok.parse::<u64>().is_ok());
        }
        for bad in [
            "",
            "01",
            "18446744073709551616",
            "18446744073709551620",
            "20000000000000000000",
            "-1",
            "+1",
        ] {
            assert!(!matches(bad), "{bad}");
        }
    }

    /// Matches one alternative of the pattern: literal digits, `[a-b]`
    /// classes and `{n}`/`{m,n}` repeats of the class before.
    fn simple_match(alt: &str, s: &str) -> bool {
        let mut tokens: Vec<(char, char, usize, usize)> = Vec::new();
        let chars: Vec<char> = alt.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    tokens.push((chars[i + 1], chars[i + 3], 1, 1));
                    i += 5;
                }
                '{' => {
                    let end = i + chars[i..].iter().position(|&c| c == '}').unwrap_or(0);
                    let spec: String = chars[i + 1..end].iter().collect();
                    let (lo, hi) = match spec.split_once(',') {
                        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                        None => (spec.parse().unwrap(), spec.parse().unwrap()),
                    };
                    let last = tokens.last_mut().unwrap();
                    last.2 = lo;
                    last.3 = hi;
                    i = end + 1;
                }
                c => {
                    tokens.push((c, c, 1, 1));
                    i += 1;
                }
            }
        }
        fn go(tokens: &[(char, char, usize, usize)], s: &[char]) -> bool {
            let Some(&(a, b, lo, hi)) = tokens.first() else {
                return s.is_empty();
            };
            (lo..=hi).any(|n| {
                n <= s.len()
                    && s[..n].iter().all(|&c| a <= c && c <= b)
                    && go(&tokens[1..], &s[n..])
            })
        }
        go(&tokens, &s.chars().collect::<Vec<_>>())
    }
}
