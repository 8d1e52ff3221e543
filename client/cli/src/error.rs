//! The CLI's errors: what failed, the program's error name when the program
//! refused, and a hint. Every error exits non-zero.

use compute_escrow_client::accounts::FetchError;
use compute_escrow_client::errors::{self, ProgramError};
use compute_escrow_client::quote::QuoteError;
use serde_json::json;
use solana_rpc_client_api::client_error::Error as ClientError;

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments, configuration or local files.
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// The program refused a transaction.
    Program(ProgramError),
    /// The cluster, the indexer API or the network failed.
    Remote(String),
    /// The user declined a confirmation prompt.
    Declined,
}

impl CliError {
    /// A usage error without a hint.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error with a hint.
    pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// A failed RPC call, named by the program error inside it when there is one.
    pub fn rpc(what: &str, err: ClientError) -> CliError {
        match errors::from_client_error(&err) {
            Some(program) => CliError::Program(program),
            None => CliError::Remote(format!("{what}: {err}")),
        }
    }

    /// Process exit code: 1 for a refusal or failure, 2 for bad usage,
    /// 3 when the user declined.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage { .. } => 2,
            CliError::Declined => 3,
            CliError::Program(_) | CliError::Remote(_) => 1,
        }
    }

    /// The error as a JSON object (for `--output json`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CliError::Program(e) => json!({
                "error": e.name, "code": e.code, "message": e.message, "hint": e.hint,
            }),
            CliError::Usage { message, hint } => {
                json!({ "error": "Usage", "message": message, "hint": hint })
            }
            CliError::Remote(message) => json!({ "error": "Remote", "message": message }),
            CliError::Declined => json!({ "error": "Declined", "message": self.to_string() }),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage { message, hint } => {
                write!(f, "{message}")?;
                if let Some(hint) = hint {
                    write!(f, "\nhint: {hint}")?;
                }
                Ok(())
            }
            CliError::Program(e) => write!(f, "the program refused: {e}"),
            CliError::Remote(message) => write!(f, "{message}"),
            CliError::Declined => write!(f, "cancelled: nothing was signed"),
        }
    }
}

impl From<FetchError> for CliError {
    fn from(err: FetchError) -> CliError {
        match err {
            FetchError::Rpc(e) => CliError::rpc("RPC request failed", *e),
            FetchError::NotFound { kind, address } => {
                let hint = match kind {
                    "Config" => "the market is not initialized on this cluster; check --url",
                    "Provider" => "register first with `compute-escrow provider register`",
                    "Lease" => "a settled lease is closed; its history is in the indexer API",
                    _ => "check the address and --url",
                };
                CliError::hinted(format!("{kind} account {address} does not exist"), hint)
            }
            other @ FetchError::Decode { .. } => CliError::usage(other.to_string()),
        }
    }
}

impl From<QuoteError> for CliError {
    fn from(err: QuoteError) -> CliError {
        CliError::usage(format!("cannot rent: {err}"))
    }
}

/// Command result.
pub type CliResult<T = ()> = Result<T, CliError>;
