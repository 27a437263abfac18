import { jobMarketplaceAbi, MIN_PROVEN_TOKENS } from '@fabstir/contracts'
import { ContractError, toContractError } from '@fabstir/discovery-registry'
import type { CheckpointMessage, Hex } from '@fabstir/protocol'
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem'
import type { Logger } from '../logger.js'

/** What the submitter needs to know of a job, read once from chain. */
export type ProvableJob = {
  proofInterval: bigint
  /** deposit × 1000 / price: more cannot be claimed. */
  maxTokens: bigint
}

/** Options of {@link ProofOfWorkSubmitter}. */
export type ProofOfWorkSubmitterOptions = {
  publicClient: PublicClient
  /** The host's wallet: its account is the session's host. */
  walletClient: WalletClient<Transport, Chain, Account>
  jobMarketplace: Address
  /** Reads what the submitter needs of a job. */
  readJob: (jobId: bigint) => Promise<ProvableJob>
  /** Called after each proof landed; the host signs it and sends it to the session's socket. */
  onCheckpoint: (checkpoint: Omit<CheckpointMessage, 'sig'>) => void
  logger: Logger
  /** How often a completion waiting for the dispute window checks the chain's clock. @default 5_000 */
  completionPollMs?: number
  /**
   * Attempts per transaction or read while the chain is unreachable or a claim is early.
   * @default Infinity: a proof is retried for as long as the host runs
   */
  maxAttempts?: number
  /** First retry delay, doubled per attempt up to 30 s. @default 500 */
  retryDelayMs?: number
}

type SessionState = {
  jobId: bigint
  /** Tokens of every response so far (`usage.total_tokens`). */
  cumulative: bigint
  claimed: bigint
  head: Hex | undefined
  proofs: number
  /** What the deposit covers, once the job was read. */
  maxTokens: bigint | undefined
  /** Serialises this session's proofs and completion. */
  work: Promise<void>
  ended: boolean
}

const maxRetryDelayMs = 30_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/**
 * Proves a host's work on chain (CHAIN.md `submitProofOfWork`): once a session's unclaimed
 * tokens reach its `proofInterval`, it claims them with the transcript head as `proofHash`, and at
 * session end it claims the rest (at least 100 tokens; a session that never reached its
 * `proofInterval` cannot be proven). After the last proof it completes the job once the dispute
 * window has passed (unless the depositor completed it first).
 *
 * Every transaction of the host goes through one queue (one wallet, one nonce sequence). A claim
 * the chain refuses as too fast, or that cannot reach the chain, is retried with backoff; nothing
 * unclaimed is forgotten while the host runs.
 */
export class ProofOfWorkSubmitter {
  readonly #options: Required<
    Pick<ProofOfWorkSubmitterOptions, 'completionPollMs' | 'maxAttempts' | 'retryDelayMs'>
  > &
    ProofOfWorkSubmitterOptions
  readonly #sessions = new Map<string, SessionState>()
  readonly #jobs = new Map<bigint, Promise<ProvableJob>>()
  #transactions: Promise<unknown> = Promise.resolve()
  readonly #closing = new AbortController()

