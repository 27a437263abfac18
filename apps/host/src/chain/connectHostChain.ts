import type { CheckpointMessage } from '@fabstir/protocol'
import type { Address } from 'viem'
import type { JobVerifier } from '../auth/JobVerifier.js'
import type { Logger } from '../logger.js'
import { createChainJobVerifier } from './createChainJobVerifier.js'
import type { HostChainOptions } from './HostChainOptions.js'
import { ProofOfWorkSubmitter } from './ProofOfWorkSubmitter.js'
import { readSessionJob } from './readSessionJob.js'

/** @internal What a host serving on chain is given by {@link connectHostChain}. */
export type HostChain = {
  chainId: number
  /** The wallet's address, lowercase. */
  hostAddress: Address
  jobVerifier: JobVerifier
  proofs: ProofOfWorkSubmitter
}

/**
 * @internal Wires a host to its chain: the job verifier and the proof submitter share one job
 * reader; checkpoints go to `deliver`.
 */
export function connectHostChain(
  chain: HostChainOptions,
  logger: Logger,
  deliver: (checkpoint: Omit<CheckpointMessage, 'sig'>) => void,
): HostChain {
  const { publicClient, walletClient, addresses } = chain
  const chainId = publicClient.chain.id
  return {
    chainId,
    hostAddress: walletClient.account.address.toLowerCase() as Address,
    jobVerifier: createChainJobVerifier({
      chainId,
      readJob: (jobId, options) => readSessionJob(publicClient, addresses, jobId, options),
    }),
    proofs: new ProofOfWorkSubmitter({
      publicClient,
      walletClient,
      jobMarketplace: addresses.jobMarketplace,
      readJob: async (jobId) => {
        const job = await readSessionJob(publicClient, addresses, jobId)
        if (job === undefined) throw new Error(`job ${jobId} not found`)
        return job
      },
      onCheckpoint: deliver,
      logger,
      ...(chain.completionPollMs === undefined ? {} : { completionPollMs: chain.completionPollMs }),
      ...(chain.retryDelayMs === undefined ? {} : { retryDelayMs: chain.retryDelayMs }),
    }),
  }
}
