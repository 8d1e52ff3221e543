//! `compute-escrow renter …`: find GPUs, rent, extend, cancel, follow leases.

use clap::{Args, Subcommand};
use compute_escrow::math;
use compute_escrow::pda;
use compute_escrow::state::{LeaseState, ListingState};
use compute_escrow_client::accounts::{self, LeaseFilter};
use compute_escrow_client::api::{
    spelled, Key, LeaseDetail, Limit, ListingPage, ListingQuery, ListingSort, NoQuery, StateFilter,
    Text, U64,
};
use compute_escrow_client::ix;
use compute_escrow_client::quote::{changed_terms, quote, Quote};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;

use crate::context::{parse_pubkey, Context};
use crate::error::{CliError, CliResult};
use crate::lease_view::{self, LeaseView};
use crate::output::{duration, table};
use crate::sol;

/// Renter commands.
#[derive(Debug, Subcommand)]
pub enum RenterCommand {
    /// Search listings through the indexer API (`--api`).
    Listings(ListingsArgs),
    /// The exact price of renting a listing for some hours.
    Quote {
        #[arg(value_parser = parse_pubkey)]
        listing: Pubkey,
        #[arg(long)]
        hours: u32,
    },
    /// Rent a listing: shows the quote, asks, then signs exactly that price.
    Rent {
        #[arg(value_parser = parse_pubkey)]
        listing: Pubkey,
        #[arg(long)]
        hours: u32,
        /// Sign without asking.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Lease id (picks the lease's address) [default: random].
        #[arg(long)]
        lease_id: Option<u64>,
    },
    /// Buy more hours on a running lease, at its own price.
    Extend {
        #[arg(value_parser = parse_pubkey)]
        lease: Pubkey,
        #[arg(long)]
        hours: u32,
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Stop a lease now; time not yet used is refunded at once.
    Cancel {
        #[arg(value_parser = parse_pubkey)]
        lease: Pubkey,
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Your unsettled leases.
    Leases,
    /// One lease: state, attested time, paid and refundable.
    Lease {
        #[arg(value_parser = parse_pubkey)]
        lease: Pubkey,
    },
}

/// Filters of `renter listings`, passed to `GET /v1/listings`.
#[derive(Debug, Args)]
pub struct ListingsArgs {
    /// Exact GPU model.
    #[arg(long)]
    gpu_model: Option<String>,
    /// Minimum memory per GPU, in GB.
    #[arg(long)]
    min_vram_gb: Option<u16>,
    /// Highest price per hour, in SOL.
    #[arg(long, value_parser = sol::parse)]
    max_price: Option<u64>,
    #[arg(long)]
    region: Option<String>,
    /// active (default), paused, closed or all.
    #[arg(long, default_value = "active", value_parser = parse_spelled::<StateFilter<ListingState>>)]
    state: StateFilter<ListingState>,
    /// Provider account.
    #[arg(long, value_parser = parse_pubkey)]
    provider: Option<Pubkey>,
    /// price or newest.
    #[arg(long, default_value = "price", value_parser = parse_spelled::<ListingSort>)]
    sort: ListingSort,
    /// At most this many (1 to 500).
    #[arg(long, default_value = "50", value_parser = parse_spelled::<Limit>)]
    limit: Limit,
}

/// Runs a renter command.
pub async fn run(ctx: &Context, command: RenterCommand) -> CliResult {
    match command {
        RenterCommand::Listings(args) => listings(ctx, args).await,
        RenterCommand::Quote { listing, hours } => {
            let (q, _) = fetch_quote(ctx, &listing, hours).await?;
            if ctx.human() {
                print_quote(&listing, &q);
            } else {
                ctx.print_json(&quote_json(&listing, &q));
            }
            Ok(())
        }
        RenterCommand::Rent {
            listing,
            hours,
            yes,
            lease_id,
        } => rent(ctx, listing, hours, yes, lease_id).await,
        RenterCommand::Extend { lease, hours, yes } => extend(ctx, lease, hours, yes).await,
        RenterCommand::Cancel { lease, yes } => cancel(ctx, lease, yes).await,
        RenterCommand::Leases => leases(ctx).await,
        RenterCommand::Lease { lease } => show_lease(ctx, lease).await,
    }
}

fn parse_spelled<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(text.into())).map_err(|e| e.to_string())
}

