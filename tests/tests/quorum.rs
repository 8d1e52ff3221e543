//! M-of-N attestation: reports signed off chain by a lease's attestors,
//! verified by Ed25519 program instructions and credited by `attest_reports`
//! at the quorum's value; every malformed, foreign, replayed or short
//! submission refused by name with nothing moved.

use compute_escrow::error::EscrowError as E;
use compute_escrow::instructions::ListingUpdate;
use compute_escrow::report::{UptimeReport, REPORT_LEN};
use compute_escrow::state::AttestorSet;
use compute_escrow_client::reports::{
    ed25519_instruction, ed25519_instruction_over, SignedUptimeReport,
};
use compute_escrow_tests::*;
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// Grid of the quorum listing.
const PERIOD: i64 = 60;

/// The standard market whose listing is watched by three attestors at 2 of
/// 3 on a one-minute grid, one lease of 1 hour opened on it, and two
/// periods elapsed.
struct Quorum {
    m: Market,
    attestors: [Keypair; 3],
    lease: Pubkey,
}

impl Quorum {
    async fn new() -> Quorum {
        Quorum::with(2).await
    }

    async fn with(threshold: u8) -> Quorum {
        let mut m = Market::new().await;
        let attestors = [Keypair::new(), Keypair::new(), Keypair::new()];
        let keys: Vec<Pubkey> = attestors.iter().map(Signer::pubkey).collect();
        let set = AttestorSet::new(&keys, threshold, PERIOD as u32).unwrap();
        m.update_listing(ListingUpdate {
            attestors: Some(set),
            ..Default::default()
        })
        .await
        .unwrap();
        let lease = m.open(1, 1).await.unwrap();
        m.bank.advance(2 * PERIOD).await;
        Quorum {
            m,
            attestors,
            lease,
        }
    }

    /// `attestor` reports `up` seconds of `[from, to)` of the lease.
    fn report(&self, attestor: usize, from: i64, to: i64, up: u64) -> SignedUptimeReport {
        SignedUptimeReport::sign(
            &self.attestors[attestor],
            UptimeReport {
                lease: self.lease,
                from,
                to,
                up_seconds: up,
            },
        )
    }

    /// The n-th period of the grid.
    fn period(n: i64) -> (i64, i64) {
        (GENESIS_TIME + n * PERIOD, GENESIS_TIME + (n + 1) * PERIOD)
    }

    fn submit_ix(&self, periods: u8) -> Instruction {
        let m = &self.m;
        ix::attest_reports(
            &m.bank.payer(),
            &m.provider,
            &m.listing,
            &self.lease,
            periods,
        )
    }

    /// The Ed25519 instruction of `reports` and `attest_reports` for `periods`.
    fn submission(&self, reports: &[SignedUptimeReport], periods: u8) -> Vec<Instruction> {
        vec![ed25519_instruction(reports), self.submit_ix(periods)]
    }

    async fn submit(
        &mut self,
        reports: &[SignedUptimeReport],
        periods: u8,
    ) -> Result<(), TxFailure> {
        let ixs = self.submission(reports, periods);
        self.m.bank.send(&ixs, &[]).await
    }

    async fn refused(&mut self, ixs: Vec<Instruction>, expected: E) {
        let lease = self.lease;
        self.m.refused(&ixs, &[], expected, &[lease]).await;
    }

    async fn lease(&mut self) -> compute_escrow::state::Lease {
        let lease = self.lease;
        self.m.lease(&lease).await.expect("the lease")
    }
}

#[tokio::test]
async fn two_of_three_credits_the_second_highest_report() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let provider_before = q.m.provider().await;
    let reports = [
        q.report(0, from, to, 60),
        q.report(1, from, to, 10),
        q.report(2, from, to, 50),
    ];
    q.submit(&reports, 1).await.unwrap();
    let lease = q.lease().await;
    assert_eq!(lease.attested_until, to);
    assert_eq!((lease.attested_seconds, lease.down_seconds), (50, 10));
    let provider = q.m.provider().await;
    assert_eq!(
        provider.seconds_attested - provider_before.seconds_attested,
        50
    );
    assert_eq!(provider.seconds_missed - provider_before.seconds_missed, 10);
}

