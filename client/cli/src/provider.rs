//! `compute-escrow provider …`: register, list GPUs, manage listings, claim payouts.

use clap::{Args, Subcommand};
use compute_escrow::instructions::{ListingTerms, ListingUpdate};
use compute_escrow::pda;
use compute_escrow::state::{AttestorSet, Lease};
use compute_escrow_client::accounts::{self, LeaseFilter, ListingFilter};
use compute_escrow_client::api::{spelled, with_fields};
use compute_escrow_client::ix;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;

use crate::attestor::probe::HealthCheck;
use crate::context::{parse_pubkey, Context};
use crate::error::{CliError, CliResult};
use crate::lease_view::{self, LeaseView};
use crate::output::{duration, table};
use crate::{progress, sol};

/// Provider commands.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Register the signer as a provider.
    Register {
        /// Wallet that receives payouts [default: the signer].
        #[arg(long, value_parser = parse_pubkey)]
        payout_wallet: Option<Pubkey>,
        /// Where you describe yourself (URL or IPFS URI).
        #[arg(long, default_value = "")]
        metadata_uri: String,
    },
    /// Change the payout wallet or metadata URI.
    Update {
        #[arg(long, value_parser = parse_pubkey)]
        payout_wallet: Option<Pubkey>,
        #[arg(long)]
        metadata_uri: Option<String>,
    },
    /// Show a provider's record and listings [default: the signer's].
    Show {
        /// The provider's authority (wallet), not its account.
        #[arg(value_parser = parse_pubkey)]
        authority: Option<Pubkey>,
    },
    /// List a GPU machine for rent.
    ListGpu(ListGpuArgs),
    /// Change a listing's terms (running leases keep their price).
    UpdateListing(UpdateListingArgs),
    /// Stop taking new leases on a listing (`--resume` takes them again).
    Pause {
        #[arg(value_parser = parse_pubkey)]
        listing: Pubkey,
        #[arg(long)]
        resume: bool,
    },
    /// Retire a listing for good (running leases are unaffected).
    CloseListing {
        #[arg(value_parser = parse_pubkey)]
        listing: Pubkey,
    },
    /// Claim what attested uptime has earned: one lease, or `--all`.
    Claim {
        #[arg(value_parser = parse_pubkey, required_unless_present = "all", conflicts_with = "all")]
        lease: Option<Pubkey>,
        /// Every lease of yours with something to claim.
        #[arg(long)]
        all: bool,
    },
    /// Your unsettled leases, with what each can pay now.
    Leases,
}

/// `provider list-gpu` arguments.
#[derive(Debug, Args)]
pub struct ListGpuArgs {
    /// GPU model, e.g. H100-80GB.
    #[arg(long)]
    model: String,
    /// GPUs in the machine.
    #[arg(long, default_value_t = 1)]
    gpus: u16,
    /// Memory per GPU, in GB.
    #[arg(long)]
    vram_gb: u16,
    /// Where the machine is, e.g. eu-west.
    #[arg(long, default_value = "")]
    region: String,
    /// What the attestor probes: tcp://host:port or http(s)://host[:port]/path.
    #[arg(long, value_parser = parse_health_check)]
    health_check: String,
    /// Price of the whole machine per hour, in SOL.
    #[arg(long, value_parser = sol::parse)]
    price: u64,
    #[arg(long, default_value_t = 1)]
    min_hours: u32,
    #[arg(long, default_value_t = 720)]
    max_hours: u32,
    /// Who signs uptime for leases of this listing: one to five keys
    /// (repeat the option).
    #[arg(long = "attestor", value_parser = parse_pubkey, required = true)]
    attestors: Vec<Pubkey>,
    /// How many attestors must sign the same period (default: a majority).
    #[arg(long)]
    threshold: Option<u8>,
    /// Attestation period in seconds: reports cover the periods of this grid
    /// from each lease's start.
    #[arg(long, default_value_t = 60)]
    period: u32,
    /// Leases that may run (or await settlement) at once.
    #[arg(long, default_value_t = 1)]
    capacity: u16,
}

