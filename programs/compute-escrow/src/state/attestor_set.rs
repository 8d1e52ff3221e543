//! Who decides a lease's uptime: a set of attestor keys, how many of them
//! must sign the same period, and the grid those periods sit on.

use anchor_lang::prelude::*;

use crate::constants::{MAX_ATTESTATION_PERIOD_SECONDS, MAX_ATTESTORS, MAX_THRESHOLD};
use crate::error::EscrowError;

/// Up to [`MAX_ATTESTORS`] distinct keys of which `threshold` must sign the
/// same period for it to count (M of N). Periods start at the lease's start
/// and every `period_seconds` after it (the last one ends at the lease's
/// end), so independent attestors sign the same windows.
///
/// As JSON (the `serde` feature): `{"keys": [base58…], "threshold": M,
/// "period_seconds": P}`, only the `count` keys in use listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
// The derive only describes the type for the IDL; the program serializes it
// by hand (below), byte for byte the same.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(into = "AttestorSetJson", try_from = "AttestorSetJson")
)]
pub struct AttestorSet {
    /// The keys; the first `count` are the set, the rest the default key.
    pub keys: [Pubkey; 5],
    /// How many keys the set holds (1 to 5).
    pub count: u8,
    /// How many of them must sign the same period (1 to `count`, at most
    /// [`MAX_THRESHOLD`]).
    pub threshold: u8,
    /// Length of an attestation period, seconds (1 to one day).
    pub period_seconds: u32,
}

// The IDL spells array lengths as literals.
const _: () = assert!(MAX_ATTESTORS == 5);

impl Default for AttestorSet {
    fn default() -> Self {
        AttestorSet {
            keys: [Pubkey::default(); MAX_ATTESTORS],
            count: 0,
            threshold: 0,
            period_seconds: 0,
        }
    }
}

/// Byte length of a serialized set: the keys, count, threshold and period.
const SERIALIZED_LEN: usize = 32 * MAX_ATTESTORS + 1 + 1 + 4;

// Borsh's derived code reads and writes the set field by field and key by
// key; every read and write is a copy syscall, about 40 compute units each on
// SBF, on every access to a listing or lease. The set goes in one copy
// instead, in borsh's layout (keys, count, threshold, period little-endian).

impl AnchorDeserialize for AttestorSet {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let mut bytes = [0u8; SERIALIZED_LEN];
        reader.read_exact(&mut bytes)?;
        let mut set = AttestorSet::default();
        for (key, chunk) in set.keys.iter_mut().zip(bytes.chunks_exact(32)) {
            *key = Pubkey::new_from_array(chunk.try_into().expect("32-byte chunk"));
        }
        let [count, threshold, p0, p1, p2, p3] = bytes[32 * MAX_ATTESTORS..] else {
            unreachable!("six bytes after the keys")
        };
        set.count = count;
        set.threshold = threshold;
        set.period_seconds = u32::from_le_bytes([p0, p1, p2, p3]);
        Ok(set)
    }
}

#[cfg(not(feature = "idl-build"))]
impl AnchorSerialize for AttestorSet {
    fn serialize<W: std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        let mut bytes = [0u8; SERIALIZED_LEN];
        for (chunk, key) in bytes.chunks_exact_mut(32).zip(&self.keys) {
            chunk.copy_from_slice(key.as_ref());
        }
        let tail = &mut bytes[32 * MAX_ATTESTORS..];
        tail[0] = self.count;
        tail[1] = self.threshold;
        tail[2..].copy_from_slice(&self.period_seconds.to_le_bytes());
        writer.write_all(&bytes)
    }
}

impl AttestorSet {
    /// `threshold` of `keys` (1 to 5 distinct keys), on a grid of
    /// `period_seconds`; refused with the program's error if not a valid set.
    pub fn new(keys: &[Pubkey], threshold: u8, period_seconds: u32) -> Result<AttestorSet> {
        require!(
            (1..=MAX_ATTESTORS).contains(&keys.len()),
            EscrowError::InvalidAttestorSet
        );
        let mut set = AttestorSet {
            count: keys.len() as u8,
            threshold,
            period_seconds,
            ..AttestorSet::default()
        };
        set.keys[..keys.len()].copy_from_slice(keys);
        set.validate()?;
        Ok(set)
    }

    /// Checks the set as an instruction argument: distinct non-default keys
    /// in the first `count` slots and default keys after, a threshold within
    /// the count, a period within bounds.
    pub fn validate(&self) -> Result<()> {
        let count = usize::from(self.count);
        require!(
            (1..=MAX_ATTESTORS).contains(&count),
            EscrowError::InvalidAttestorSet
        );
        let (used, unused) = self.keys.split_at(count);
        require!(
            unused.iter().all(|k| *k == Pubkey::default()),
            EscrowError::InvalidAttestorSet
        );
        for (i, key) in used.iter().enumerate() {
            require!(
                *key != Pubkey::default() && !used[..i].contains(key),
                EscrowError::InvalidAttestorSet
            );
        }
        require!(
            (1..=self.count.min(MAX_THRESHOLD)).contains(&self.threshold),
            EscrowError::InvalidThreshold
        );
        require!(
            (1..=MAX_ATTESTATION_PERIOD_SECONDS).contains(&self.period_seconds),
            EscrowError::InvalidAttestationPeriod
        );
        Ok(())
    }

    /// The keys in the set.
    pub fn members(&self) -> &[Pubkey] {
        &self.keys[..usize::from(self.count).min(MAX_ATTESTORS)]
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: &Pubkey) -> bool {
        self.members().contains(key)
    }