  constructor(options: ProofOfWorkSubmitterOptions) {
    this.#options = {
      completionPollMs: 5_000,
      maxAttempts: Number.POSITIVE_INFINITY,
      retryDelayMs: 500,
      ...options,
    }
  }

  /** Records a response's tokens and transcript head; proves them once they reach the interval. */
  recordResponse(sessionId: string, tokens: number, transcriptHead: Hex): void {
    const state = this.#state(sessionId)
    if (state === undefined) return
    state.cumulative += BigInt(tokens)
    state.head = transcriptHead
    this.#enqueue(state, () => this.#prove(state, false))
  }

  /**
   * Whether the session's tokens already reach what its deposit covers (more would never be
   * paid). `false` while the job has not been read yet.
   */
  depositExhausted(sessionId: string): boolean {
    const state = this.#sessions.get(sessionId)
    return state?.maxTokens !== undefined && state.cumulative >= state.maxTokens
  }

  /** The session ended: prove the rest, then complete the job after the dispute window. */
  endSession(sessionId: string): void {
    const state = this.#sessions.get(sessionId)
    if (state === undefined || state.ended) return
    state.ended = true
    this.#enqueue(state, async () => {
      await this.#prove(state, true)
      if (state.proofs > 0) await this.#complete(state)
      this.#sessions.delete(sessionId)
      this.#jobs.delete(state.jobId)
    })
  }

  /**
   * Stops waiting for dispute windows; proofs already queued are still sent (bounded by
   * `timeoutMs`). What stays unclaimed or uncompleted is logged.
   */
  async close({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing.abort(new Error('the host is closing'))
    const done = Promise.all([...this.#sessions.values()].map((state) => state.work))
    await Promise.race([done, sleep(timeoutMs)])
    for (const state of this.#sessions.values()) {
      if (state.cumulative > state.claimed || state.proofs > 0) {
        this.#options.logger.warn('session left unsettled at shutdown', {
          jobId: String(state.jobId),
          unclaimedTokens: String(state.cumulative - state.claimed),
        })
      }
    }
  }

  #state(sessionId: string): SessionState | undefined {
    let state = this.#sessions.get(sessionId)
    if (state === undefined) {
      if (!/^[1-9]\d{0,77}$/.test(sessionId)) return undefined
      state = {
        jobId: BigInt(sessionId),
        cumulative: 0n,
        claimed: 0n,
        head: undefined,
        proofs: 0,
        maxTokens: undefined,
        work: Promise.resolve(),
        ended: false,
      }
      this.#sessions.set(sessionId, state)
    }
    return state
  }

  #enqueue(state: SessionState, task: () => Promise<void>): void {
    state.work = state.work.then(task).catch((error: unknown) => {
      this.#options.logger.error('proof of work failed', {
        jobId: String(state.jobId),
        error: String(error),
      })
    })
  }

  #job(jobId: bigint): Promise<ProvableJob> {
    let job = this.#jobs.get(jobId)
    if (job === undefined) {
      job = this.#retry('sessionJobs', jobId, () => this.#options.readJob(jobId))
      job.catch(() => this.#jobs.delete(jobId))
      this.#jobs.set(jobId, job)
    }
    return job
  }

  /**
   * Runs a chain call until it succeeds, retrying with backoff (doubling up to 30 s) while the
   * chain is unreachable or the contract refuses with one of `waitFor` (a claim too early); at
   * most `maxAttempts`, and not once the host is closing. Every retry is logged.
   *
   * @throws {ContractError} what the last attempt threw, as a `ContractError`.
   */
  async #retry<result>(
    what: string,
    jobId: bigint,
    call: () => Promise<result>,
    waitFor: readonly string[] = [],
  ): Promise<result> {
    const { maxAttempts, retryDelayMs, logger } = this.#options
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call()
      } catch (caught) {
        const error = toContractError(caught, what)
        if (!ContractError.isInstance(error)) throw error
        const name = error.errorName
        const retryable = error.isRetryable || (name !== undefined && waitFor.includes(name))
        if (!retryable || attempt >= maxAttempts || this.#closing.signal.aborted) throw error
        const delayMs = Math.min(retryDelayMs * 2 ** (attempt - 1), maxRetryDelayMs)
        logger.info(`${what} will be retried`, {
          jobId: String(jobId),
          reason: name ?? error.code,
          attempt,
          delayMs,
        })
        await sleep(delayMs)
      }
    }
  }

  async #prove(state: SessionState, final: boolean): Promise<void> {
    const head = state.head
    if (head === undefined) return
    const job = await this.#job(state.jobId)
    state.maxTokens = job.maxTokens
    const claim = min(state.cumulative, job.maxTokens) - state.claimed
    // The contract wants the first claim to cover the interval and each claim ≥ 100 tokens.
    const least = state.claimed === 0n || !final ? job.proofInterval : MIN_PROVEN_TOKENS
    if (claim < least) return

    const receipt = await this.#transact('submitProofOfWork', [state.jobId, claim, head, '', ''])
    if (receipt === undefined) return
    state.claimed += claim
    state.proofs += 1
    this.#options.onCheckpoint({
      type: 'checkpoint',
      session_id: String(state.jobId),
      index: state.proofs,
      tokens_claimed: Number(claim),
      cumulative_tokens: Number(state.claimed),
      proof_hash: head,
      tx_hash: receipt,
    })
  }

  async #complete(state: SessionState): Promise<void> {
    const { publicClient, jobMarketplace, completionPollMs, logger } = this.#options
    const window = await this.#retry('disputeWindow', state.jobId, () =>
      publicClient.readContract({
        address: jobMarketplace,
        abi: jobMarketplaceAbi,
        functionName: 'disputeWindow',
      }),
    )
    const started = await this.#retry('getBlock', state.jobId, () => publicClient.getBlock())
    // Wait on the chain's clock, not ours: a local chain's time can jump. An unreachable chain
    // only delays the completion: polling goes on until the host closes.
    const availableAt = started.timestamp + window
    while (!this.#closing.signal.aborted) {
      const block = await publicClient.getBlock().catch((error: unknown) => {
        logger.debug('cannot read the chain’s clock', { error: String(error) })
        return undefined
      })
      if (block !== undefined && block.timestamp > availableAt) break
      await sleep(completionPollMs)
    }
    if (this.#closing.signal.aborted) return
    await this.#transact('completeSessionJob', [state.jobId, ''])
  }

  /**
   * Sends one transaction and waits for its receipt, retrying as {@link #retry} does (each attempt
   * queues anew, so a claim that must wait does not hold up other sessions' transactions). Returns
   * the hash, or `undefined` when the session is no longer active (the depositor completed it, or
   * it timed out): nothing more can be claimed then.
   */
  async #transact(
    functionName: 'submitProofOfWork' | 'completeSessionJob',
    args: readonly [bigint, ...unknown[]],
  ): Promise<Hex | undefined> {
    const { walletClient, publicClient, jobMarketplace, logger } = this.#options
    const send = async (): Promise<Hex> => {
      const { request } = await publicClient.simulateContract({
        account: walletClient.account,
        address: jobMarketplace,
        abi: jobMarketplaceAbi,
        functionName,
        args,
        // The pending block carries the current time; the latest one may be old on a chain
        // that mines only on demand, and a time-based rule would then refuse forever.
        blockTag: 'pending',
      } as never)
      const hash = await walletClient.writeContract(request as never)
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`)
      logger.info(`${functionName} mined`, { jobId: String(args[0]), tx: hash })
      return hash
    }
    try {
      return await this.#retry(functionName, args[0], () => this.#queued(send), [
        'ClaimTooFast',
        'DisputeWindowNotPassed',
      ])
    } catch (error) {
      if (!ContractError.isInstance(error) || error.errorName !== 'SessionNotActive') throw error
      logger.info(`${functionName}: the session is no longer active`, { jobId: String(args[0]) })
      return undefined
    }
  }

  /** Runs `task` after every transaction queued before it: one wallet, one nonce sequence. */
  #queued<result>(task: () => Promise<result>): Promise<result> {
    const result = this.#transactions.then(task, task)
    this.#transactions = result.catch(() => undefined)
    return result
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