/// `provider update-listing` arguments; only the given fields change.
#[derive(Debug, Args)]
pub struct UpdateListingArgs {
    #[arg(value_parser = parse_pubkey)]
    listing: Pubkey,
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    gpus: Option<u16>,
    #[arg(long)]
    vram_gb: Option<u16>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long, value_parser = parse_health_check)]
    health_check: Option<String>,
    /// New price per hour, in SOL (new leases only).
    #[arg(long, value_parser = sol::parse)]
    price: Option<u64>,
    #[arg(long)]
    min_hours: Option<u32>,
    #[arg(long)]
    max_hours: Option<u32>,
    /// A new attestor set (repeat the option; the set is replaced whole,
    /// with `--threshold` and `--period`, for new leases only).
    #[arg(long = "attestor", value_parser = parse_pubkey)]
    attestors: Vec<Pubkey>,
    /// With `--attestor`: how many must sign the same period (default: a majority).
    #[arg(long, requires = "attestors")]
    threshold: Option<u8>,
    /// With `--attestor`: the attestation period, seconds (default 60).
    #[arg(long, requires = "attestors")]
    period: Option<u32>,
    #[arg(long)]
    capacity: Option<u16>,
}

/// The attestor set `keys` with `threshold` (default a majority) on a grid of
/// `period` seconds, refused before signing if the program would refuse it.
fn attestor_set(
    keys: &[Pubkey],
    threshold: Option<u8>,
    period: u32,
) -> Result<AttestorSet, CliError> {
    let majority = (keys.len() / 2 + 1) as u8;
    AttestorSet::new(keys, threshold.unwrap_or(majority), period).map_err(|e| {
        CliError::usage(format!(
            "invalid attestor set ({} keys, threshold {}, period {period} s): {e}",
            keys.len(),
            threshold.unwrap_or(majority)
        ))
    })
}

fn parse_health_check(text: &str) -> Result<String, String> {
    text.parse::<HealthCheck>()?;
    Ok(text.to_string())
}

/// Runs a provider command.
pub async fn run(ctx: &Context, command: ProviderCommand) -> CliResult {
    match command {
        ProviderCommand::Register {
            payout_wallet,
            metadata_uri,
        } => register(ctx, payout_wallet, metadata_uri).await,
        ProviderCommand::Update {
            payout_wallet,
            metadata_uri,
        } => update(ctx, payout_wallet, metadata_uri).await,
        ProviderCommand::Show { authority } => show(ctx, authority).await,
        ProviderCommand::ListGpu(args) => list_gpu(ctx, args).await,
        ProviderCommand::UpdateListing(args) => update_listing(ctx, args).await,
        ProviderCommand::Pause { listing, resume } => pause(ctx, listing, resume).await,
        ProviderCommand::CloseListing { listing } => close_listing(ctx, listing).await,
        ProviderCommand::Claim { lease, all } => match lease {
            Some(lease) if !all => claim_one(ctx, lease).await,
            _ => claim_all(ctx).await,
        },
        ProviderCommand::Leases => leases(ctx).await,
    }
}

fn done(ctx: &Context, sentence: String, value: serde_json::Value) {
    if ctx.human() {
        println!("{sentence}");
    } else {
        ctx.print_json(&value);
    }
}

async fn register(ctx: &Context, wallet: Option<Pubkey>, metadata_uri: String) -> CliResult {
    let me = ctx.me()?;
    let provider = pda::provider(&me).0;
    if accounts::fetch::<compute_escrow::state::Provider>(&ctx.rpc, &provider)
        .await?
        .is_some()
    {
        return Err(CliError::hinted(
            format!("{me} is already registered as provider {provider}"),
            "use `compute-escrow provider update` to change it",
        ));
    }
    let wallet = wallet.unwrap_or(me);
    let signature = ctx
        .send(&[ix::register_provider(&me, &wallet, &metadata_uri)])
        .await?;
    done(
        ctx,
        format!("Registered provider {provider} (payouts to {wallet})\nSignature: {signature}"),
        json!({ "provider": provider.to_string(), "payout_wallet": wallet.to_string(), "signature": signature.to_string() }),
    );
    Ok(())
}

async fn update(ctx: &Context, wallet: Option<Pubkey>, metadata_uri: Option<String>) -> CliResult {
    if wallet.is_none() && metadata_uri.is_none() {
        return Err(CliError::usage(
            "nothing to update: give --payout-wallet and/or --metadata-uri",
        ));
    }
    let me = ctx.me()?;
    let provider = pda::provider(&me).0;
    accounts::provider(&ctx.rpc, &me).await?;
    let signature = ctx
        .send(&[ix::update_provider(&me, &provider, wallet, metadata_uri)])
        .await?;
    done(
        ctx,
        format!("Updated provider {provider}\nSignature: {signature}"),
        json!({ "provider": provider.to_string(), "signature": signature.to_string() }),
    );
    Ok(())
}

