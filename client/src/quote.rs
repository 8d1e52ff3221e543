//! The price a renter pays, computed with the program's own money rules.

use compute_escrow::instructions::QuotedTerms;
use compute_escrow::math;
use compute_escrow::state::{AttestorSet, Config, Listing, ListingState};

/// Why a listing cannot be rented as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("the listing is paused")]
    ListingPaused,
    #[error("the listing is closed")]
    ListingClosed,
    #[error("the market is paused")]
    MarketPaused,
    #[error("{hours} hours is outside the listing's {min}..={max} hours")]
    HoursOutOfRange { hours: u32, min: u32, max: u32 },
    #[error("the listing is at capacity ({capacity} leases)")]
    AtCapacity { capacity: u16 },
    #[error("price × hours overflows")]
    Overflow,
}

/// Everything a renter pays and signs for when opening a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// What `open_lease` signs (price per hour, listing terms hash, fee and
    /// settle grace), so a change to any of them fails the transaction.
    pub signed: QuotedTerms,
    /// Hours bought.
    pub hours: u32,
    /// price × hours, escrowed in the lease.
    pub deposit: u64,
    /// Rent-exempt minimum of the lease account, returned at settle.
    pub lease_rent: u64,
    /// deposit + lease_rent: what leaves the renter's wallet (plus the network fee).
    pub total: u64,
    /// Fee taken if every second is attested up.
    pub max_fee: u64,
    /// Who signs uptime for the lease, how many must agree, and the period
    /// grid (covered by the terms hash).
    pub attestors: AttestorSet,
    /// The health check the attestor will probe (covered by the terms hash).
    pub health_check: String,
}

/// What `open_lease` must sign to rent `listing` under `config` as they
/// stand: the listing's price and terms hash, the market's fee and grace.
pub fn terms_in_force(listing: &Listing, config: &Config) -> QuotedTerms {
    QuotedTerms {
        price_lamports_per_hour: listing.price_lamports_per_hour,
        terms_hash: listing.terms_hash(),
        fee_bps: config.fee_bps,
        settle_grace_seconds: config.settle_grace_seconds,
    }
}

/// Names of the terms a renter relies on that differ between the `quoted`
/// listing and the `current` one (those [`Listing::terms_hash`] covers), so a
/// refused open can say what changed.
pub fn changed_terms(quoted: &Listing, current: &Listing) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check(
        "price_lamports_per_hour",
        quoted.price_lamports_per_hour != current.price_lamports_per_hour,
    );
    check("gpu_model", quoted.gpu_model != current.gpu_model);
    check("gpu_count", quoted.gpu_count != current.gpu_count);
    check("vram_gb", quoted.vram_gb != current.vram_gb);
    check("region", quoted.region != current.region);
    check("health_check", quoted.health_check != current.health_check);
    check("max_hours", quoted.max_hours != current.max_hours);
    check("attestors", quoted.attestors != current.attestors);
    changed
}

/// Quotes `hours` on `listing` under `config`; `lease_rent` is the rent-exempt
/// minimum of a lease account (`accounts::lease_rent`).
pub fn quote(
    listing: &Listing,
    config: &Config,
    hours: u32,
    lease_rent: u64,
) -> Result<Quote, QuoteError> {
    match listing.state {
        ListingState::Active => {}
        ListingState::Paused => return Err(QuoteError::ListingPaused),
        ListingState::Closed => return Err(QuoteError::ListingClosed),
    }
    if config.paused {
        return Err(QuoteError::MarketPaused);
    }
    if hours < listing.min_hours || hours > listing.max_hours {
        return Err(QuoteError::HoursOutOfRange {
            hours,
            min: listing.min_hours,
            max: listing.max_hours,
        });
    }
    if listing.active_leases >= listing.capacity {
        return Err(QuoteError::AtCapacity {
            capacity: listing.capacity,
        });
    }
    let deposit = math::lease_cost(listing.price_lamports_per_hour, hours)
        .map_err(|_| QuoteError::Overflow)?;
    let total = deposit
        .checked_add(lease_rent)
        .ok_or(QuoteError::Overflow)?;
    let max_fee = math::fee(deposit, config.fee_bps).map_err(|_| QuoteError::Overflow)?;
    Ok(Quote {
        signed: terms_in_force(listing, config),
        hours,
        deposit,
        lease_rent,
        total,
        max_fee,
        attestors: listing.attestors,
        health_check: listing.health_check.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use compute_escrow::state::Listing;
    use solana_sdk::pubkey::Pubkey;

    fn listing() -> Listing {
        Listing {
            state: ListingState::Active,
            provider: Pubkey::new_unique(),
            listing_id: 0,
            price_lamports_per_hour: 3_600_000,
            min_hours: 1,
            max_hours: 24,
            attestors: AttestorSet::new(&[Pubkey::new_unique()], 1, 60).unwrap(),
            gpu_count: 8,
            vram_gb: 80,
            capacity: 2,
            active_leases: 0,
            leases_opened: 0,
            created_at: 0,
            updated_at: 0,
            bump: 255,
            gpu_model: "H100".into(),
            region: "eu-west".into(),
            health_check: "tcp://10.0.0.7:22".into(),
        }
    }

    #[test]
    fn changed_terms_names_exactly_what_the_terms_hash_covers() {
        let quoted = listing();
        let mut current = quoted.clone();
        assert!(changed_terms(&quoted, &current).is_empty());
        // Counters and capacity are not terms a renter signs.
        current.active_leases = 2;
        current.capacity = 9;
        current.updated_at = 77;
        assert!(changed_terms(&quoted, &current).is_empty());
        assert_eq!(quoted.terms_hash(), current.terms_hash());
        current.health_check = "tcp://always-up.example:22".into();
        current.region = "us-east".into();
        assert_eq!(changed_terms(&quoted, &current), ["region", "health_check"]);
        assert_ne!(quoted.terms_hash(), current.terms_hash());
    }
}
