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
/// `attest_reports` requires). A transaction fits three reports of different
/// values (222 bytes each with its offsets) and more that agree (110 bytes
/// each once their message is written).
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
/// Equal messages (attestors who agree) are written once and shared.
pub fn ed25519_instruction_over<'a>(
    signed: impl ExactSizeIterator<Item = (Pubkey, Signature, &'a [u8])>,
) -> Instruction {
    let count = signed.len();
    assert!(count <= usize::from(u8::MAX), "too many signatures");
    let mut data = vec![count as u8, 0];
    let mut entries: Vec<u8> = Vec::new();
    let mut written: Vec<(&[u8], usize)> = Vec::new();
    let start = OFFSETS_START + OFFSETS_LEN * count;
    for (key, signature, message) in signed {
        let key_at = start + entries.len();
        entries.extend_from_slice(key.as_ref());
        entries.extend_from_slice(signature.as_ref());
        let message_at = match written.iter().find(|(m, _)| *m == message) {
            Some((_, at)) => *at,
            None => {
                let at = start + entries.len();
                entries.extend_from_slice(message);
                written.push((message, at));
                at
            }
        };
        for field in [
            key_at + 32,
            usize::from(THIS_INSTRUCTION),
            key_at,
            usize::from(THIS_INSTRUCTION),
            message_at,
            message.len(),
            usize::from(THIS_INSTRUCTION),
        ] {
            data.extend_from_slice(&(field as u16).to_le_bytes());
        }
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

    #[test]
    fn agreeing_reports_share_one_message() {
        let report = UptimeReport {
            lease: Pubkey::new_unique(),
            from: 60,
            to: 120,
            up_seconds: 60,
        };
        let signed: Vec<SignedUptimeReport> = (0..3)
            .map(|_| SignedUptimeReport::sign(&Keypair::new(), report))
            .collect();
        let ix = ed25519_instruction(&signed);
        assert_eq!(ix.data.len(), 2 + 3 * 14 + 3 * 96 + REPORT_LEN);
        let read = reports_in(&ix.data).unwrap();
        assert!(read
            .iter()
            .zip(&signed)
            .all(|(r, s)| r.attestor == s.attestor && r.report == report));
    }
}
