//! Solana Actions: transactions for any wallet (renter: rent, extend,
//! cancel; provider: claim, pause, resume; anyone: settle), built with the SDK
//! from the chain's current state, never from the mirror, so a quote is what
//! the program will see; and the relay that sends what a wallet signed.

use std::str::FromStr;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use compute_escrow::math;
use compute_escrow::pda;
use compute_escrow::state::{Config, Lease, Provider};
use compute_escrow_client::accounts::{self, FetchError};
use compute_escrow_client::actions::{
    ActionError, ActionGetResponse, ActionLinks, ActionParameter, ActionPostRequest,
    ActionPostResponse, ActionRule, ActionType, ActionsJson, LinkedAction, LinkedActionType,
    SentTransaction, SignedTransaction, ACTION_VERSION,
};
use compute_escrow_client::quote::{quote, Quote, QuoteError};
use compute_escrow_client::{compute_units, errors, ix, sol};
use futures::TryFutureExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::{Transaction, TransactionError};

use super::AppState;

/// A refused action request: a 4xx (503 when the chain does not answer)
/// with the spec's `{"message": …}` body.
pub struct Refused(StatusCode, String);

impl Refused {
    fn bad(message: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, message.into())
    }

    fn conflict(message: impl Into<String>) -> Self {
        Self(StatusCode::CONFLICT, message.into())
    }
}

impl From<FetchError> for Refused {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::NotFound { kind, address } => {
                Self(StatusCode::NOT_FOUND, format!("no {kind} at {address}"))
            }
            other => rpc_down(other),
        }
    }
}

impl From<QuoteError> for Refused {
    fn from(e: QuoteError) -> Self {
        Self::conflict(format!("cannot rent: {e}"))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(ActionError { message: self.1 })).into_response()
    }
}

type ActionResult<T> = Result<Json<T>, Refused>;

/// A JSON request body whose rejection is the spec's `{"message": …}` with
/// the status axum chose (400 not JSON, 415 no JSON content type, 422 the
/// wrong shape), like every other refusal of an action.
pub struct ActionBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ActionBody<T> {
    type Rejection = Refused;

    async fn from_request(request: Request, state: &S) -> Result<Self, Refused> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(body)| ActionBody(body))
            .map_err(|rejection| Refused(rejection.status(), rejection.body_text()))
    }
}

/// `GET /actions.json`: the web app's pages mapped to their actions.
#[utoipa::path(get, path = "/actions.json", tag = "actions",
    responses((status = 200, body = ActionsJson)))]
pub async fn actions_json() -> Json<ActionsJson> {
    let rule = |path: &str, api: &str| ActionRule {
        path_pattern: path.into(),
        api_path: api.into(),
    };
    Json(ActionsJson {
        rules: vec![
            rule("/app/listings/*", "/api/actions/rent/*"),
            rule("/api/actions/**", "/api/actions/**"),
        ],
    })
}

fn listing_key(text: &str) -> Result<Pubkey, Refused> {
    Pubkey::from_str(text).map_err(|_| Refused::bad(format!("`{text}` is not a listing address")))
}

/// The user-facing price of `q`: everything that leaves the wallet and what
/// comes back.
fn price_text(q: &Quote) -> String {
    format!(
        "{} for {} h ({} per hour, escrowed and paid to the provider only for attested uptime; the protocol keeps {} bps of what is paid, at most {}), plus a refundable {} account deposit: {} in total. Attestors {}; unattested time is refunded, and the lease can be settled {} s after its end at the latest.",
        sol::format(q.deposit),
        q.hours,
        sol::format(q.signed.price_lamports_per_hour),
        q.signed.fee_bps,
        sol::format(q.max_fee),
        sol::format(q.lease_rent),
        sol::format(q.total),
        q.attestors,
        q.signed.settle_grace_seconds,
    )
}

async fn current_quote(state: &AppState, listing: &Pubkey, hours: u32) -> Result<Quote, Refused> {
    let (account, config, rent) = tokio::try_join!(
        accounts::listing(&state.rpc, listing),
        accounts::config(&state.rpc),
        accounts::lease_rent(&state.rpc),
    )?;
    Ok(quote(&account, &config, hours, rent)?)
}

/// `GET /api/actions/rent/{listing}[?hours=N]`: the final price for N hours
/// (default: the listing's minimum), and a form for any hours it allows.
#[utoipa::path(get, path = "/api/actions/rent/{listing}", tag = "actions",
    params(("listing" = String, Path, description = "Listing account"),
        ("hours" = Option<String>, Query, description = "Hours to quote (default: the listing's minimum)")),
    responses((status = 200, body = ActionGetResponse), (status = 400, body = ActionError),
        (status = 404, body = ActionError), (status = 409, body = ActionError), (status = 503, body = ActionError)))]
