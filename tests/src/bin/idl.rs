//! Generates the program's IDL (no anchor-cli needed) into `idl/compute_escrow.json`.
//!
//! `cargo run -p compute-escrow-tests --bin idl` writes it;
//! `… --bin idl -- --check` fails if the committed file is out of date.

use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let out = root.join("idl/compute_escrow.json");
    // IdlBuilder re-invokes cargo; under rustup it would pass a malformed
    // `+toolchain` argument, so let the plain `cargo` on PATH pick the toolchain.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let idl = match IdlBuilder::new()
        .program_path(root.join("programs/compute-escrow"))
        .build()
    {
        Ok(idl) => idl,
        Err(e) => {
            eprintln!("idl: building the IDL failed: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let json = serde_json::to_string_pretty(&idl).expect("IDL serializes") + "\n";
    if check {
        let committed = std::fs::read_to_string(&out).unwrap_or_default();
        if committed != json {
            eprintln!(
                "idl: {} is out of date; run `cargo run -p compute-escrow-tests --bin idl` and commit it",
                out.display()
            );
            return ExitCode::FAILURE;
        }
        println!("idl: {} is current", out.display());
    } else {
        std::fs::write(&out, json).expect("write IDL");
        println!("idl: wrote {}", out.display());
    }
    ExitCode::SUCCESS
}
