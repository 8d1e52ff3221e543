//! SOL amounts for humans: exact decimal parsing and formatting, no floats.

/// Lamports in one SOL.
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;

/// `lamports` as SOL with trailing zeros trimmed, e.g. `1.5 SOL`.
pub fn format(lamports: u64) -> String {
    let whole = lamports / LAMPORTS_PER_SOL;
    let frac = lamports % LAMPORTS_PER_SOL;
    if frac == 0 {
        return format!("{whole} SOL");
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{} SOL", digits.trim_end_matches('0'))
}

/// Parses a SOL amount such as `2`, `0.25` or `1.000000001` into lamports.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a SOL amount (e.g. 0.25; at most 9 decimals)");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(LAMPORTS_PER_SOL)
        .and_then(|l| l.checked_add(frac))
        .ok_or_else(|| format!("`{text}` SOL is more lamports than fit in a u64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        assert_eq!(format(0), "0 SOL");
        assert_eq!(format(1_500_000_000), "1.5 SOL");
        assert_eq!(format(1), "0.000000001 SOL");
        assert_eq!(format(u64::MAX), "18446744073.709551615 SOL");
    }

    #[test]
    fn parses_exactly_and_rejects_garbage() {
        assert_eq!(parse("2"), Ok(2 * LAMPORTS_PER_SOL));
        assert_eq!(parse("0.25"), Ok(250_000_000));
        assert_eq!(parse(".5"), Ok(500_000_000));
        assert_eq!(parse("1.000000001"), Ok(1_000_000_001));
        assert_eq!(parse("18446744073.709551615"), Ok(u64::MAX));
        for bad in [
            "",
            ".",
            "-1",
            "1e3",
            "0.0000000001",
            "1,5",
            "abc",
            "18446744074",
        ] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
        for lamports in [0, 1, 7, 999_999_999, 1_000_000_000, 123_456_789_012] {
            let text = format(lamports);
            assert_eq!(parse(text.trim_end_matches(" SOL")), Ok(lamports));
        }
    }
}
