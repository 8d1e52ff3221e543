//! Property test: random sequences of open / extend / attest / signed reports
//! from honest, lying and silent attestors at 1 to 3 of 3 / claim / cancel /
//! settle by two renters, admin changes of fee and grace mid-lease, payout
//! wallet and treasury moved onto the renters (aliased recipients) or, refused,
//! onto this program's own accounts, and lease addresses pre-funded above rent
//! by a stranger, with random clock jumps over several leases. After every
//! step: each lease obeys deposited = paid_out + fee_paid + refunded + escrow,
//! no lamport is created or destroyed across all accounts involved, the
//! listing counts exactly the leases that can still be attested against its
//! capacity, and a refused transaction changed nothing. Settle is tried as
//! soon as the program allows it (a lease attested to its end settles before
//! its grace). Every sequence ends by settling all its leases (which must
//! succeed: nothing is ever stuck), leaving no escrow behind.
//!
//! 1,000 sequences by default; set `PROPTEST_CASES` for more.

use std::cell::RefCell;

use std::collections::{BTreeMap, BTreeSet};

use compute_escrow::error::EscrowError;
use compute_escrow::instructions::{ConfigUpdate, ListingUpdate};
use compute_escrow::report::{quorum_up_seconds, UptimeReport};
use compute_escrow::state::{AttestorSet, Config as MarketConfig, Lease};
use compute_escrow_client::reports::{ed25519_instruction, SignedUptimeReport};
use compute_escrow_tests::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// Longest settle grace the sequences configure (`Op::Reconfigure`).
const MAX_GRACE_USED: u32 = 7_200;

#[derive(Clone, Debug)]
enum Op {
    Open {
        hours: u32,
        /// Which of the two renters opens it.
        second_renter: bool,
    },
    /// The admin changes fee and grace; open leases keep their snapshots.
    Reconfigure {
        fee_bps: u16,
        grace: u32,
    },
    /// The provider moves its payout wallet, or the admin the treasury.
    SetRecipient {
        treasury: bool,
        to: Recipient,
    },
    /// A stranger sends lamports to the address of a renter's next lease.
    Prefund {
        second_renter: bool,
        lamports: u64,
    },
    Extend {
        lease: usize,
        hours: u32,
    },
    /// Attest from `attested_until` for `span` seconds (clamped to the clock
    /// and the end only when `clamp`), `up_percent` of it up.
    Attest {
        lease: usize,
        span: i64,
        up_percent: u64,
        clamp: bool,
    },
    /// The lease's attestors report the next `periods` periods of its grid
    /// (signed off chain, submitted by a third party): each either honest
    /// (`truth_percent` of the period up), lying (any value, at most the
    /// period) or silent, by `behaviors[i].0 % 3`.
    Report {
        lease: usize,
        periods: u8,
        truth_percent: u64,
        behaviors: [(u8, u64); 3],
    },
    Claim {
        lease: usize,
    },
    Cancel {
        lease: usize,
    },
    Settle {
        lease: usize,
    },
    Advance {
        seconds: i64,
    },
}

/// Where a payout wallet or treasury may be moved.
#[derive(Clone, Copy, Debug)]
enum Recipient {
    /// The market's own payout wallet or treasury.
    Original,
    /// A renter's wallet (aliased: it both pays and receives).
    Renter { second: bool },
    /// One of this program's accounts: always refused.
    ProgramOwned { which: u8 },
}

