//! Uptime reports: what an attestor signs off chain, and reading the reports
//! that a transaction's Ed25519 program instructions verified.
//!
//! A report is [`REPORT_LEN`] bytes: [`REPORT_TAG`], this program's id, the
//! lease, `from` and `to` (i64 LE) and `up_seconds` (u64 LE). The attestor
//! signs it with its ed25519 key; anyone puts the signatures in Ed25519
//! program instructions ahead of `attest_reports`, which reads them back
//! through the instructions sysvar. The runtime verifies every Ed25519
//! instruction before the transaction runs, so a report read here was signed
//! by its key; each signature's key and message must sit in the Ed25519
//! instruction's own data (`u16::MAX` indices), never in another instruction.

use anchor_lang::prelude::*;
use solana_instructions_sysvar::{load_current_index_checked, load_instruction_at_checked};

use crate::error::EscrowError;

/// Domain tag that starts every report, so no other signed message of the
/// attestor's key can be taken for one.
pub const REPORT_TAG: &[u8; 24] = b"compute-escrow:uptime:v1";
/// Length of a report's signed message.
pub const REPORT_LEN: usize = 24 + 32 + 32 + 8 + 8 + 8;

/// The Ed25519 signature-verification program.
pub const ED25519_PROGRAM_ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");

/// Where an Ed25519 instruction's signature offsets start (after a count
/// byte and a padding byte), and the size of one entry.
const OFFSETS_START: usize = 2;
const OFFSETS_LEN: usize = 14;
/// An Ed25519 instruction index meaning "this instruction".
const THIS_INSTRUCTION: u16 = u16::MAX;

/// One attestor's statement about one period of one lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UptimeReport {
    /// The lease.
    pub lease: Pubkey,
    /// Start of the period (unix seconds, inclusive).
    pub from: i64,
    /// End of the period (exclusive).
    pub to: i64,
    /// Seconds of the period the machine was up.
    pub up_seconds: u64,
}

impl UptimeReport {
    /// The bytes the attestor signs.
    pub fn message(&self) -> [u8; REPORT_LEN] {
        let mut out = [0u8; REPORT_LEN];
        out[..24].copy_from_slice(REPORT_TAG);
        out[24..56].copy_from_slice(crate::ID.as_ref());
        out[56..88].copy_from_slice(self.lease.as_ref());
        out[88..96].copy_from_slice(&self.from.to_le_bytes());
        out[96..104].copy_from_slice(&self.to.to_le_bytes());
        out[104..].copy_from_slice(&self.up_seconds.to_le_bytes());
        out
    }

    /// Reads a signed message: the tag and this program's id must lead it.
    pub fn parse(message: &[u8]) -> Result<UptimeReport> {
        require!(message.len() == REPORT_LEN, EscrowError::ReportMalformed);
        let (tag, rest) = message.split_at(REPORT_TAG.len());
        require!(tag == REPORT_TAG, EscrowError::ReportTagMismatch);
        let (program, rest) = rest.split_at(32);
        require!(
            program == crate::ID.as_ref(),
            EscrowError::ReportForOtherProgram
        );
        let (lease, rest) = rest.split_at(32);
        let word = |at: usize| -> [u8; 8] { rest[at..at + 8].try_into().expect("8 bytes") };
        Ok(UptimeReport {
            lease: Pubkey::try_from(lease).expect("32 bytes"),
            from: i64::from_le_bytes(word(0)),
            to: i64::from_le_bytes(word(8)),
            up_seconds: u64::from_le_bytes(word(16)),
        })
    }
}

/// A report and the key that signed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedReport {
    /// The signing key.
    pub attestor: Pubkey,
    /// What it signed.
    pub report: UptimeReport,
}

fn u16_at(data: &[u8], at: usize) -> Result<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| error!(EscrowError::ReportMalformed))
}

fn slice_at(data: &[u8], at: u16, len: usize) -> Result<&[u8]> {
    data.get(usize::from(at)..usize::from(at) + len)
        .ok_or_else(|| error!(EscrowError::ReportMalformed))
}

