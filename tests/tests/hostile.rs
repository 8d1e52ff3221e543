//! Refused input: every case asserts the precise error and that no watched
//! account changed a lamport or a byte.

use anchor_lang::error::ErrorCode as AnchorError;
use compute_escrow::error::EscrowError as E;
use compute_escrow::instructions::{ConfigUpdate, ListingTerms, ListingUpdate, QuotedTerms};
use compute_escrow::pda;
use compute_escrow_tests::*;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

fn anchor(code: AnchorError) -> TxFailure {
    TxFailure::Program(code.into())
}

/// `ix` with `key`'s signer flag cleared, as a forged transaction would send it.
fn unsigned(mut ix: Instruction, key: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        meta.is_signer = false;
    }
    ix
}

/// A second provider with its own listing, for substitution attacks.
struct Other {
    authority: Keypair,
    provider: Pubkey,
    listing: Pubkey,
}

async fn other_provider(m: &mut Market) -> Other {
    let authority = m.bank.funded(10).await;
    let a = authority.pubkey();
    m.bank
        .send(&[ix::register_provider(&a, &a, "")], &[&authority])
        .await
        .unwrap();
    m.bank
        .send(
            &[ix::create_listing(
                &a,
                0,
                default_terms(m.attestor.pubkey()),
            )],
            &[&authority],
        )
        .await
        .unwrap();
    let provider = pda::provider(&a).0;
    Other {
        authority,
        provider,
        listing: pda::listing(&provider, 0).0,
    }
}

#[tokio::test]
async fn config_refuses_non_admin_high_fee_long_grace_and_reinit() {
    let mut m = Market::new().await;
    let admin = m.admin.insecure_clone();
    let intruder = m.bank.funded(1).await;
    let grab = |signer: &Pubkey| {
        ix::update_config_treasury(signer, ConfigUpdate::default(), Some(intruder.pubkey()))
    };
    m.refused(
        &[grab(&intruder.pubkey())],
        &[&intruder],
        E::Unauthorized,
        &[],
    )
    .await;
    let forged = unsigned(grab(&admin.pubkey()), &admin.pubkey());
    let failure = m.refused_any(&[forged], &[], &[]).await;
    assert_eq!(failure, anchor(AnchorError::AccountNotSigner));

    let fee = ConfigUpdate {
        fee_bps: Some(501),
        ..Default::default()
    };
    m.refused(
        &[ix::update_config(&admin.pubkey(), fee)],
        &[&admin],
        E::FeeTooHigh,
        &[],
    )
    .await;
    let grace = ConfigUpdate {
        settle_grace_seconds: Some(7 * 86_400 + 1),
        ..Default::default()
    };
    m.refused(
        &[ix::update_config(&admin.pubkey(), grace)],
        &[&admin],
        E::GraceTooLong,
        &[],
    )
    .await;
    // A valid field next to an invalid one: nothing is applied.
    let mixed = ConfigUpdate {
        paused: Some(true),
        fee_bps: Some(u16::MAX),
        ..Default::default()
    };
    m.refused(
        &[ix::update_config(&admin.pubkey(), mixed)],
        &[&admin],
        E::FeeTooHigh,
        &[],
    )
    .await;

    let short = ConfigUpdate {
        settle_grace_seconds: Some(599),
        ..Default::default()
    };
    m.refused(
        &[ix::update_config(&admin.pubkey(), short)],
        &[&admin],
        E::GraceTooShort,
        &[],
    )
    .await;

    // A second init, even by the upgrade authority, finds the config there.
    let again = ix::init_config(&admin.pubkey(), &admin.pubkey(), 0, 600);
    m.refused(
        &[again],
        &[&admin],
        E::AlreadyInitialized,
        &[admin.pubkey()],
    )
    .await;
}

#[tokio::test]
async fn admin_hand_over_needs_the_proposed_key_to_accept() {
    let mut m = Market::new().await;
    let admin = m.admin.insecure_clone();
    let next = m.bank.funded(1).await;
    let stranger = m.bank.funded(1).await;
    // Nothing proposed: nobody can accept, not even the admin.
    for who in [&stranger, &admin] {
        m.refused(
            &[ix::accept_admin(&who.pubkey())],
            &[who],
            E::NotPendingAdmin,
            &[],
        )
        .await;
    }
    let propose = ConfigUpdate {
        new_admin: Some(next.pubkey()),
        ..Default::default()
    };
    m.update_config(propose).await.unwrap();
    // A proposal changes nothing yet: the admin still rules, the proposed
    // key cannot update, a stranger cannot accept, and a forged signature fails.
    let pause = |signer: &Pubkey| {
        ix::update_config(
            signer,
            ConfigUpdate {
                paused: Some(true),
                ..Default::default()
            },
        )
    };
    m.refused(&[pause(&next.pubkey())], &[&next], E::Unauthorized, &[])
        .await;
    m.refused(
        &[ix::accept_admin(&stranger.pubkey())],
        &[&stranger],
        E::NotPendingAdmin,
        &[],
    )
    .await;
    let forged = unsigned(ix::accept_admin(&next.pubkey()), &next.pubkey());
    assert_eq!(
        m.refused_any(&[forged], &[], &[]).await,
        anchor(AnchorError::AccountNotSigner)
    );
    // The proposed key accepts; the old admin is out.
    m.bank
        .send(&[ix::accept_admin(&next.pubkey())], &[&next])
        .await
        .unwrap();
    m.refused(&[pause(&admin.pubkey())], &[&admin], E::Unauthorized, &[])
        .await;
    // Accepting twice is refused: the proposal is spent.
    m.refused(
        &[ix::accept_admin(&next.pubkey())],
        &[&next],
        E::NotPendingAdmin,
        &[],
    )
    .await;
    // A typo proposed by mistake can be withdrawn (the default key) before anyone accepts.
    let typo = Pubkey::new_unique();
    for new_admin in [typo, Pubkey::default()] {
        let update = ConfigUpdate {
            new_admin: Some(new_admin),
            ..Default::default()
        };
        m.bank
            .send(&[ix::update_config(&next.pubkey(), update)], &[&next])
            .await
            .unwrap();
    }
    let config: compute_escrow::state::Config = m.bank.account(&pda::config().0).await.unwrap();
    assert_eq!(
        (config.admin, config.pending_admin),
        (next.pubkey(), Pubkey::default())
    );
}

