// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import {
  BillingError,
  estimateSessionCost,
  maxTokensForDeposit,
  type SessionJobConfig,
  SessionJobManager,
} from '@fabstir/billing'

// The viem clients come in through the package's own types: a CommonJS project cannot import
// viem's ESM-only declarations without a resolution-mode attribute.
export async function openAndSettle(
  { publicClient, walletClient }: SessionJobConfig,
  host: `0x${string}`,
) {
  const sessions = new SessionJobManager({ publicClient, walletClient })
  try {
    const job = await sessions.createSessionJob({
      host,
      model: 'fabstir/ngram-trigram.json',
      deposit: 1_000_000_000_000_000n,
      proofInterval: 100n,
    })
    const cost: bigint = estimateSessionCost({ tokens: 10_000n, pricePerToken: job.pricePerToken })
    const settlement = await sessions.completeSessionJob({ jobId: job.jobId })
    return { cost, refunded: settlement.refunded }
  } catch (error) {
    if (BillingError.isInstance(error)) return { error: error.code }
    throw error
  }
}

export const affordable = maxTokensForDeposit