fn recipient() -> impl Strategy<Value = Recipient> {
    prop_oneof![
        2 => Just(Recipient::Original),
        2 => any::<bool>().prop_map(|second| Recipient::Renter { second }),
        1 => (0u8..4).prop_map(|which| Recipient::ProgramOwned { which }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (any::<bool>(), recipient()).prop_map(|(treasury, to)| Op::SetRecipient { treasury, to }),
        // At least the rent-exempt minimum of an empty account: the runtime
        // refuses to leave a new account below it.
        1 => (any::<bool>(), 890_880u64..=5 * LAMPORTS_PER_SOL)
            .prop_map(|(second_renter, lamports)| Op::Prefund { second_renter, lamports }),
        2 => (1u32..=6, any::<bool>()).prop_map(|(hours, second_renter)| Op::Open { hours, second_renter }),
        1 => (0u16..=500, 600u32..=7_200).prop_map(|(fee_bps, grace)| Op::Reconfigure { fee_bps, grace }),
        1 => (any::<usize>(), 1u32..=3).prop_map(|(lease, hours)| Op::Extend { lease, hours }),
        4 => (any::<usize>(), 1i64..=9_000, 0u64..=100, prop::bool::weighted(0.9))
            .prop_map(|(lease, span, up_percent, clamp)| Op::Attest { lease, span, up_percent, clamp }),
        2 => (any::<usize>(), 1u8..=3, 0u64..=100, any::<[(u8, u64); 3]>())
            .prop_map(|(lease, periods, truth_percent, behaviors)| Op::Report { lease, periods, truth_percent, behaviors }),
        2 => any::<usize>().prop_map(|lease| Op::Claim { lease }),
        1 => any::<usize>().prop_map(|lease| Op::Cancel { lease }),
        1 => any::<usize>().prop_map(|lease| Op::Settle { lease }),
        3 => (0i64..=12_000).prop_map(|seconds| Op::Advance { seconds }),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    fee_bps: u16,
    price: u64,
    /// Who attests this case's leases: 0 = the market's one attestor (by
    /// transaction or report); 1 to 3 = that many of three attestors must
    /// agree (reports only).
    threshold: u8,
    /// The listing's attestation period, seconds.
    period: u32,
    ops: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0u16..=500,
        1u64..=100_000_000,
        0u8..=3,
        prop_oneof![Just(60u32), 1u32..=1_800],
        prop::collection::vec(op(), 1..24),
    )
        .prop_map(|(fee_bps, price, threshold, period, ops)| Case {
            fee_bps,
            price,
            threshold,
            period,
            ops,
        })
}

/// The market shared by all cases, and the next unused lease id.
struct World {
    m: Market,
    /// A second renter beside the market's, so leases of different renters
    /// share the listing.
    second_renter: Keypair,
    /// Three attestors for the cases that need a quorum.
    quorum: [Keypair; 3],
    /// The renter of every lease opened.
    renters: std::collections::HashMap<Pubkey, Pubkey>,
    /// Addresses a stranger funded before their lease existed.
    prefunded: BTreeSet<Pubkey>,
    /// Lamports sent in from outside the accounts [`World::total`] counts.
    inflow: u128,
    next_lease_id: u64,
    /// Per operation: (succeeded, refused), to show what the sequences exercised.
    outcomes: std::collections::BTreeMap<&'static str, (u32, u32)>,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Open { .. } => "open",
            Op::Reconfigure { .. } => "reconfigure",
            Op::SetRecipient { .. } => "recipient",
            Op::Prefund { .. } => "prefund",
            Op::Extend { .. } => "extend",
            Op::Attest { .. } => "attest",
            Op::Report { .. } => "report",
            Op::Claim { .. } => "claim",
            Op::Cancel { .. } => "cancel",
            Op::Settle { .. } => "settle",
            Op::Advance { .. } => "advance",
        }
    }
}

fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if cond {
        Ok(())
    } else {
        Err(TestCaseError::fail(msg()))
    }
}

/// floor(seconds × price / 3600), computed independently of the program.
fn earned(seconds: u64, price: u64) -> u64 {
    (u128::from(seconds) * u128::from(price) / 3_600) as u64
}

