//! Program errors by name, message and a hint, never a bare `Custom(6003)`.
//!
//! Names and messages of the program's own errors come from its generated IDL
//! (embedded at build time, checked current in CI); Anchor's framework errors
//! from anchor-lang itself.

use std::sync::OnceLock;

use anchor_lang::error::ErrorCode as AnchorError;
use compute_escrow::error::EscrowError;
use serde::Deserialize;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;

/// A program error code with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramError {
    /// The custom error code (6000 and up for the program's own errors).
    pub code: u32,
    /// Variant name, e.g. `PriceChanged`.
    pub name: String,
    /// Human message.
    pub message: String,
    /// What the user can do about it, when there is something.
    pub hint: Option<&'static str>,
    /// What the client found out about this failure (e.g. which listing terms
    /// changed since the quote), when it knows.
    pub detail: Option<String>,
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.code, self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if let Some(hint) = self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct IdlError {
    code: u32,
    name: String,
    msg: String,
}

#[derive(Deserialize)]
struct IdlErrors {
    errors: Vec<IdlError>,
}

fn program_errors() -> &'static [IdlError] {
    static ERRORS: OnceLock<Vec<IdlError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let idl: IdlErrors = serde_json::from_str(include_str!("../../idl/compute_escrow.json"))
            .expect("the embedded IDL parses");
        idl.errors
    })
}

/// Anchor framework errors a client of this program can meet.
const ANCHOR_ERRORS: [AnchorError; 9] = [
    AnchorError::AccountNotSigner,
    AnchorError::AccountNotInitialized,
    AnchorError::AccountDiscriminatorMismatch,
    AnchorError::AccountOwnedByWrongProgram,
    AnchorError::AccountNotEnoughKeys,
    AnchorError::ConstraintMut,
    AnchorError::ConstraintSeeds,
    AnchorError::InstructionDidNotDeserialize,
    AnchorError::InstructionFallbackNotFound,
];

/// What a user can do about the errors they can act on, keyed by the
/// program's and Anchor's own error types.
fn hint(code: u32) -> Option<&'static str> {
    use EscrowError as E;
    let hints: [(Vec<u32>, &'static str); 17] = [
        (vec![E::PriceChanged.into(), E::TermsChanged.into()], "the listing changed after your quote; quote again and sign the new terms"),
        (vec![E::FeeChanged.into(), E::GraceChanged.into()], "the market's fee or settle grace changed after your quote; quote again"),
        (vec![E::GraceTooShort.into(), E::GraceTooLong.into()], "the settle grace must be between 10 minutes and 7 days"),
        (vec![E::NotUpgradeAuthority.into()], "sign init_config with the program's upgrade authority keypair"),
        (vec![E::NotPendingAdmin.into()], "the current admin must first propose this key with update_config"),
        (vec![E::InvalidRecipient.into()], "use a wallet address (an account owned by the system program)"),
        (vec![E::ListingAtCapacity.into()], "every slot of this listing is taken until a lease settles; try later or another listing"),
        (vec![E::ListingPaused.into()], "the provider paused this listing; try later or another listing"),
        (vec![E::MarketPaused.into()], "the market admin paused new leases; money already in escrow still moves"),
        (vec![E::HoursBelowMinimum.into(), E::HoursAboveMaximum.into()], "choose hours within the listing's min and max"),
        (vec![E::SettleTooEarly.into()], "a lease settles once all its time is attested, or after its end plus the settle grace"),
        (vec![E::NothingToClaim.into()], "no attested uptime has been earned since the last claim"),
        (vec![E::PayoutWalletCannotReceive.into()], "fund the payout wallet above rent exemption or set another with `provider update`"),
        (vec![E::LeaseEnded.into()], "the lease has reached its end; it can only be settled"),
        (vec![E::PeriodOverlapsAttested.into(), E::PeriodLeavesGap.into()], "attest from the lease's attested_until (read the lease again)"),
        (vec![E::AlreadyInitialized.into()], "that account exists already (for a lease: choose another lease id)"),
        (vec![AnchorError::AccountNotInitialized.into()], "the account does not exist (a settled lease is closed)"),
    ];
    hints
        .into_iter()
        .find(|(codes, _)| codes.contains(&code))
        .map(|(_, hint)| hint)
}

/// What `code` means, if it is one of the program's or Anchor's errors.
pub fn describe(code: u32) -> Option<ProgramError> {
    if let Some(e) = program_errors().iter().find(|e| e.code == code) {
        return Some(ProgramError {
            code,
            name: e.name.clone(),
            message: e.msg.clone(),
            hint: hint(code),
            detail: None,
        });
    }
    ANCHOR_ERRORS
        .iter()
        .find(|e| u32::from(**e) == code)
        .map(|e| ProgramError {
            code,
            name: e.name(),
            message: e.to_string(),
            hint: hint(code),
            detail: None,
        })
}

/// The program error inside a failed transaction, if that is why it failed.
pub fn from_transaction_error(err: &TransactionError) -> Option<ProgramError> {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => describe(*code),
        _ => None,
    }
}

/// The program error inside an RPC client error (send or simulation failure).
pub fn from_client_error(err: &solana_rpc_client_api::client_error::Error) -> Option<ProgramError> {
    err.get_transaction_error()
        .as_ref()
        .and_then(from_transaction_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use compute_escrow::error::EscrowError;

    #[test]
    fn every_program_error_is_described_from_the_idl() {
        for e in [
            EscrowError::Unauthorized,
            EscrowError::PriceChanged,
            EscrowError::InvalidRecipient,
        ] {
            let code = u32::from(e);
            let described = describe(code).expect("known code");
            assert_eq!(described.name, e.name());
            assert_eq!(described.message, e.to_string());
        }
        assert_eq!(
            program_errors().len(),
            program_errors().last().unwrap().code as usize - 5_999
        );
    }

    #[test]
    fn anchor_errors_and_unknown_codes() {
        let signer = describe(u32::from(AnchorError::AccountNotSigner)).unwrap();
        assert_eq!(signer.name, "AccountNotSigner");
        assert!(describe(1).is_none());
        let e = TransactionError::InstructionError(
            0,
            InstructionError::Custom(u32::from(EscrowError::PriceChanged)),
        );
        let text = from_transaction_error(&e).unwrap().to_string();
        let code = u32::from(EscrowError::PriceChanged);
        assert!(
            text.starts_with(&format!("PriceChanged ({code}): Listing price changed")),
            "{text}"
        );
        assert!(text.contains("hint: the listing changed after your quote"));
    }
}
