//! What every command works with: the resolved settings, an RPC client, the
//! signer (loaded on first use), the output mode, and transaction sending.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::OnceLock;

use compute_escrow_client::api::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{read_keypair_file, Keypair, Signature, Signer};
use solana_sdk::sysvar;
use solana_sdk::transaction::Transaction;

use crate::config::{self, Settings};
use crate::error::{CliError, CliResult};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Tables and sentences, amounts in SOL.
    Human,
    /// One JSON document on stdout, amounts in lamports.
    Json,
}

/// Shared state of one CLI invocation.
pub struct Context {
    pub settings: Settings,
    pub rpc: RpcClient,
    pub output: Output,
    signer: OnceLock<Keypair>,
}

/// Network fee reserve assumed when checking a wallet can pay.
pub const FEE_RESERVE_LAMPORTS: u64 = 10_000;

impl Context {
    /// A context for `settings`.
    pub fn new(settings: Settings, output: Output) -> CliResult<Context> {
        let commitment = config::commitment(&settings.commitment)?;
        let rpc = RpcClient::new_with_commitment(settings.rpc_url.clone(), commitment);
        Ok(Context {
            settings,
            rpc,
            output,
            signer: OnceLock::new(),
        })
    }

    /// Whether results are printed for humans.
    pub fn human(&self) -> bool {
        self.output == Output::Human
    }

    /// The keypair that signs and pays, read from the keypair path once.
    pub fn signer(&self) -> CliResult<&Keypair> {
        if let Some(keypair) = self.signer.get() {
            return Ok(keypair);
        }
        let path = &self.settings.keypair_path;
        let keypair = read_keypair_file(path).map_err(|e| {
            CliError::hinted(
                format!("cannot read keypair {}: {e}", path.display()),
                "pass --keypair FILE or set keypair_path with `solana config set --keypair`",
            )
        })?;
        Ok(self.signer.get_or_init(|| keypair))
    }

    /// The signer's public key.
    pub fn me(&self) -> CliResult<Pubkey> {
        Ok(self.signer()?.pubkey())
    }

    /// The cluster's clock (unix seconds), which the program checks times against.
    pub async fn chain_now(&self) -> CliResult<i64> {
        let account = self
            .rpc
            .get_account(&sysvar::clock::ID)
            .await
            .map_err(|e| CliError::rpc("reading the cluster clock", e))?;
        let clock: Clock = solana_sdk::account::from_account(&account)
            .ok_or_else(|| CliError::Remote("the clock sysvar did not decode".into()))?;
        Ok(clock.unix_timestamp)
    }

    /// The signer's balance in lamports.
    pub async fn balance(&self, key: &Pubkey) -> CliResult<u64> {
        self.rpc
            .get_balance(key)
            .await
            .map_err(|e| CliError::rpc("reading a balance", e))
    }

    /// Fails with a clear message unless `key` holds `needed` lamports plus fees.
    pub async fn require_funds(&self, key: &Pubkey, needed: u64) -> CliResult {
        let balance = self.balance(key).await?;
        let needed = needed.saturating_add(FEE_RESERVE_LAMPORTS);
        if balance < needed {
            return Err(CliError::hinted(
                format!(
                    "insufficient funds: this needs about {} and {key} holds {}",
                    crate::sol::format(needed),
                    crate::sol::format(balance)
                ),
                "fund the wallet (on a local validator or devnet: `solana airdrop`)",
            ));
        }
        Ok(())
    }

    /// Signs `ixs` with the signer (fee payer) and sends them in one
    /// transaction, waiting for the configured commitment; a spinner shows
    /// progress for humans. Program refusals come back by name.
    pub async fn send(&self, ixs: &[Instruction]) -> CliResult<Signature> {
        let signer = self.signer()?;
        let blockhash = self
            .rpc
            .get_latest_blockhash()
            .await
            .map_err(|e| CliError::rpc("fetching a recent blockhash", e))?;
        let tx =
            Transaction::new_signed_with_payer(ixs, Some(&signer.pubkey()), &[signer], blockhash);
        let sent = if self.human() && std::io::stderr().is_terminal() {
            self.rpc
                .send_and_confirm_transaction_with_spinner(&tx)
                .await
        } else {
            self.rpc.send_and_confirm_transaction(&tx).await
        };
        sent.map_err(|e| CliError::rpc("sending the transaction", e))
    }

    /// GETs `path` with `query` from the indexer API, as `T`.
    pub async fn api_get<T: DeserializeOwned, Q: Serialize>(
        &self,
        path: &str,
        query: &Q,
    ) -> CliResult<T> {
        let url = format!("{}{path}", self.settings.api_url);
        let unreachable = |e| api_unreachable(&url, e);
        let response = reqwest::Client::new()
            .get(&url)
            .query(query)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|e| {
                CliError::usage(format!(
                    "the indexer API at {url} answered an unexpected body: {e}"
                ))
            })
        } else {
            let message = serde_json::from_slice::<ErrorBody>(&body).map_or_else(
                |_| String::from_utf8_lossy(&body).into_owned(),
                |e| e.message,
            );
            Err(CliError::usage(format!(
                "the indexer API refused the query ({status}): {message}"
            )))
        }
    }

    /// POSTs `body` as JSON to the indexer API at `path`: its status and JSON
    /// answer (a refusal is the caller's to read).
    pub async fn api_post<B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> CliResult<(u16, serde_json::Value)> {
        let url = format!("{}{path}", self.settings.api_url);
        let unreachable = |e| api_unreachable(&url, e);
        let response = reqwest::Client::new()
            .post(&url)
            .json(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let answer = response.json().await.unwrap_or(serde_json::Value::Null);
        Ok((status, answer))
    }

    /// Asks "`question` [y/N]" unless `yes`; a non-interactive stdin without
    /// `--yes` is refused rather than signed.
    pub fn confirm(&self, question: &str, yes: bool) -> CliResult {
        if yes {
            return Ok(());
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(CliError::hinted(
                "refusing to sign without confirmation: stdin is not a terminal",
                "pass --yes to sign without asking",
            ));
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        stdin
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::usage(format!("reading the answer: {e}")))?;
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            Ok(())
        } else {
            Err(CliError::Declined)
        }
    }

    /// Prints a JSON value on stdout (for `--output json`).
    pub fn print_json(&self, value: &serde_json::Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("JSON serializes")
        );
    }
}

/// Parses a base58 public key argument.
pub fn parse_pubkey(text: &str) -> Result<Pubkey, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a base58 public key"))
}

/// The error for an indexer API at `url` that did not answer.
fn api_unreachable(url: &str, e: reqwest::Error) -> CliError {
    CliError::hinted(
        format!("indexer API {url} is unreachable: {e}"),
        "start the indexer or point --api (or COMPUTE_ESCROW_API) at one",
    )
}