async fn listings(ctx: &Context, a: ListingsArgs) -> CliResult {
    let query = ListingQuery {
        gpu_model: a.gpu_model.map(Text),
        min_vram_gb: a.min_vram_gb,
        max_price_lamports_per_hour: a.max_price.map(U64),
        region: a.region.map(Text),
        state: Some(a.state),
        provider: a.provider.map(Key),
        sort: Some(a.sort),
        limit: Some(a.limit),
        cursor: None,
    };
    let page: ListingPage = ctx.api_get("/v1/listings", &query).await?;
    if !ctx.human() {
        ctx.print_json(&serde_json::to_value(&page.items).unwrap_or_default());
        return Ok(());
    }
    if page.items.is_empty() {
        println!("No listings match.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|view| {
            let l = &view.account;
            vec![
                view.pubkey.to_string(),
                format!("{}× {} {} GB", l.gpu_count, l.gpu_model, l.vram_gb),
                l.region.clone(),
                sol::format(l.price_lamports_per_hour),
                format!("{}-{}", l.min_hours, l.max_hours),
                l.capacity.saturating_sub(l.active_leases).to_string(),
                spelled(&l.state),
            ]
        })
        .collect();
    table(
        &[
            "LISTING", "GPUS", "REGION", "PRICE/H", "HOURS", "FREE", "STATE",
        ],
        &rows,
    );
    Ok(())
}

async fn fetch_quote(
    ctx: &Context,
    listing_key: &Pubkey,
    hours: u32,
) -> CliResult<(Quote, compute_escrow::state::Listing)> {
    let (listing, config, rent) = tokio::try_join!(
        accounts::listing(&ctx.rpc, listing_key),
        accounts::config(&ctx.rpc),
        accounts::lease_rent(&ctx.rpc),
    )?;
    Ok((quote(&listing, &config, hours, rent)?, listing))
}

fn quote_json(listing: &Pubkey, q: &Quote) -> Value {
    json!({
        "listing": listing.to_string(),
        "hours": q.hours,
        "price_lamports_per_hour": q.signed.price_lamports_per_hour,
        "deposit": q.deposit,
        "lease_rent": q.lease_rent,
        "total": q.total,
        "fee_bps": q.signed.fee_bps,
        "max_fee": q.max_fee,
        "settle_grace_seconds": q.signed.settle_grace_seconds,
        "attestors": q.attestors,
        "health_check": q.health_check,
    })
}

fn print_quote(listing: &Pubkey, q: &Quote) {
    println!("Listing   {listing}");
    println!(
        "Price     {}/hour × {} h = {} into escrow",
        sol::format(q.signed.price_lamports_per_hour),
        q.hours,
        sol::format(q.deposit)
    );
    println!(
        "Rent      {} for the lease account, returned at settle",
        sol::format(q.lease_rent)
    );
    println!("Total     {} (plus the network fee)", sol::format(q.total));
    println!(
        "Fee       {} bps of what the provider earns: at most {}",
        q.signed.fee_bps,
        sol::format(q.max_fee)
    );
    println!("Attestors {}, probing {}", q.attestors, q.health_check);
    println!(
        "Grace     {} s after the end for the last attestation",
        q.signed.settle_grace_seconds
    );
    println!("Unattested time is refunded to you when the lease settles.");
}

async fn rent(
    ctx: &Context,
    listing: Pubkey,
    hours: u32,
    yes: bool,
    lease_id: Option<u64>,
) -> CliResult {
    let me = ctx.me()?;
    let (q, quoted_listing) = fetch_quote(ctx, &listing, hours).await?;
    if ctx.human() {
        print_quote(&listing, &q);
    }
    ctx.require_funds(&me, q.total).await?;
    ctx.confirm(
        &format!("Rent for {hours} h and pay {}?", sol::format(q.total)),
        yes,
    )?;
    let lease_id = lease_id.unwrap_or_else(rand::random);
    let lease = pda::lease(&listing, &me, lease_id).0;
    let open = ix::open_lease(&me, &listing, lease_id, hours, q.signed);
    let signature = match ctx.send(&[open]).await {
        Err(CliError::Program(mut refused))
            if refused.name == "TermsChanged" || refused.name == "PriceChanged" =>
        {
            if let Ok(current) = accounts::listing(&ctx.rpc, &listing).await {
                let changed = changed_terms(&quoted_listing, &current);
                if !changed.is_empty() {
                    refused.detail =
                        Some(format!("changed since the quote: {}", changed.join(", ")));
                }
            }
            return Err(CliError::Program(refused));
        }
        other => other?,
    };
    if ctx.human() {
        println!("Rented: lease {lease}\nSignature: {signature}");
    } else {
        let mut value = quote_json(&listing, &q);
        value["lease"] = json!(lease.to_string());
        value["lease_id"] = json!(lease_id);
        value["signature"] = json!(signature.to_string());
        ctx.print_json(&value);
    }
    Ok(())
}

async fn running_lease(ctx: &Context, lease: &Pubkey) -> CliResult<LeaseView> {
    let (account, now) = tokio::try_join!(
        async {
            accounts::lease(&ctx.rpc, lease)
                .await
                .map_err(CliError::from)
        },
        ctx.chain_now()
    )?;
    let account = account.ok_or_else(|| {
        CliError::hinted(
            format!("lease {lease} does not exist"),
            "a settled lease is closed; `renter lease` shows its record from the indexer API",
        )
    })?;
    let view = LeaseView::new(*lease, account, now);
    if !view.running() {
        return Err(CliError::hinted(
            format!("lease {lease} is {}, not running", view.state()),
            "only a running lease can be extended or cancelled; an ended one settles",
        ));
    }
    Ok(view)
}

