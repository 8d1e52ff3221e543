//! Streamed `getProgramAccounts`: the response is decoded one account at a
//! time as it arrives and each account goes straight to the writer's bounded
//! channel, so a snapshot's memory does not grow with the program's size
//! (the whole response of a million accounts would be about a gigabyte of
//! JSON, and as much again decoded). One request reads every kind: the node
//! scans the program's accounts once, not once per kind (with filters by
//! discriminator, two empty kinds cost 150 ms of a 50k-account snapshot).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::time::Duration;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::json;
use solana_rpc_client_api::config::RpcProgramAccountsConfig;
use solana_rpc_client_api::response::RpcKeyedAccount;
use tokio::sync::mpsc;

use crate::decode::{AccountKind, AccountUpdate};
use crate::ingest::{account_config, to_update};

/// Longest wait for the response to start, or for its next chunk.
pub const RPC_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Response chunks buffered between the socket and the decoder.
const CHUNKS_IN_FLIGHT: usize = 8;

/// What a snapshot read.
#[derive(Debug)]
pub struct Snapshot {
    /// The slot the node read the accounts at.
    pub slot: u64,
    /// The addresses of every account it sent to the writer, by kind.
    present: HashMap<AccountKind, Vec<String>>,
}

impl Snapshot {
    /// The addresses of the accounts of `kind` it sent to the writer.
    pub fn present(&self, kind: AccountKind) -> &[String] {
        self.present.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// How many accounts it sent to the writer.
    pub(crate) fn len(&self) -> usize {
        self.present.values().map(Vec::len).sum()
    }
}

/// Reads every account of the program from the node at `rpc_url` and sends
/// each of ours, decoded, to `updates` while the response is still arriving.
pub async fn program_accounts(
    http: &reqwest::Client,
    rpc_url: &str,
    updates: &mpsc::Sender<AccountUpdate>,
) -> Result<Snapshot, String> {
    let config = RpcProgramAccountsConfig {
        filters: None,
        account_config: account_config(),
        with_context: Some(true),
        sort_results: None,
    };
    let request = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "getProgramAccounts",
        "params": [compute_escrow::ID.to_string(), config],
    });
    let mut response =
        tokio::time::timeout(RPC_IDLE_TIMEOUT, http.post(rpc_url).json(&request).send())
            .await
            .map_err(|_| format!("getProgramAccounts: no response in {RPC_IDLE_TIMEOUT:?}"))?
            .map_err(|e| format!("getProgramAccounts: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("getProgramAccounts: HTTP {}", response.status()));
    }

    let (chunks, chunks_rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let decoder = tokio::task::spawn_blocking({
        let updates = updates.clone();
        move || decode(ChunkReader::new(chunks_rx), &updates)
    });
    let mut failure = None;
    loop {
        let chunk = match tokio::time::timeout(RPC_IDLE_TIMEOUT, response.chunk()).await {
            Ok(Ok(Some(chunk))) => Ok(chunk),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => Err(format!("getProgramAccounts: {e}")),
            Err(_) => Err(format!(
                "getProgramAccounts: response stalled for {RPC_IDLE_TIMEOUT:?}"
            )),
        };
        let failed = chunk.as_ref().err().cloned();
        // A closed channel means the decoder stopped: its error says why.
        if chunks.send(chunk).await.is_err() || failed.is_some() {
            failure = failed;
            break;
        }
    }
    drop(chunks);
    let decoded = decoder
        .await
        .map_err(|e| format!("getProgramAccounts decoder: {e}"))?;
    match failure {
        Some(e) => Err(e),
        None => decoded,
    }
}

/// The response's chunks as one byte stream, for a blocking decoder.
struct ChunkReader<T> {
    chunks: mpsc::Receiver<Result<T, String>>,
    current: T,
    read: usize,
}

impl<T: AsRef<[u8]> + Default> ChunkReader<T> {
    fn new(chunks: mpsc::Receiver<Result<T, String>>) -> Self {
        ChunkReader {
            chunks,
            current: T::default(),
            read: 0,
        }
    }
}

impl<T: AsRef<[u8]> + Default> Read for ChunkReader<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.read == self.current.as_ref().len() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => (self.current, self.read) = (chunk, 0),
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let rest = &self.current.as_ref()[self.read..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

/// Decodes a JSON-RPC `getProgramAccounts` response (with context) from
/// `reader`, sending each account of ours to `updates`.
fn decode(reader: impl Read, updates: &mpsc::Sender<AccountUpdate>) -> Result<Snapshot, String> {
    let mut sink = Sink {
        updates,
        slot: None,
        early: Vec::new(),
        present: HashMap::new(),
    };
    let mut json =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let outcome = Envelope(&mut sink)
        .deserialize(&mut json)
        .map_err(|e| format!("getProgramAccounts response: {e}"))?;
    outcome?;
    let slot = sink
        .slot
        .ok_or("getProgramAccounts response: no context slot")?;
    Ok(Snapshot {
        slot,
        present: sink.present,
    })
}

/// Where decoded accounts go.
struct Sink<'a> {
    updates: &'a mpsc::Sender<AccountUpdate>,
    /// The context slot, once read.
    slot: Option<u64>,
    /// Accounts read before the context (held until its slot is known).
    early: Vec<RpcKeyedAccount>,
    present: HashMap<AccountKind, Vec<String>>,
}

impl Sink<'_> {
    fn account(&mut self, keyed: RpcKeyedAccount) -> Result<(), String> {
        let Some(slot) = self.slot else {
            self.early.push(keyed);
            return Ok(());
        };
        let Some(update) = to_update(&keyed, slot) else {
            return Ok(());
        };
        self.present
            .entry(update.account.kind())
            .or_default()
            .push(keyed.pubkey);
        self.updates
            .blocking_send(update)
            .map_err(|_| "writer stopped".to_string())
    }

    fn context(&mut self, slot: u64) -> Result<(), String> {
        self.slot = Some(slot);
        std::mem::take(&mut self.early)
            .into_iter()
            .try_for_each(|keyed| self.account(keyed))
    }
}

