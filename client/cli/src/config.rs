//! Settings the way the `solana` CLI resolves them: command-line flags, then
//! the Solana CLI config file (`~/.config/solana/cli/config.yml`), then defaults.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use solana_cli_config::{Config as SolanaConfig, ConfigInput};
use solana_commitment_config::CommitmentConfig;

use crate::error::CliError;

/// The indexer API used when neither `--api` nor `COMPUTE_ESCROW_API` is set.
pub const DEFAULT_API: &str = "http://127.0.0.1:8080";

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

/// The Solana CLI's default config file, `~/.config/solana/cli/config.yml`.
pub fn default_config_file() -> PathBuf {
    solana_cli_config::CONFIG_FILE.as_ref().map_or_else(
        || home().join(".config/solana/cli/config.yml"),
        PathBuf::from,
    )
}

/// `~/x` to `$HOME/x`.
pub fn expand_tilde(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => home().join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// Parses a commitment level name (as the Solana CLI does, but refusing an
/// unknown one rather than falling back to the default).
pub fn commitment(name: &str) -> Result<CommitmentConfig, CliError> {
    CommitmentConfig::from_str(name).map_err(|_| {
        CliError::usage(format!(
            "unknown commitment `{name}`: use processed, confirmed or finalized"
        ))
    })
}

/// Reads a Solana CLI config file with the Solana CLI's own loader.
fn read_file(path: &Path) -> Result<SolanaConfig, CliError> {
    let text = path.to_str().ok_or_else(|| {
        CliError::usage(format!("config file path {} is not UTF-8", path.display()))
    })?;
    if !path.exists() {
        return Err(CliError::usage(format!(
            "cannot read config file {}: it does not exist",
            path.display()
        )));
    }
    SolanaConfig::load(text)
        .map_err(|e| CliError::usage(format!("cannot read config file {}: {e}", path.display())))
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
                    (SolanaConfig::default(), None)
                }
            }
        };
        // The Solana CLI's own precedence: flag, then file, then default;
        // monikers (`localhost`, `devnet`, …) become URLs. A websocket URL
        // from the file belongs to the file's RPC URL, so a `--url` flag
        // ignores it.
        let flag = |value: &Option<String>| value.clone().unwrap_or_default();
        let url_flag = flag(&overrides.url);
        let (_, rpc_url) = ConfigInput::compute_json_rpc_url_setting(&url_flag, &file.json_rpc_url);
        let file_ws = if url_flag.is_empty() {
            file.websocket_url.as_str()
        } else {
            ""
        };
        let (_, ws_url) = ConfigInput::compute_websocket_url_setting(
            &flag(&overrides.ws_url),
            file_ws,
            &url_flag,
            &file.json_rpc_url,
        );
        let keypair_flag = overrides
            .keypair
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (_, keypair_path) =
            ConfigInput::compute_keypair_path_setting(&keypair_flag, &file.keypair_path);
        let keypair_path = expand_tilde(Path::new(&keypair_path));
        let commitment_name = overrides
            .commitment
            .or_else(|| (!file.commitment.is_empty()).then(|| file.commitment.clone()))
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
        assert_eq!(flags.rpc_url, "http://localhost:8899");
        assert_eq!(flags.ws_url, "ws://localhost:8900/");
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
