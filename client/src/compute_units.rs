//! Compute-unit limits for transactions, sized from the figures cu-bench
//! measured on the program's build (`docs/compute-units.md`, committed and
//! rewritten by `cu-bench --write`).

use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::instruction::Instruction;

const MEASURED: &str = include_str!("../../docs/compute-units.md");

/// Headroom over the worst measured figure, in percent.
pub const MARGIN_PERCENT: u32 = 25;

/// What a `SetComputeUnitLimit` instruction itself costs.
const COMPUTE_BUDGET_CU: u32 = 150;

/// The worst compute units `instruction` (its snake_case name) took when
/// measured, from the table's `worst CU` column.
pub fn measured(instruction: &str) -> Option<u32> {
    MEASURED.lines().find_map(|line| {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        match cells.as_slice() {
            ["", name, _best, worst, ..] if *name == instruction => worst.parse().ok(),
            _ => None,
        }
    })
}

/// A `SetComputeUnitLimit` instruction for a transaction of `instructions`:
/// their worst measured figures plus [`MARGIN_PERCENT`].
///
/// # Panics
/// If an instruction has no measured figure (a new instruction needs a
/// `cu-bench --write` run).
pub fn limit_for(instructions: &[&str]) -> Instruction {
    let worst: u32 = instructions
        .iter()
        .map(|name| {
            measured(name).unwrap_or_else(|| panic!("no measured compute units for {name}"))
        })
        .sum();
    let limit = worst + worst * MARGIN_PERCENT / 100 + COMPUTE_BUDGET_CU;
    ComputeBudgetInstruction::set_compute_unit_limit(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_actions_have_measured_figures() {
        for name in [
            "open_lease",
            "extend_lease",
            "cancel_lease",
            "settle_lease",
            "claim_payout",
            "pause_listing",
        ] {
            assert!(measured(name).is_some_and(|cu| cu > 1_000), "{name}");
        }
        assert_eq!(measured("no_such_instruction"), None);
    }
}