#[tokio::test]
async fn one_submission_credits_consecutive_periods_each_at_its_quorum() {
    let mut q = Quorum::new().await;
    let (a, b) = Quorum::period(0);
    let (_, c) = Quorum::period(1);
    // Period 0: two reports (55, 60) -> 55; period 1: all three -> 40.
    let reports = [
        q.report(0, a, b, 55),
        q.report(2, a, b, 60),
        q.report(0, b, c, 60),
        q.report(1, b, c, 40),
        q.report(2, b, c, 0),
    ];
    q.submit(&reports, 2).await.unwrap();
    let lease = q.lease().await;
    assert_eq!(lease.attested_until, c);
    assert_eq!((lease.attested_seconds, lease.down_seconds), (95, 25));
}

#[tokio::test]
async fn a_single_attestor_reports_without_paying_and_a_listing_of_one_still_attests_by_transaction(
) {
    let mut q = Quorum::with(1).await;
    let (from, to) = Quorum::period(0);
    let attestor_balance = q.m.bank.lamports(&q.attestors[1].pubkey()).await;
    q.submit(&[q.report(1, from, to, 42)], 1).await.unwrap();
    assert_eq!(q.lease().await.attested_seconds, 42);
    assert_eq!(
        q.m.bank.lamports(&q.attestors[1].pubkey()).await,
        attestor_balance,
        "the attestor spent nothing"
    );
    // At 1 of N, one attestor's own transaction works as before.
    let (from, to) = Quorum::period(1);
    let attestor = q.attestors[2].insecure_clone();
    q.m.bank.airdrop(&attestor.pubkey(), 1_000_000_000).await;
    let (p, l, lease) = (q.m.provider, q.m.listing, q.lease);
    let own = ix::attest_uptime(&attestor.pubkey(), &p, &l, &lease, from, to, 60);
    q.m.bank.send(&[own], &[&attestor]).await.unwrap();
    assert_eq!(q.lease().await.attested_seconds, 102);
}

#[tokio::test]
async fn a_quorum_lease_refuses_one_attestors_own_transaction() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let attestor = q.attestors[0].insecure_clone();
    q.m.bank.airdrop(&attestor.pubkey(), 1_000_000_000).await;
    let (p, l, lease) = (q.m.provider, q.m.listing, q.lease);
    let own = ix::attest_uptime(&attestor.pubkey(), &p, &l, &lease, from, to, 60);
    q.m.refused(&[own], &[&attestor], E::QuorumRequired, &[lease])
        .await;
}

#[tokio::test]
async fn fewer_than_the_threshold_one_attestor_twice_or_a_stranger_are_refused() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let one = q.submission(&[q.report(0, from, to, 60)], 1);
    q.refused(one, E::QuorumNotReached).await;
    let twice = q.submission(&[q.report(0, from, to, 60), q.report(0, from, to, 59)], 1);
    q.refused(twice, E::DuplicateReport).await;
    let stranger = SignedUptimeReport::sign(
        &Keypair::new(),
        UptimeReport {
            lease: q.lease,
            from,
            to,
            up_seconds: 60,
        },
    );
    let with_stranger = q.submission(&[q.report(0, from, to, 60), stranger], 1);
    q.refused(with_stranger, E::ReportSignerNotAttestor).await;
    let none = q.submission(&[], 1);
    q.refused(none, E::QuorumNotReached).await;
    let zero = q.submission(&[q.report(0, from, to, 60), q.report(1, from, to, 60)], 0);
    q.refused(zero, E::InvalidPeriodCount).await;
}

