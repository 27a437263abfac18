/** Prices are per 1000 tokens: cost = tokens × pricePerToken / 1000 (floored), in base units. */
export const PRICE_PRECISION = 1000n
/** The smallest proof claim and the smallest proof interval, in tokens. */
export const MIN_PROVEN_TOKENS = 100n
/** The smallest native deposit: 0.0001 ether, in wei. */
export const MIN_DEPOSIT = 100_000_000_000_000n
/** The FAB stake a host locks on registration: 1000 FAB (18 decimals). */
export const MIN_STAKE = 1_000_000_000_000_000_000_000n
/** The longest session, in seconds (365 days). */
export const MAX_SESSION_DURATION = 31_536_000n
/** Bounds of a session's proof timeout window, in seconds. */
export const MIN_PROOF_TIMEOUT = 60n
export const MAX_PROOF_TIMEOUT = 3600n
/** The native token in every `token` argument. */
export const NATIVE_TOKEN = '0x0000000000000000000000000000000000000000' as const
