//! Uptime reports off chain: an attestor signs one with its key (no SOL, no
//! transaction), and anyone turns a quorum of them into the Ed25519 program
//! instruction that `attest_reports` reads.

use compute_escrow::report::{UptimeReport, ED25519_PROGRAM_ID, REPORT_LEN};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};

/// A report with its attestor's key and signature, as the API stores it and
/// the crank submits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedUptimeReport {
    /// Who signed.
    pub attestor: Pubkey,
    /// The ed25519 signature over [`UptimeReport::message`].
    pub signature: Signature,
    /// What was signed.
    pub report: UptimeReport,
}

impl SignedUptimeReport {
    /// `attestor` signs `report`.
    pub fn sign(attestor: &Keypair, report: UptimeReport) -> SignedUptimeReport {
        SignedUptimeReport {
            attestor: attestor.pubkey(),
            signature: attestor.sign_message(&report.message()),
            report,
        }
    }

    /// Whether the signature is the attestor's over the report.
    pub fn verify(&self) -> bool {
        self.signature
            .verify(self.attestor.as_ref(), &self.report.message())
    }
}

const OFFSETS_START: usize = 2;
const OFFSETS_LEN: usize = 14;
const THIS_INSTRUCTION: u16 = u16::MAX;

/// One Ed25519 program instruction verifying every report of `reports`, each
/// with its key, signature and message inside the instruction's own data (as
/// `attest_reports` requires). A transaction fits about five reports (each
/// takes 222 bytes).
pub fn ed25519_instruction(reports: &[SignedUptimeReport]) -> Instruction {
    let messages: Vec<[u8; REPORT_LEN]> = reports.iter().map(|r| r.report.message()).collect();
    ed25519_instruction_over(
        reports
            .iter()
            .zip(&messages)
            .map(|(r, m)| (r.attestor, r.signature, &m[..])),
    )
}

/// One Ed25519 program instruction verifying each `(key, signature,
/// message)`, all inside its own data; [`ed25519_instruction`] for reports.
pub fn ed25519_instruction_over<'a>(
    signed: impl ExactSizeIterator<Item = (Pubkey, Signature, &'a [u8])>,
) -> Instruction {
    let count = signed.len();
    assert!(count <= usize::from(u8::MAX), "too many signatures");
    let mut data = vec![count as u8, 0];
    let mut entries = Vec::new();
    let mut at = OFFSETS_START + OFFSETS_LEN * count;
    for (key, signature, message) in signed {
        for field in [
            at + 32,
            usize::from(THIS_INSTRUCTION),
            at,
            usize::from(THIS_INSTRUCTION),
            at + 96,
            message.len(),
            usize::from(THIS_INSTRUCTION),
        ] {
            data.extend_from_slice(&(field as u16).to_le_bytes());
        }
        entries.extend_from_slice(key.as_ref());
        entries.extend_from_slice(signature.as_ref());
        entries.extend_from_slice(message);
        at += 96 + message.len();
    }
    data.extend_from_slice(&entries);
    Instruction {
        program_id: ED25519_PROGRAM_ID,
        accounts: Vec::new(),
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compute_escrow::report::reports_in;

    #[test]
    fn the_program_reads_back_what_the_instruction_carries() {
        let keys = [Keypair::new(), Keypair::new()];
        let signed: Vec<SignedUptimeReport> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                SignedUptimeReport::sign(
                    k,
                    UptimeReport {
                        lease: Pubkey::new_unique(),
                        from: 60,
                        to: 120,
                        up_seconds: 50 + i as u64,
                    },
                )
            })
            .collect();
        assert!(signed.iter().all(SignedUptimeReport::verify));
        let read = reports_in(&ed25519_instruction(&signed).data).unwrap();
        assert_eq!(read.len(), 2);
        for (r, s) in read.iter().zip(&signed) {
            assert_eq!((r.attestor, r.report), (s.attestor, s.report));
        }
    }
}
