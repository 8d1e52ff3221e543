//! `compute-escrow attestor run`: the uptime agent.
//!
//! Every probe interval it probes each watched lease's machine through the
//! health check its listing declares; every period it signs `attest_uptime`
//! from the lease's on-chain `attested_until` (the source of truth, so restarts
//! never double-attest) to the cluster's clock, with the up-seconds its samples
//! cover. RPC failures are logged and retried on the next tick; an
//! attestation whose sending failed is reported as landed if the chain later
//! shows it. A lease is dropped once attested to its end, settled, or past its
//! attestation window.

pub mod probe;
pub mod uptime;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use clap::{Args, Subcommand};
use compute_escrow::report::UptimeReport;
use compute_escrow::state::{AttestorSet, Lease};
use compute_escrow_client::accounts::{self, LeaseFilter};
use compute_escrow_client::api::ReportView;
use compute_escrow_client::ix;
use compute_escrow_client::reports::SignedUptimeReport;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;

use crate::context::{parse_pubkey, Context};
use crate::error::{CliError, CliResult};
use probe::{HealthCheck, Prober};
use uptime::Samples;

/// Attestor commands.
#[derive(Debug, Subcommand)]
pub enum AttestorCommand {
    /// Run the uptime agent until its leases end (or Ctrl-C).
    Run(RunArgs),
}

/// `attestor run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Leases to attest (repeat the flag or list several).
    #[arg(long = "lease", value_parser = parse_pubkey, num_args = 1..,
          required_unless_present = "listing", conflicts_with = "listing")]
    leases: Vec<Pubkey>,
    /// Attest every lease of this listing, including ones opened later; runs until Ctrl-C.
    #[arg(long, value_parser = parse_pubkey)]
    listing: Option<Pubkey>,
    /// Seconds between attestations of a lease; must be shorter than the
    /// market's settle grace, so the last period of a lease can be signed
    /// before the renter may settle it.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    period: u64,
    /// Seconds between probes [default: the period, at most 10].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    probe_interval: Option<u64>,
    /// Seconds a probe may take before the machine counts as down.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Sign a report of each period of the lease's grid and publish it to the
    /// indexer API (`--api`) for a crank to submit, instead of sending
    /// transactions: no SOL needed. Leases whose attestors must reach a
    /// quorum (threshold above 1) are always reported.
    #[arg(long)]
    report: bool,
}

/// Runs an attestor command.
pub async fn run(ctx: &Context, command: AttestorCommand) -> CliResult {
    match command {
        AttestorCommand::Run(args) => Agent::new(ctx, args)?.run().await,
    }
}

/// A lease the agent attests.
struct Watched {
    check: HealthCheck,
    provider: Pubkey,
    listing: Pubkey,
    attested_until: i64,
    end_ts: i64,
    /// Attestations from `attested_until` whose sending failed: any one of
    /// them may still land.
    unconfirmed: Vec<Attestation>,
    /// Signs reports for the API (a quorum's member, or `--report`) rather
    /// than sending transactions.
    reports: bool,
    /// With `reports`: the end of the last period reported.
    reported_until: i64,
    /// The lease's attestor set (its period grid).
    attestors: AttestorSet,
    /// The lease's start (the grid's origin).
    start_ts: i64,
}

/// Failed attestations remembered per lease (a long outage retries often).
const MAX_UNCONFIRMED: usize = 32;

/// One attestation the agent signed.
#[derive(Debug, Clone, Copy)]
struct Attestation {
    from: i64,
    to: i64,
    up: u64,
    /// Seconds of the period its samples covered (the rest it did not see).
    observed: u64,
}

