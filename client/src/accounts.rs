//! Fetching and decoding program accounts over JSON-RPC.

use anchor_lang::{AccountDeserialize, AnchorSerialize, Discriminator, Space};
use compute_escrow::constants::{
    LEASE_LISTING_OFFSET, LEASE_PROVIDER_OFFSET, LEASE_RENTER_OFFSET, LISTING_PROVIDER_OFFSET,
    STATE_OFFSET,
};
use compute_escrow::pda;
use compute_escrow::state::{Config, Lease, LeaseState, Listing, ListingState, Provider};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::pubkey::Pubkey;

/// Why an account could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("RPC request failed: {0}")]
    Rpc(#[from] Box<ClientError>),
    #[error("{kind} account {address} does not exist")]
    NotFound { kind: &'static str, address: Pubkey },
    #[error("account {address} is not a {kind} of this program: {reason}")]
    Decode {
        kind: &'static str,
        address: Pubkey,
        reason: String,
    },
}

/// Fetch result.
pub type FetchResult<T> = Result<T, FetchError>;

fn kind<T>() -> &'static str {
    std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("program")
}

fn decode<T: AccountDeserialize>(address: Pubkey, data: &[u8]) -> FetchResult<T> {
    T::try_deserialize(&mut &data[..]).map_err(|e| FetchError::Decode {
        kind: kind::<T>(),
        address,
        reason: e.to_string(),
    })
}

/// The account of type `T` at `address`, `None` if no account is there
/// (for a lease: settled and closed).
pub async fn fetch<T: AccountDeserialize + Discriminator>(
    rpc: &RpcClient,
    address: &Pubkey,
) -> FetchResult<Option<T>> {
    let account = rpc
        .get_account_with_commitment(address, rpc.commitment())
        .await
        .map_err(|e| FetchError::Rpc(Box::new(e)))?
        .value;
    match account {
        Some(account) if account.owner == compute_escrow::ID => {
            decode(*address, &account.data).map(Some)
        }
        Some(_) => Err(FetchError::Decode {
            kind: kind::<T>(),
            address: *address,
            reason: "not owned by the program".into(),
        }),
        None => Ok(None),
    }
}

async fn require<T: AccountDeserialize + Discriminator>(
    rpc: &RpcClient,
    address: &Pubkey,
) -> FetchResult<T> {
    fetch(rpc, address).await?.ok_or(FetchError::NotFound {
        kind: kind::<T>(),
        address: *address,
    })
}

/// The market config.
pub async fn config(rpc: &RpcClient) -> FetchResult<Config> {
    require(rpc, &pda::config().0).await
}

/// The provider account of `authority`.
pub async fn provider(rpc: &RpcClient, authority: &Pubkey) -> FetchResult<Provider> {
    require(rpc, &pda::provider(authority).0).await
}

/// The listing at `address`.
pub async fn listing(rpc: &RpcClient, address: &Pubkey) -> FetchResult<Listing> {
    require(rpc, address).await
}

/// The lease at `address`, `None` once settled (closed).
pub async fn lease(rpc: &RpcClient, address: &Pubkey) -> FetchResult<Option<Lease>> {
    fetch(rpc, address).await
}

/// Rent-exempt minimum of a lease account (returned to the renter at settle).
pub async fn lease_rent(rpc: &RpcClient) -> FetchResult<u64> {
    rpc.get_minimum_balance_for_rent_exemption(8 + Lease::INIT_SPACE)
        .await
        .map_err(|e| FetchError::Rpc(Box::new(e)))
}

/// Which listings [`listings`] returns; `None` matches anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListingFilter {
    pub state: Option<ListingState>,
    /// The provider account (PDA), not its authority.
    pub provider: Option<Pubkey>,
}

/// Which leases [`leases`] returns; `None` matches anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaseFilter {
    pub state: Option<LeaseState>,
    pub renter: Option<Pubkey>,
    /// The provider account (PDA), not its authority.
    pub provider: Option<Pubkey>,
    pub listing: Option<Pubkey>,
}

fn memcmp(offset: u16, bytes: Vec<u8>) -> RpcFilterType {
    RpcFilterType::Memcmp(Memcmp::new_raw_bytes(usize::from(offset), bytes))
}

fn state_byte(state: &impl AnchorSerialize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(1);
    state.serialize(&mut bytes).expect("an enum serializes");
    bytes
}

async fn scan<T: AccountDeserialize + Discriminator>(
    rpc: &RpcClient,
    mut filters: Vec<RpcFilterType>,
) -> FetchResult<Vec<(Pubkey, T)>> {
    filters.insert(0, memcmp(0, T::DISCRIMINATOR.to_vec()));
    let config = RpcProgramAccountsConfig {
        filters: Some(filters),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(rpc.commitment()),
            ..Default::default()
        },
        ..Default::default()
    };
    let accounts = rpc
        .get_program_ui_accounts_with_config(&compute_escrow::ID, config)
        .await
        .map_err(|e| FetchError::Rpc(Box::new(e)))?;
    accounts
        .into_iter()
        .map(|(key, account)| {
            let data = account.data.decode().ok_or_else(|| FetchError::Decode {
                kind: kind::<T>(),
                address: key,
                reason: "RPC returned undecodable data".into(),
            })?;
            Ok((key, decode(key, &data)?))
        })
        .collect()
}

/// Every listing matching `filter`, filtered by the RPC node.
pub async fn listings(
    rpc: &RpcClient,
    filter: ListingFilter,
) -> FetchResult<Vec<(Pubkey, Listing)>> {
    let mut filters = Vec::new();
    if let Some(state) = filter.state {
        filters.push(memcmp(STATE_OFFSET, state_byte(&state)));
    }
    if let Some(provider) = filter.provider {
        filters.push(memcmp(
            LISTING_PROVIDER_OFFSET,
            provider.to_bytes().to_vec(),
        ));
    }
    scan(rpc, filters).await
}

/// Every unsettled lease matching `filter`, filtered by the RPC node.
pub async fn leases(rpc: &RpcClient, filter: LeaseFilter) -> FetchResult<Vec<(Pubkey, Lease)>> {
    let mut filters = Vec::new();
    if let Some(state) = filter.state {
        filters.push(memcmp(STATE_OFFSET, state_byte(&state)));
    }
    for (offset, key) in [
        (LEASE_RENTER_OFFSET, filter.renter),
        (LEASE_PROVIDER_OFFSET, filter.provider),
        (LEASE_LISTING_OFFSET, filter.listing),
    ] {
        if let Some(key) = key {
            filters.push(memcmp(offset, key.to_bytes().to_vec()));
        }
    }
    scan(rpc, filters).await
}