impl World {
    async fn run(&mut self, case: Case) -> Result<(), TestCaseError> {
        let m = &mut self.m;
        let authority = m.provider_authority.insecure_clone();
        let fee = ConfigUpdate {
            fee_bps: Some(case.fee_bps),
            ..Default::default()
        };
        m.update_config(fee).await.unwrap();
        let attestors = if case.threshold == 0 {
            AttestorSet::new(&[m.attestor.pubkey()], 1, case.period)
        } else {
            let keys: Vec<Pubkey> = self.quorum.iter().map(Signer::pubkey).collect();
            AttestorSet::new(&keys, case.threshold, case.period)
        }
        .expect("a valid set");
        let price = ListingUpdate {
            price_lamports_per_hour: Some(case.price),
            attestors: Some(attestors),
            ..Default::default()
        };
        m.bank
            .send(
                &[ix::update_listing(
                    &authority.pubkey(),
                    &m.provider,
                    &m.listing,
                    price,
                )],
                &[&authority],
            )
            .await
            .unwrap();
        for renter in [m.renter.pubkey(), self.second_renter.pubkey()] {
            if m.bank.lamports(&renter).await < 100 * LAMPORTS_PER_SOL {
                m.bank.airdrop(&renter, 100 * LAMPORTS_PER_SOL).await;
            }
        }

        self.set_recipient(false, Recipient::Original, &[]).await?;
        self.set_recipient(true, Recipient::Original, &[]).await?;
        // A fresh lease id: the last case may have pre-funded the next one.
        self.next_lease_id += 1;
        self.prefunded.clear();
        self.inflow = 0;
        let mut leases: Vec<Pubkey> = Vec::new();
        let total = self.total(&leases).await;
        for (i, op) in case.ops.iter().enumerate() {
            self.step(op, &mut leases).await?;
            self.check_invariants(&leases, total)
                .await
                .map_err(|e| TestCaseError::fail(format!("after step {i} ({op:?}): {e}")))?;
        }
        // Wind down: past every end + grace, settle everything left.
        self.m
            .bank
            .advance(24 * 3_600 + i64::from(MAX_GRACE_USED) + 1)
            .await;
        for lease in leases.clone() {
            if self.m.lease(&lease).await.is_some() {
                let before = self.m.lease(&lease).await.unwrap();
                self.settle_checked(&lease, &before).await?;
                self.check_invariants(&leases, total).await?;
            }
        }
        for lease in &leases {
            check(self.m.bank.lamports(lease).await == 0, || {
                format!("lease {lease} still holds lamports")
            })?;
        }
        Ok(())
    }

    /// Every wallet that can pay into or receive from an escrow (renters,
    /// the original payout wallet and treasury; moved recipients are among
    /// them), each counted once however many roles it plays.
    fn wallets(&self) -> BTreeSet<Pubkey> {
        BTreeSet::from([
            self.m.renter.pubkey(),
            self.second_renter.pubkey(),
            self.m.payout_wallet.pubkey(),
            self.m.treasury.pubkey(),
        ])
    }

    /// Lamports of every account money can move between (wallets, leases,
    /// pre-funded addresses), less what came in from outside.
    async fn total(&mut self, leases: &[Pubkey]) -> u128 {
        let mut keys = self.wallets();
        keys.extend(leases.iter().copied());
        keys.extend(self.prefunded.iter().copied());
        let mut sum = 0u128;
        for key in keys {
            sum += u128::from(self.m.bank.lamports(&key).await);
        }
        sum - self.inflow
    }

    /// The payout wallet and treasury in force.
    async fn recipients(&mut self) -> (Pubkey, Pubkey) {
        let wallet = self.m.provider().await.payout_wallet;
        let config: MarketConfig = self
            .m
            .bank
            .account(&compute_escrow::pda::config().0)
            .await
            .expect("config exists");
        (wallet, config.treasury)
    }

    /// Moves the payout wallet (or, with `treasury`, the treasury) to `to`;
    /// a program-owned target must be refused with `InvalidRecipient`, moving
    /// nothing. Returns whether the change was applied.
    async fn set_recipient(
        &mut self,
        treasury: bool,
        to: Recipient,
        leases: &[Pubkey],
    ) -> Result<bool, TestCaseError> {
        let mut open_lease = None;
        for key in leases {
            if self.m.lease(key).await.is_some() {
                open_lease = Some(*key);
                break;
            }
        }
        let m = &mut self.m;
        let target = match to {
            Recipient::Original if treasury => m.treasury.pubkey(),
            Recipient::Original => m.payout_wallet.pubkey(),
            Recipient::Renter { second: false } => m.renter.pubkey(),
            Recipient::Renter { second: true } => self.second_renter.pubkey(),
            Recipient::ProgramOwned { which } => match which {
                0 => compute_escrow::pda::config().0,
                1 => m.provider,
                2 => m.listing,
                _ => open_lease.unwrap_or(m.listing),
            },
        };
        let (ix, signer) = if treasury {
            let admin = m.admin.insecure_clone();
            let ix =
                ix::update_config_treasury(&admin.pubkey(), ConfigUpdate::default(), Some(target));
            (ix, admin)
        } else {
            let authority = m.provider_authority.insecure_clone();
            let ix = ix::update_provider(&authority.pubkey(), &m.provider, Some(target), None);
            (ix, authority)
        };
        let watched: Vec<Pubkey> = leases.iter().copied().chain([target]).collect();
        let before = m.snapshot(&watched).await;
        let result = m.bank.send(&[ix], &[&signer]).await;
        if let Recipient::ProgramOwned { .. } = to {
            let after = m.snapshot(&watched).await;
            check(
                result == Err(TxFailure::Program(code(EscrowError::InvalidRecipient))),
                || format!("program-owned recipient {target} not refused by name: {result:?}"),
            )?;
            check(before == after, || {
                "a refused recipient change moved something".into()
            })?;
            return Ok(false);
        }
        result.map_err(|e| TestCaseError::fail(format!("recipient change refused: {e:?}")))?;
        Ok(true)
    }

