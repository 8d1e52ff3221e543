//! Updating a few counters of an account in place, for hot paths that would
//! otherwise deserialize and re-serialize a whole account (strings included)
//! to change a few bytes. Offsets are in `constants.rs`, pinned against real
//! accounts by `tests/tests/layout.rs`.

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;

use crate::error::EscrowError;

/// Fails unless `info` is this program's account of type `T`.
fn require_kind<T: Discriminator>(info: &AccountInfo, data: &[u8]) -> Result<()> {
    require!(
        info.owner == &crate::ID && data.starts_with(T::DISCRIMINATOR),
        ErrorCode::AccountDiscriminatorMismatch
    );
    Ok(())
}

/// Runs `change` on the data of the `T` account `info`, after checking its
/// owner and discriminator once.
pub fn modify<T: Discriminator>(
    info: &AccountInfo,
    change: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<()> {
    let mut data = info.try_borrow_mut_data()?;
    require_kind::<T>(info, &data)?;
    change(&mut data)
}

/// The public key at `offset` of the `T` account `info`.
pub fn read_pubkey<T: Discriminator>(info: &AccountInfo, offset: u16) -> Result<Pubkey> {
    let data = info.try_borrow_data()?;
    require_kind::<T>(info, &data)?;
    let at = usize::from(offset);
    let bytes: [u8; 32] = data
        .get(at..at + 32)
        .and_then(|b| b.try_into().ok())
        .ok_or(ErrorCode::AccountDidNotDeserialize)?;
    Ok(Pubkey::new_from_array(bytes))
}

/// The `N` bytes at `offset` of `data`.
fn field<const N: usize>(data: &mut [u8], offset: u16) -> Result<&mut [u8; N]> {
    let at = usize::from(offset);
    data.get_mut(at..at + N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ErrorCode::AccountDidNotDeserialize.into())
}

/// Replaces the little-endian `u16` at `offset` with `change(old)`; `None`
/// is an overflow.
pub fn update_u16(
    data: &mut [u8],
    offset: u16,
    change: impl FnOnce(u16) -> Option<u16>,
) -> Result<()> {
    let bytes = field::<2>(data, offset)?;
    let new = change(u16::from_le_bytes(*bytes)).ok_or(EscrowError::ArithmeticOverflow)?;
    *bytes = new.to_le_bytes();
    Ok(())
}

/// Adds `delta` to the little-endian `u64` at `offset`.
pub fn add_u64(data: &mut [u8], offset: u16, delta: u64) -> Result<()> {
    let bytes = field::<8>(data, offset)?;
    let new = u64::from_le_bytes(*bytes)
        .checked_add(delta)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    *bytes = new.to_le_bytes();
    Ok(())
}
