//! Every way an instruction can be refused, with a message a user can act on.

use anchor_lang::prelude::*;

/// Errors returned by the compute-escrow program (codes start at 6000).
#[error_code]
#[derive(PartialEq, Eq)]
pub enum EscrowError {
    #[msg("Signer is not the authority allowed to do this")]
    Unauthorized,
    #[msg("Fee is above the 500 bps (5 %) cap")]
    FeeTooHigh,
    #[msg("Settle grace is longer than the 7-day maximum")]
    GraceTooLong,
    #[msg("The market is paused: no new listings, leases or extensions")]
    MarketPaused,
    #[msg("Treasury account is not the one in the config")]
    WrongTreasury,
    #[msg("Payout wallet is not the provider's payout wallet")]
    WrongPayoutWallet,
    #[msg("Account belongs to a different provider")]
    ProviderMismatch,
    #[msg("Lease belongs to a different listing")]
    ListingMismatch,
    #[msg("Signer or account is not the lease's renter")]
    RenterMismatch,
    #[msg("Signer is not one of the lease's attestors")]
    WrongAttestor,
    #[msg("Metadata URI is too long (max 200 bytes)")]
    MetadataUriTooLong,
    #[msg("GPU model must be 1 to 32 bytes")]
    InvalidGpuModel,
    #[msg("Region is too long (max 32 bytes)")]
    RegionTooLong,
    #[msg("Health-check address is too long (max 128 bytes)")]
    HealthCheckTooLong,
    #[msg("GPU count must be at least 1")]
    InvalidGpuCount,
    #[msg("Capacity must be at least 1")]
    InvalidCapacity,
    #[msg("Price per hour must be greater than zero")]
    ZeroPrice,
    #[msg("Hours range must satisfy 1 <= min <= max <= 8784")]
    InvalidHoursRange,
    #[msg("Listing is paused")]
    ListingPaused,
    #[msg("Listing is closed")]
    ListingClosed,
    #[msg("Listing still has leases with time left to attest")]
    ListingHasOpenLeases,
    #[msg("Listing is at capacity")]
    ListingAtCapacity,
    #[msg("Listing price changed since the quote; re-quote and sign again")]
    PriceChanged,
    #[msg("Listing terms (GPU, region, health check or attestor) changed since the quote; re-quote and sign again")]
    TermsChanged,
    #[msg("Hours are below the listing's minimum")]
    HoursBelowMinimum,
    #[msg("Hours are above the listing's maximum")]
    HoursAboveMaximum,
    #[msg("Lease is not active (cancelled)")]
    LeaseNotActive,
    #[msg("Lease has already reached its end time")]
    LeaseEnded,
    #[msg("Attestation period is empty or reversed (to <= from)")]
    InvalidPeriod,
    #[msg("Attestation period overlaps time already attested")]
    PeriodOverlapsAttested,
    #[msg("Attestation period must start where the last one ended")]
    PeriodLeavesGap,
    #[msg("Attestation period ends in the future")]
    PeriodInFuture,
    #[msg("Attestation period ends after the lease end")]
    PeriodPastLeaseEnd,
    #[msg("Up seconds exceed the length of the period")]
    UpSecondsExceedPeriod,
    #[msg("Attestation window closed: lease end plus grace has passed")]
    AttestationWindowClosed,
    #[msg("Nothing new to claim")]
    NothingToClaim,
    #[msg("Lease still has unattested time inside its settle grace; settle once it is all attested or the grace has passed")]
    SettleTooEarly,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("Escrow accounting invariant violated; please report this")]
    InvariantViolated,
    #[msg("Account already exists")]
    AlreadyInitialized,
    #[msg("Lease account is not the PDA of (listing, renter, lease_id, lease_bump)")]
    LeaseAddressMismatch,
    #[msg("Payout wallet or treasury must be a writable wallet owned by the system program")]
    InvalidRecipient,
    #[msg("Payout wallet cannot take this payout (executable, or would stay below rent exemption); fund it or set another")]
    PayoutWalletCannotReceive,
    #[msg("Settle grace is shorter than the 10-minute minimum")]
    GraceTooShort,
    #[msg("Protocol fee changed since the quote; re-quote and sign again")]
    FeeChanged,
    #[msg("Settle grace changed since the quote; re-quote and sign again")]
    GraceChanged,
    #[msg("Only the program's upgrade authority may create the config")]
    NotUpgradeAuthority,
    #[msg("Signer is not the proposed admin")]
    NotPendingAdmin,
    #[msg("Attestor set must hold 1 to 5 distinct keys (the rest default)")]
    InvalidAttestorSet,
    #[msg("Attestor threshold must be between 1 and the number of attestors, at most 3")]
    InvalidThreshold,
    #[msg("Attestation period must be between 1 second and 1 day")]
    InvalidAttestationPeriod,
    #[msg("This lease needs a quorum of signed reports (attest_reports), not one attestor's transaction")]
    QuorumRequired,
    #[msg("Uptime report is not a well-formed signed report")]
    ReportMalformed,
    #[msg("Signed message is not an uptime report (wrong tag)")]
    ReportTagMismatch,
    #[msg("Uptime report was signed for another program")]
    ReportForOtherProgram,
    #[msg("Ed25519 instruction takes its key, signature or message from another instruction")]
    ReportNotSelfContained,
    #[msg("Uptime report is for another lease")]
    ReportForOtherLease,
    #[msg("Uptime report is for a period this submission does not attest")]
    ReportForOtherPeriod,
    #[msg("Uptime report is signed by a key outside the lease's attestor set")]
    ReportSignerNotAttestor,
    #[msg("One attestor reported the same period twice")]
    DuplicateReport,
    #[msg("Fewer attestors than the lease's threshold reported this period")]
    QuorumNotReached,
    #[msg("A submission attests 1 to 16 periods")]
    InvalidPeriodCount,
    #[msg("Account passed as the instructions sysvar is not it")]
    NotInstructionsSysvar,
}