    /// The end of the period that starts at `from` on the grid counted from
    /// `start`, capped at `end`.
    pub fn period_end(&self, start: i64, end: i64, from: i64) -> Result<i64> {
        // Unsigned arithmetic: SBF has no signed division.
        let period = u64::from(self.period_seconds.max(1));
        let elapsed = from
            .checked_sub(start)
            .and_then(|e| u64::try_from(e).ok())
            .ok_or(EscrowError::ArithmeticOverflow)?;
        let next = (elapsed / period + 1)
            .checked_mul(period)
            .and_then(|offset| i64::try_from(offset).ok())
            .and_then(|offset| start.checked_add(offset))
            .ok_or(EscrowError::ArithmeticOverflow)?;
        Ok(next.min(end))
    }

    /// The bytes of the set in a listing's terms hash, as the fixed-size
    /// fields: count, threshold and period (little-endian); the keys in use
    /// are hashed after them (see [`crate::state::Listing::terms_hash`]).
    pub fn hashed_fields(&self) -> [u8; 6] {
        let period = self.period_seconds.to_le_bytes();
        [
            self.count,
            self.threshold,
            period[0],
            period[1],
            period[2],
            period[3],
        ]
    }
}

/// `2 of 3 (key, key, key), 60 s periods`.
#[cfg(not(target_os = "solana"))]
impl std::fmt::Display for AttestorSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self.members().iter().map(Pubkey::to_string).collect();
        write!(
            f,
            "{} of {} ({}), {} s periods",
            self.threshold,
            self.count,
            keys.join(", "),
            self.period_seconds
        )
    }
}

/// The JSON spelling of an [`AttestorSet`].
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct AttestorSetJson {
    /// The keys in use, base58.
    #[serde(with = "crate::serde_text::keys")]
    pub keys: Vec<Pubkey>,
    /// M.
    pub threshold: u8,
    /// Period length, seconds.
    pub period_seconds: u32,
}

#[cfg(feature = "serde")]
impl From<AttestorSet> for AttestorSetJson {
    fn from(set: AttestorSet) -> Self {
        AttestorSetJson {
            keys: set.members().to_vec(),
            threshold: set.threshold,
            period_seconds: set.period_seconds,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<AttestorSetJson> for AttestorSet {
    type Error = String;

    fn try_from(json: AttestorSetJson) -> std::result::Result<Self, String> {
        if json.keys.len() > MAX_ATTESTORS {
            return Err(format!("at most {MAX_ATTESTORS} attestor keys"));
        }
        let mut set = AttestorSet {
            count: json.keys.len() as u8,
            threshold: json.threshold,
            period_seconds: json.period_seconds,
            ..AttestorSet::default()
        };
        set.keys[..json.keys.len()].copy_from_slice(&json.keys);
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn a_set_holds_one_to_five_distinct_keys_and_a_threshold_within_them() {
        assert!(AttestorSet::new(&[key(1)], 1, 60).is_ok());
        assert!(AttestorSet::new(&[key(1), key(2), key(3)], 2, 60).is_ok());
        let refused = |keys: &[Pubkey], m: u8, p: u32| AttestorSet::new(keys, m, p).unwrap_err();
        assert_eq!(refused(&[], 1, 60), error!(EscrowError::InvalidAttestorSet));
        assert_eq!(
            refused(&[key(1); 6], 1, 60),
            error!(EscrowError::InvalidAttestorSet)
        );
        assert_eq!(
            refused(&[key(1), key(1)], 1, 60),
            error!(EscrowError::InvalidAttestorSet)
        );
        assert_eq!(
            refused(&[Pubkey::default()], 1, 60),
            error!(EscrowError::InvalidAttestorSet)
        );
        assert_eq!(
            refused(&[key(1)], 0, 60),
            error!(EscrowError::InvalidThreshold)
        );
        assert_eq!(
            refused(&[key(1), key(2)], 3, 60),
            error!(EscrowError::InvalidThreshold)
        );
        let five = [key(1), key(2), key(3), key(4), key(5)];
        assert!(AttestorSet::new(&five, 3, 60).is_ok());
        assert_eq!(refused(&five, 4, 60), error!(EscrowError::InvalidThreshold));
        assert_eq!(
            refused(&[key(1)], 1, 0),
            error!(EscrowError::InvalidAttestationPeriod)
        );
        let mut stray = AttestorSet::new(&[key(1)], 1, 60).unwrap();
        stray.keys[3] = key(9);
        assert_eq!(
            stray.validate().unwrap_err(),
            error!(EscrowError::InvalidAttestorSet)
        );
    }

    #[test]
    fn serializes_in_borshs_layout_and_back() {
        let set = AttestorSet::new(&[key(1), key(2), key(3)], 2, 3_600).unwrap();
        let bytes = borsh::to_vec(&set).unwrap();
        let fields = (set.keys, set.count, set.threshold, set.period_seconds);
        assert_eq!(bytes, borsh::to_vec(&fields).unwrap());
        assert_eq!(bytes.len(), SERIALIZED_LEN);
        assert_eq!(AttestorSet::try_from_slice(&bytes).unwrap(), set);
        assert!(AttestorSet::try_from_slice(&bytes[..SERIALIZED_LEN - 1]).is_err());
    }

    #[test]
    fn periods_sit_on_the_grid_from_the_start_and_stop_at_the_end() {
        let set = AttestorSet::new(&[key(1)], 1, 60).unwrap();
        assert_eq!(set.period_end(1_000, 1_200, 1_000).unwrap(), 1_060);
        assert_eq!(set.period_end(1_000, 1_200, 1_030).unwrap(), 1_060);
        assert_eq!(set.period_end(1_000, 1_200, 1_060).unwrap(), 1_120);
        assert_eq!(set.period_end(1_000, 1_150, 1_120).unwrap(), 1_150);
    }
}
