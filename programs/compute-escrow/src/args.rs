//! Strict decoding of instruction arguments.
//!
//! Borsh allocates a string's whole declared length before reading it, so a
//! length prefix of 32 KiB or more would exhaust the program's 32 KiB heap and
//! abort it. The argument structs that carry strings, and those that end an
//! instruction's data, decode through [`exact_args!`] instead: every string's
//! length prefix is checked against [`MAX_STRING_ARG_LEN`] before anything is
//! allocated, and bytes left after the last field are refused. Either way the
//! instruction fails with Anchor's `InstructionDidNotDeserialize` before any
//! account is touched; a string that does fit is then checked against its own
//! bound with the program's named error (`InvalidGpuModel`, `RegionTooLong`…).
//! Serialisation (and the IDL) stay Anchor's own derives.

use std::io::{Error, ErrorKind, Read, Result};

use anchor_lang::prelude::Pubkey;
use anchor_lang::AnchorDeserialize;

use crate::constants::MAX_STRING_ARG_LEN;
use crate::state::AttestorSet;

/// A field of an argument struct, decoded with bounded allocation.
pub trait ArgField: Sized {
    /// Reads one value in Borsh encoding.
    fn read_arg<R: Read>(reader: &mut R) -> Result<Self>;
}

macro_rules! borsh_arg_field {
    ($($ty:ty),* $(,)?) => {
        $(impl ArgField for $ty {
            fn read_arg<R: Read>(reader: &mut R) -> Result<Self> {
                <$ty as AnchorDeserialize>::deserialize_reader(reader)
            }
        })*
    };
}

borsh_arg_field!(
    bool,
    u8,
    u16,
    u32,
    u64,
    i64,
    [u8; 32],
    Pubkey,
    Option<bool>,
    Option<u16>,
    Option<u32>,
    Option<u64>,
    Option<Pubkey>,
    AttestorSet,
    Option<AttestorSet>,
);

impl ArgField for String {
    fn read_arg<R: Read>(reader: &mut R) -> Result<Self> {
        let len = u32::deserialize_reader(reader)? as usize;
        if len > MAX_STRING_ARG_LEN {
            return Err(Error::new(
                ErrorKind::InvalidData,
                "string length prefix longer than a transaction",
            ));
        }
        let mut bytes = vec![0u8; len];
        reader.read_exact(&mut bytes)?;
        String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "invalid UTF-8"))
    }
}

impl ArgField for Option<String> {
    fn read_arg<R: Read>(reader: &mut R) -> Result<Self> {
        match u8::deserialize_reader(reader)? {
            0 => Ok(None),
            1 => String::read_arg(reader).map(Some),
            _ => Err(Error::new(ErrorKind::InvalidData, "invalid Option tag")),
        }
    }
}

/// Fails unless `reader` has no bytes left.
pub fn expect_end<R: Read>(reader: &mut R) -> Result<()> {
    let mut extra = [0u8; 1];
    match reader.read(&mut extra)? {
        0 => Ok(()),
        _ => Err(Error::new(
            ErrorKind::InvalidData,
            "bytes after the instruction's arguments",
        )),
    }
}

/// Implements `BorshDeserialize` for an argument struct that ends its
/// instruction's data: its fields in declaration order through [`ArgField`],
/// then nothing more.
macro_rules! exact_args {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl anchor_lang::AnchorDeserialize for $ty {
            fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
                let value = Self {
                    $($field: $crate::args::ArgField::read_arg(reader)?,)*
                };
                $crate::args::expect_end(reader)?;
                Ok(value)
            }
        }
    };
}
pub(crate) use exact_args;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_bounded_before_allocation() {
        let mut huge = (u32::MAX).to_le_bytes().to_vec();
        huge.extend_from_slice(b"abc");
        assert!(String::read_arg(&mut huge.as_slice()).is_err());
        let mut ok = 3u32.to_le_bytes().to_vec();
        ok.extend_from_slice(b"abc");
        assert_eq!(String::read_arg(&mut ok.as_slice()).unwrap(), "abc");
    }

    #[test]
    fn end_means_no_byte_left() {
        assert!(expect_end(&mut [].as_slice()).is_ok());
        assert!(expect_end(&mut [0u8].as_slice()).is_err());
    }
}