pub async fn rent_get(
    State(state): State<AppState>,
    Path(listing): Path<String>,
    Query(query): Query<HoursQuery>,
) -> ActionResult<ActionGetResponse> {
    let key = listing_key(&listing)?;
    let account = accounts::listing(&state.rpc, &key).await?;
    let hours = match query.hours {
        Some(text) => hours_of(&text)?,
        None => account.min_hours,
    };
    let q = current_quote(&state, &key, hours).await?;
    let href = |hours: &str| {
        format!(
            "/api/actions/rent/{key}?hours={hours}&price={}&terms={}",
            q.signed.price_lamports_per_hour,
            hex(&q.signed.terms_hash)
        )
    };
    Ok(Json(ActionGetResponse {
        kind: ActionType::Action,
        icon: format!("{}/app/icon.svg", state.public_url),
        title: format!(
            "{}× {} ({} GB) in {}",
            account.gpu_count, account.gpu_model, account.vram_gb, account.region
        ),
        description: price_text(&q),
        label: format!("Rent {} h", q.hours),
        disabled: false,
        links: Some(ActionLinks {
            actions: vec![
                LinkedAction {
                    kind: LinkedActionType::Transaction,
                    href: href(&q.hours.to_string()),
                    label: format!("Rent {} h for {}", q.hours, sol::format(q.total)),
                    parameters: Vec::new(),
                },
                LinkedAction {
                    kind: LinkedActionType::Transaction,
                    href: href("{hours}"),
                    label: "Rent".into(),
                    parameters: vec![ActionParameter {
                        kind: "number".into(),
                        name: "hours".into(),
                        label: format!("Hours ({}-{})", account.min_hours, account.max_hours),
                        required: true,
                        min: Some(u64::from(account.min_hours)),
                        max: Some(u64::from(account.max_hours)),
                    }],
                },
            ],
        }),
        error: None,
    }))
}

/// What a rent POST signs: the hours and the terms the renter was shown.
#[derive(Debug, Deserialize)]
pub struct RentQuery {
    hours: String,
    price: String,
    terms: String,
}

