//! Settings the way the `solana` CLI resolves them: command-line flags, then
//! the Solana CLI config file (`~/.config/solana/cli/config.yml`), then defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use solana_commitment_config::CommitmentConfig;

use crate::error::CliError;

/// The indexer API used when neither `--api` nor `COMPUTE_ESCROW_API` is set.
pub const DEFAULT_API: &str = "http://127.0.0.1:8080";
/// The `solana` CLI's default RPC URL.
const DEFAULT_RPC: &str = "https://api.mainnet-beta.solana.com";

/// The fields of the Solana CLI config file this tool reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SolanaConfigFile {
    pub json_rpc_url: String,
    pub websocket_url: String,
    pub keypair_path: String,
    pub commitment: String,
}

/// Overrides given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub url: Option<String>,
    pub ws_url: Option<String>,
    pub keypair: Option<PathBuf>,
    pub commitment: Option<String>,
    pub api: Option<String>,
}

/// Resolved settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    /// The config file read, if one existed.
    pub config_file: Option<PathBuf>,
    pub rpc_url: String,
    pub ws_url: String,
    pub keypair_path: PathBuf,
    pub commitment: String,
    pub api_url: String,
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// The default config file path, `~/.config/solana/cli/config.yml`.
pub fn default_config_file() -> PathBuf {
    home().join(".config/solana/cli/config.yml")
}

/// `~/x` to `$HOME/x`.
pub fn expand_tilde(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => home().join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// A URL or one of the monikers `localhost`, `devnet`, `testnet`, `mainnet-beta`
/// (and their initials `l`, `d`, `t`, `m`).
pub fn resolve_url(url: &str) -> String {
    match url {
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

/// The websocket URL the `solana` CLI derives from an RPC URL: `ws(s)` scheme
/// and, for an explicit port, the port plus one.
pub fn websocket_url_for(rpc_url: &str) -> String {
    let (scheme, rest) = match rpc_url.split_once("://") {
        Some(("https", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", rpc_url),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let authority = match authority.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(port) => format!("{host}:{}", port.saturating_add(1)),
            Err(_) => authority.to_string(),
        },
        None => authority.to_string(),
    };
    if path.is_empty() {
        format!("{scheme}://{authority}/")
    } else {
        format!("{scheme}://{authority}/{path}")
    }
}

/// Parses a commitment level name.
pub fn commitment(name: &str) -> Result<CommitmentConfig, CliError> {
    match name {
        "processed" => Ok(CommitmentConfig::processed()),
        "confirmed" => Ok(CommitmentConfig::confirmed()),
        "finalized" => Ok(CommitmentConfig::finalized()),
        other => Err(CliError::usage(format!(
            "unknown commitment `{other}`: use processed, confirmed or finalized"
        ))),
    }
}

fn read_file(path: &Path) -> Result<SolanaConfigFile, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read config file {}: {e}", path.display())))?;
    serde_yaml::from_str(&text)
        .map_err(|e| CliError::usage(format!("config file {} is not valid: {e}", path.display())))
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

impl Settings {
    /// Resolves flags over the config file over defaults. An explicitly
    /// named config file must exist; the default one may be missing.
    pub fn resolve(overrides: Overrides) -> Result<Settings, CliError> {
        let (file, path) = match &overrides.config_file {
            Some(path) => {
                let path = expand_tilde(path);
                (read_file(&path)?, Some(path))
            }
            None => {
                let path = default_config_file();
                if path.exists() {
                    (read_file(&path)?, Some(path))
                } else {
                    (SolanaConfigFile::default(), None)
                }
            }
        };
        let url_given = overrides.url.is_some();
        let rpc_url = overrides
            .url
            .or_else(|| non_empty(file.json_rpc_url))
            .map_or_else(|| DEFAULT_RPC.to_string(), |u| resolve_url(&u));
        // A websocket URL from the file belongs to the file's RPC URL.
        let file_ws = if url_given {
            None
        } else {
            non_empty(file.websocket_url)
        };
        let ws_url = overrides
            .ws_url
            .or(file_ws)
            .unwrap_or_else(|| websocket_url_for(&rpc_url));
        let keypair_path = overrides
            .keypair
            .or_else(|| non_empty(file.keypair_path).map(PathBuf::from))
            .map_or_else(
                || home().join(".config/solana/id.json"),
                |p| expand_tilde(&p),
            );
        let commitment_name = overrides
            .commitment
            .or_else(|| non_empty(file.commitment))
            .unwrap_or_else(|| "confirmed".into());
        commitment(&commitment_name)?;
        let api_url = overrides
            .api
            .unwrap_or_else(|| DEFAULT_API.into())
            .trim_end_matches('/')
            .to_string();
        Ok(Settings {
            config_file: path,
            rpc_url,
            ws_url,
            keypair_path,
            commitment: commitment_name,
            api_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_and_websocket_urls() {
        assert_eq!(resolve_url("localhost"), "http://127.0.0.1:8899");
        assert_eq!(resolve_url("devnet"), "https://api.devnet.solana.com");
        assert_eq!(resolve_url("http://x:1"), "http://x:1");
        assert_eq!(
            websocket_url_for("http://127.0.0.1:8899"),
            "ws://127.0.0.1:8900/"
        );
        assert_eq!(
            websocket_url_for("https://api.devnet.solana.com"),
            "wss://api.devnet.solana.com/"
        );
        assert_eq!(
            websocket_url_for("https://rpc.example:443/key"),
            "wss://rpc.example:444/key"
        );
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("ce-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.yml");
        std::fs::write(
            &file,
            "---\njson_rpc_url: \"https://api.devnet.solana.com\"\nwebsocket_url: \"\"\n\
             keypair_path: /keys/me.json\naddress_labels:\n  \"1111\": System\ncommitment: finalized\n",
        )
        .unwrap();
        let from_file = Settings::resolve(Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(from_file.rpc_url, "https://api.devnet.solana.com");
        assert_eq!(from_file.ws_url, "wss://api.devnet.solana.com/");
        assert_eq!(from_file.keypair_path, PathBuf::from("/keys/me.json"));
        assert_eq!(from_file.commitment, "finalized");
        assert_eq!(from_file.api_url, DEFAULT_API);

        let flags = Settings::resolve(Overrides {
            config_file: Some(file.clone()),
            url: Some("localhost".into()),
            keypair: Some("/other.json".into()),
            commitment: Some("processed".into()),
            api: Some("http://api:9/".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(flags.rpc_url, "http://127.0.0.1:8899");
        assert_eq!(flags.ws_url, "ws://127.0.0.1:8900/");
        assert_eq!(flags.keypair_path, PathBuf::from("/other.json"));
        assert_eq!(flags.commitment, "processed");
        assert_eq!(flags.api_url, "http://api:9");

        let bad = Settings::resolve(Overrides {
            config_file: Some(file),
            commitment: Some("soon".into()),
            ..Default::default()
        });
        assert!(bad.unwrap_err().to_string().contains("unknown commitment"));
        let missing = Settings::resolve(Overrides {
            config_file: Some(dir.join("nope.yml")),
            ..Default::default()
        });
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("cannot read config file"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