/// `{"jsonrpc", "id", "result" | "error"}`: yields the JSON-RPC error, or
/// the sink's refusal, as the inner result.
struct Envelope<'s, 'a>(&'s mut Sink<'a>);

impl<'de> DeserializeSeed<'de> for Envelope<'_, '_> {
    type Value = Result<(), String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_, '_> {
    type Value = Result<(), String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-RPC response")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut outcome = Err("no result".to_string());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "result" => outcome = map.next_value_seed(ResultSeed(&mut *self.0))?,
                "error" => {
                    let error: serde_json::Value = map.next_value()?;
                    outcome = Err(format!("getProgramAccounts: {error}"));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(outcome)
    }
}

/// `{"context": {"slot"}, "value": [accounts]}`.
struct ResultSeed<'s, 'a>(&'s mut Sink<'a>);

#[derive(Deserialize)]
struct Context {
    slot: u64,
}

impl<'de> DeserializeSeed<'de> for ResultSeed<'_, '_> {
    type Value = Result<(), String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_, '_> {
    type Value = Result<(), String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a getProgramAccounts result with context")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut outcome = Ok(());
        while let Some(key) = map.next_key::<String>()? {
            let step = match key.as_str() {
                "context" => {
                    let context: Context = map.next_value()?;
                    self.0.context(context.slot)
                }
                "value" => map.next_value_seed(Accounts(&mut *self.0))?,
                _ => map.next_value::<IgnoredAny>().map(|_| Ok(()))?,
            };
            if outcome.is_ok() {
                outcome = step;
            }
        }
        Ok(outcome)
    }
}

/// The accounts array, each element handed to the sink as it is read.
struct Accounts<'s, 'a>(&'s mut Sink<'a>);