async fn show(ctx: &Context, authority: Option<Pubkey>) -> CliResult {
    let authority = match authority {
        Some(a) => a,
        None => ctx.me()?,
    };
    let account = accounts::provider(&ctx.rpc, &authority).await?;
    let provider = pda::provider(&authority).0;
    let mut listings = accounts::listings(
        &ctx.rpc,
        ListingFilter {
            provider: Some(provider),
            ..Default::default()
        },
    )
    .await?;
    listings.sort_by_key(|(_, l)| l.listing_id);
    if !ctx.human() {
        let listings: Vec<_> = listings
            .iter()
            .map(|(key, l)| with_fields(l, json!({ "listing": key.to_string() })))
            .collect();
        ctx.print_json(&with_fields(
            &account,
            json!({ "provider": provider.to_string(), "listings": listings }),
        ));
        return Ok(());
    }
    println!("Provider      {provider}");
    println!("Authority     {authority}");
    println!("Payout wallet {}", account.payout_wallet);
    println!("Metadata      {}", account.metadata_uri);
    println!(
        "Track record  {} leases settled, {} up, {} missed, {} earned",
        account.leases_settled,
        duration(account.seconds_attested),
        duration(account.seconds_missed),
        sol::format(account.lamports_earned)
    );
    println!();
    let rows: Vec<Vec<String>> = listings
        .iter()
        .map(|(key, l)| {
            vec![
                key.to_string(),
                spelled(&l.state),
                format!("{}× {} {} GB", l.gpu_count, l.gpu_model, l.vram_gb),
                sol::format(l.price_lamports_per_hour),
                format!("{}/{}", l.active_leases, l.capacity),
                l.health_check.clone(),
            ]
        })
        .collect();
    table(
        &[
            "LISTING",
            "STATE",
            "GPUS",
            "PRICE/H",
            "LEASES",
            "HEALTH CHECK",
        ],
        &rows,
    );
    Ok(())
}

async fn list_gpu(ctx: &Context, a: ListGpuArgs) -> CliResult {
    let me = ctx.me()?;
    let provider = accounts::provider(&ctx.rpc, &me).await?;
    let listing_id = provider.listing_count;
    let listing = pda::listing(&pda::provider(&me).0, listing_id).0;
    let terms = ListingTerms {
        gpu_model: a.model,
        gpu_count: a.gpus,
        vram_gb: a.vram_gb,
        region: a.region,
        health_check: a.health_check,
        price_lamports_per_hour: a.price,
        min_hours: a.min_hours,
        max_hours: a.max_hours,
        attestors: attestor_set(&a.attestors, a.threshold, a.period)?,
        capacity: a.capacity,
    };
    let signature = ctx
        .send(&[ix::create_listing(&me, listing_id, terms)])
        .await?;
    done(
        ctx,
        format!(
            "Listed {listing} at {}/hour\nSignature: {signature}",
            sol::format(a.price)
        ),
        json!({ "listing": listing.to_string(), "listing_id": listing_id, "signature": signature.to_string() }),
    );
    Ok(())
}

async fn update_listing(ctx: &Context, a: UpdateListingArgs) -> CliResult {
    let update = ListingUpdate {
        gpu_model: a.model,
        gpu_count: a.gpus,
        vram_gb: a.vram_gb,
        region: a.region,
        health_check: a.health_check,
        price_lamports_per_hour: a.price,
        min_hours: a.min_hours,
        max_hours: a.max_hours,
        attestors: if a.attestors.is_empty() {
            None
        } else {
            Some(attestor_set(
                &a.attestors,
                a.threshold,
                a.period.unwrap_or(60),
            )?)
        },
        capacity: a.capacity,
    };
    if update == ListingUpdate::default() {
        return Err(CliError::usage(
            "nothing to update: give at least one of --model --gpus --vram-gb --region \
             --health-check --price --min-hours --max-hours --attestor --capacity",
        ));
    }
    let me = ctx.me()?;
    let provider = pda::provider(&me).0;
    accounts::listing(&ctx.rpc, &a.listing).await?;
    let signature = ctx
        .send(&[ix::update_listing(&me, &provider, &a.listing, update)])
        .await?;
    done(
        ctx,
        format!("Updated listing {}\nSignature: {signature}", a.listing),
        json!({ "listing": a.listing.to_string(), "signature": signature.to_string() }),
    );
    Ok(())
}