async fn extend(ctx: &Context, lease: Pubkey, hours: u32, yes: bool) -> CliResult {
    let me = ctx.me()?;
    let view = running_lease(ctx, &lease).await?;
    let cost = math::lease_cost(view.lease.price_lamports_per_hour, hours)
        .map_err(|_| CliError::usage(format!("{hours} hours at this price overflows")))?;
    if ctx.human() {
        println!(
            "Extend lease {lease} by {hours} h at {}/hour: {} more into escrow",
            sol::format(view.lease.price_lamports_per_hour),
            sol::format(cost)
        );
    }
    ctx.require_funds(&me, cost).await?;
    ctx.confirm(&format!("Pay {}?", sol::format(cost)), yes)?;
    let signature = ctx
        .send(&[ix::extend_lease(&me, &view.lease.listing, &lease, hours)])
        .await?;
    if ctx.human() {
        println!(
            "Extended to {} h\nSignature: {signature}",
            view.lease.hours + hours
        );
    } else {
        ctx.print_json(&json!({
            "lease": lease.to_string(), "hours": view.lease.hours + hours,
            "cost": cost, "signature": signature.to_string(),
        }));
    }
    Ok(())
}

async fn cancel(ctx: &Context, lease: Pubkey, yes: bool) -> CliResult {
    let me = ctx.me()?;
    let view = running_lease(ctx, &lease).await?;
    if ctx.human() {
        println!(
            "Cancel lease {lease}: about {} comes back now; attested time up to now is still paid",
            sol::format(view.refundable)
        );
    }
    ctx.confirm("Cancel the lease?", yes)?;
    let cancel = ix::cancel_lease(&me, &view.lease.listing, &lease);
    let signature = ctx.send(&[cancel]).await?;
    let after = accounts::lease(&ctx.rpc, &lease).await?;
    let refunded = after.map_or(0, |a| a.refunded.saturating_sub(view.lease.refunded));
    if ctx.human() {
        println!(
            "Cancelled: {} refunded now; the rest settles once the attestor has signed up to the cancel (at the latest after the settle grace)\nSignature: {signature}",
            sol::format(refunded)
        );
    } else {
        ctx.print_json(&json!({
            "lease": lease.to_string(), "refunded": refunded, "signature": signature.to_string(),
        }));
    }
    Ok(())
}

async fn leases(ctx: &Context) -> CliResult {
    let filter = LeaseFilter {
        renter: Some(ctx.me()?),
        ..Default::default()
    };
    let views = lease_view::fetch_all(ctx, filter).await?;
    lease_view::print_all(
        ctx,
        &views,
        [
            ("DEPOSITED", |v| v.lease.deposited),
            ("REFUNDABLE", |v| v.refundable),
        ],
    );
    Ok(())
}

async fn show_lease(ctx: &Context, lease: Pubkey) -> CliResult {
    let now = ctx.chain_now().await?;
    match accounts::lease(&ctx.rpc, &lease).await? {
        Some(account) => {
            let view = LeaseView::new(lease, account, now);
            if ctx.human() {
                view.print();
            } else {
                ctx.print_json(&view.to_json());
            }
            Ok(())
        }
        None => settled_lease(ctx, &lease).await,
    }
}

/// A lease no longer on chain: settled and closed; its record is in the API.
async fn settled_lease(ctx: &Context, lease: &Pubkey) -> CliResult {
    let detail: LeaseDetail = ctx.api_get(&format!("/v1/leases/{lease}"), &NoQuery {})
        .await
        .map_err(|e| {
            CliError::hinted(
                format!("lease {lease} is not on chain (settled, or never opened) and the indexer has no record: {e}"),
                "check the address and --url / --api",
            )
        })?;
    if !ctx.human() {
        ctx.print_json(&serde_json::to_value(&detail).unwrap_or_default());
        return Ok(());
    }
    let l = &detail.lease.account;
    println!("Lease        {lease}");
    println!(
        "State        {} ({}), from the indexer",
        spelled(&l.state),
        spelled(&l.close_reason)
    );
    println!(
        "Attested     {} up, {} down",
        duration(l.attested_seconds),
        duration(l.down_seconds)
    );
    println!("Deposited    {}", sol::format(l.deposited));
    println!(
        "Paid         {} to the provider, {} fee",
        sol::format(l.paid_out),
        sol::format(l.fee_paid)
    );
    println!("Refunded     {}", sol::format(l.refunded));
    if l.state != LeaseState::Settled {
        println!(
            "The lease is closed on chain; the indexer has not stored its settlement yet, so these are the totals before it."
        );
    }
    Ok(())
}
