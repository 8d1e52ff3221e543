//! Creating program accounts at PDAs that anyone may have pre-funded.
//!
//! Anchor 1.2's `init` creates a pre-funded address with the system program's
//! `CreateAccountAllowPrefund`, which Agave 3.x does not have. Since anyone can
//! send lamports to a predictable PDA (a provider's, or a provider's next
//! listing), that would let a griefer block its creation for good. This module
//! creates accounts with instructions every runtime supports.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{
    allocate, assign, create_account, transfer, Allocate, Assign, CreateAccount, Transfer,
};

use crate::error::EscrowError;

/// Creates the PDA `target` with `space` bytes, owned by this program, paid by
/// `payer`: rent exemption plus `deposit` more lamports, in one system
/// transfer. Lamports already at the address count towards rent; any above
/// rent go to the payer, so the account holds exactly rent plus `deposit`.
///
/// `signer_seeds` (including the bump) must derive `target`: the system
/// program only creates an account that signs, and only the PDA of these
/// seeds can, so a wrong address fails the transaction.
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    signer_seeds: &[&[u8]],
    deposit: u64,
) -> Result<()> {
    require!(
        target.owner == &anchor_lang::system_program::ID && target.data_is_empty(),
        EscrowError::AlreadyInitialized
    );
    let rent = Rent::get()?.minimum_balance(space);
    let signer = &[signer_seeds];
    let program = system_program.key();
    let current = target.lamports();
    if current == 0 {
        let lamports = rent
            .checked_add(deposit)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        return create_account(
            CpiContext::new(program, accounts).with_signer(signer),
            lamports,
            space as u64,
            &crate::ID,
        );
    }
    let top_up = rent
        .saturating_sub(current)
        .checked_add(deposit)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if top_up > 0 {
        let accounts = Transfer {
            from: payer.clone(),
            to: target.clone(),
        };
        transfer(CpiContext::new(program, accounts), top_up)?;
    }
    let accounts = Allocate {
        account_to_allocate: target.clone(),
    };
    allocate(
        CpiContext::new(program, accounts).with_signer(signer),
        space as u64,
    )?;
    let accounts = Assign {
        account_to_assign: target.clone(),
    };
    assign(
        CpiContext::new(program, accounts).with_signer(signer),
        &crate::ID,
    )?;
    // Lamports pre-funded above rent would sit in the account outside any
    // rule (for a lease, outside its escrow accounting): they go to the payer.
    let excess = current.saturating_sub(rent);
    if excess > 0 {
        target.sub_lamports(excess)?;
        payer.add_lamports(excess)?;
    }
    Ok(())
}

/// Whether `address` is the program address of `signer_seeds` (bump
/// included) under this program, checked with one SHA-256 syscall instead of
/// `create_program_address` (1,500 CU). The hash alone does not prove the
/// address is off the curve; `create_pda` does, since the system program only
/// creates an account whose seeds make it a valid PDA, so a wrong address is
/// refused here by name and a hash that lands on the curve fails there.
pub fn is_program_address(address: &Pubkey, signer_seeds: &[&[u8]]) -> bool {
    const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";
    let mut parts: [&[u8]; 8] = [&[]; 8];
    let count = signer_seeds.len();
    if count + 2 > parts.len() {
        return false;
    }
    parts[..count].copy_from_slice(signer_seeds);
    parts[count] = crate::ID.as_ref();
    parts[count + 1] = PDA_MARKER;
    solana_sha256_hasher::hashv(&parts[..count + 2]).to_bytes() == address.to_bytes()
}

/// Writes `value` (discriminator first) into the freshly created `target`.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_address_check_agrees_with_the_runtime_derivation() {
        let listing = Pubkey::new_unique();
        for id in 0u64..32 {
            let id_bytes = id.to_le_bytes();
            let (pda, bump) =
                Pubkey::find_program_address(&[b"lease", listing.as_ref(), &id_bytes], &crate::ID);
            let seeds: [&[u8]; 4] = [b"lease", listing.as_ref(), &id_bytes, &[bump]];
            assert!(is_program_address(&pda, &seeds));
            let other_bump = [bump.wrapping_sub(1)];
            let wrong: [&[u8]; 4] = [b"lease", listing.as_ref(), &id_bytes, &other_bump];
            assert!(!is_program_address(&pda, &wrong));
            assert!(!is_program_address(&Pubkey::new_unique(), &seeds));
        }
    }
}