#[tokio::test]
async fn init_config_refuses_strangers_fee_above_cap_and_grace_out_of_bounds() {
    let mut bank = Bank::start().await;
    let admin = upgrade_authority();
    bank.airdrop(&admin.pubkey(), LAMPORTS_PER_SOL).await;
    let t = Pubkey::new_unique();
    // A stranger front-running the operator after a deploy.
    let stranger = bank.funded(1).await;
    let r = bank
        .send(
            &[ix::init_config(&stranger.pubkey(), &t, 0, 600)],
            &[&stranger],
        )
        .await;
    assert_err(r, E::NotUpgradeAuthority);
    // Another account in place of the ProgramData account.
    let mut substituted = ix::init_config(&stranger.pubkey(), &t, 0, 600);
    substituted.accounts[2].pubkey = Pubkey::new_unique();
    let r = bank.send(&[substituted], &[&stranger]).await;
    assert_eq!(
        r,
        Err(TxFailure::Program(
            AnchorError::AccountNotInitialized.into()
        ))
    );
    for (fee, grace, err) in [
        (501, 600, E::FeeTooHigh),
        (500, 7 * 86_400 + 1, E::GraceTooLong),
        (0, 0, E::GraceTooShort),
        (0, 599, E::GraceTooShort),
    ] {
        let r = bank
            .send(
                &[ix::init_config(&admin.pubkey(), &t, fee, grace)],
                &[&admin],
            )
            .await;
        assert_err(r, err);
    }
    // The treasury must be a wallet: not a program-owned account.
    let program_owned = compute_escrow::pda::program_data();
    let r = bank
        .send(
            &[ix::init_config(&admin.pubkey(), &program_owned, 0, 600)],
            &[&admin],
        )
        .await;
    assert_err(r, E::InvalidRecipient);
    assert!(
        bank.data(&pda::config().0).await.is_none(),
        "no config was created"
    );
    assert_eq!(bank.lamports(&admin.pubkey()).await, LAMPORTS_PER_SOL);
    // The bounds themselves are allowed.
    bank.send(
        &[ix::init_config(&admin.pubkey(), &t, 500, 7 * 86_400)],
        &[&admin],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn provider_refuses_wrong_signer_long_uri_and_reregistration() {
    let mut m = Market::new().await;
    let authority = m.provider_authority.insecure_clone();
    let intruder = m.bank.funded(1).await;
    let steal = ix::update_provider(
        &intruder.pubkey(),
        &m.provider,
        Some(intruder.pubkey()),
        None,
    );
    m.refused(&[steal], &[&intruder], E::Unauthorized, &[])
        .await;
    let long = "x".repeat(201);
    let ix = ix::update_provider(&authority.pubkey(), &m.provider, None, Some(long.clone()));
    m.refused(&[ix], &[&authority], E::MetadataUriTooLong, &[])
        .await;
    let fresh = m.bank.funded(1).await;
    let ix = ix::register_provider(&fresh.pubkey(), &fresh.pubkey(), &long);
    m.refused(
        &[ix],
        &[&fresh],
        E::MetadataUriTooLong,
        &[fresh.pubkey(), pda::provider(&fresh.pubkey()).0],
    )
    .await;
    let again = ix::register_provider(&authority.pubkey(), &authority.pubkey(), "");
    m.refused(&[again], &[&authority], E::AlreadyInitialized, &[])
        .await;
}

#[tokio::test]
async fn create_listing_validates_every_term() {
    let mut m = Market::new().await;
    let a = m.provider_authority.insecure_clone();
    let base = default_terms(m.attestor.pubkey());
    let next = pda::listing(&m.provider, 1).0;
    let cases: Vec<(ListingTerms, E)> = vec![
        (
            ListingTerms {
                gpu_model: String::new(),
                ..base.clone()
            },
            E::InvalidGpuModel,
        ),
        (
            ListingTerms {
                gpu_model: "g".repeat(33),
                ..base.clone()
            },
            E::InvalidGpuModel,
        ),
        (
            ListingTerms {
                region: "r".repeat(33),
                ..base.clone()
            },
            E::RegionTooLong,
        ),
        (
            ListingTerms {
                health_check: "h".repeat(129),
                ..base.clone()
            },
            E::HealthCheckTooLong,
        ),
        (
            ListingTerms {
                gpu_count: 0,
                ..base.clone()
            },
            E::InvalidGpuCount,
        ),
        (
            ListingTerms {
                capacity: 0,
                ..base.clone()
            },
            E::InvalidCapacity,
        ),
        (
            ListingTerms {
                price_lamports_per_hour: 0,
                ..base.clone()
            },
            E::ZeroPrice,
        ),
        (
            ListingTerms {
                min_hours: 0,
                ..base.clone()
            },
            E::InvalidHoursRange,
        ),
        (
            ListingTerms {
                min_hours: 5,
                max_hours: 4,
                ..base.clone()
            },
            E::InvalidHoursRange,
        ),
        (
            ListingTerms {
                max_hours: 366 * 24 + 1,
                ..base.clone()
            },
            E::InvalidHoursRange,
        ),
    ];
    for (terms, err) in cases {
        let ix = ix::create_listing(&a.pubkey(), 1, terms);
        m.refused(&[ix], &[&a], err, &[next]).await;
    }
    // Someone else's provider account with the intruder signing.
    let intruder = m.bank.funded(1).await;
    let mut ix = ix::create_listing(&a.pubkey(), 1, base.clone());
    ix.accounts[0].pubkey = intruder.pubkey();
    m.refused(&[ix], &[&intruder], E::Unauthorized, &[next])
        .await;
    // Re-creating listing 0 (a stale id) does not match the provider's counter.
    let failure = m
        .refused_any(&[ix::create_listing(&a.pubkey(), 0, base)], &[&a], &[])
        .await;
    assert_eq!(failure, anchor(AnchorError::ConstraintSeeds));
}

#[tokio::test]
async fn listing_management_refuses_intruders_and_closed_listings() {
    let mut m = Market::new().await;
    let a = m.provider_authority.insecure_clone();
    let other = other_provider(&mut m).await;
    let o = other.authority.insecure_clone();
    let price = ListingUpdate {
        price_lamports_per_hour: Some(1),
        ..Default::default()
    };
    // The other provider's authority, with its own provider account, on our listing.
    for ix in [
        ix::update_listing(&o.pubkey(), &other.provider, &m.listing, price.clone()),
        ix::pause_listing(&o.pubkey(), &other.provider, &m.listing, true),
        ix::close_listing(&o.pubkey(), &other.provider, &m.listing),
    ] {
        m.refused(&[ix], &[&o], E::ProviderMismatch, &[]).await;
    }
    // The other authority naming our provider account.
    for ix in [
        ix::update_listing(&o.pubkey(), &m.provider, &m.listing, price.clone()),
        ix::pause_listing(&o.pubkey(), &m.provider, &m.listing, true),
        ix::close_listing(&o.pubkey(), &m.provider, &m.listing),
    ] {
        m.refused(&[ix], &[&o], E::Unauthorized, &[]).await;
    }
    // Bad terms through update, and an update after close.
    let bad = ListingUpdate {
        min_hours: Some(100),
        ..Default::default()
    };
    m.refused(
        &[ix::update_listing(
            &a.pubkey(),
            &m.provider,
            &m.listing,
            bad,
        )],
        &[&a],
        E::InvalidHoursRange,
        &[],
    )
    .await;
    m.close_listing().await.unwrap();
    for ix in [
        ix::update_listing(&a.pubkey(), &m.provider, &m.listing, price),
        ix::pause_listing(&a.pubkey(), &m.provider, &m.listing, false),
        ix::close_listing(&a.pubkey(), &m.provider, &m.listing),
    ] {
        m.refused(&[ix], &[&a], E::ListingClosed, &[]).await;
    }
}

#[tokio::test]
async fn close_listing_refused_while_leases_are_unsettled() {
    let mut m = Market::new().await;
    let a = m.provider_authority.insecure_clone();
    let lease = m.open(1, 1).await.unwrap();
    let close = ix::close_listing(&a.pubkey(), &m.provider, &m.listing);
    m.refused(
        std::slice::from_ref(&close),
        &[&a],
        E::ListingHasOpenLeases,
        &[lease],
    )
    .await;
    // Cancelled but not settled still holds escrow: still refused.
    m.bank.advance(10).await;
    m.cancel(&lease).await.unwrap();
    m.refused(
        std::slice::from_ref(&close),
        &[&a],
        E::ListingHasOpenLeases,
        &[lease],
    )
    .await;
    m.bank.advance(i64::from(GRACE_SECONDS)).await;
    m.settle(&lease).await.unwrap();
    m.bank.send(&[close], &[&a]).await.unwrap();
}

#[tokio::test]
async fn open_lease_refuses_stale_quotes_and_bad_hours_and_moves_nothing() {
    let mut m = Market::new().await;
    let renter = m.renter.insecure_clone();
    let lease = m.lease_of(&renter.pubkey(), 5);
    let listing = m.listing;
    let open = |quote: QuotedTerms, hours: u32| {
        ix::open_lease(&renter.pubkey(), &listing, 5, hours, quote)
    };
    // The provider raises the price after the renter's quote.
    let quoted = m.quote().await;
    let update = ListingUpdate {
        price_lamports_per_hour: Some(quoted.price_lamports_per_hour + 1),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    m.refused(&[open(quoted, 2)], &[&renter], E::PriceChanged, &[lease])
        .await;
    // Every other term the renter relies on, changed after the quote
    // (front-running the open, or pointing the health check elsewhere).
    let changes = [
        ListingUpdate {
            attestors: Some(one_attestor(Pubkey::new_unique())),
            ..Default::default()
        },
        ListingUpdate {
            health_check: Some("tcp://always-up.example:22".into()),
            ..Default::default()
        },
        ListingUpdate {
            gpu_model: Some("A10".into()),
            ..Default::default()
        },
        ListingUpdate {
            gpu_count: Some(1),
            ..Default::default()
        },
        ListingUpdate {
            vram_gb: Some(24),
            ..Default::default()
        },
        ListingUpdate {
            region: Some("elsewhere".into()),
            ..Default::default()
        },
        ListingUpdate {
            max_hours: Some(2),
            ..Default::default()
        },
    ];
    for change in changes {
        let quoted = m.quote().await;
        m.update_listing(change).await.unwrap();
        m.refused(&[open(quoted, 2)], &[&renter], E::TermsChanged, &[lease])
            .await;
    }
    // The admin changes the fee, then the grace, after the quote.
    let quoted = m.quote().await;
    let fee = ConfigUpdate {
        fee_bps: Some(FEE_BPS + 1),
        ..Default::default()
    };
    m.update_config(fee).await.unwrap();
    m.refused(&[open(quoted, 2)], &[&renter], E::FeeChanged, &[lease])
        .await;
    let quoted = m.quote().await;
    let grace = ConfigUpdate {
        settle_grace_seconds: Some(GRACE_SECONDS + 1),
        ..Default::default()
    };
    m.update_config(grace).await.unwrap();
    m.refused(&[open(quoted, 2)], &[&renter], E::GraceChanged, &[lease])
        .await;
    // Hours outside the listing's range (now 1 to 2).
    let quoted = m.quote().await;
    m.refused(
        &[open(quoted, 0)],
        &[&renter],
        E::HoursBelowMinimum,
        &[lease],
    )
    .await;
    m.refused(
        &[open(quoted, 3)],
        &[&renter],
        E::HoursAboveMaximum,
        &[lease],
    )
    .await;
    // A lease address that is not the PDA of (listing, renter, lease_id,
    // bump), or a wrong bump (the byte after the discriminator and the id).
    let bogus = Pubkey::new_unique();
    let mut ix = open(quoted, 2);
    ix.accounts[3].pubkey = bogus;
    m.refused(&[ix], &[&renter], E::LeaseAddressMismatch, &[lease, bogus])
        .await;
    let mut ix = open(quoted, 2);
    ix.data[16] = ix.data[16].wrapping_sub(1);
    m.refused(&[ix], &[&renter], E::LeaseAddressMismatch, &[lease])
        .await;
    // Nobody can take another renter's lease id: the address includes the renter.
    let squatter = m.bank.funded(10).await;
    let mut ix = ix::open_lease(&squatter.pubkey(), &listing, 5, 2, quoted);
    ix.accounts[3].pubkey = lease;
    m.refused(&[ix], &[&squatter], E::LeaseAddressMismatch, &[lease])
        .await;
    // A renter who cannot pay: the system transfer fails, nothing is created.
    let poor = m.bank.funded(0).await;
    m.bank.airdrop(&poor.pubkey(), 5_000_000).await;
    let poor_lease = m.lease_of(&poor.pubkey(), 5);
    let ix = ix::open_lease(&poor.pubkey(), &listing, 5, 2, quoted);
    let failure = m
        .refused_any(&[ix], &[&poor], &[poor_lease, poor.pubkey()])
        .await;
    assert!(
        matches!(failure, TxFailure::Program(1)),
        "insufficient funds, got {failure:?}"
    );
    // A change the renter does not rely on (capacity) keeps the quote good.
    let roomy = ListingUpdate {
        capacity: Some(3),
        ..Default::default()
    };
    m.update_listing(roomy).await.unwrap();
    m.bank.send(&[open(quoted, 2)], &[&renter]).await.unwrap();
}

#[tokio::test]
async fn open_lease_refuses_paused_closed_full_and_paused_market() {
    let mut m = Market::new().await;
    let a = m.provider_authority.insecure_clone();
    m.open(1, 1).await.unwrap();
    m.open(2, 1).await.unwrap();
    let third = pda::lease(&m.listing, &m.renter.pubkey(), 3).0;
    let renter = m.renter.insecure_clone();
    let quote = m.quote().await;
    let open3 = ix::open_lease(&renter.pubkey(), &m.listing, 3, 1, quote);
    m.refused(
        std::slice::from_ref(&open3),
        &[&renter],
        E::ListingAtCapacity,
        &[third],
    )
    .await;
    let more = ListingUpdate {
        capacity: Some(3),
        ..Default::default()
    };
    m.update_listing(more).await.unwrap();

    m.set_paused(true).await.unwrap();
    m.refused(
        std::slice::from_ref(&open3),
        &[&renter],
        E::ListingPaused,
        &[third],
    )
    .await;
    m.set_paused(false).await.unwrap();

    let pause = ConfigUpdate {
        paused: Some(true),
        ..Default::default()
    };
    m.update_config(pause).await.unwrap();
    m.refused(
        std::slice::from_ref(&open3),
        &[&renter],
        E::MarketPaused,
        &[third],
    )
    .await;
    let terms = default_terms(m.attestor.pubkey());
    m.refused(
        &[ix::create_listing(&a.pubkey(), 1, terms)],
        &[&a],
        E::MarketPaused,
        &[pda::listing(&m.provider, 1).0],
    )
    .await;
    let resume = ConfigUpdate {
        paused: Some(false),
        ..Default::default()
    };
    m.update_config(resume).await.unwrap();
    m.bank
        .send(std::slice::from_ref(&open3), &[&renter])
        .await
        .unwrap();

    // A closed listing (a fresh one, since closing needs no unsettled leases).
    let other = other_provider(&mut m).await;
    let o = other.authority.insecure_clone();
    m.bank
        .send(
            &[ix::close_listing(
                &o.pubkey(),
                &other.provider,
                &other.listing,
            )],
            &[&o],
        )
        .await
        .unwrap();
    let ix = ix::open_lease(&renter.pubkey(), &other.listing, 1, 1, m.quote().await);
    m.refused(
        &[ix],
        &[&renter],
        E::ListingClosed,
        &[pda::lease(&other.listing, &m.renter.pubkey(), 1).0],
    )
    .await;
    // Reusing a lease id that exists (with room on the listing).
    let room = ListingUpdate {
        capacity: Some(4),
        ..Default::default()
    };
    m.update_listing(room).await.unwrap();
    m.refused(&[open3], &[&renter], E::AlreadyInitialized, &[third])
        .await;
}

#[tokio::test]
async fn open_lease_refuses_price_times_hours_overflow() {
    let mut m = Market::new().await;
    let huge = u64::MAX / 2 + 1;
    let update = ListingUpdate {
        price_lamports_per_hour: Some(huge),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    let renter = m.renter.insecure_clone();
    let quote = m.quote().await;
    let ix = ix::open_lease(&renter.pubkey(), &m.listing, 1, 2, quote);
    m.refused(
        &[ix],
        &[&renter],
        E::ArithmeticOverflow,
        &[pda::lease(&m.listing, &m.renter.pubkey(), 1).0],
    )
    .await;
}

#[tokio::test]
async fn extend_and_cancel_refuse_strangers_ended_and_cancelled_leases() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2).await.unwrap();
    let stranger = m.bank.funded(10).await;
    let s = stranger.pubkey();
    m.refused(
        &[ix::extend_lease(&s, &m.listing, &lease, 1)],
        &[&stranger],
        E::RenterMismatch,
        &[lease, s],
    )
    .await;
    m.refused(
        &[ix::cancel_lease(&s, &m.listing, &lease)],
        &[&stranger],
        E::RenterMismatch,
        &[lease, s],
    )
    .await;
    let renter = m.renter.insecure_clone();
    let forged = unsigned(
        ix::cancel_lease(&renter.pubkey(), &m.listing, &lease),
        &renter.pubkey(),
    );
    assert_eq!(
        m.refused_any(&[forged], &[], &[lease]).await,
        anchor(AnchorError::AccountNotSigner)
    );

    // A lease of another listing.
    let other = other_provider(&mut m).await;
    let r = renter.pubkey();
    m.refused(
        &[ix::extend_lease(&r, &other.listing, &lease, 1)],
        &[&renter],
        E::ListingMismatch,
        &[lease],
    )
    .await;
    // Beyond max hours, and zero hours.
    m.refused(
        &[ix::extend_lease(&r, &m.listing, &lease, 23)],
        &[&renter],
        E::HoursAboveMaximum,
        &[lease],
    )
    .await;
    m.refused(
        &[ix::extend_lease(&r, &m.listing, &lease, 0)],
        &[&renter],
        E::HoursBelowMinimum,
        &[lease],
    )
    .await;
    // Paused listing refuses extensions.
    m.set_paused(true).await.unwrap();
    m.refused(
        &[ix::extend_lease(&r, &m.listing, &lease, 1)],
        &[&renter],
        E::ListingPaused,
        &[lease],
    )
    .await;
    m.set_paused(false).await.unwrap();

    // At the exact end the lease is over.
    m.bank.set_time(GENESIS_TIME + 2 * 3_600).await;
    m.refused(
        &[ix::extend_lease(&r, &m.listing, &lease, 1)],
        &[&renter],
        E::LeaseEnded,
        &[lease],
    )
    .await;
    m.refused(
        &[ix::cancel_lease(&r, &m.listing, &lease)],
        &[&renter],
        E::LeaseEnded,
        &[lease],
    )
    .await;

    // A cancelled lease cannot be extended or cancelled again.
    let second = m.open(2, 2).await.unwrap();
    m.bank.advance(60).await;
    m.cancel(&second).await.unwrap();
    m.refused(
        &[ix::cancel_lease(&r, &m.listing, &second)],
        &[&renter],
        E::LeaseNotActive,
        &[second],
    )
    .await;
    m.refused(
        &[ix::extend_lease(&r, &m.listing, &second, 1)],
        &[&renter],
        E::LeaseNotActive,
        &[second],
    )
    .await;
}

#[tokio::test]
async fn attest_refuses_wrong_attestor_and_bad_periods() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let t0 = GENESIS_TIME;
    m.bank.advance(1_000).await;
    let attestor = m.attestor.insecure_clone();
    let at = attestor.pubkey();
    let p = m.provider;
    let impostor = m.bank.funded(1).await;
    let ix = ix::attest_uptime(
        &impostor.pubkey(),
        &p,
        &m.listing,
        &lease,
        t0,
        t0 + 100,
        100,
    );
    m.refused(&[ix], &[&impostor], E::WrongAttestor, &[lease])
        .await;
    let forged = unsigned(
        ix::attest_uptime(&at, &p, &m.listing, &lease, t0, t0 + 100, 100),
        &at,
    );
    assert_eq!(
        m.refused_any(&[forged], &[], &[lease]).await,
        anchor(AnchorError::AccountNotSigner)
    );
    // A different provider account (e.g. to credit someone else's record).
    let other = other_provider(&mut m).await;
    let ix = ix::attest_uptime(&at, &other.provider, &m.listing, &lease, t0, t0 + 100, 100);
    m.refused(
        &[ix],
        &[&attestor],
        E::ProviderMismatch,
        &[lease, other.provider],
    )
    .await;

    let cases = [
        (t0 + 100, t0 + 100, 0, E::InvalidPeriod),
        (t0 + 100, t0 + 50, 0, E::InvalidPeriod),
        (t0 - 10, t0 + 100, 100, E::PeriodOverlapsAttested),
        (t0 + 1, t0 + 100, 10, E::PeriodLeavesGap),
        (t0, t0 + 1_001, 10, E::PeriodInFuture),
        (t0, t0 + 100, 101, E::UpSecondsExceedPeriod),
        (t0, t0 + 100, u64::MAX, E::UpSecondsExceedPeriod),
        (i64::MIN, i64::MAX, 0, E::PeriodOverlapsAttested),
    ];
    for (from, to, up, err) in cases {
        let ix = ix::attest_uptime(&at, &p, &m.listing, &lease, from, to, up);
        m.refused(&[ix], &[&attestor], err, &[lease]).await;
    }
    m.attest(&lease, t0, t0 + 500, 500).await.unwrap();
    // Replaying the same attestation (a new transaction) overlaps.
    let again = ix::attest_uptime(&at, &p, &m.listing, &lease, t0, t0 + 500, 500);
    m.refused(&[again], &[&attestor], E::PeriodOverlapsAttested, &[lease])
        .await;
    let inside = ix::attest_uptime(&at, &p, &m.listing, &lease, t0 + 200, t0 + 600, 400);
    m.refused(&[inside], &[&attestor], E::PeriodOverlapsAttested, &[lease])
        .await;
    // Past the lease end (end = t0 + 3600), even once the clock is there.
    m.bank.set_time(t0 + 4_000).await;
    let past = ix::attest_uptime(&at, &p, &m.listing, &lease, t0 + 500, t0 + 3_601, 0);
    m.refused(&[past], &[&attestor], E::PeriodPastLeaseEnd, &[lease])
        .await;
    // After end + grace the window is closed.
    m.bank
        .set_time(t0 + 3_600 + i64::from(GRACE_SECONDS) + 1)
        .await;
    let late = ix::attest_uptime(&at, &p, &m.listing, &lease, t0 + 500, t0 + 3_600, 0);
    m.refused(&[late], &[&attestor], E::AttestationWindowClosed, &[lease])
        .await;
}

#[tokio::test]
async fn attestor_change_on_listing_does_not_move_open_leases() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let new_attestor = m.bank.funded(1).await;
    let update = ListingUpdate {
        attestors: Some(one_attestor(new_attestor.pubkey())),
        ..Default::default()
    };
    m.update_listing(update).await.unwrap();
    m.bank.advance(100).await;
    let ix = ix::attest_uptime(
        &new_attestor.pubkey(),
        &m.provider,
        &m.listing,
        &lease,
        GENESIS_TIME,
        GENESIS_TIME + 100,
        100,
    );
    m.refused(&[ix], &[&new_attestor], E::WrongAttestor, &[lease])
        .await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 100, 100)
        .await
        .unwrap();
}