async fn pause(ctx: &Context, listing: Pubkey, resume: bool) -> CliResult {
    let me = ctx.me()?;
    let provider = pda::provider(&me).0;
    accounts::listing(&ctx.rpc, &listing).await?;
    let signature = ctx
        .send(&[ix::pause_listing(&me, &provider, &listing, !resume)])
        .await?;
    let what = if resume { "Resumed" } else { "Paused" };
    done(
        ctx,
        format!("{what} listing {listing}\nSignature: {signature}"),
        json!({ "listing": listing.to_string(), "paused": !resume, "signature": signature.to_string() }),
    );
    Ok(())
}

async fn close_listing(ctx: &Context, listing: Pubkey) -> CliResult {
    let me = ctx.me()?;
    let provider = pda::provider(&me).0;
    accounts::listing(&ctx.rpc, &listing).await?;
    let signature = ctx
        .send(&[ix::close_listing(&me, &provider, &listing)])
        .await?;
    done(
        ctx,
        format!("Closed listing {listing}\nSignature: {signature}"),
        json!({ "listing": listing.to_string(), "signature": signature.to_string() }),
    );
    Ok(())
}

/// The claim transaction for `lease`, signed by the provider's authority.
async fn claim_ix(
    ctx: &Context,
    me: &Pubkey,
    lease: &Pubkey,
) -> CliResult<solana_sdk::instruction::Instruction> {
    let provider = accounts::provider(&ctx.rpc, me).await?;
    let config = accounts::config(&ctx.rpc).await?;
    Ok(ix::claim_payout(
        me,
        &pda::provider(me).0,
        lease,
        &provider.payout_wallet,
        &config.treasury,
    ))
}

async fn claim_one(ctx: &Context, lease: Pubkey) -> CliResult {
    let me = ctx.me()?;
    let before = accounts::lease(&ctx.rpc, &lease).await?.ok_or_else(|| {
        CliError::hinted(
            format!("lease {lease} does not exist"),
            "a settled lease is closed: settle pays the provider what is left",
        )
    })?;
    let ix = claim_ix(ctx, &me, &lease).await?;
    let signature = ctx.send(&[ix]).await?;
    let after: Option<Lease> = accounts::lease(&ctx.rpc, &lease).await?;
    let paid = after.map_or(0, |a| a.paid_out.saturating_sub(before.paid_out));
    done(
        ctx,
        format!(
            "Claimed {} from lease {lease}\nSignature: {signature}",
            sol::format(paid)
        ),
        json!({ "lease": lease.to_string(), "paid_lamports": paid, "signature": signature.to_string() }),
    );
    Ok(())
}

async fn my_leases(ctx: &Context) -> CliResult<(Pubkey, Vec<LeaseView>)> {
    let me = ctx.me()?;
    let filter = LeaseFilter {
        provider: Some(pda::provider(&me).0),
        ..Default::default()
    };
    Ok((me, lease_view::fetch_all(ctx, filter).await?))
}

async fn claim_all(ctx: &Context) -> CliResult {
    let (me, leases) = my_leases(ctx).await?;
    let due: Vec<&LeaseView> = leases
        .iter()
        .filter(|v| v.claimable.provider > 0 || v.claimable.fee > 0)
        .collect();
    let bar = progress::bar(ctx, due.len() as u64, "claiming");
    let (mut total, mut claimed, mut failures) = (0u64, Vec::new(), Vec::new());
    for view in &due {
        let result = async {
            let ix = claim_ix(ctx, &me, &view.address).await?;
            ctx.send(&[ix]).await
        }
        .await;
        match result {
            Ok(signature) => {
                total += view.claimable.provider;
                progress::line(
                    ctx,
                    &bar,
                    format!(
                        "claimed {} from {}",
                        sol::format(view.claimable.provider),
                        view.address
                    ),
                );
                claimed.push(json!({ "lease": view.address.to_string(), "paid_lamports": view.claimable.provider, "signature": signature.to_string() }));
            }
            Err(e) => {
                progress::line(ctx, &bar, format!("failed {}: {e}", view.address));
                failures.push(json!({ "lease": view.address.to_string(), "error": e.to_json() }));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    done(
        ctx,
        format!(
            "Claimed {} from {} of {} leases with earnings ({} unsettled in all)",
            sol::format(total),
            claimed.len(),
            due.len(),
            leases.len()
        ),
        json!({ "paid_lamports": total, "claimed": claimed, "failed": failures }),
    );
    progress::fail_if_any(failures.len(), "claims")
}

async fn leases(ctx: &Context) -> CliResult {
    let (_, leases) = my_leases(ctx).await?;
    lease_view::print_all(
        ctx,
        &leases,
        [
            ("PAID", |v| v.lease.paid_out),
            ("CLAIMABLE", |v| v.claimable.provider),
        ],
    );
    Ok(())
}