struct Agent<'a> {
    ctx: &'a Context,
    me: Pubkey,
    args: RunArgs,
    probe_interval: u64,
    prober: Prober,
    watched: HashMap<Pubkey, Watched>,
    /// Leases named with `--lease` not yet loaded (RPC failed so far).
    pending: Vec<Pubkey>,
    /// Leases already finished or refused, never picked up again.
    finished: HashSet<Pubkey>,
    samples: HashMap<HealthCheck, Samples>,
    /// With `--listing`: its health check, probed even with no lease watched.
    listing_check: Option<HealthCheck>,
    /// RPC calls failed in a row; only the first of a run is logged.
    rpc_failures: u64,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl<'a> Agent<'a> {
    fn new(ctx: &'a Context, args: RunArgs) -> CliResult<Agent<'a>> {
        let probe_interval = args.probe_interval.unwrap_or(args.period.min(10));
        Ok(Agent {
            ctx,
            me: ctx.me()?,
            pending: args.leases.clone(),
            prober: Prober::new(Duration::from_secs(args.timeout)),
            probe_interval,
            args,
            watched: HashMap::new(),
            finished: HashSet::new(),
            samples: HashMap::new(),
            listing_check: None,
            rpc_failures: 0,
        })
    }

    /// Fails unless the period is shorter than `grace` seconds: otherwise a
    /// renter could settle before the last period is signed.
    fn require_period_within(&self, grace: u32, whose: &str) -> CliResult {
        if self.args.period >= u64::from(grace) {
            return Err(CliError::usage(format!(
                "--period {} s is not shorter than {whose} settle grace of {grace} s: \
                 the renter could settle before the last period is attested; use a shorter --period",
                self.args.period
            )));
        }
        Ok(())
    }

    /// Logs one event: a line for humans, a JSON line otherwise.
    fn log(&self, lease: Option<&Pubkey>, event: &str, text: String, extra: serde_json::Value) {
        if self.ctx.human() {
            let stamp = chrono::Utc::now().format("%H:%M:%S");
            match lease {
                Some(lease) => println!("[{stamp}] lease {lease}: {text}"),
                None => println!("[{stamp}] {text}"),
            }
        } else {
            let mut value = json!({ "event": event, "message": text });
            if let Some(lease) = lease {
                value["lease"] = json!(lease.to_string());
            }
            if let serde_json::Value::Object(fields) = extra {
                for (k, v) in fields {
                    value[k] = v;
                }
            }
            println!("{value}");
        }
    }

    async fn run(mut self) -> CliResult {
        let config = accounts::config(&self.ctx.rpc).await?;
        self.require_period_within(config.settle_grace_seconds, "the market's")?;
        if let Some(listing) = self.args.listing {
            let account = accounts::listing(&self.ctx.rpc, &listing).await?;
            // Probe from the start, so a lease is observed from its first
            // second even though discovery runs once a period.
            let check = listing_check(&listing, &account.health_check)?;
            self.samples
                .insert(check.clone(), Samples::new(self.probe_interval as i64));
            self.listing_check = Some(check);
            if !account.attestors.contains(&self.me) {
                self.log(None, "warning", format!(
                    "listing {listing}'s attestors are {}, not you ({}): only leases naming you are attested",
                    account.attestors, self.me
                ), json!({}));
            }
        }
        self.log(
            None,
            "started",
            format!(
                "attestor {} started: probing every {} s, attesting every {} s",
                self.me, self.probe_interval, self.args.period
            ),
            json!({ "attestor": self.me.to_string() }),
        );
        let mut ticker = tokio::time::interval(Duration::from_secs(self.probe_interval));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut next_discovery = 0i64;
        // Created once, so a signal arriving mid-attestation is not lost: the
        // agent finishes the transaction in flight, then stops.
        let signal = |kind| {
            tokio::signal::unix::signal(kind)
                .map_err(|e| CliError::Remote(format!("cannot listen for signals: {e}")))
        };
        let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
        let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = interrupt.recv() => return self.stopped(),
                _ = terminate.recv() => return self.stopped(),
            }
            self.load_pending().await?;
            if self.args.listing.is_some() && unix_now() >= next_discovery {
                self.discover().await;
                next_discovery = unix_now() + self.args.period as i64;
            }
            self.probe_all().await;
            self.attest_due().await;
            self.prune();
            if self.args.listing.is_none() && self.watched.is_empty() && self.pending.is_empty() {
                self.log(
                    None,
                    "done",
                    "every lease is attested to its end".into(),
                    json!({}),
                );
                return Ok(());
            }
        }
    }

    /// Logs the first RPC failure of a run of them; the rest are counted and
    /// summed up when the RPC answers again.
    fn rpc_error(&mut self, lease: Option<&Pubkey>, text: String) {
        self.rpc_failures += 1;
        if self.rpc_failures == 1 {
            self.log(
                lease,
                "rpc_error",
                format!("{text} (further RPC errors are counted until it recovers)"),
                json!({}),
            );
        }
    }

    /// Notes a successful RPC call, ending a run of failures.
    fn rpc_ok(&mut self) {
        if self.rpc_failures > 0 {
            let failures = std::mem::take(&mut self.rpc_failures);
            self.log(
                None,
                "rpc_recovered",
                format!("the RPC answers again after {failures} failed calls"),
                json!({ "failures": failures }),
            );
        }
    }

    /// Logs the stop; stopping on a signal is a success.
    fn stopped(&self) -> CliResult {
        self.log(
            None,
            "stopped",
            "stopped; a restart resumes from each lease's attested_until on chain".into(),
            json!({}),
        );
        Ok(())
    }

    /// Starts watching `lease` if it is ours and still attestable; `strict`
    /// (named on the command line) turns refusals into errors.
    async fn watch(&mut self, address: Pubkey, lease: Lease, strict: bool) -> CliResult {
        if !lease.attestors.contains(&self.me) {
            self.finished.insert(address);
            let message = format!(
                "lease {address}'s attestors are {}, not you ({})",
                lease.attestors, self.me
            );
            return if strict {
                Err(CliError::hinted(
                    message,
                    "run the agent with the attestor's keypair (--keypair)",
                ))
            } else {
                Ok(())
            };
        }
        if lease.attested_until >= lease.end_ts {
            self.finished.insert(address);
            self.log(
                Some(&address),
                "finished",
                "already attested to its end".into(),
                json!({}),
            );
            return Ok(());
        }
        if let Err(e) = self.require_period_within(lease.settle_grace_seconds, "this lease's") {
            self.finished.insert(address);
            return if strict {
                Err(e)
            } else {
                self.log(Some(&address), "refused", e.to_string(), json!({}));
                Ok(())
            };
        }
        // The health check the renter rented with, never the listing's current one.
        let check = lease_check(&address, &lease.health_check)?;
        self.log(
            Some(&address),
            "watching",
            format!("watching; probing {check}"),
            json!({ "health_check": check.to_string() }),
        );
        self.samples
            .entry(check.clone())
            .or_insert_with(|| Samples::new(self.probe_interval as i64));
        self.watched.insert(
            address,
            Watched {
                check,
                provider: lease.provider,
                listing: lease.listing,
                attested_until: lease.attested_until,
                end_ts: lease.end_ts,
                unconfirmed: Vec::new(),
                reports: self.args.report || lease.attestors.threshold > 1,
                reported_until: lease.attested_until,
                attestors: lease.attestors,
                start_ts: lease.start_ts,
            },
        );
        Ok(())
    }

    async fn load_pending(&mut self) -> CliResult {
        let pending = std::mem::take(&mut self.pending);
        for address in pending {
            match accounts::lease(&self.ctx.rpc, &address).await {
                Ok(Some(lease)) => {
                    self.rpc_ok();
                    self.watch(address, lease, true).await?
                }
                Ok(None) => self.log(
                    Some(&address),
                    "finished",
                    "no such account (settled, or never opened)".into(),
                    json!({}),
                ),
                Err(accounts::FetchError::Rpc(e)) => {
                    self.rpc_error(Some(&address), format!("cannot load yet: {e}"));
                    self.pending.push(address);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn discover(&mut self) {
        let Some(listing) = self.args.listing else {
            return;
        };
        let filter = LeaseFilter {
            listing: Some(listing),
            ..Default::default()
        };
        match accounts::leases(&self.ctx.rpc, filter).await {
            Ok(leases) => {
                self.rpc_ok();
                for (address, lease) in leases {
                    if self.watched.contains_key(&address) || self.finished.contains(&address) {
                        continue;
                    }
                    if let Err(e) = self.watch(address, lease, false).await {
                        self.log(Some(&address), "error", e.to_string(), json!({}));
                    }
                }
            }
            Err(e) => self.rpc_error(None, format!("listing leases failed, retrying: {e}")),
        }
    }

    async fn probe_all(&mut self) {
        let mut probes = tokio::task::JoinSet::new();
        for check in self.samples.keys().cloned() {
            let prober = self.prober.clone();
            probes.spawn(async move {
                let up = prober.is_up(&check).await;
                (check, up)
            });
        }
        let at = unix_now();
        while let Some(Ok((check, up))) = probes.join_next().await {
            self.samples
                .entry(check)
                .or_insert_with(|| Samples::new(self.probe_interval as i64))
                .record(at, up);
        }
    }

    async fn attest_due(&mut self) {
        let period = self.args.period as i64;
        let due: Vec<Pubkey> = {
            let now = unix_now();
            self.watched
                .iter()
                .filter(|(_, w)| now >= (w.attested_until + period).min(w.end_ts))
                .map(|(k, _)| *k)
                .collect()
        };
        if due.is_empty() {
            return;
        }
        let chain_now = match self.ctx.chain_now().await {
            Ok(now) => {
                self.rpc_ok();
                now
            }
            Err(e) => {
                self.rpc_error(
                    None,
                    format!("reading the cluster clock failed, retrying: {e}"),
                );
                return;
            }
        };
        for address in due {
            self.attest(address, chain_now).await;
        }
    }

    fn drop_lease(&mut self, address: &Pubkey, event: &str, why: String) {
        self.watched.remove(address);
        self.finished.insert(*address);
        self.log(Some(address), event, why, json!({}));
    }

    /// Attests `address` from its on-chain `attested_until` to `chain_now`
    /// (or its end) when a period has elapsed.
    async fn attest(&mut self, address: Pubkey, chain_now: i64) {
        let lease = match accounts::lease(&self.ctx.rpc, &address).await {
            Ok(Some(lease)) => {
                self.rpc_ok();
                lease
            }
            Ok(None) => {
                return self.drop_lease(&address, "finished", "settled and closed".into());
            }
            Err(e) => {
                return self.rpc_error(
                    Some(&address),
                    format!("reading the lease failed, retrying: {e}"),
                );
            }
        };
        self.settle_unconfirmed(&address, lease.attested_until);
        let (from, end) = (lease.attested_until, lease.end_ts);
        if from >= end {
            return self.drop_lease(&address, "finished", "attested to its end".into());
        }
        let window_closes = end.saturating_add(i64::from(lease.settle_grace_seconds));
        if chain_now > window_closes {
            return self.drop_lease(
                &address,
                "finished",
                "its attestation window closed (past end + grace)".into(),
            );
        }
        let Some(watched) = self.watched.get_mut(&address) else {
            return;
        };
        watched.end_ts = end;
        if watched.reports {
            watched.reported_until = watched.reported_until.max(from);
            watched.attested_until = watched.reported_until;
            return self.report(address, chain_now).await;
        }
        watched.attested_until = from;
        let to = chain_now.min(end);
        if to <= from || (to - from < self.args.period as i64 && to < end) {
            return;
        }
        let check = watched.check.clone();
        let (provider, listing) = (watched.provider, watched.listing);
        let length = (to - from) as u64;
        let samples = self.samples.get(&check);
        let up = samples.map_or(0, |s| s.up_seconds(from, to)).min(length);
        let observed = samples
            .map_or(0, |s| s.observed_seconds(from, to))
            .min(length);
        let attestation = Attestation {
            from,
            to,
            up,
            observed,
        };
        let attest = ix::attest_uptime(&self.me, &provider, &listing, &address, from, to, up);
        match self.ctx.send(&[attest]).await {
            Ok(signature) => {
                self.log_attested(
                    &address,
                    attestation,
                    &check.to_string(),
                    json!({ "signature": signature.to_string() }),
                );
                if let Some(w) = self.watched.get_mut(&address) {
                    w.attested_until = to;
                    w.unconfirmed.clear();
                }
                if to >= end {
                    self.drop_lease(&address, "finished", "attested to its end".into());
                }
            }
            Err(e) => {
                if let Some(w) = self.watched.get_mut(&address) {
                    if w.unconfirmed.len() == MAX_UNCONFIRMED {
                        w.unconfirmed.remove(0);
                    }
                    w.unconfirmed.push(attestation);
                }
                self.log(
                    Some(&address),
                    "attest_failed",
                    format!("attestation failed, retrying: {e}"),
                    json!({ "error": e.to_json() }),
                );
            }
        }
    }

    /// Signs and publishes a report of every grid period of `address` from
    /// where it last reported to `chain_now` (or the lease's end). A report
    /// the API already holds counts as published; one it refuses is logged
    /// and, if about the period itself (409), not retried.
    async fn report(&mut self, address: Pubkey, chain_now: i64) {
        let Some(w) = self.watched.get(&address) else {
            return;
        };
        let (set, start, end, check) = (w.attestors, w.start_ts, w.end_ts, w.check.clone());
        let mut from = w.reported_until;
        let Ok(signer) = self.ctx.signer() else {
            return;
        };
        while let Ok(to) = set.period_end(start, end, from) {
            if to <= from || to > chain_now.min(end) {
                break;
            }
            let samples = self.samples.get(&check);
            let length = (to - from) as u64;
            let up = samples.map_or(0, |s| s.up_seconds(from, to)).min(length);
            let observed = samples
                .map_or(0, |s| s.observed_seconds(from, to))
                .min(length);
            let report = UptimeReport {
                lease: address,
                from,
                to,
                up_seconds: up,
            };
            let view = ReportView::from(SignedUptimeReport::sign(signer, report));
            match self.ctx.api_post("/v1/attestations", &view).await {
                Ok((200 | 201, _)) | Ok((409, _)) => {
                    self.log_attested(
                        &address,
                        Attestation {
                            from,
                            to,
                            up,
                            observed,
                        },
                        &check.to_string(),
                        json!({ "reported": true }),
                    );
                }
                Ok((status, body)) => {
                    self.log(
                        Some(&address),
                        "report_failed",
                        format!(
                            "the API refused the report ({status}), retrying: {}",
                            body["message"]
                        ),
                        json!({ "status": status }),
                    );
                    return;
                }
                Err(e) => {
                    self.log(
                        Some(&address),
                        "report_failed",
                        format!("publishing the report failed, retrying: {e}"),
                        json!({ "error": e.to_json() }),
                    );
                    return;
                }
            }
            from = to;
            if let Some(w) = self.watched.get_mut(&address) {
                w.reported_until = to;
                w.attested_until = to;
            }
        }
        if from >= end {
            self.drop_lease(&address, "finished", "reported to its end".into());
        }
    }

    /// Logs an attestation that is on chain, with `note` in parentheses and
    /// `extra` fields in JSON.
    fn log_attested(
        &self,
        address: &Pubkey,
        attestation: Attestation,
        note: &str,
        mut extra: serde_json::Value,
    ) {
        let Attestation {
            from,
            to,
            up,
            observed,
        } = attestation;
        let length = (to - from) as u64;
        let verb = if extra["reported"] == json!(true) {
            "signed and published a report of"
        } else {
            "attested"
        };
        extra["from"] = json!(from);
        extra["to"] = json!(to);
        extra["up_seconds"] = json!(up);
        extra["observed_seconds"] = json!(observed);
        self.log(
            Some(address),
            "attested",
            format!(
                "{verb} {length} s: {up} s up, {} s down ({note})",
                length - up
            ),
            extra,
        );
    }

    /// Reports what became of attestations whose sending failed, now that
    /// the chain says the lease is attested until `attested_until`: an RPC
    /// error may have hidden a transaction that landed.
    fn settle_unconfirmed(&mut self, address: &Pubkey, attested_until: i64) {
        let Some(w) = self.watched.get_mut(address) else {
            return;
        };
        if attested_until == w.attested_until || w.unconfirmed.is_empty() {
            return;
        }
        let landed = w
            .unconfirmed
            .iter()
            .find(|a| a.from == w.attested_until && a.to == attested_until)
            .copied();
        w.unconfirmed.clear();
        match landed {
            Some(attestation) => self.log_attested(
                address,
                attestation,
                "reported failed above, but it landed",
                json!({ "late": true }),
            ),
            None => self.log(
                Some(address),
                "warning",
                format!(
                    "the chain shows this lease attested until {attested_until}, which this agent did not sign: is another agent attesting it?"
                ),
                json!({ "attested_until": attested_until }),
            ),
        }
    }

    /// Forgets samples no watched lease needs: older than every watched
    /// lease's `attested_until` and than two periods (a lease not yet
    /// discovered started at most about a period ago). Checks nobody needs
    /// any more stop being probed; the listing's own check always stays.
    fn prune(&mut self) {
        let recent = unix_now() - 2 * self.args.period as i64;
        let mut oldest: HashMap<&HealthCheck, i64> = HashMap::new();
        for w in self.watched.values() {
            let entry = oldest.entry(&w.check).or_insert(recent);
            *entry = (*entry).min(w.attested_until);
        }
        let listing_check = self.listing_check.as_ref();
        self.samples
            .retain(|check, samples| match oldest.get(check) {
                Some(&before) => {
                    samples.prune(before);
                    true
                }
                None => {
                    samples.prune(recent);
                    listing_check == Some(check)
                }
            });
    }
}

/// The health check lease `lease` was rented with, or why the agent cannot probe it.
fn lease_check(lease: &Pubkey, declared: &str) -> CliResult<HealthCheck> {
    declared.parse().map_err(|e: String| {
        CliError::hinted(
            format!("lease {lease} was rented with an unusable health check: {e}"),
            "the health check is fixed at open; the lease can only be cancelled",
        )
    })
}

/// The health check `listing` declares, or why the agent cannot probe it.
fn listing_check(listing: &Pubkey, declared: &str) -> CliResult<HealthCheck> {
    if declared.is_empty() {
        return Err(CliError::hinted(
            format!("listing {listing} declares no health check, so there is nothing to probe"),
            "the provider sets one with `provider update-listing LISTING --health-check tcp://host:port`",
        ));
    }
    declared.parse().map_err(|e: String| {
        CliError::hinted(
            format!("listing {listing} declares an unusable health check: {e}"),
            "the provider fixes it with `provider update-listing --health-check`",
        )
    })
}