#[tokio::test]
async fn claim_refuses_intruders_substitutions_and_second_claims() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let authority = m.provider_authority.insecure_clone();
    let a = authority.pubkey();
    let (p, w, t) = (m.provider, m.payout_wallet.pubkey(), m.treasury.pubkey());
    // Nothing attested yet.
    m.refused(
        &[ix::claim_payout(&a, &p, &lease, &w, &t)],
        &[&authority],
        E::NothingToClaim,
        &[lease],
    )
    .await;
    m.bank.advance(600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 600, 600)
        .await
        .unwrap();

    let thief = m.bank.funded(1).await;
    let th = thief.pubkey();
    m.refused(
        &[ix::claim_payout(&th, &p, &lease, &th, &t)],
        &[&thief],
        E::Unauthorized,
        &[lease, th],
    )
    .await;
    m.refused(
        &[ix::claim_payout(&a, &p, &lease, &th, &t)],
        &[&authority],
        E::WrongPayoutWallet,
        &[lease, th],
    )
    .await;
    m.refused(
        &[ix::claim_payout(&a, &p, &lease, &w, &th)],
        &[&authority],
        E::WrongTreasury,
        &[lease, th],
    )
    .await;
    // The lease itself as the payout wallet (a duplicated account).
    m.refused(
        &[ix::claim_payout(&a, &p, &lease, &lease, &t)],
        &[&authority],
        E::WrongPayoutWallet,
        &[lease],
    )
    .await;
    // Another provider claiming our lease through its own account.
    let other = other_provider(&mut m).await;
    let o = other.authority.insecure_clone();
    let op = o.pubkey();
    m.refused(
        &[ix::claim_payout(&op, &other.provider, &lease, &op, &t)],
        &[&o],
        E::ProviderMismatch,
        &[lease, op],
    )
    .await;
    // A listing passed where the lease belongs.
    let listing = m.listing;
    let failure = m
        .refused_any(
            &[ix::claim_payout(&a, &p, &listing, &w, &t)],
            &[&authority],
            &[lease],
        )
        .await;
    assert_eq!(failure, anchor(AnchorError::AccountDiscriminatorMismatch));

    m.claim(&lease).await.unwrap();
    m.refused(
        &[ix::claim_payout(&a, &p, &lease, &w, &t)],
        &[&authority],
        E::NothingToClaim,
        &[lease],
    )
    .await;
}