    async fn check_invariants(
        &mut self,
        leases: &[Pubkey],
        total: u128,
    ) -> Result<(), TestCaseError> {
        let mut holding_slots = 0u16;
        for key in leases {
            let Some(lease) = self.m.lease(key).await else {
                continue;
            };
            holding_slots += u16::from(lease.has_unattested_time());
            let escrow = self.m.escrow(key).await;
            let out = u128::from(lease.paid_out)
                + u128::from(lease.fee_paid)
                + u128::from(lease.refunded);
            check(
                u128::from(lease.deposited) == out + u128::from(escrow),
                || format!("conservation broken for {key}: {lease:?}, escrow {escrow}"),
            )?;
            let owed = earned(lease.attested_seconds, lease.price_lamports_per_hour);
            check(lease.paid_out + lease.fee_paid <= owed, || {
                format!("paid more than earned: {lease:?}")
            })?;
            let covered = (lease.attested_until - lease.start_ts) as u64;
            check(
                lease.attested_seconds + lease.down_seconds == covered,
                || format!("attested time: {lease:?}"),
            )?;
            check(lease.attested_until <= lease.end_ts, || {
                format!("attested past end: {lease:?}")
            })?;
        }
        let listing = self.m.listing().await;
        check(listing.active_leases == holding_slots, || {
            format!(
                "listing counts {} leases against capacity, {holding_slots} can still be attested",
                listing.active_leases
            )
        })?;
        let now = self.total(leases).await;
        check(now == total, || {
            format!("lamports created or destroyed: {total} -> {now}")
        })
    }

    /// Lamports of each distinct account in `keys`.
    async fn balances_of(&mut self, keys: &[Pubkey]) -> BTreeMap<Pubkey, u64> {
        let mut out = BTreeMap::new();
        for key in keys {
            out.insert(*key, self.m.bank.lamports(key).await);
        }
        out
    }

    async fn settle_checked(&mut self, key: &Pubkey, before: &Lease) -> Result<(), TestCaseError> {
        let (wallet, treasury) = self.recipients().await;
        let parties = [before.renter, wallet, treasury];
        let balances = self.balances_of(&parties).await;
        let lease_lamports = self.m.bank.lamports(key).await;
        let escrow = self.m.escrow(key).await;
        let m = &mut self.m;
        let settle = ix::settle_lease(
            &m.provider,
            &m.listing,
            key,
            &before.renter,
            &wallet,
            &treasury,
        );
        m.bank.send(&[settle], &[]).await.map_err(|e| {
            TestCaseError::fail(format!(
                "settle of a settleable lease failed: {e:?} for {before:?}"
            ))
        })?;
        let after = self.balances_of(&parties).await;
        let total_earned = earned(before.attested_seconds, before.price_lamports_per_hour);
        let total_fee = (u128::from(total_earned) * u128::from(before.fee_bps) / 10_000) as u64;
        let refund = before.deposited - total_earned - before.refunded;
        let rent = lease_lamports - escrow;
        // What each role is owed, summed per account (a renter may also be
        // the payout wallet or the treasury).
        let mut owed: BTreeMap<Pubkey, u64> = BTreeMap::new();
        *owed.entry(before.renter).or_default() += refund + rent;
        *owed.entry(wallet).or_default() += total_earned - total_fee - before.paid_out;
        *owed.entry(treasury).or_default() += total_fee - before.fee_paid;
        for (account, amount) in &owed {
            let got = after[account] - balances[account];
            check(got == *amount, || {
                format!("{account} got {got}, owed {amount} at settle of {before:?}")
            })?;
        }
        check(self.m.lease(key).await.is_none(), || {
            "settled lease still exists".into()
        })
    }