fn hours_of(text: &str) -> Result<u32, Refused> {
    text.parse()
        .map_err(|_| Refused::bad(format!("`{text}` is not a number of hours")))
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /api/actions/rent/{listing}?hours=&price=&terms=`: the `open_lease`
/// transaction for the posting wallet, signing exactly the terms it was
/// shown; refused (409) if the listing changed since.
#[utoipa::path(post, path = "/api/actions/rent/{listing}", tag = "actions",
    params(("listing" = String, Path, description = "Listing account"),
        ("hours" = String, Query, description = "Hours to rent"),
        ("price" = String, Query, description = "Price per hour the renter was shown, lamports"),
        ("terms" = String, Query, description = "Terms hash the renter was shown, hex")),
    request_body = ActionPostRequest,
    responses((status = 200, body = ActionPostResponse), (status = 400, body = ActionError), (status = 415, body = ActionError), (status = 422, body = ActionError),
        (status = 404, body = ActionError), (status = 409, body = ActionError), (status = 503, body = ActionError)))]
pub async fn rent_post(
    State(state): State<AppState>,
    Path(listing): Path<String>,
    Query(query): Query<RentQuery>,
    ActionBody(body): ActionBody<ActionPostRequest>,
) -> ActionResult<ActionPostResponse> {
    let key = listing_key(&listing)?;
    let renter = wallet(&body)?;
    let hours = hours_of(&query.hours)?;
    let q = current_quote(&state, &key, hours).await?;
    if query.price != q.signed.price_lamports_per_hour.to_string()
        || query.terms != hex(&q.signed.terms_hash)
    {
        return Err(Refused::conflict(
            "the listing changed since this quote; load it again to see the new price and terms",
        ));
    }
    let lease_id = loop {
        let candidate: u64 = rand::random();
        let lease = pda::lease(&key, &renter, candidate).0;
        if accounts::lease(&state.rpc, &lease).await?.is_none() {
            break candidate;
        }
    };
    let transaction = build(
        &state,
        &renter,
        &["open_lease"],
        vec![ix::open_lease(&renter, &key, lease_id, hours, q.signed)],
    )
    .await?;
    Ok(Json(ActionPostResponse {
        kind: ActionType::Transaction,
        transaction,
        message: Some(format!(
            "Rent lease {} ({lease_id}): {}",
            pda::lease(&key, &renter, lease_id).0,
            price_text(&q)
        )),
    }))
}

fn rpc_down(e: impl std::fmt::Display) -> Refused {
    Refused(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the Solana RPC node did not answer: {e}"),
    )
}

/// The unsigned transaction of `instructions` (named as cu-bench measured
/// them) with `payer` paying, a compute-unit limit from the measured
/// figures and a recent blockhash, base64. It is simulated first: one that
/// the program would refuse is a 409 naming the program's error and its
/// hint, never a transaction to sign.
async fn build(
    state: &AppState,
    payer: &Pubkey,
    names: &[&str],
    instructions: Vec<Instruction>,
) -> Result<String, Refused> {
    let mut all = vec![compute_units::limit_for(names)];
    all.extend(instructions);
    let blockhash = state.rpc.get_latest_blockhash().await.map_err(rpc_down)?;
    let message = Message::new_with_blockhash(&all, Some(payer), &blockhash);
    let transaction = Transaction::new_unsigned(message);
    let config = RpcSimulateTransactionConfig {
        sig_verify: false,
        replace_recent_blockhash: true,
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    };
    let simulated = state
        .rpc
        .simulate_transaction_with_config(&transaction, config)
        .await
        .map_err(rpc_down)?
        .value;
    if let Some(err) = simulated.err {
        let err: TransactionError = err.into();
        return Err(Refused::conflict(
            match errors::from_transaction_error(&err) {
                Some(refused) => refused.to_string(),
                None => format!("the transaction would fail: {err}"),
            },
        ));
    }
    let bytes = bincode::serialize(&transaction).map_err(|e| {
        Refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not serialise the transaction: {e}"),
        )
    })?;
    Ok(STANDARD.encode(bytes))
}

fn wallet(body: &ActionPostRequest) -> Result<Pubkey, Refused> {
    Pubkey::from_str(&body.account)
        .map_err(|_| Refused::bad(format!("`{}` is not a wallet address", body.account)))
}

async fn live_lease(state: &AppState, text: &str) -> Result<(Pubkey, Lease), Refused> {
    let key = Pubkey::from_str(text)
        .map_err(|_| Refused::bad(format!("`{text}` is not a lease address")))?;
    let lease = accounts::lease(&state.rpc, &key).await?.ok_or_else(|| {
        Refused(
            StatusCode::NOT_FOUND,
            format!("no open lease at {key} (settled, or never opened)"),
        )
    })?;
    Ok((key, lease))
}

fn only_renter(lease: &Lease, account: &Pubkey) -> Result<(), Refused> {
    if lease.renter == *account {
        Ok(())
    } else {
        Err(Refused(
            StatusCode::FORBIDDEN,
            format!(
                "this lease is not {account}'s: only its renter {} may do this",
                lease.renter
            ),
        ))
    }
}

/// Which lease action a POST asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseAction {
    /// Renter buys more hours (`?hours=`).
    Extend,
    /// Renter stops the lease; unused time is refunded at once.
    Cancel,
    /// Anyone settles a due lease.
    Settle,
    /// The provider claims what attested uptime earned.
    Claim,
}

/// `?hours=` of an extension.
#[derive(Debug, Deserialize)]
pub struct HoursQuery {
    hours: Option<String>,
}

/// `POST /api/actions/lease/{lease}/{action}`: extend, cancel, settle or
/// claim, for the posting wallet.
#[utoipa::path(post, path = "/api/actions/lease/{lease}/{action}", tag = "actions",
    params(("lease" = String, Path, description = "Lease account"),
        ("action" = String, Path, description = "extend, cancel, settle or claim"),
        ("hours" = Option<String>, Query, description = "Hours to add (extend)")),
    request_body = ActionPostRequest,
    responses((status = 200, body = ActionPostResponse), (status = 400, body = ActionError), (status = 415, body = ActionError), (status = 422, body = ActionError),
        (status = 403, body = ActionError), (status = 404, body = ActionError), (status = 409, body = ActionError),
        (status = 503, body = ActionError)))]
pub async fn lease_post(
    State(state): State<AppState>,
    Path((lease, action)): Path<(String, LeaseAction)>,
    Query(query): Query<HoursQuery>,
    ActionBody(body): ActionBody<ActionPostRequest>,
) -> ActionResult<ActionPostResponse> {
    let account = wallet(&body)?;
    let (key, l) = live_lease(&state, &lease).await?;
    let (names, instruction, message) = match action {
        LeaseAction::Extend => {
            only_renter(&l, &account)?;
            let hours = hours_of(&query.hours.unwrap_or_default())?;
            let cost = math::lease_cost(l.price_lamports_per_hour, hours)
                .map_err(|_| Refused::bad("price × hours overflows"))?;
            (
                "extend_lease",
                ix::extend_lease(&account, &l.listing, &key, hours),
                format!("Extend lease {key} by {hours} h for {}", sol::format(cost)),
            )
        }
        LeaseAction::Cancel => {
            only_renter(&l, &account)?;
            (
                "cancel_lease",
                ix::cancel_lease(&account, &l.listing, &key),
                format!(
                    "Cancel lease {key}: unused time comes back now, attested time is still paid"
                ),
            )
        }
        LeaseAction::Settle => {
            let (provider, config) = payout_accounts(&state, &l.provider).await?;
            (
                "settle_lease",
                ix::settle_lease(
                    &l.provider,
                    &l.listing,
                    &key,
                    &l.renter,
                    &provider.payout_wallet,
                    &config.treasury,
                ),
                format!(
                    "Settle lease {key}: pays what is attested, refunds the rest to the renter"
                ),
            )
        }
        LeaseAction::Claim => {
            let (provider, config) = payout_accounts(&state, &l.provider).await?;
            if provider.authority != account {
                return Err(Refused(
                    StatusCode::FORBIDDEN,
                    format!(
                        "only the provider's authority {} may claim this lease",
                        provider.authority
                    ),
                ));
            }
            (
                "claim_payout",
                ix::claim_payout(
                    &account,
                    &l.provider,
                    &key,
                    &provider.payout_wallet,
                    &config.treasury,
                ),
                format!("Claim the attested earnings of lease {key}"),
            )
        }
    };
    let transaction = build(&state, &account, &[names], vec![instruction]).await?;
    Ok(Json(ActionPostResponse {
        kind: ActionType::Transaction,
        transaction,
        message: Some(message),
    }))
}

async fn provider_of(state: &AppState, provider: &Pubkey) -> Result<Provider, Refused> {
    accounts::fetch::<Provider>(&state.rpc, provider)
        .await?
        .ok_or_else(|| Refused(StatusCode::NOT_FOUND, format!("no provider at {provider}")))
}

/// The lease's provider (its payout wallet) and the market config (its
/// treasury): what settle and claim pay into.
async fn payout_accounts(
    state: &AppState,
    provider: &Pubkey,
) -> Result<(Provider, Config), Refused> {
    tokio::try_join!(
        provider_of(state, provider),
        accounts::config(&state.rpc).map_err(Refused::from),
    )
}

/// Which listing action a POST asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingAction {
    /// Stop taking new leases for now.
    Pause,
    /// Take new leases again.
    Resume,
}

/// `POST /api/actions/listing/{listing}/{pause|resume}`: for the provider's
/// authority.
#[utoipa::path(post, path = "/api/actions/listing/{listing}/{action}", tag = "actions",
    params(("listing" = String, Path, description = "Listing account"),
        ("action" = String, Path, description = "pause or resume")),
    request_body = ActionPostRequest,
    responses((status = 200, body = ActionPostResponse), (status = 400, body = ActionError), (status = 415, body = ActionError), (status = 422, body = ActionError),
        (status = 403, body = ActionError), (status = 404, body = ActionError), (status = 409, body = ActionError),
        (status = 503, body = ActionError)))]
pub async fn listing_post(
    State(state): State<AppState>,
    Path((listing, action)): Path<(String, ListingAction)>,
    ActionBody(body): ActionBody<ActionPostRequest>,
) -> ActionResult<ActionPostResponse> {
    let account = wallet(&body)?;
    let key = listing_key(&listing)?;
    let l = accounts::listing(&state.rpc, &key).await?;
    let provider = provider_of(&state, &l.provider).await?;
    if provider.authority != account {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            format!(
                "only the provider's authority {} may pause or resume this listing",
                provider.authority
            ),
        ));
    }
    let paused = matches!(action, ListingAction::Pause);
    let transaction = build(
        &state,
        &account,
        &["pause_listing"],
        vec![ix::pause_listing(&account, &l.provider, &key, paused)],
    )
    .await?;
    Ok(Json(ActionPostResponse {
        kind: ActionType::Transaction,
        transaction,
        message: Some(format!(
            "{} listing {key}",
            if paused { "Pause" } else { "Resume" }
        )),
    }))
}

/// `GET /api/actions/lease/{lease}`: the lease's state and the actions it
/// allows now (extend and cancel while it runs, settle once due, claim while
/// attested uptime is unpaid).
#[utoipa::path(get, path = "/api/actions/lease/{lease}", tag = "actions",
    params(("lease" = String, Path, description = "Lease account")),
    responses((status = 200, body = ActionGetResponse), (status = 400, body = ActionError),
        (status = 404, body = ActionError), (status = 503, body = ActionError)))]
pub async fn lease_get(
    State(state): State<AppState>,
    Path(lease): Path<String>,
) -> ActionResult<ActionGetResponse> {
    let (key, l) = live_lease(&state, &lease).await?;
    let now = state
        .rpc
        .get_block_time(state.rpc.get_slot().await.map_err(rpc_down)?)
        .await
        .map_err(rpc_down)?;
    let link = |action: &str, label: String, parameters: Vec<ActionParameter>| LinkedAction {
        kind: LinkedActionType::Transaction,
        href: format!("/api/actions/lease/{key}/{action}"),
        label,
        parameters,
    };
    let mut actions = Vec::new();
    let running = now < l.end_ts && l.state == compute_escrow::state::LeaseState::Active;
    if running {
        let mut extend = link(
            "extend",
            "Extend".into(),
            vec![ActionParameter {
                kind: "number".into(),
                name: "hours".into(),
                label: "Hours to add".into(),
                required: true,
                min: Some(1),
                max: None,
            }],
        );
        extend.href.push_str("?hours={hours}");
        actions.push(extend);
        actions.push(link(
            "cancel",
            "Cancel (refund unused time)".into(),
            Vec::new(),
        ));
    }
    if l.is_settleable(now).unwrap_or(false) {
        actions.push(link("settle", "Settle".into(), Vec::new()));
    }
    let due = l.payout_due().unwrap_or_default();
    if due.provider > 0 || due.fee > 0 {
        actions.push(link(
            "claim",
            format!("Claim {} (provider)", sol::format(due.provider)),
            Vec::new(),
        ));
    }
    Ok(Json(ActionGetResponse {
        kind: ActionType::Action,
        icon: format!("{}/app/icon.svg", state.public_url),
        title: format!("Lease {key}"),
        description: format!(
            "{} h at {} per hour; {} s attested up, {} s down; {} paid to the provider, {} claimable now, {} refunded so far.",
            l.hours,
            sol::format(l.price_lamports_per_hour),
            l.attested_seconds,
            l.down_seconds,
            sol::format(l.paid_out),
            sol::format(due.provider),
            sol::format(l.refunded)
        ),
        label: "Lease".into(),
        disabled: false,
        links: Some(ActionLinks { actions }),
        error: None,
    }))
}

/// The headers every action response carries (`X-Action-Version`,
/// `X-Blockchain-Ids` with the cluster's CAIP-2 id).
pub fn action_headers(chain_id: &str) -> [(&'static str, HeaderValue); 2] {
    [
        ("x-action-version", HeaderValue::from_static(ACTION_VERSION)),
        (
            "x-blockchain-ids",
            HeaderValue::from_str(chain_id).unwrap_or(HeaderValue::from_static("solana")),
        ),
    ]
}

/// `POST /api/transactions`: sends a transaction an action built and a wallet
/// signed, and answers once the cluster confirmed it. A refusal is a 409
/// naming the program's error and what to do about it; nothing moved.
#[utoipa::path(post, path = "/api/transactions", tag = "actions",
    request_body = SignedTransaction,
    responses((status = 200, body = SentTransaction), (status = 400, body = ActionError), (status = 415, body = ActionError), (status = 422, body = ActionError),
        (status = 409, body = ActionError), (status = 503, body = ActionError)))]
pub async fn send_signed(
    State(state): State<AppState>,
    ActionBody(body): ActionBody<SignedTransaction>,
) -> ActionResult<SentTransaction> {
    let bytes = STANDARD
        .decode(body.transaction.trim())
        .map_err(|_| Refused::bad("`transaction` is not base64"))?;
    let transaction: Transaction = bincode::deserialize(&bytes)
        .map_err(|_| Refused::bad("`transaction` is not a serialised transaction"))?;
    if transaction.verify().is_err() {
        return Err(Refused::bad(
            "the transaction is not signed by every key it needs (did the wallet sign it?)",
        ));
    }
    let signature = state
        .rpc
        .send_and_confirm_transaction(&transaction)
        .await
        .map_err(|e| match errors::from_client_error(&e) {
            Some(refused) => Refused::conflict(refused.to_string()),
            None if e.get_transaction_error().is_some() => {
                Refused::conflict(format!("the cluster refused the transaction: {e}"))
            }
            None => rpc_down(e),
        })?;
    Ok(Json(SentTransaction {
        signature: signature.to_string(),
    }))
}