#[tokio::test]
async fn replayed_transaction_is_rejected_by_the_bank() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    m.bank.advance(600).await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 600, 600)
        .await
        .unwrap();
    let authority = m.provider_authority.insecure_clone();
    let ix = ix::claim_payout(
        &authority.pubkey(),
        &m.provider,
        &lease,
        &m.payout_wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    let tx = m.bank.sign(&[ix], &[&authority]).await;
    m.bank.process(tx.clone()).await.unwrap();
    let before = m.snapshot(&[lease]).await;
    // The bank does not execute a signature twice: it reports the first
    // outcome (or AlreadyProcessed) and nothing moves.
    let replay = m.bank.process(tx).await;
    assert!(
        matches!(replay, Ok(()))
            || matches!(replay, Err(TxFailure::Other(ref s)) if s.contains("AlreadyProcessed")),
        "{replay:?}"
    );
    assert_eq!(before, m.snapshot(&[lease]).await);
    // The same claim in a new transaction finds nothing new.
    let ix = ix::claim_payout(
        &authority.pubkey(),
        &m.provider,
        &lease,
        &m.payout_wallet.pubkey(),
        &m.treasury.pubkey(),
    );
    m.refused(&[ix], &[&authority], E::NothingToClaim, &[lease])
        .await;
}