#[tokio::test]
async fn reports_for_another_lease_period_or_overstated_are_refused() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let valid = [q.report(0, from, to, 60), q.report(1, from, to, 60)];
    let mut other_lease = q.report(2, from, to, 60);
    other_lease.report.lease = Pubkey::new_unique();
    let other_lease = SignedUptimeReport::sign(&q.attestors[2], other_lease.report);
    let ixs = q.submission(&[valid[0], valid[1], other_lease], 1);
    q.refused(ixs, E::ReportForOtherLease).await;
    // Off the grid: [from, from + 30).
    let off_grid = q.report(2, from, from + 30, 30);
    let ixs = q.submission(&[valid[0], valid[1], off_grid], 1);
    q.refused(ixs, E::ReportForOtherPeriod).await;
    // A later period than the submission credits leaves a gap.
    let (later, later_end) = Quorum::period(1);
    let gap = [
        q.report(0, later, later_end, 60),
        q.report(1, later, later_end, 60),
    ];
    let ixs = q.submission(&gap, 1);
    q.refused(ixs, E::PeriodLeavesGap).await;
    // More up seconds than the period has.
    let over = [q.report(0, from, to, 61), q.report(1, from, to, 61)];
    let ixs = q.submission(&over, 1);
    q.refused(ixs, E::UpSecondsExceedPeriod).await;
    // A period not yet over.
    let (_, future) = Quorum::period(2);
    let (p2, _) = Quorum::period(2);
    let (p1, _) = Quorum::period(1);
    let ahead = [
        q.report(0, from, to, 60),
        q.report(1, from, to, 60),
        q.report(0, to, p2, 60),
        q.report(1, to, p2, 60),
        q.report(0, p2, future, 60),
        q.report(1, p2, future, 60),
    ];
    assert_eq!(p1, to);
    let ixs = q.submission(&ahead, 3);
    q.refused(ixs, E::PeriodInFuture).await;
}

#[tokio::test]
async fn a_replayed_report_is_refused_once_its_period_is_credited() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let reports = [q.report(0, from, to, 60), q.report(1, from, to, 60)];
    q.submit(&reports, 1).await.unwrap();
    let again = q.submission(&reports, 1);
    q.refused(again, E::PeriodOverlapsAttested).await;
}

/// A report message changed by `edit`, signed by attestor `attestor`.
fn tampered(
    q: &Quorum,
    attestor: usize,
    edit: impl Fn(&mut Vec<u8>),
) -> (Pubkey, solana_sdk::signature::Signature, Vec<u8>) {
    let (from, to) = Quorum::period(0);
    let mut message = q.report(attestor, from, to, 60).report.message().to_vec();
    edit(&mut message);
    let key = &q.attestors[attestor];
    (key.pubkey(), key.sign_message(&message), message)
}

#[tokio::test]
async fn messages_with_another_tag_program_or_length_are_refused() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let good = q.report(0, from, to, 60);
    let good_message = good.report.message();
    for (edit, expected) in [
        (
            Box::new(|m: &mut Vec<u8>| m[0] ^= 1) as Box<dyn Fn(&mut Vec<u8>)>,
            E::ReportTagMismatch,
        ),
        (
            Box::new(|m: &mut Vec<u8>| m[24] ^= 1),
            E::ReportForOtherProgram,
        ),
        (
            Box::new(|m: &mut Vec<u8>| m.truncate(REPORT_LEN - 8)),
            E::ReportMalformed,
        ),
    ] {
        let (key, signature, message) = tampered(&q, 1, edit);
        let ed25519 = ed25519_instruction_over(
            [
                (good.attestor, good.signature, &good_message[..]),
                (key, signature, &message[..]),
            ]
            .into_iter(),
        );
        q.refused(vec![ed25519, q.submit_ix(1)], expected).await;
    }
}

#[tokio::test]
async fn ed25519_offsets_into_another_instruction_are_refused() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let reports = [q.report(0, from, to, 60), q.report(1, from, to, 60)];
    // A first Ed25519 instruction carries both reports; a second one points
    // its offsets at the first one's data (valid signatures, so the runtime
    // accepts it), counting the reports a second time.
    let first = ed25519_instruction(&reports);
    let mut second = first.clone();
    // The bank puts a compute-budget instruction first: `first` is index 1.
    for entry in 0..2 {
        for field in [2, 6, 12] {
            let at = 2 + entry * 14 + field;
            second.data[at..at + 2].copy_from_slice(&1u16.to_le_bytes());
        }
    }
    q.refused(
        vec![first, second, q.submit_ix(1)],
        E::ReportNotSelfContained,
    )
    .await;
}

