//! The money rules, in integer lamports with checked u128 intermediates.
//!
//! Every amount the program moves is computed here, so the SDK and indexer can
//! reuse the exact same functions.

use crate::constants::{BPS_DENOMINATOR, SECONDS_PER_HOUR};
use crate::error::EscrowError;

/// Result of a money computation: every failure is an overflow.
pub type MathResult<T> = core::result::Result<T, EscrowError>;

fn to_u64(value: u128) -> MathResult<u64> {
    u64::try_from(value).map_err(|_| EscrowError::ArithmeticOverflow)
}

/// `floor(a × b / d)`, exact: in u64 when the product fits (u128 division is
/// a software routine on SBF, many times dearer), else through u128.
fn mul_div_floor(a: u64, b: u64, d: u64) -> MathResult<u64> {
    match a.checked_mul(b) {
        Some(product) => Ok(product / d),
        None => to_u64(u128::from(a) * u128::from(b) / u128::from(d)),
    }
}

/// Lamports a renter pays for `hours` at `price_per_hour`.
pub fn lease_cost(price_per_hour: u64, hours: u32) -> MathResult<u64> {
    price_per_hour
        .checked_mul(u64::from(hours))
        .ok_or(EscrowError::ArithmeticOverflow)
}

/// Length of `hours` in seconds.
pub fn hours_to_seconds(hours: u32) -> i64 {
    i64::from(hours) * SECONDS_PER_HOUR as i64
}

/// What `seconds` of attested uptime are worth: `floor(seconds × price / 3600)`.
pub fn earned(seconds: u64, price_per_hour: u64) -> MathResult<u64> {
    mul_div_floor(seconds, price_per_hour, SECONDS_PER_HOUR)
}

/// Protocol fee on `earned`: `floor(earned × fee_bps / 10000)`.
pub fn fee(earned: u64, fee_bps: u16) -> MathResult<u64> {
    mul_div_floor(earned, u64::from(fee_bps), BPS_DENOMINATOR)
}

/// Lamports due now from a lease's escrow to the provider and the treasury.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payout {
    /// To the provider's payout wallet.
    pub provider: u64,
    /// To the treasury.
    pub fee: u64,
}

/// What is owed for `attested_seconds` of uptime minus what was already paid.
///
/// Computed cumulatively (fee on the whole earned amount) so repeated claims
/// never drift from a single claim by rounding.
pub fn payout_due(
    attested_seconds: u64,
    price_per_hour: u64,
    fee_bps: u16,
    paid_out: u64,
    fee_paid: u64,
) -> MathResult<Payout> {
    let total_earned = earned(attested_seconds, price_per_hour)?;
    let total_fee = fee(total_earned, fee_bps)?;
    let provider_total = total_earned
        .checked_sub(total_fee)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(Payout {
        provider: provider_total
            .checked_sub(paid_out)
            .ok_or(EscrowError::ArithmeticOverflow)?,
        fee: total_fee
            .checked_sub(fee_paid)
            .ok_or(EscrowError::ArithmeticOverflow)?,
    })
}

/// Lamports a cancel can return at once: the deposit minus the most the
/// provider could still earn (already attested plus the unattested time up to
/// the cancel) minus what was already refunded.
pub fn cancel_refund(
    deposited: u64,
    refunded: u64,
    attested_seconds: u64,
    unattested_seconds: u64,
    price_per_hour: u64,
) -> MathResult<u64> {
    let attestable = attested_seconds
        .checked_add(unattested_seconds)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let max_earned = earned(attestable, price_per_hour)?;
    deposited
        .checked_sub(max_earned)
        .and_then(|rest| rest.checked_sub(refunded))
        .ok_or(EscrowError::ArithmeticOverflow)
}