#[tokio::test]
async fn settle_refuses_early_substituted_accounts_and_a_second_settle() {
    let mut m = Market::new().await;
    let lease = m.open(1, 1).await.unwrap();
    let (p, l, r, w, t) = (
        m.provider,
        m.listing,
        m.renter.pubkey(),
        m.payout_wallet.pubkey(),
        m.treasury.pubkey(),
    );
    // One second before end + grace.
    m.bank
        .set_time(GENESIS_TIME + 3_600 + i64::from(GRACE_SECONDS) - 1)
        .await;
    m.refused(
        &[ix::settle_lease(&p, &l, &lease, &r, &w, &t)],
        &[],
        E::SettleTooEarly,
        &[lease],
    )
    .await;
    m.bank.advance(1).await;
    let thief = Pubkey::new_unique();
    let other = other_provider(&mut m).await;
    let cases = [
        (
            ix::settle_lease(&p, &l, &lease, &thief, &w, &t),
            E::RenterMismatch,
        ),
        (
            ix::settle_lease(&p, &l, &lease, &r, &thief, &t),
            E::WrongPayoutWallet,
        ),
        (
            ix::settle_lease(&p, &l, &lease, &r, &w, &thief),
            E::WrongTreasury,
        ),
        (
            ix::settle_lease(&p, &other.listing, &lease, &r, &w, &t),
            E::ListingMismatch,
        ),
        (
            ix::settle_lease(
                &other.provider,
                &l,
                &lease,
                &r,
                &other.authority.pubkey(),
                &t,
            ),
            E::ProviderMismatch,
        ),
    ];
    for (ix, err) in cases {
        m.refused(
            &[ix],
            &[],
            err,
            &[lease, thief, other.provider, other.listing],
        )
        .await;
    }
    m.settle(&lease).await.unwrap();
    // The account is gone: settle, claim, attest, cancel all find nothing.
    let authority = m.provider_authority.insecure_clone();
    let attestor = m.attestor.insecure_clone();
    let renter = m.renter.insecure_clone();
    let not_init = anchor(AnchorError::AccountNotInitialized);
    let again = ix::settle_lease(&p, &l, &lease, &r, &w, &t);
    assert_eq!(m.refused_any(&[again], &[], &[lease]).await, not_init);
    let claim = ix::claim_payout(&authority.pubkey(), &p, &lease, &w, &t);
    assert_eq!(
        m.refused_any(&[claim], &[&authority], &[lease]).await,
        not_init
    );
    let attest = ix::attest_uptime(
        &attestor.pubkey(),
        &p,
        &m.listing,
        &lease,
        GENESIS_TIME,
        GENESIS_TIME + 1,
        1,
    );
    assert_eq!(
        m.refused_any(&[attest], &[&attestor], &[lease]).await,
        not_init
    );
    let cancel = ix::cancel_lease(&renter.pubkey(), &m.listing, &lease);
    assert_eq!(
        m.refused_any(&[cancel], &[&renter], &[lease]).await,
        not_init
    );
}