/// The reports one Ed25519 instruction's `data` verified.
pub fn reports_in(data: &[u8]) -> Result<Vec<SignedReport>> {
    let count = usize::from(*data.first().ok_or(EscrowError::ReportMalformed)?);
    let mut reports = Vec::with_capacity(count);
    for i in 0..count {
        let entry = OFFSETS_START + i * OFFSETS_LEN;
        // Offsets entry: signature offset, its instruction, key offset, its
        // instruction, message offset, message size, its instruction.
        let signature_ix = u16_at(data, entry + 2)?;
        let key_at = u16_at(data, entry + 4)?;
        let key_ix = u16_at(data, entry + 6)?;
        let message_at = u16_at(data, entry + 8)?;
        let message_len = u16_at(data, entry + 10)?;
        let message_ix = u16_at(data, entry + 12)?;
        require!(
            signature_ix == THIS_INSTRUCTION
                && key_ix == THIS_INSTRUCTION
                && message_ix == THIS_INSTRUCTION,
            EscrowError::ReportNotSelfContained
        );
        require!(
            usize::from(message_len) == REPORT_LEN,
            EscrowError::ReportMalformed
        );
        let key = slice_at(data, key_at, 32)?;
        let message = slice_at(data, message_at, REPORT_LEN)?;
        reports.push(SignedReport {
            attestor: Pubkey::try_from(key).expect("32 bytes"),
            report: UptimeReport::parse(message)?,
        });
    }
    Ok(reports)
}

/// Every report verified by the Ed25519 instructions that come before the
/// current instruction in this transaction (others are skipped).
pub fn verified_reports(instructions: &AccountInfo) -> Result<Vec<SignedReport>> {
    let current = load_current_index_checked(instructions)?;
    let mut reports = Vec::new();
    for index in 0..current {
        let instruction = load_instruction_at_checked(usize::from(index), instructions)?;
        if instruction.program_id == ED25519_PROGRAM_ID {
            reports.extend(reports_in(&instruction.data)?);
        }
    }
    Ok(reports)
}

/// The up-seconds a quorum vouches for: the `threshold`-th highest of
/// `reported` (so at least `threshold` attestors reported at least that
/// much); `None` with fewer reports than the threshold.
pub fn quorum_up_seconds(mut reported: Vec<u64>, threshold: u8) -> Option<u64> {
    let threshold = usize::from(threshold);
    if threshold == 0 || reported.len() < threshold {
        return None;
    }
    reported.sort_unstable_by(|a, b| b.cmp(a));
    Some(reported[threshold - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> UptimeReport {
        UptimeReport {
            lease: Pubkey::new_from_array([7; 32]),
            from: 1_000,
            to: 1_060,
            up_seconds: 55,
        }
    }

    #[test]
    fn a_report_reads_back_from_its_message() {
        let r = report();
        assert_eq!(UptimeReport::parse(&r.message()).unwrap(), r);
    }

    #[test]
    fn another_tag_program_or_length_is_refused() {
        let mut tag = report().message();
        tag[0] ^= 1;
        assert_eq!(
            UptimeReport::parse(&tag).unwrap_err(),
            error!(EscrowError::ReportTagMismatch)
        );
        let mut program = report().message();
        program[REPORT_TAG.len()] ^= 1;
        assert_eq!(
            UptimeReport::parse(&program).unwrap_err(),
            error!(EscrowError::ReportForOtherProgram)
        );
        assert_eq!(
            UptimeReport::parse(&report().message()[1..]).unwrap_err(),
            error!(EscrowError::ReportMalformed)
        );
    }

    #[test]
    fn the_quorum_credits_the_threshold_th_highest_report() {
        assert_eq!(quorum_up_seconds(vec![60, 10, 55], 2), Some(55));
        assert_eq!(quorum_up_seconds(vec![60, 10, 55], 3), Some(10));
        assert_eq!(quorum_up_seconds(vec![60, 10, 55], 1), Some(60));
        assert_eq!(quorum_up_seconds(vec![60], 2), None);
        assert_eq!(quorum_up_seconds(vec![], 0), None);
    }
}