/// Refund at settle: the deposit minus everything earned minus earlier refunds.
/// Rounding dust from `earned`'s floor stays with the renter.
pub fn settle_refund(
    deposited: u64,
    refunded: u64,
    attested_seconds: u64,
    price_per_hour: u64,
) -> MathResult<u64> {
    let total_earned = earned(attested_seconds, price_per_hour)?;
    deposited
        .checked_sub(total_earned)
        .and_then(|rest| rest.checked_sub(refunded))
        .ok_or(EscrowError::ArithmeticOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_price_times_hours_and_overflow_is_an_error() {
        assert_eq!(lease_cost(1_000, 3), Ok(3_000));
        assert_eq!(lease_cost(u64::MAX, 1), Ok(u64::MAX));
        assert_eq!(
            lease_cost(u64::MAX / 2 + 1, 2),
            Err(EscrowError::ArithmeticOverflow)
        );
    }

    #[test]
    fn earned_floors_per_second_share() {
        assert_eq!(earned(3_600, 1_000), Ok(1_000));
        assert_eq!(earned(1, 1_000), Ok(0));
        assert_eq!(earned(1_799, 2), Ok(0));
        assert_eq!(earned(1_800, 2), Ok(1));
        // u128 intermediate: seconds × price exceeds u64 but the result fits.
        assert_eq!(earned(36_000, u64::MAX / 10), Ok(u64::MAX / 10 * 10));
        assert_eq!(
            earned(u64::MAX, u64::MAX),
            Err(EscrowError::ArithmeticOverflow)
        );
    }

    #[test]
    fn fee_floors_and_caps_at_input() {
        assert_eq!(fee(10_000, 500), Ok(500));
        assert_eq!(fee(19, 500), Ok(0));
        assert_eq!(fee(20, 500), Ok(1));
        assert_eq!(
            fee(u64::MAX, 500),
            Ok((u128::from(u64::MAX) * 500 / 10_000) as u64)
        );
        assert_eq!(fee(12_345, 0), Ok(0));
    }

    #[test]
    fn repeated_claims_sum_to_one_claim() {
        let price = 7_777;
        let mut paid = Payout::default();
        for seconds in [17u64, 400, 401, 3_599, 7_200] {
            let due = payout_due(seconds, price, 333, paid.provider, paid.fee).unwrap();
            paid.provider += due.provider;
            paid.fee += due.fee;
        }
        assert_eq!(paid, payout_due(7_200, price, 333, 0, 0).unwrap());
        assert_eq!(Ok(paid.provider + paid.fee), earned(7_200, price));
    }

    #[test]
    fn refunds_leave_dust_with_renter() {
        // 2 hours at 1001 lamports, 1 second attested: earned 0, all back.
        assert_eq!(settle_refund(2_002, 0, 1, 1_001), Ok(2_002));
        // 1 hour attested: earned 1001.
        assert_eq!(settle_refund(2_002, 0, 3_600, 1_001), Ok(1_001));
        // Cancel after 1800 s with 600 attested: the provider can still earn 1800 s.
        assert_eq!(cancel_refund(2_002, 0, 600, 1_200, 1_001), Ok(2_002 - 500));
        assert_eq!(settle_refund(2_002, 1_502, 1_800, 1_001), Ok(0));
    }

    proptest::proptest! {
        #[test]
        fn mul_div_floor_matches_u128_reference(a: u64, b: u64, d in 1u64..) {
            let reference = u128::from(a) * u128::from(b) / u128::from(d);
            let expected = u64::try_from(reference).map_err(|_| EscrowError::ArithmeticOverflow);
            proptest::prop_assert_eq!(mul_div_floor(a, b, d), expected);
        }
    }

    #[test]
    fn paying_more_than_owed_is_an_error_not_a_wrap() {
        assert_eq!(
            payout_due(3_600, 100, 0, 101, 0),
            Err(EscrowError::ArithmeticOverflow)
        );
        assert_eq!(
            settle_refund(100, 1, 3_600, 100),
            Err(EscrowError::ArithmeticOverflow)
        );
    }
}