#[tokio::test]
async fn paused_market_still_lets_money_out() {
    let mut m = Market::new().await;
    let lease = m.open(1, 2).await.unwrap();
    let pause = ConfigUpdate {
        paused: Some(true),
        ..Default::default()
    };
    m.update_config(pause).await.unwrap();
    m.bank.advance(600).await;
    let renter = m.renter.insecure_clone();
    let extend = ix::extend_lease(&renter.pubkey(), &m.listing, &lease, 1);
    m.refused(&[extend], &[&renter], E::MarketPaused, &[lease])
        .await;
    m.attest(&lease, GENESIS_TIME, GENESIS_TIME + 600, 600)
        .await
        .unwrap();
    m.claim(&lease).await.unwrap();
    m.cancel(&lease).await.unwrap();
    m.bank.advance(i64::from(GRACE_SECONDS)).await;
    m.settle(&lease).await.unwrap();
    assert!(m.lease(&lease).await.is_none());
}

#[tokio::test]
async fn pre_funded_addresses_cannot_block_account_creation() {
    let mut m = Market::new().await;
    // A griefer funds the addresses a new provider, its first listing and a
    // lease will be created at, before their owners get there.
    let newcomer = m.bank.funded(10).await;
    let provider = pda::provider(&newcomer.pubkey()).0;
    let listing = pda::listing(&provider, 0).0;
    let lease = pda::lease(&listing, &m.renter.pubkey(), 77).0;
    for key in [provider, listing, lease] {
        m.bank.airdrop(&key, 2_000_000).await;
    }
    let n = newcomer.pubkey();
    m.bank
        .send(&[ix::register_provider(&n, &n, "")], &[&newcomer])
        .await
        .unwrap();
    m.bank
        .send(
            &[ix::create_listing(
                &n,
                0,
                default_terms(m.attestor.pubkey()),
            )],
            &[&newcomer],
        )
        .await
        .unwrap();
    let renter = m.renter.insecure_clone();
    let before = m.bank.lamports(&renter.pubkey()).await;
    let ix = ix::open_lease(&renter.pubkey(), &listing, 77, 1, m.quote().await);
    m.bank.send(&[ix], &[&renter]).await.unwrap();
    let stored: compute_escrow::state::Lease = m.bank.account(&lease).await.unwrap();
    assert_eq!(stored.deposited, 3_600_000);
    // The renter paid the deposit plus only the rent the griefer had not already paid.
    let len = m.bank.data(&lease).await.unwrap().len();
    let rent = m.bank.rent(len).await;
    assert_eq!(
        before - m.bank.lamports(&renter.pubkey()).await,
        3_600_000 + rent - 2_000_000
    );
    assert_eq!(m.bank.lamports(&lease).await, rent + 3_600_000);

    // Funded above rent: the account still holds exactly rent plus the
    // deposit (its escrow adds up) and the excess goes to the renter.
    let rich = pda::lease(&listing, &renter.pubkey(), 78).0;
    m.bank.airdrop(&rich, 10 * LAMPORTS_PER_SOL).await;
    let before = m.bank.lamports(&renter.pubkey()).await;
    let ix = ix::open_lease(&renter.pubkey(), &listing, 78, 1, m.quote().await);
    m.bank.send(&[ix], &[&renter]).await.unwrap();
    assert_eq!(m.bank.lamports(&rich).await, rent + 3_600_000);
    assert_eq!(m.escrow(&rich).await, 3_600_000);
    assert_eq!(
        m.bank.lamports(&renter.pubkey()).await,
        before + 10 * LAMPORTS_PER_SOL - rent - 3_600_000
    );
    // The same for a provider account created at a richly funded address.
    let other = m.bank.funded(10).await;
    let o = other.pubkey();
    let other_provider = pda::provider(&o).0;
    m.bank.airdrop(&other_provider, LAMPORTS_PER_SOL).await;
    let before = m.bank.lamports(&o).await;
    m.bank
        .send(&[ix::register_provider(&o, &o, "")], &[&other])
        .await
        .unwrap();
    let len = m.bank.data(&other_provider).await.unwrap().len();
    let provider_rent = m.bank.rent(len).await;
    assert_eq!(m.bank.lamports(&other_provider).await, provider_rent);
    assert_eq!(
        m.bank.lamports(&o).await,
        before + LAMPORTS_PER_SOL - provider_rent
    );
}
