//! One lease as renters and providers see it: time, money and what moves next.

use compute_escrow::math::{self, Payout};
use compute_escrow::state::{Lease, LeaseState};
use compute_escrow_client::accounts::{self, LeaseFilter};
use compute_escrow_client::api::{spelled, with_fields};
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;

use crate::context::Context;
use crate::error::CliResult;
use crate::output::{duration, table, time};
use crate::sol;

/// A money column of a lease table: header and value.
pub type MoneyColumn = (&'static str, fn(&LeaseView) -> u64);

/// Unsettled leases matching `filter`, oldest first, valued at chain time.
pub async fn fetch_all(ctx: &Context, filter: LeaseFilter) -> CliResult<Vec<LeaseView>> {
    let now = ctx.chain_now().await?;
    let mut views: Vec<LeaseView> = accounts::leases(&ctx.rpc, filter)
        .await?
        .into_iter()
        .map(|(key, lease)| LeaseView::new(key, lease, now))
        .collect();
    views.sort_by_key(|v| (v.lease.start_ts, v.address));
    Ok(views)
}

/// Prints leases as JSON, or as a table ending in the two `money` columns.
pub fn print_all(ctx: &Context, views: &[LeaseView], money: [MoneyColumn; 2]) {
    if !ctx.human() {
        ctx.print_json(&json!(views
            .iter()
            .map(LeaseView::to_json)
            .collect::<Vec<_>>()));
        return;
    }
    if views.is_empty() {
        println!("No unsettled leases.");
        return;
    }
    let rows: Vec<Vec<String>> = views
        .iter()
        .map(|v| {
            vec![
                v.address.to_string(),
                v.state(),
                format!("{} h", v.lease.hours),
                format!(
                    "{} / {}",
                    duration(v.lease.attested_seconds),
                    duration(v.elapsed())
                ),
                sol::format(money[0].1(v)),
                sol::format(money[1].1(v)),
            ]
        })
        .collect();
    table(
        &[
            "LEASE",
            "STATE",
            "HOURS",
            "UP / ELAPSED",
            money[0].0,
            money[1].0,
        ],
        &rows,
    );
}

/// A lease with the amounts derived from it at chain time `now`.
pub struct LeaseView {
    pub address: Pubkey,
    pub lease: Lease,
    pub now: i64,
    /// What `claim` would pay now (provider and fee).
    pub claimable: Payout,
    /// What the renter gets back next: by cancelling now (a running lease) or
    /// at settle given the attestations so far (an ended or cancelled one).
    pub refundable: u64,
    /// Lamports still held in escrow.
    pub escrow: u64,
}

impl LeaseView {
    /// Derives the amounts of `lease` at `now`.
    pub fn new(address: Pubkey, lease: Lease, now: i64) -> LeaseView {
        let l = &lease;
        let claimable = l.payout_due().unwrap_or_default();
        let running = l.state == LeaseState::Active && now < l.end_ts;
        let refundable = if running {
            let unattested = u64::try_from(now - l.attested_until).unwrap_or(0);
            math::cancel_refund(
                l.deposited,
                l.refunded,
                l.attested_seconds,
                unattested,
                l.price_lamports_per_hour,
            )
        } else {
            math::settle_refund(
                l.deposited,
                l.refunded,
                l.attested_seconds,
                l.price_lamports_per_hour,
            )
        }
        .unwrap_or(0);
        let escrow = l.escrow_balance().unwrap_or(0);
        LeaseView {
            address,
            lease,
            now,
            claimable,
            refundable,
            escrow,
        }
    }

    /// Whether the lease still runs (can be extended, cancelled, attested).
    pub fn running(&self) -> bool {
        self.lease.state == LeaseState::Active && self.now < self.lease.end_ts
    }

    /// Unix time from which anyone may settle it: now, once every second
    /// of it is attested; otherwise its end plus the settle grace.
    pub fn settle_after(&self) -> i64 {
        if self.lease.has_unattested_time() {
            self.lease
                .end_ts
                .saturating_add(i64::from(self.lease.settle_grace_seconds))
        } else {
            self.lease.attested_until
        }
    }

    /// The state, counting a lease past its end as ended even before the
    /// program records it.
    pub fn state(&self) -> String {
        if self.lease.state == LeaseState::Active && !self.running() {
            spelled(&LeaseState::Ended)
        } else {
            spelled(&self.lease.state)
        }
    }

    /// Seconds from start to now or the end, whichever is first.
    pub fn elapsed(&self) -> u64 {
        let until = self.now.min(self.lease.end_ts);
        u64::try_from(until - self.lease.start_ts).unwrap_or(0)
    }

    /// The lease's fields (the program's JSON spelling) with its address as
    /// `lease`, its state as of now, and what is derived from it, in lamports.
    pub fn to_json(&self) -> Value {
        with_fields(
            &self.lease,
            json!({
                "lease": self.address.to_string(),
                "state": self.state(),
                "settle_after": self.settle_after(),
                "escrow": self.escrow.to_string(),
                "claimable": self.claimable.provider.to_string(),
                "claimable_fee": self.claimable.fee.to_string(),
                "refundable": self.refundable.to_string(),
            }),
        )
    }

    /// A multi-line description for humans.
    pub fn print(&self) {
        let l = &self.lease;
        let now = self.now;
        println!("Lease        {}", self.address);
        println!("State        {}", self.state());
        println!("Listing      {}", l.listing);
        println!("Renter       {}", l.renter);
        println!("Attestors    {}", l.attestors);
        println!(
            "Price        {}/hour × {} h (fee {} bps)",
            sol::format(l.price_lamports_per_hour),
            l.hours,
            l.fee_bps
        );
        println!("Started      {}", time(l.start_ts, now));
        println!("Ends         {}", time(l.end_ts, now));
        println!("Settles from {}", time(self.settle_after(), now));
        println!(
            "Attested     {} up, {} down, of {} elapsed (through {})",
            duration(l.attested_seconds),
            duration(l.down_seconds),
            duration(self.elapsed()),
            time(l.attested_until, now)
        );
        println!("Deposited    {}", sol::format(l.deposited));
        println!(
            "Paid         {} to the provider, {} fee",
            sol::format(l.paid_out),
            sol::format(l.fee_paid)
        );
        println!("Refunded     {}", sol::format(l.refunded));
        println!("In escrow    {}", sol::format(self.escrow));
        println!(
            "Claimable    {} (+ {} fee)",
            sol::format(self.claimable.provider),
            sol::format(self.claimable.fee)
        );
        let refund_label = if self.running() {
            "if cancelled now"
        } else {
            "at settle, for the attestations so far"
        };
        println!(
            "Refundable   {} {refund_label}",
            sol::format(self.refundable)
        );
    }
}
