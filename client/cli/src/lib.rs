//! The `compute-escrow` command line: renters, providers, attestors and the
//! settlement crank, against any Solana cluster. Built on the SDK
//! (`compute_escrow_client`); nothing about the program is re-declared here.

pub mod attestor;
pub mod config;
pub mod context;
pub mod crank;
pub mod error;
pub mod lease_view;
pub mod output;
pub mod progress;
pub mod provider;
pub mod renter;
pub mod settle;
pub use compute_escrow_client::sol;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;

use config::{Overrides, Settings};
use context::{Context, Output};
use error::CliResult;

/// Rent and sell GPU-hours on Solana, with uptime-attested escrow.
#[derive(Debug, Parser)]
#[command(name = "compute-escrow", version, propagate_version = true)]
pub struct Cli {
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml].
    #[arg(short = 'C', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// RPC URL or moniker: localhost, devnet, testnet, mainnet-beta.
    #[arg(short = 'u', long, global = true, value_name = "URL_OR_MONIKER")]
    pub url: Option<String>,
    /// Websocket URL [default: from the config file, else derived from the RPC URL].
    #[arg(long, global = true, value_name = "URL")]
    pub ws_url: Option<String>,
    /// Keypair that signs and pays [default: the config file's keypair_path].
    #[arg(short = 'k', long, global = true, value_name = "FILE")]
    pub keypair: Option<PathBuf>,
    /// processed, confirmed or finalized [default: the config file's, else confirmed].
    #[arg(long, global = true)]
    pub commitment: Option<String>,
    /// Indexer API base URL (used by `renter listings` and settled leases).
    #[arg(long, global = true, env = "COMPUTE_ESCROW_API", value_name = "URL")]
    pub api: Option<String>,
    /// human (SOL, tables) or json (lamports).
    #[arg(short, long, global = true, value_enum, default_value = "human")]
    pub output: Output,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sell GPU time: register, list machines, claim payouts.
    #[command(subcommand)]
    Provider(provider::ProviderCommand),
    /// Rent GPU time: find, quote, rent, extend, cancel, follow leases.
    #[command(subcommand)]
    Renter(renter::RenterCommand),
    /// Watch leased machines and sign their uptime.
    #[command(subcommand)]
    Attestor(attestor::AttestorCommand),
    /// Settle leases past their end plus grace (permissionless crank).
    Settle(settle::SettleArgs),
    /// Submit every attestor quorum the indexer holds, then settle what is due
    /// (permissionless; the submitter pays only network fees).
    Crank(crank::CrankArgs),
    /// Show the resolved settings (URLs, keypair, commitment, API).
    Config,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult {
    let settings = Settings::resolve(Overrides {
        config_file: cli.config,
        url: cli.url,
        ws_url: cli.ws_url,
        keypair: cli.keypair,
        commitment: cli.commitment,
        api: cli.api,
    })?;
    let ctx = Context::new(settings, cli.output)?;
    match cli.command {
        Command::Provider(c) => provider::run(&ctx, c).await,
        Command::Renter(c) => renter::run(&ctx, c).await,
        Command::Attestor(c) => attestor::run(&ctx, c).await,
        Command::Settle(args) => settle::run(&ctx, args).await,
        Command::Crank(args) => crank::run(&ctx, args).await,
        Command::Config => {
            let s = &ctx.settings;
            if ctx.human() {
                let file = s
                    .config_file
                    .as_ref()
                    .map_or_else(|| "(none found)".into(), |p| p.display().to_string());
                println!("Config file  {file}");
                println!("RPC URL      {}", s.rpc_url);
                println!("Websocket    {}", s.ws_url);
                println!("Keypair      {}", s.keypair_path.display());
                println!("Commitment   {}", s.commitment);
                println!("Indexer API  {}", s.api_url);
            } else {
                ctx.print_json(&json!(s));
            }
            Ok(())
        }
    }
}
