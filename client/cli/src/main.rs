//! `compute-escrow`: see `compute-escrow --help`.

use clap::Parser;
use compute_escrow_cli::context::Output;
use compute_escrow_cli::{run, Cli};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let output = cli.output;
    if let Err(e) = run(cli).await {
        match output {
            Output::Human => eprintln!("error: {e}"),
            Output::Json => println!(
                "{}",
                serde_json::to_string_pretty(&e.to_json()).expect("JSON serializes")
            ),
        }
        std::process::exit(e.exit_code());
    }
}