#[tokio::test]
async fn an_account_in_place_of_the_instructions_sysvar_is_refused() {
    let mut q = Quorum::new().await;
    let (from, to) = Quorum::period(0);
    let reports = [q.report(0, from, to, 60), q.report(1, from, to, 60)];
    let mut ixs = q.submission(&reports, 1);
    let fake = Pubkey::new_unique();
    let sysvar = ixs[1]
        .accounts
        .iter_mut()
        .find(|a| a.pubkey == solana_sdk::sysvar::instructions::ID)
        .expect("the sysvar account");
    *sysvar = AccountMeta::new_readonly(fake, false);
    q.refused(ixs, E::NotInstructionsSysvar).await;
}

#[tokio::test]
async fn the_last_period_ends_at_a_cancel_off_the_grid() {
    let mut q = Quorum::new().await;
    let (a, b) = Quorum::period(0);
    q.submit(&[q.report(0, a, b, 60), q.report(1, a, b, 60)], 1)
        .await
        .unwrap();
    q.m.bank.advance(30).await;
    let lease = q.lease;
    q.m.cancel(&lease).await.unwrap();
    let end = q.lease().await.end_ts;
    assert_ne!((end - GENESIS_TIME) % PERIOD, 0, "cancelled off the grid");
    // Periods 1 and the partial last one, to the cancel.
    let (_, c) = Quorum::period(1);
    let reports = [
        q.report(0, b, c, 60),
        q.report(2, b, c, 60),
        q.report(0, c, end, (end - c) as u64),
        q.report(2, c, end, (end - c) as u64),
    ];
    q.submit(&reports, 2).await.unwrap();
    let attested = q.lease().await;
    assert_eq!(attested.attested_until, end);
    assert!(!attested.has_unattested_time());
    q.m.settle(&lease).await.unwrap();
}

#[tokio::test]
async fn a_crank_submits_every_complete_quorum_in_transactions_that_fit() {
    let mut q = Quorum::new().await;
    q.m.bank.advance(4 * PERIOD).await;
    let p = Quorum::period;
    let reports = [
        q.report(0, p(0).0, p(0).1, 60),
        q.report(1, p(0).0, p(0).1, 55),
        q.report(2, p(0).0, p(0).1, 10),
        q.report(0, p(1).0, p(1).1, 60),
        q.report(1, p(1).0, p(1).1, 60),
        // Period 2 lacks a quorum: the crank stops there.
        q.report(2, p(2).0, p(2).1, 60),
        q.report(0, p(3).0, p(3).1, 60),
        q.report(1, p(3).0, p(3).1, 60),
    ];
    let lease = q.lease().await;
    let now = q.m.bank.now().await;
    let payer = q.m.bank.payer();
    let plan = compute_escrow_client::crank::submissions(&payer, &q.lease, &lease, &reports, now);
    let periods: Vec<(i64, i64)> = plan.iter().flat_map(|s| s.periods.clone()).collect();
    assert_eq!(periods, vec![p(0), p(1)]);
    // A second crank planned from the same state.
    let stale = plan.clone();
    for s in &plan {
        let tx = q.m.bank.sign(&s.instructions, &[]).await;
        let size = bincode::serialize(&tx).unwrap().len();
        assert!(size <= 1_232, "a transaction of {size} bytes");
        q.m.bank.process(tx).await.unwrap();
    }
    let attested = q.lease().await;
    assert_eq!(attested.attested_until, p(2).0);
    assert_eq!(attested.attested_seconds, 55 + 60);
    // The second crank's transaction is refused as already attested, and
    // planning again from the chain finds nothing to do.
    let lease_key = q.lease;
    q.m.refused(
        &stale[0].instructions,
        &[],
        E::PeriodOverlapsAttested,
        &[lease_key],
    )
    .await;
    let again =
        compute_escrow_client::crank::submissions(&payer, &q.lease, &attested, &reports, now);
    assert!(again.is_empty(), "{again:?}");
}
