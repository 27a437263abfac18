import { jobMarketplaceAbi } from '@fabstir/contracts'
import { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import type { Address, Client, Hex } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import type { BillingError } from '../errors/billing.js'
import { type Race, withDeadline } from '../internal/abort.js'
import { rethrowAs } from '../internal/contractError.js'
import { resolveAddresses } from '../internal/resolveConfig.js'
import { assertBigInt, assertJobId } from '../internal/validate.js'
import type { SessionJobConfig } from './SessionJobConfig.js'

/** One proof checkpoint of a session job, as the marketplace stored it. */
export type ProofSubmission = {
  /** Position in the job's list, from 0. */
  index: number
  /** The proof's hash (this project: the transcript head). */
  proofHash: Hex
  /** Tokens this checkpoint claims (not cumulative). */
  tokensClaimed: bigint
  /** Chain time of the submission, in seconds. */
  timestamp: bigint
  verified: boolean
  /** Content id of the conversation delta since the previous checkpoint. */
  deltaCID: string
  /**
   * Content id of the proof. `getProofSubmission` does not return it; it is set when the
   * `ProofSubmitted` events were read (`includeProofCIDs`, or the fallback below).
   */
  proofCID?: string
}

/** Options of {@link getProofSubmissions}. */
export type GetProofSubmissionsOptions = AbortOptions & {
  /** The job id (= session id). */
  jobId: bigint
  /** Also read the `ProofSubmitted` events, for each proof's `proofCID`. @default false */
  includeProofCIDs?: boolean
  /**
   * First block searched when events are read (see `includeProofCIDs` and the fallback); RPC
   * providers limit the range of `eth_getLogs`. @default 0n
   */
  fromBlock?: bigint
}

/** What {@link getProofSubmissions} returns: the proofs in submission order. */
export type GetProofSubmissionsReturnType = ProofSubmission[]

/** What {@link getProofSubmissions} throws (aborts reject with `signal.reason`). */
export type GetProofSubmissionsErrorType = BillingError | ContractError

/** Proofs read at once. */
const maxConcurrentReads = 16

/**
 * The proof checkpoints a host submitted for a session job, each read with
 * `getProofSubmission(jobId, index)`.
 *
 * How many there are comes from the marketplace's `getProofSubmissionCount(jobId)` view. A
 * marketplace without that view (the call reverts or returns nothing) is handled by counting
 * the job's `ProofSubmitted` events instead, from `fromBlock`; those events also give each
 * proof's `proofCID`. An unknown job has no proofs: the result is empty.
 *
 * @param config - the clients and contract addresses (no wallet needed).
 * @param options - the job id, `includeProofCIDs`, `fromBlock`, `signal` and `timeoutMs`.
 * @returns the proofs, oldest first.
 * @throws {BillingError} `INVALID_ARGUMENT`, `UNKNOWN_DEPLOYMENT`.
 * @throws {ContractError} when the chain cannot be read.
 * @example
 * ```ts
 * import { getProofSubmissions } from '@fabstir/billing'
 *
 * const proofs = await getProofSubmissions({ publicClient }, { jobId: 42n })
 * const proven = proofs.reduce((sum, proof) => sum + proof.tokensClaimed, 0n)
 * ```
 */
export async function getProofSubmissions(
  config: SessionJobConfig,
  {
    jobId,
    includeProofCIDs = false,
    fromBlock = 0n,
    signal,
    timeoutMs,
  }: GetProofSubmissionsOptions,
): Promise<GetProofSubmissionsReturnType> {
  assertJobId(jobId)
  assertBigInt(fromBlock, 'fromBlock', { min: 0n })
  const { jobMarketplace } = resolveAddresses(config)
  const { publicClient } = config
  return withDeadline({ signal, timeoutMs }, async (race) => {
    const readEvents = () => readProofEvents(publicClient, jobMarketplace, jobId, fromBlock, race)
    let count: bigint
    let events: ProofEvent[] | undefined
    try {
      count = await race(
        readContract(publicClient, {
          address: jobMarketplace,
          abi: jobMarketplaceAbi,
          functionName: 'getProofSubmissionCount',
          args: [jobId],
        }).catch(rethrowAs('getProofSubmissionCount')),
      )
    } catch (error) {
      // The deployed marketplace may lack the view: a revert or an empty answer, not a failure
      // to reach the chain.
      const missingView =
        ContractError.isInstance(error) &&
        (error.code === 'CONTRACT_REVERTED' || error.code === 'CHAIN_ERROR')
      if (!missingView) throw error
      events = await readEvents()
      count = BigInt(events.length)
    }
    if (includeProofCIDs) events ??= await readEvents()

    const proofs: ProofSubmission[] = []
    for (let start = 0; start < Number(count); start += maxConcurrentReads) {
      const indexes = Array.from(
        { length: Math.min(maxConcurrentReads, Number(count) - start) },
        (_, offset) => start + offset,
      )
      const batch = await race(
        Promise.all(
          indexes.map((index) =>
            readContract(publicClient, {
              address: jobMarketplace,
              abi: jobMarketplaceAbi,
              functionName: 'getProofSubmission',
              args: [jobId, BigInt(index)],
            }).catch(rethrowAs('getProofSubmission')),
          ),
        ),
      )
      batch.forEach(([proofHash, tokensClaimed, timestamp, verified, deltaCID], offset) => {
        const index = start + offset
        const event = events?.[index]
        // Events and stored proofs are in the same order; a hash mismatch means a gap in the logs.
        const proofCID = event?.proofHash === proofHash ? event.proofCID : undefined
        proofs.push({
          index,
          proofHash,
          tokensClaimed,
          timestamp,
          verified,
          deltaCID,
          ...(proofCID === undefined ? {} : { proofCID }),
        })
      })
    }
    return proofs
  })
}

type ProofEvent = { proofHash: Hex; proofCID: string }

async function readProofEvents(
  publicClient: Client,
  marketplace: Address,
  jobId: bigint,
  fromBlock: bigint,
  race: Race,
): Promise<ProofEvent[]> {
  const logs = await race(
    getContractEvents(publicClient, {
      address: marketplace,
      abi: jobMarketplaceAbi,
      eventName: 'ProofSubmitted',
      args: { jobId },
      fromBlock,
      toBlock: 'latest',
    }).catch(rethrowAs('ProofSubmitted')),
  )
  return logs.map((log) => ({
    proofHash: log.args.proofHash ?? '0x',
    proofCID: log.args.proofCID ?? '',
  }))
}