    async fn step(&mut self, op: &Op, leases: &mut Vec<Pubkey>) -> Result<(), TestCaseError> {
        let pick =
            |i: usize, leases: &[Pubkey]| (!leases.is_empty()).then(|| leases[i % leases.len()]);
        let (wallet, treasury) = self.recipients().await;
        let quorum = &self.quorum;
        let m = &mut self.m;
        // For a report: the lease, its up seconds before, what the quorums
        // should credit (None: some period lacks a quorum) and where
        // attestation should then stand.
        let mut credit: Option<(Pubkey, u64, Option<u64>, i64)> = None;
        let renters = &self.renters;
        let renter_of = |key: &Pubkey| renters[key];
        let watched: Vec<Pubkey> = leases.clone();
        let ixs = match *op {
            Op::Advance { seconds } => {
                m.bank.advance(seconds).await;
                return Ok(());
            }
            Op::SetRecipient { treasury, to } => {
                let applied = self.set_recipient(treasury, to, leases).await?;
                self.record(op, applied);
                return Ok(());
            }
            Op::Prefund {
                second_renter,
                lamports,
            } => {
                let renter = if second_renter {
                    self.second_renter.pubkey()
                } else {
                    m.renter.pubkey()
                };
                let next = m.lease_of(&renter, self.next_lease_id);
                m.bank.airdrop(&next, lamports).await;
                self.prefunded.insert(next);
                self.inflow += u128::from(lamports);
                self.record(op, true);
                return Ok(());
            }
            Op::Reconfigure { fee_bps, grace } => {
                let update = ConfigUpdate {
                    fee_bps: Some(fee_bps),
                    settle_grace_seconds: Some(grace),
                    ..Default::default()
                };
                m.update_config(update).await.unwrap();
                self.record(op, true);
                return Ok(());
            }
            Op::Open {
                hours,
                second_renter,
            } => {
                let id = self.next_lease_id;
                self.next_lease_id += 1;
                let renter = if second_renter {
                    self.second_renter.insecure_clone()
                } else {
                    m.renter.insecure_clone()
                };
                let quote = m.quote().await;
                let ix = ix::open_lease(&renter.pubkey(), &m.listing, id, hours, quote);
                let key = m.lease_of(&renter.pubkey(), id);
                let opened = m.bank.send(&[ix], &[&renter]).await.is_ok();
                if opened {
                    leases.push(key);
                    self.renters.insert(key, renter.pubkey());
                }
                self.record(op, opened);
                return Ok(());
            }
            Op::Settle { lease } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                let Some(before) = m.lease(&key).await else {
                    return Ok(());
                };
                let now = m.bank.now().await;
                if before.is_settleable(now).expect("settle time fits") {
                    self.record(op, true);
                    return self.settle_checked(&key, &before).await;
                }
                vec![ix::settle_lease(
                    &m.provider,
                    &m.listing,
                    &key,
                    &before.renter,
                    &wallet,
                    &treasury,
                )]
            }
            Op::Extend { lease, hours } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                vec![ix::extend_lease(&renter_of(&key), &m.listing, &key, hours)]
            }
            Op::Claim { lease } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                vec![ix::claim_payout(
                    &m.provider_authority.pubkey(),
                    &m.provider,
                    &key,
                    &wallet,
                    &treasury,
                )]
            }
            Op::Cancel { lease } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                vec![ix::cancel_lease(&renter_of(&key), &m.listing, &key)]
            }
            Op::Attest {
                lease,
                span,
                up_percent,
                clamp,
            } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                let Some(state) = m.lease(&key).await else {
                    return Ok(());
                };
                let from = state.attested_until;
                let mut to = from + span;
                if clamp {
                    to = to.min(m.bank.now().await).min(state.end_ts);
                }
                let up = (to - from).max(0) as u64 * up_percent / 100;
                vec![ix::attest_uptime(
                    &m.attestor.pubkey(),
                    &m.provider,
                    &m.listing,
                    &key,
                    from,
                    to,
                    up,
                )]
            }
            Op::Report {
                lease,
                periods,
                truth_percent,
                behaviors,
            } => {
                let Some(key) = pick(lease, leases) else {
                    return Ok(());
                };
                let Some(state) = m.lease(&key).await else {
                    return Ok(());
                };
                let set = state.attestors;
                let signer_of = |k: &Pubkey| {
                    quorum
                        .iter()
                        .chain([&m.attestor])
                        .find(|q| q.pubkey() == *k)
                        .expect("a known attestor")
                        .insecure_clone()
                };
                let mut reports = Vec::new();
                let mut expected = Some(0u64);
                let mut from = state.attested_until;
                let mut windows = 0u8;
                for _ in 0..periods {
                    let to = set.period_end(state.start_ts, state.end_ts, from).unwrap();
                    if to <= from {
                        break;
                    }
                    let len = (to - from) as u64;
                    let mut values = Vec::new();
                    for (member, (kind, lie)) in set.members().iter().zip(behaviors) {
                        let up = match kind % 3 {
                            0 => len * truth_percent / 100,
                            1 => lie % (len + 1),
                            _ => continue,
                        };
                        values.push(up);
                        let report = UptimeReport {
                            lease: key,
                            from,
                            to,
                            up_seconds: up,
                        };
                        reports.push(SignedUptimeReport::sign(&signer_of(member), report));
                    }
                    expected = expected
                        .zip(quorum_up_seconds(values, set.threshold))
                        .map(|(sum, up)| sum + up);
                    windows += 1;
                    from = to;
                }
                credit = Some((key, state.attested_seconds, expected, from));
                vec![
                    ed25519_instruction(&reports),
                    ix::attest_reports(
                        &m.bank.payer(),
                        &m.provider,
                        &m.listing,
                        &key,
                        windows.max(1),
                    ),
                ]
            }
        };
        let signers = [
            m.renter.insecure_clone(),
            self.second_renter.insecure_clone(),
            m.provider_authority.insecure_clone(),
            m.attestor.insecure_clone(),
        ];
        let needed: Vec<_> = signers
            .iter()
            .filter(|k| {
                ixs.iter().any(|ix| {
                    ix.accounts
                        .iter()
                        .any(|a| a.is_signer && a.pubkey == k.pubkey())
                })
            })
            .collect();
        let before = m.snapshot(&watched).await;
        let accepted = m.bank.send(&ixs, &needed).await.is_ok();
        if !accepted {
            let after = m.snapshot(&watched).await;
            check(before == after, || format!("refused {op:?} changed state"))?;
        }
        if let (true, Some((key, up_before, expected, until))) = (accepted, credit) {
            let after = m.lease(&key).await.expect("the lease");
            check(
                expected.is_some_and(|up| after.attested_seconds == up_before + up)
                    && after.attested_until == until,
                || {
                    format!(
                        "{op:?}: credited {} s to {} where the quorums vouch for {expected:?} to {until}",
                        after.attested_seconds - up_before,
                        after.attested_until
                    )
                },
            )?;
        }
        self.record(op, accepted);
        Ok(())
    }

    fn record(&mut self, op: &Op, accepted: bool) {
        let entry = self.outcomes.entry(op.name()).or_default();
        if accepted {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
}

#[test]
fn conservation_under_random_operation_sequences() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let world = RefCell::new(rt.block_on(async {
        let mut m = Market::new().await;
        let roomy = ListingUpdate {
            capacity: Some(u16::MAX),
            ..Default::default()
        };
        m.update_listing(roomy).await.unwrap();
        let second_renter = m.bank.funded(1).await;
        World {
            m,
            second_renter,
            quorum: [Keypair::new(), Keypair::new(), Keypair::new()],
            renters: Default::default(),
            prefunded: Default::default(),
            inflow: 0,
            next_lease_id: 0,
            outcomes: Default::default(),
        }
    }));
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| rt.block_on(world.borrow_mut().run(case)));
    if let Err(e) = result {
        panic!("{e}");
    }
    let mut world = world.into_inner();
    let listing = rt.block_on(world.m.listing());
    assert_eq!(listing.active_leases, 0, "every lease was settled");
    println!("{cases} sequences, {} leases opened", listing.leases_opened);
    for (op, (ok, refused)) in &world.outcomes {
        println!("  {op:<8} {ok:>6} accepted {refused:>6} refused");
    }
    // The sequences must reach the paths they claim to test.
    for op in [
        "open",
        "extend",
        "attest",
        "report",
        "claim",
        "cancel",
        "settle",
        "reconfigure",
    ] {
        let (ok, _) = world.outcomes.get(op).copied().unwrap_or_default();
        assert!(ok > 0 || cases < 50, "no {op} ever succeeded");
    }
}
