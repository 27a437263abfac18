import {
  jobMarketplaceAbi,
  MAX_PROOF_TIMEOUT,
  MAX_SESSION_DURATION,
  MIN_DEPOSIT,
  MIN_PROOF_TIMEOUT,
  MIN_PROVEN_TOKENS,
  modelRegistryAbi,
  NATIVE_TOKEN,
  nodeRegistryAbi,
  PRICE_PRECISION,
} from '@fabstir/contracts'
import { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import { type Address, erc20Abi, type Hex, parseEventLogs } from 'viem'
import { getBalance, readContract, simulateContract, writeContract } from 'viem/actions'
import { BillingError } from '../errors/billing.js'
import { type Race, withDeadline } from '../internal/abort.js'
import { formatAmount, formatPrice, groupDigits, type TokenUnit } from '../internal/format.js'
import { requireWallet, resolveAddresses } from '../internal/resolveConfig.js'
import { sendTransaction } from '../internal/sendTransaction.js'
import { settle, take } from '../internal/settle.js'
import { getTokenUnit, isNativeToken } from '../internal/tokenUnit.js'
import { assertBigInt, parseAddress, parseModelId } from '../internal/validate.js'
import type { SessionJobConfig } from './SessionJobConfig.js'

/** Options of {@link createSessionJob}. */
export type CreateSessionJobOptions = AbortOptions & {
  /** The host's operator address, as registered in the NodeRegistry. */
  host: Address
  /** The model: a name (`"repo/file"` or `"repo:file"`) or its 32-byte id. */
  model: string
  /** What to escrow, in the payment token's base units (wei for the native token). */
  deposit: bigint
  /** An accepted ERC-20 (e.g. USDC). @default the native token */
  token?: Address
  /**
   * Base units per 1000 tokens; at least the host's price for this model and token.
   * @default the host's price, `getModelPricing(host, modelId, token)`
   */
  pricePerToken?: bigint
  /** Tokens per proof checkpoint (≥ 100); also the least billed once any proof exists. @default 1000n */
  proofInterval?: bigint
  /** Seconds until anyone may end the session (1 s to 365 days). @default 86_400n */
  maxDuration?: bigint
  /** Seconds without a proof until anyone may end the session (60–3600). @default 300n */
  proofTimeoutWindow?: bigint
}

/** What {@link createSessionJob} returns: the new job and the terms it was opened with. */
export type CreateSessionJobReturnType = {
  /** The new job id (= session id), from the `SessionJobCreatedForModel` event. */
  jobId: bigint
  /** The creating transaction. */
  transactionHash: Hex
  /** The block that holds it. */
  blockNumber: bigint
  /** The ERC-20 `approve` sent first, when the allowance was short; undefined otherwise. */
  approveTransactionHash: Hex | undefined
  /** The wallet account that deposited. */
  depositor: Address
  host: Address
  modelId: Hex
  /** The payment token; `NATIVE_TOKEN` for the native currency. */
  token: Address
  deposit: bigint
  pricePerToken: bigint
  proofInterval: bigint
  maxDuration: bigint
  proofTimeoutWindow: bigint
}

/** What {@link createSessionJob} throws (aborts reject with `signal.reason`). */
export type CreateSessionJobErrorType = BillingError | ContractError

/**
 * Opens a session job: escrows `deposit` for one host and one model, paid per proven token.
 *
 * Before anything is sent, it checks every rule the marketplace enforces, so a job that would
 * revert costs no gas and fails with a {@link BillingError} that explains why, with the numbers:
 * the bounds of the options, the token (accepted, minimum deposit), the model (approved), the
 * host (active, serves the model, has a price for it in this token, the price is at least the
 * host's), that the deposit covers one proof interval, and that the wallet holds the deposit.
 * For an ERC-20 it then reads the allowance and, when short, approves exactly `deposit` (never
 * an unlimited allowance) and waits for it. Finally it simulates and sends
 * `createSessionJobForModel` (native, `value = deposit`) or `createSessionJobForModelWithToken`,
 * waits for the receipt and reads the job id from its `SessionJobCreatedForModel` event.
 *
 * `signal` and `timeoutMs` cover the whole call; an abort after a transaction was sent does not
 * recall it.
 *
 * @param config - the clients (a wallet client with an account is required) and addresses.
 * @param options - host, model, deposit and the optional terms, `signal` and `timeoutMs`.
 * @returns the job id, the transaction(s) and the terms.
 * @throws {BillingError} `INVALID_ARGUMENT`, `TOKEN_NOT_ACCEPTED`, `DEPOSIT_TOO_SMALL`,
 *   `MODEL_NOT_APPROVED`, `HOST_NOT_ACTIVE`, `HOST_DOES_NOT_SUPPORT_MODEL`, `HOST_PRICE_NOT_SET`,
 *   `PRICE_BELOW_HOST_MINIMUM`, `DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL`, `INSUFFICIENT_BALANCE`
 *   (nothing was sent); `WALLET_REQUIRED`, `UNKNOWN_DEPLOYMENT`; `UNEXPECTED_RESPONSE` when the
 *   receipt has no creation event.
 * @throws {ContractError} when a read fails or a transaction reverts anyway (`errorName` is the
 *   contract's custom error), or the account cannot pay for gas (`INSUFFICIENT_FUNDS`).
 * @example
 * ```ts
 * import { createSessionJob } from '@fabstir/billing'
 * import { parseEther } from 'viem'
 *
 * const { jobId, pricePerToken } = await createSessionJob(
 *   { publicClient, walletClient },
 *   { host, model: 'fabstir/ngram-trigram.json', deposit: parseEther('0.001') },
 * )
 * ```
 */
export async function createSessionJob(
  config: SessionJobConfig,
  options: CreateSessionJobOptions,
): Promise<CreateSessionJobReturnType> {
  const {
    deposit,
    pricePerToken: requestedPrice,
    proofInterval = 1000n,
    maxDuration = 86_400n,
    proofTimeoutWindow = 300n,
    signal,
    timeoutMs,
  } = options
  const addresses = resolveAddresses(config)
  const { walletClient, account } = requireWallet(config, 'createSessionJob')
  const host = parseAddress(options.host, 'host')
  const modelId = parseModelId(options.model)
  const token = options.token === undefined ? NATIVE_TOKEN : parseAddress(options.token, 'token')
  const native = isNativeToken(token)
  assertBigInt(deposit, 'deposit', { min: 1n })
  if (requestedPrice !== undefined) assertBigInt(requestedPrice, 'pricePerToken', { min: 1n })
  assertBigInt(proofInterval, 'proofInterval', {
    min: MIN_PROVEN_TOKENS,
    rule: 'tokens per proof checkpoint',
  })
  assertBigInt(maxDuration, 'maxDuration', {
    min: 1n,
    max: MAX_SESSION_DURATION,
    rule: 'seconds, at most 365 days',
  })
  assertBigInt(proofTimeoutWindow, 'proofTimeoutWindow', {
    min: MIN_PROOF_TIMEOUT,
    max: MAX_PROOF_TIMEOUT,
    rule: 'seconds',
  })

  const { publicClient } = config
  const marketplace = addresses.jobMarketplace
  const modelLabel = options.model.startsWith('0x') ? modelId : `${options.model} (${modelId})`

  return withDeadline({ signal, timeoutMs }, async (race) => {
    const unit = lazyUnit(() => getTokenUnit(publicClient, token), race)
    const tokenName = async () => {
      if (native) return `the native token (${(await unit()).symbol})`
      const { symbol } = await unit()
      return symbol === undefined ? token : `${symbol} (${token})`
    }

    // Every read at once; the checks below look at them in the contract's order.
    const read = <T>(functionName: string, promise: Promise<T>) => settle(promise, functionName)
    const [accepted, tokenMinimum, approved, active, supports, hostPrice, balance, allowance] =
      await race(
        Promise.all([
          native
            ? read('acceptedTokens', Promise.resolve(true))
            : read(
                'acceptedTokens',
                readContract(publicClient, {
                  address: marketplace,
                  abi: jobMarketplaceAbi,
                  functionName: 'acceptedTokens',
                  args: [token],
                }),
              ),
          native
            ? read('tokenMinDeposits', Promise.resolve(MIN_DEPOSIT))
            : read(
                'tokenMinDeposits',
                readContract(publicClient, {
                  address: marketplace,
                  abi: jobMarketplaceAbi,
                  functionName: 'tokenMinDeposits',
                  args: [token],
                }),
              ),
          read(
            'isModelApproved',
            readContract(publicClient, {
              address: addresses.modelRegistry,
              abi: modelRegistryAbi,
              functionName: 'isModelApproved',
              args: [modelId],
            }),
          ),
          read(
            'isActiveNode',
            readContract(publicClient, {
              address: addresses.nodeRegistry,
              abi: nodeRegistryAbi,
              functionName: 'isActiveNode',
              args: [host],
            }),
          ),
          read(
            'nodeSupportsModel',
            readContract(publicClient, {
              address: addresses.nodeRegistry,
              abi: nodeRegistryAbi,
              functionName: 'nodeSupportsModel',
              args: [host, modelId],
            }),
          ),
          // Reverts (ModelPricingNotSet) when the host has no price for this model and token.
          read(
            'getModelPricing',
            readContract(publicClient, {
              address: addresses.nodeRegistry,
              abi: nodeRegistryAbi,
              functionName: 'getModelPricing',
              args: [host, modelId, token],
            }),
          ),
          native
            ? read('getBalance', getBalance(publicClient, { address: account.address }))
            : read(
                'balanceOf',
                readContract(publicClient, {
                  address: token,
                  abi: erc20Abi,
                  functionName: 'balanceOf',
                  args: [account.address],
                }),
              ),
          native
            ? read('allowance', Promise.resolve(0n))
            : read(
                'allowance',
                readContract(publicClient, {
                  address: token,
                  abi: erc20Abi,
                  functionName: 'allowance',
                  args: [account.address, marketplace],
                }),
              ),
        ]),
      )

    if (!take(accepted)) {
      throw new BillingError(
        'TOKEN_NOT_ACCEPTED',
        `The marketplace does not accept ${await tokenName()} as a payment token: pay in the native token or an accepted ERC-20`,
      )
    }
    const minimum = take(tokenMinimum)
    if (deposit < minimum) {
      throw new BillingError(
        'DEPOSIT_TOO_SMALL',
        `The deposit of ${formatAmount(deposit, await unit())} is below the marketplace's minimum of ${formatAmount(minimum, await unit())} for ${await tokenName()}`,
      )
    }
    if (!take(approved)) {
      throw new BillingError(
        'MODEL_NOT_APPROVED',
        `Model ${modelLabel} is not approved in the ModelRegistry`,
      )
    }
    if (!take(active)) {
      throw new BillingError(
        'HOST_NOT_ACTIVE',
        `Host ${host} is not an active node in the NodeRegistry (never registered, or unregistered)`,
      )
    }
    if (!take(supports)) {
      throw new BillingError(
        'HOST_DOES_NOT_SUPPORT_MODEL',
        `Host ${host} does not serve model ${modelLabel}`,
      )
    }
    if (!hostPrice.ok) {
      const reverted =
        ContractError.isInstance(hostPrice.error) && hostPrice.error.code === 'CONTRACT_REVERTED'
      if (!reverted) throw hostPrice.error
      throw new BillingError(
        'HOST_PRICE_NOT_SET',
        `Host ${host} has set no price for model ${modelLabel} in ${await tokenName()}`,
        { cause: hostPrice.error },
      )
    }
    const hostMinimum = hostPrice.value
    const pricePerToken = requestedPrice ?? hostMinimum
    if (pricePerToken < hostMinimum) {
      throw new BillingError(
        'PRICE_BELOW_HOST_MINIMUM',
        `The price ${formatPrice(pricePerToken, await unit())} is below the minimum of host ${host} for this model in ${await tokenName()}: ${formatPrice(hostMinimum, await unit())}`,
      )
    }
    const required = (proofInterval * pricePerToken) / PRICE_PRECISION
    if (deposit < required) {
      throw new BillingError(
        'DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL',
        `The deposit of ${formatAmount(deposit, await unit())} does not cover one proof interval: ${groupDigits(proofInterval)} tokens at ${formatPrice(pricePerToken, await unit())} need at least ${formatAmount(required, await unit())}`,
      )
    }
    const held = take(balance)
    if (held < deposit) {
      throw new BillingError(
        'INSUFFICIENT_BALANCE',
        `The wallet ${account.address} holds ${formatAmount(held, await unit())}, less than the deposit of ${formatAmount(deposit, await unit())}${native ? ' (plus gas)' : ''}`,
      )
    }

    let approveTransactionHash: Hex | undefined
    if (!native && take(allowance) < deposit) {
      const receipt = await sendTransaction(publicClient, race, 'approve', async () => {
        const { request } = await simulateContract(publicClient, {
          account,
          address: token,
          abi: erc20Abi,
          functionName: 'approve',
          args: [marketplace, deposit],
        })
        return writeContract(walletClient, request)
      })
      approveTransactionHash = receipt.transactionHash
    }

    const functionName = native ? 'createSessionJobForModel' : 'createSessionJobForModelWithToken'
    const receipt = await sendTransaction(publicClient, race, functionName, async () => {
      if (native) {
        const { request } = await simulateContract(publicClient, {
          account,
          address: marketplace,
          abi: jobMarketplaceAbi,
          functionName: 'createSessionJobForModel',
          args: [host, modelId, pricePerToken, maxDuration, proofInterval, proofTimeoutWindow],
          value: deposit,
        })
        return writeContract(walletClient, request)
      }
      const { request } = await simulateContract(publicClient, {
        account,
        address: marketplace,
        abi: jobMarketplaceAbi,
        functionName: 'createSessionJobForModelWithToken',
        args: [
          host,
          modelId,
          token,
          deposit,
          pricePerToken,
          maxDuration,
          proofInterval,
          proofTimeoutWindow,
        ],
      })
      return writeContract(walletClient, request)
    })

    const created = parseEventLogs({
      abi: jobMarketplaceAbi,
      eventName: 'SessionJobCreatedForModel',
      logs: receipt.logs,
    }).find((log) => log.address.toLowerCase() === marketplace.toLowerCase())
    if (created === undefined) {
      throw new BillingError(
        'UNEXPECTED_RESPONSE',
        `${functionName} succeeded in transaction ${receipt.transactionHash} but logged no SessionJobCreatedForModel event`,
      )
    }
    return {
      jobId: created.args.jobId,
      transactionHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      approveTransactionHash,
      depositor: account.address,
      host,
      modelId,
      token,
      deposit,
      pricePerToken,
      proofInterval,
      maxDuration,
      proofTimeoutWindow,
    }
  })
}

/** Reads a token's unit once, on the first message that needs it. */
function lazyUnit(read: () => Promise<TokenUnit>, race: Race): () => Promise<TokenUnit> {
  let unit: Promise<TokenUnit> | undefined
  return () => {
    unit ??= read()
    return race(unit)
  }
}
