//! Generates the program's IDL (no anchor-cli needed) into `idl/compute_escrow.json`.
//!
//! `cargo run -p compute-escrow-tests --bin idl` writes it;
//! `… --bin idl -- --check` fails if the committed file is out of date.
//!
//! Anchor's IDL builder only records an address it can see in a constraint.
//! The program checks some addresses more cheaply (an account type only ever
//! created at its PDA, a lease bump sent by the client, a field read in place,
//! the `#[event_cpi]` accounts), so the builder leaves them out and clients
//! would derive them by hand. [`add_known_addresses`] adds them, so Anchor's TypeScript client
//! resolves every account from the signers and the listing or lease;
//! `tests/idl-clients` checks that it resolves exactly what the Rust SDK builds.

use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;
use anchor_lang_idl::types::{
    Idl, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedAccount, IdlSeedArg, IdlSeedConst,
};
use compute_escrow::constants::{CONFIG_SEED, LEASE_SEED, PROVIDER_SEED};

fn constant(bytes: &[u8]) -> IdlSeed {
    IdlSeed::Const(IdlSeedConst {
        value: bytes.to_vec(),
    })
}

fn account(path: &str) -> IdlSeed {
    IdlSeed::Account(IdlSeedAccount {
        path: path.into(),
        account: None,
    })
}

/// Seeds of an account the program locates without re-deriving it, by
/// instruction and account name; `None` when the builder's IDL is complete.
fn known_seeds(instruction: &str, account_name: &str) -> Option<Vec<IdlSeed>> {
    Some(match (instruction, account_name) {
        (_, "event_authority") => vec![constant(b"__event_authority")],
        (_, "config") => vec![constant(CONFIG_SEED)],
        (
            "update_provider" | "create_listing" | "update_listing" | "pause_listing"
            | "close_listing" | "claim_payout",
            "provider",
        ) => {
            vec![constant(PROVIDER_SEED), account("authority")]
        }
        ("open_lease", "lease") => vec![
            constant(LEASE_SEED),
            account("listing"),
            account("renter"),
            IdlSeed::Arg(IdlSeedArg {
                path: "lease_id".into(),
            }),
        ],
        _ => return None,
    })
}

/// Accounts whose address the program reads from another account's field
/// in place (no `has_one` for the builder to see): the IDL relation, by
/// instruction and account name.
fn known_relations(instruction: &str, account_name: &str) -> Option<&'static str> {
    match (instruction, account_name) {
        ("claim_payout", "authority" | "payout_wallet") => Some("provider"),
        _ => None,
    }
}

/// Adds the PDA seeds of [`known_seeds`], the relations of
/// [`known_relations`] and this program's own address to every instruction
/// account that lacks them.
fn add_known_addresses(idl: &mut Idl) {
    let program_id = compute_escrow::ID.to_string();
    for instruction in &mut idl.instructions {
        for item in &mut instruction.accounts {
            let IdlInstructionAccountItem::Single(account) = item else {
                continue;
            };
            if let Some(holder) = known_relations(&instruction.name, &account.name) {
                if !account.relations.iter().any(|r| r == holder) {
                    account.relations.push(holder.into());
                }
            }
            if account.pda.is_some() || account.address.is_some() {
                continue;
            }
            if account.name == "program" {
                account.address = Some(program_id.clone());
                account.docs = vec!["This program: the target of its own event self-CPI.".into()];
            } else if let Some(seeds) = known_seeds(&instruction.name, &account.name) {
                account.pda = Some(IdlPda {
                    seeds,
                    program: None,
                });
                if account.name == "event_authority" {
                    account.docs = vec![
                        "Signs the program's event self-CPI (`emit_cpi!`), at `[\"__event_authority\"]`."
                            .into(),
                    ];
                }
            }
        }
    }
}

/// `instruction.account` of every instruction account whose IDL docs are
/// missing or start mid-sentence. Anchor drops a doc line that starts with
/// `CHECK:` but keeps the lines after it, so a `/// CHECK:` note wrapped over
/// several lines would leave a fragment: such notes stay on one line.
fn undocumented_accounts(idl: &Idl) -> Vec<String> {
    let mut out = Vec::new();
    for instruction in &idl.instructions {
        for item in &instruction.accounts {
            if let IdlInstructionAccountItem::Single(account) = item {
                let fragment = account
                    .docs
                    .first()
                    .and_then(|line| line.chars().next())
                    .is_some_and(char::is_lowercase);
                if account.docs.is_empty() || fragment {
                    out.push(format!("{}.{}", instruction.name, account.name));
                }
            }
        }
    }
    out
}

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
    let mut idl = match IdlBuilder::new()
        .program_path(root.join("programs/compute-escrow"))
        .build()
    {
        Ok(idl) => idl,
        Err(e) => {
            eprintln!("idl: building the IDL failed: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    add_known_addresses(&mut idl);
    let undocumented = undocumented_accounts(&idl);
    if !undocumented.is_empty() {
        eprintln!(
            "idl: instruction accounts without a doc comment (a `/// CHECK:` line is not one): {}",
            undocumented.join(", ")
        );
        return ExitCode::FAILURE;
    }
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
