import { SessionJobManager, type SessionSettlement } from '@fabstir/billing'
import type { FabstirContractAddresses } from '@fabstir/contracts'
import {
  authenticateSession,
  type CheckpointMessage,
  InferenceManager,
  type InferenceManagerInit,
} from '@fabstir/sdk'
import type { Address, Chain, LocalAccount, PublicClient, Transport, WalletClient } from 'viem'

/** Options of {@link runPaidSession}. */
export type RunPaidSessionOptions = {
  /** The user's clients: the wallet deposits, signs the host's challenge and completes the job. */
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, LocalAccount>
  addresses: FabstirContractAddresses
  /** A registered host: its on-chain address and URL. */
  host: { address: Address; url: string }
  model: string
  prompts: readonly string[]
  /** Escrowed for the session, in wei. */
  deposit: bigint
  /** Tokens per proof of work. @default 100n */
  proofInterval?: bigint
  /** `max_tokens` of each prompt. @default 120 */
  maxTokens?: number
  /** Gives up waiting for the host's proofs after this long. @default 30_000 */
  proofTimeoutMs?: number
  inference?: InferenceManagerInit
  onTurn?: (turn: number, prompt: string) => void
  onText?: (text: string) => void
  onCheckpoint?: (checkpoint: CheckpointMessage, verified: boolean) => void
}

/** What {@link runPaidSession} returns. */
export type PaidSessionReport = {
  jobId: bigint
  /** The price per 1000 tokens the job was opened at (the host's registered price). */
  pricePerToken: bigint
  /** `usage.total_tokens` of every answer, as the host reported them in signed responses. */
  usedTokens: bigint
  /** Tokens the host proved on chain (one entry per proof). */
  provenTokens: readonly bigint[]
  /** Checkpoints the client received, each verified against the host's key. */
  checkpoints: readonly CheckpointMessage[]
  settlement: SessionSettlement
}

/**
 * The paid flow of one session on chain: opens a job with a deposit for the host and model,
 * authenticates with the depositing wallet, streams the prompts, ends the session, waits until
 * the host's proofs of work cover the tokens used, then completes the job and reads what was paid
 * and refunded.
 *
 * @throws when a step fails, or when the proofs do not cover the tokens in `proofTimeoutMs`.
 */
export async function runPaidSession({
  publicClient,
  walletClient,
  addresses,
  host,
  model,
  prompts,
  deposit,
  proofInterval = 100n,
  maxTokens = 120,
  proofTimeoutMs = 30_000,
  inference,
  onTurn,
  onText,
  onCheckpoint,
}: RunPaidSessionOptions): Promise<PaidSessionReport> {
  const jobs = new SessionJobManager({ publicClient, walletClient, addresses })
  const { jobId, pricePerToken } = await jobs.createSessionJob({
    host: host.address,
    model,
    deposit,
    proofInterval,
  })
  const sessionId = String(jobId)
  const auth = await authenticateSession({
    hostUrl: host.url,
    jobId: sessionId,
    chainId: publicClient.chain.id,
    account: walletClient.account,
  })

  await using manager = new InferenceManager(inference)
  const checkpoints: CheckpointMessage[] = []
  manager.addEventListener('checkpoint', ({ detail }) => {
    // Only what verifies against the host's key counts.
    if (detail.verified) checkpoints.push(detail.checkpoint)
    onCheckpoint?.(detail.checkpoint, detail.verified)
  })
  await manager.connectToSession(sessionId, host.url, sessionId)
  await manager.initializeSession(sessionId, {
    chainId: publicClient.chain.id,
    model,
    token: auth.token,
    sessionKey: auth.sessionKey,
    hostPublicKey: auth.hostPublicKey,
  })
  const answers: bigint[] = []
  for (const [turn, prompt] of prompts.entries()) {
    onTurn?.(turn, prompt)
    const stream = manager.sendPrompt(sessionId, prompt, { maxTokens })
    for await (const part of stream) onText?.(part.text)
    answers.push(BigInt((await stream.result).usage.total_tokens))
  }
  await manager.endSession(sessionId)
  const usedTokens = answers.reduce((sum, tokens) => sum + tokens, 0n)

  // The host proves asynchronously (every proofInterval tokens and at session end).
  const expected = provableTokens(answers, proofInterval)
  const deadline = Date.now() + proofTimeoutMs
  let provenTokens: bigint[] = []
  for (;;) {
    const proofs = await jobs.getProofSubmissions({ jobId })
    provenTokens = proofs.map((proof) => proof.tokensClaimed)
    if (provenTokens.reduce((sum, tokens) => sum + tokens, 0n) >= expected) break
    if (Date.now() > deadline) {
      throw new Error(
        `after ${proofTimeoutMs} ms the host's proofs cover ${provenTokens} of ${expected} tokens`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const settlement = await jobs.completeSessionJob({ jobId })
  return { jobId, pricePerToken, usedTokens, provenTokens, checkpoints, settlement }
}

/**
 * The tokens the reference host proves for answers of these sizes: it claims its unclaimed tokens
 * once they reach the proof interval, and at session end the rest if the contract allows it (at
 * least 100 tokens, or the interval for a first claim). What is left under that is never paid.
 */
export function provableTokens(answers: readonly bigint[], proofInterval: bigint): bigint {
  let cumulative = 0n
  let claimed = 0n
  for (const tokens of answers) {
    cumulative += tokens
    if (cumulative - claimed >= proofInterval) claimed = cumulative
  }
  const least = claimed === 0n ? proofInterval : 100n
  return cumulative - claimed >= least ? cumulative : claimed
}