impl<'de> DeserializeSeed<'de> for Accounts<'_, '_> {
    type Value = Result<(), String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Accounts<'_, '_> {
    type Value = Result<(), String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of keyed accounts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while let Some(keyed) = seq.next_element::<RpcKeyedAccount>()? {
            if let Err(e) = self.0.account(keyed) {
                // Stop reading: the caller drops the rest of the response.
                return Err(serde::de::Error::custom(e));
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::ProgramAccount;
    use anchor_lang::AccountSerialize;
    use base64::Engine;
    use compute_escrow::state::{Lease, Listing};

    fn keyed(pubkey: &str, data: &[u8]) -> serde_json::Value {
        json!({
            "pubkey": pubkey,
            "account": {
                "lamports": 1,
                "data": [base64::engine::general_purpose::STANDARD.encode(data), "base64"],
                "owner": compute_escrow::ID.to_string(),
                "executable": false,
                "rentEpoch": 0,
                "space": data.len(),
            }
        })
    }

    fn listing_bytes(price: u64) -> Vec<u8> {
        let mut data = Vec::new();
        Listing {
            price_lamports_per_hour: price,
            ..Listing::default()
        }
        .try_serialize(&mut data)
        .expect("serialise");
        data
    }

    /// Decodes `body` delivered in `chunk`-byte pieces.
    fn run(body: &str, chunk: usize) -> (Result<Snapshot, String>, Vec<AccountUpdate>) {
        let (chunks, chunks_rx) = mpsc::channel(body.len() / chunk + 2);
        for piece in body.as_bytes().chunks(chunk) {
            chunks.try_send(Ok(piece.to_vec())).expect("room");
        }
        drop(chunks);
        let (updates, mut updates_rx) = mpsc::channel(16);
        let result = decode(ChunkReader::new(chunks_rx), &updates);
        drop(updates);
        let mut sent = Vec::new();
        while let Ok(update) = updates_rx.try_recv() {
            sent.push(update);
        }
        (result, sent)
    }

    fn lease_bytes(hours: u32) -> Vec<u8> {
        let mut data = Vec::new();
        Lease {
            hours,
            ..Lease::default()
        }
        .try_serialize(&mut data)
        .expect("serialise");
        data
    }

    #[test]
    fn accounts_stream_through_in_any_chunking_and_order() {
        let a = solana_sdk::pubkey::Pubkey::new_unique().to_string();
        let b = solana_sdk::pubkey::Pubkey::new_unique().to_string();
        let c = solana_sdk::pubkey::Pubkey::new_unique().to_string();
        let accounts = json!([
            keyed(&a, &listing_bytes(7)),
            keyed("x", b"junk"),
            keyed(&c, &lease_bytes(3)),
            keyed(&b, &listing_bytes(9))
        ]);
        let context_first = json!({"jsonrpc": "2.0", "result": {"context": {"slot": 42, "apiVersion": "4"}, "value": accounts}, "id": 1});
        let value_first = json!({"id": 1, "result": {"value": accounts, "context": {"slot": 42}}, "jsonrpc": "2.0"});
        for body in [context_first, value_first] {
            for chunk in [1, 7, 4096] {
                let (result, sent) = run(&body.to_string(), chunk);
                let snapshot = result.expect("decoded");
                assert_eq!(snapshot.slot, 42);
                assert_eq!(
                    snapshot.present(AccountKind::Listing),
                    [a.clone(), b.clone()]
                );
                assert_eq!(
                    snapshot.present(AccountKind::Lease),
                    std::slice::from_ref(&c)
                );
                assert!(snapshot.present(AccountKind::Config).is_empty());
                assert_eq!(snapshot.len(), 3);
                let read: Vec<(String, u64)> = sent
                    .iter()
                    .map(|u| match &u.account {
                        ProgramAccount::Listing(l) => {
                            (u.pubkey.to_string(), l.price_lamports_per_hour)
                        }
                        ProgramAccount::Lease(l) => (u.pubkey.to_string(), u64::from(l.hours)),
                        other => panic!("not generated: {other:?}"),
                    })
                    .collect();
                assert_eq!(read, [(a.clone(), 7), (c.clone(), 3), (b.clone(), 9)]);
                assert!(sent.iter().all(|u| u.slot == 42));
            }
        }
    }

    #[test]
    fn errors_and_truncation_are_refused() {
        let error =
            json!({"jsonrpc": "2.0", "error": {"code": -32010, "message": "excluded"}, "id": 1});
        let (result, _) = run(&error.to_string(), 5);
        assert!(result.expect_err("refused").contains("excluded"));
        let a = solana_sdk::pubkey::Pubkey::new_unique().to_string();
        let whole =
            json!({"result": {"context": {"slot": 1}, "value": [keyed(&a, &listing_bytes(1))]}})
                .to_string();
        let (result, _) = run(&whole[..whole.len() - 3], 64);
        assert!(result.is_err(), "a cut-off response is an error");
        let (result, _) = run(r#"{"result": {"value": []}}"#, 64);
        assert!(result.expect_err("refused").contains("no context slot"));
    }
}
