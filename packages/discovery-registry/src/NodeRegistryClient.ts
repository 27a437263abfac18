import {
  type FabstirContractAddresses,
  fabstirDeployments,
  getModelId,
  modelRegistryAbi,
  NATIVE_TOKEN,
  nodeRegistryAbi,
} from '@fabstir/contracts'
import { type AbortOptions, assertTimeoutMs, deadlineSignal, raceSignal } from '@fabstir/protocol'
import {
  type Address,
  type Chain,
  type Client,
  createPublicClient,
  getAddress,
  type Hex,
  http,
  isAddress,
  type Transport,
  zeroAddress,
} from 'viem'
import { readContract, watchContractEvent } from 'viem/actions'
import { ContractError, toContractError } from './errors/contract.js'
import type { HostInfo } from './HostInfo.js'

import { mapConcurrent } from './internal/mapConcurrent.js'
import type { ModelRecord } from './ModelRecord.js'
import { getCapabilities } from './metadata/getCapabilities.js'
import {
  type ParseNodeMetadataReturnType,
  parseNodeMetadata,
} from './metadata/parseNodeMetadata.js'
import type { NodeChange, NodeChangeType } from './NodeChange.js'

/** Base Sepolia, where the public Fabstir contracts are deployed. */
const defaultChainId = 84532

/** Options every {@link NodeRegistryClient} takes, whichever way it reaches the chain. */
export type NodeRegistryClientBaseOptions = {
  /**
   * The chain, which picks the default contract addresses from `fabstirDeployments`.
   * @default the `publicClient`'s chain id, else 84532 (Base Sepolia)
   */
  chainId?: number
  /** Contract addresses that override (or, on other chains, provide) the deployment's. */
  addresses?: Partial<FabstirContractAddresses>
  /**
   * Deadline of each method call (a listing with all its reads counts as one call), unless the
   * call passes its own `timeoutMs`.
   * @default 30_000
   */
  timeoutMs?: number
  /**
   * How many reads one call runs at once (per-host reads of a listing, cross-checks).
   * @default 8
   */
  concurrency?: number
}

/**
 * Options of a {@link NodeRegistryClient}: a viem client of yours, or an RPC URL from which the
 * registry makes its own (then an abort or timeout also cancels the HTTP request itself).
 */
export type NodeRegistryClientOptions = NodeRegistryClientBaseOptions &
  (
    | {
        /** A viem public client (any client with a transport; its chain, if set, gives `chainId`). */
        publicClient: Client<Transport, Chain | undefined>
        rpcUrl?: undefined
      }
    | {
        /** An http(s) JSON-RPC URL. */
        rpcUrl: string
        publicClient?: undefined
      }
  )

/** A model as methods accept it: `"repo/file"`, `"repo:file"`, or a `0x` 32-byte id. */
export type ModelReference = string

/** Options of {@link NodeRegistryClient.getAllActiveNodes}. */
export type GetAllActiveNodesOptions = AbortOptions & {
  /** Only hosts whose own model list (from `getNodeFullInfo`) contains this model. */
  model?: ModelReference
  /**
   * Answer from the cache that a running {@link NodeRegistryClient.watch} keeps fresh, without
   * reading the chain. Without a running watch, or before the first listing since the watch
   * started (or since an error made the cache stale), the chain is read and the cache filled.
   * @default false
   */
  cache?: boolean
  /**
   * Called for a host whose read reverted or could not be decoded; the host is left out and the
   * listing goes on. Without it such hosts are left out silently. (An unreachable chain, an abort
   * or a timeout fails the whole call instead.)
   */
  onHostError?: (address: Address, error: ContractError) => void
}

/** Options of {@link NodeRegistryClient.getModelPricing}. */
export type GetModelPricingOptions = AbortOptions & {
  host: Address
  model: ModelReference
  /** The payment token; `NATIVE_TOKEN` (the zero address) for the chain's native token. @default NATIVE_TOKEN */
  token?: Address
}

/** Options of {@link NodeRegistryClient.getHostModelPrices}. */
export type GetHostModelPricesOptions = AbortOptions & {
  host: Address
  /** @default NATIVE_TOKEN */
  token?: Address
}

/** One entry of {@link NodeRegistryClient.getHostModelPrices}. */
export type HostModelPrice = {
  modelId: Hex
  /** The host's price per token (× `PRICE_PRECISION`) in the token; `0n` when unset. */
  price: bigint
}

/** What {@link NodeRegistryClient.getNodeMetadata} returns for a registered host. */
export type GetNodeMetadataReturnType = ParseNodeMetadataReturnType & {
  /** The metadata string exactly as stored on chain. */
  rawMetadata: string
}

/** Options of {@link NodeRegistryClient.watch}. */
export type WatchNodesOptions = {
  /** Called for each registry event, in order, with the host as read after the event. */
  onNodeChange: (change: NodeChange) => void
  /**
   * Called when polling the chain or reading a changed host fails (a `ContractError`), or when
   * `onNodeChange` throws. The watch goes on; the cache is marked stale.
   */
  onError: (error: unknown) => void
  /** How often to poll for events. @default the client's `pollingInterval` (viem: 4 s) */
  pollingIntervalMs?: number
  /**
   * The first block to report events from, so none are missed between reading the registry and
   * starting the watch. @default the latest block when the watch starts
   */
  fromBlock?: bigint
}

/** What the methods of {@link NodeRegistryClient} throw. */
export type NodeRegistryClientErrorType = ContractError | TypeError | RangeError

type ReadClient = Client<Transport, Chain | undefined>

const changeTypes: Readonly<Record<string, NodeChangeType>> = {
  NodeRegistered: 'node-registered',
  NodeUnregistered: 'node-unregistered',
  MetadataUpdated: 'metadata-updated',
  ApiUrlUpdated: 'api-url-updated',
  ModelsUpdated: 'models-updated',
  ModelTokenPricingUpdated: 'pricing-updated',
  StakeAdded: 'stake-added',
}

function toAddress(value: unknown, name: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new TypeError(`${name} must be an address: 0x and 40 hex digits`)
  }
  return getAddress(value)
}

function toModelId(model: unknown): Hex {
  if (typeof model !== 'string') {
    throw new TypeError('model must be a string: "repo/file", "repo:file" or a 0x id')
  }
  return getModelId(model)
}

const rethrow =
  (functionName: string) =>
  (error: unknown): never => {
    throw toContractError(error, functionName)
  }

/** The deployed registry reverts with a string where this project's contract has a custom error. */
const pricingNotSetReason = /no (model )?pric|pricing not set/i

/**
 * Reads the Fabstir NodeRegistry and ModelRegistry: active hosts with their metadata parsed
 * defensively, stakes, models and prices; and watches registry events to keep a cache of hosts
 * fresh.
 *
 * Every method takes `{ signal?, timeoutMs? }` last and rejects with `signal.reason` on abort or a
 * `TimeoutError` DOMException when its deadline passes (`isAbortError` from `@fabstir/protocol`
 * is true for both). viem's reads take no signal: a call made through your `publicClient` stops
 * waiting at once while its request runs on; one made through the client built from `rpcUrl` also
 * aborts the HTTP request. Contract failures are {@link ContractError}s.
 *
 * Unknown hosts read as the registry reports them: `getNode` and `getNodeMetadata` give
 * `undefined`, `isNodeActive` `false`, `getNodeStake` `0n`.
 *
 * @example
 * ```ts
 * import { NodeRegistryClient } from '@fabstir/discovery-registry'
 *
 * const registry = new NodeRegistryClient({ chainId: 84532, rpcUrl: 'https://sepolia.base.org' })
 * const hosts = await registry.getAllActiveNodes({ model: 'CohereForAI/TinyVicuna-1B-32k-GGUF/tiny-vicuna-1b.q4_k_m.gguf' })
 * for (const host of hosts) console.log(host.address, host.apiUrl, host.metadataValid)
 * ```
 */
export class NodeRegistryClient {
  /** The chain the addresses belong to. */
  readonly chainId: number
  /** The registry contracts this client reads. */
  readonly addresses: Readonly<{ nodeRegistry: Address; modelRegistry: Address }>

  readonly #client: ReadClient
  readonly #rpcUrl: string | undefined
  readonly #timeoutMs: number
  readonly #concurrency: number

  /** Hosts by lowercase address, filled by listings and kept fresh by watches. */
  #cache = new Map<string, HostInfo>()
  /** Bumped whenever the cache may have missed something; the cache is fresh for one epoch. */
  #epoch = 0
  #cacheEpoch: number | undefined
  #watchers = 0
  /** Numbers every event; per host, the last event's number and the last one written. */
  #eventSeq = 0
  readonly #touched = new Map<string, number>()
  readonly #written = new Map<string, number>()

  /**
   * @param options - `publicClient` or `rpcUrl`, and optionally `chainId`, `addresses`,
   *   `timeoutMs` and `concurrency`.
   * @throws {TypeError} when neither or both of `publicClient` and `rpcUrl` are given, the URL is
   *   not http(s), `chainId` disagrees with the client's chain, or an address is malformed or
   *   missing (no deployment for the chain and none given).
   * @throws {RangeError} for a `timeoutMs` or `concurrency` out of range.
   */
  constructor(options: NodeRegistryClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('NodeRegistryClient needs options: { publicClient } or { rpcUrl }')
    }
    const {
      publicClient,
      rpcUrl,
      chainId,
      addresses = {},
      timeoutMs = 30_000,
      concurrency = 8,
    } = options
    if (publicClient !== undefined && rpcUrl !== undefined) {
      throw new TypeError('Pass either publicClient or rpcUrl, not both')
    }
    if (publicClient === undefined && rpcUrl === undefined) {
      throw new TypeError('Pass publicClient (a viem client) or rpcUrl (an http(s) URL)')
    }
    if (rpcUrl !== undefined) assertRpcUrl(rpcUrl)
    if (chainId !== undefined && (!Number.isSafeInteger(chainId) || chainId < 1)) {
      throw new TypeError('chainId must be a positive integer')
    }
    const clientChainId = publicClient?.chain?.id
    if (chainId !== undefined && clientChainId !== undefined && chainId !== clientChainId) {
      throw new TypeError(`chainId ${chainId} is not the publicClient's chain (${clientChainId})`)
    }
    assertTimeoutMs(timeoutMs)
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new RangeError('concurrency must be a whole number from 1 to 256')
    }
    this.chainId = chainId ?? clientChainId ?? defaultChainId
    const deployment: Partial<FabstirContractAddresses> = fabstirDeployments[this.chainId] ?? {}
    const pick = (name: 'nodeRegistry' | 'modelRegistry'): Address => {
      const address = addresses[name] ?? deployment[name]
      if (address === undefined) {
        throw new TypeError(
          `No ${name} address for chain ${this.chainId}: pass addresses.${name} (known chains: ${Object.keys(fabstirDeployments).join(', ')})`,
        )
      }
      return toAddress(address, `addresses.${name}`)
    }
    this.addresses = Object.freeze({
      nodeRegistry: pick('nodeRegistry'),
      modelRegistry: pick('modelRegistry'),
    })
    this.#rpcUrl = rpcUrl
    // No block-number cache: a watch that polls with `getLogs` must see each new block at once.
    this.#client = publicClient ?? createPublicClient({ transport: http(rpcUrl), cacheTime: 0 })
    this.#timeoutMs = timeoutMs
    this.#concurrency = concurrency
  }

  /**
   * Every active host with its details, read with `getNodeFullInfo` per host (at most
   * `concurrency` at once), in the registry's order, duplicates removed. Hosts the registry lists
   * but reports inactive or unregistered are left out.
   *
   * @param options - `model` filter, `cache`, `onHostError`, `signal`, `timeoutMs`.
   * @returns the hosts; invalid metadata gives `metadataValid: false` and never fails the call.
   * @throws {ContractError} `CHAIN_UNAVAILABLE`, `CHAIN_ERROR` or `CONTRACT_REVERTED` for the
   *   listing itself (per-host failures go to `onHostError`).
   * @throws {TypeError} for a malformed `model`.
   * @example
   * ```ts
   * const hosts = await registry.getAllActiveNodes({ model: 'repo/model.gguf', timeoutMs: 10_000 })
   * const good = hosts.filter((host) => host.metadataValid && host.capabilities.includes('streaming'))
   * ```
   */
  async getAllActiveNodes(options: GetAllActiveNodesOptions = {}): Promise<HostInfo[]> {
    const { model, cache = false, onHostError } = options
    const modelId = model === undefined ? undefined : toModelId(model)
    const matches = (host: HostInfo) =>
      host.active && (modelId === undefined || host.models.includes(modelId))
    if (cache && this.#watchers > 0 && this.#cacheEpoch === this.#epoch) {
      options.signal?.throwIfAborted()
      return [...this.#cache.values()].filter(matches)
    }
    return this.#call(options, async (client, signal) => {
      const epoch = this.#epoch
      const seq = this.#eventSeq
      const listed = await readContract(client, {
        address: this.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'getAllActiveNodes',
      }).catch(rethrow('getAllActiveNodes'))
      const addresses = unique(listed)
      const hosts = await mapConcurrent(
        addresses,
        this.#concurrency,
        async (address) => {
          try {
            return await this.#readNode(client, address)
          } catch (error) {
            if (signal.aborted || !ContractError.isInstance(error)) throw error
            if (error.code !== 'CONTRACT_REVERTED' && error.code !== 'CHAIN_ERROR') throw error
            onHostError?.(address, error)
            return undefined
          }
        },
        signal,
      )
      const active = hosts.filter((host): host is HostInfo => host?.active === true)
      signal.throwIfAborted()
      this.#install(active, seq, epoch)
      return active.filter(matches)
    })
  }

  /**
   * One host's details from `getNodeFullInfo`.
   *
   * @param address - the host's operator address.
   * @param options - `signal`, `timeoutMs`.
   * @returns the host, or `undefined` when it is not registered.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed address.
   * @example
   * ```ts
   * const host = await registry.getNode('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
   * if (host?.metadataValid) console.log(host.metadata.ed25519PublicKey)
   * ```
   */
  async getNode(address: Address, options: AbortOptions = {}): Promise<HostInfo | undefined> {
    const host = toAddress(address, 'address')
    return this.#call(options, (client) => this.#readNode(client, host))
  }

  /**
   * A host's metadata, parsed with {@link parseNodeMetadata}.
   *
   * @param address - the host's operator address.
   * @param options - `signal`, `timeoutMs`.
   * @returns the parse result with `rawMetadata`, or `undefined` when the host is not registered.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed address.
   * @example
   * ```ts
   * const metadata = await registry.getNodeMetadata(host)
   * if (metadata && !metadata.metadataValid) console.warn(metadata.reason)
   * ```
   */
  async getNodeMetadata(
    address: Address,
    options: AbortOptions = {},
  ): Promise<GetNodeMetadataReturnType | undefined> {
    const node = await this.getNode(address, options)
    if (node === undefined) return undefined
    return node.metadataValid
      ? { metadataValid: true, metadata: node.metadata, rawMetadata: node.rawMetadata }
      : {
          metadataValid: false,
          reason: node.reason,
          ...(node.metadata === undefined ? {} : { metadata: node.metadata }),
          rawMetadata: node.rawMetadata,
        }
  }

  /**
   * Whether the registry counts a host as active (`isActiveNode`).
   *
   * @param address - the host's operator address.
   * @param options - `signal`, `timeoutMs`.
   * @returns `false` for unknown hosts.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed address.
   * @example
   * ```ts
   * if (!(await registry.isNodeActive(host))) pickAnother()
   * ```
   */
  async isNodeActive(address: Address, options: AbortOptions = {}): Promise<boolean> {
    const host = toAddress(address, 'address')
    return this.#call(options, (client) =>
      readContract(client, {
        address: this.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'isActiveNode',
        args: [host],
      }).catch(rethrow('isActiveNode')),
    )
  }

  /**
   * The FAB a host has staked, in base units (18 decimals).
   *
   * @param address - the host's operator address.
   * @param options - `signal`, `timeoutMs`.
   * @returns the stake; `0n` for unknown hosts.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed address.
   * @example
   * ```ts
   * import { MIN_STAKE } from '@fabstir/contracts'
   * const staked = (await registry.getNodeStake(host)) >= MIN_STAKE
   * ```
   */
  async getNodeStake(address: Address, options: AbortOptions = {}): Promise<bigint> {
    const host = toAddress(address, 'address')
    return this.#call(options, async (client) => {
      const [, stake] = await this.#readFullInfo(client, host)
      return stake
    })
  }

  /**
   * The hosts serving a model. The registry's `getNodesForModel` list is not trusted (the deployed
   * registry's duplicate-id flaw can list a host twice, or list one that no longer serves the
   * model): duplicates and the zero address are removed, and every address is cross-checked with
   * `nodeSupportsModel` (at most `concurrency` at once).
   *
   * @param model - `"repo/file"`, `"repo:file"` or a `0x` id.
   * @param options - `signal`, `timeoutMs`.
   * @returns checksummed addresses, in the registry's order.
   * @throws {ContractError} when a read fails. @throws {TypeError} for a malformed model.
   * @example
   * ```ts
   * const addresses = await registry.getNodesForModel('CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf')
   * ```
   */
  async getNodesForModel(model: ModelReference, options: AbortOptions = {}): Promise<Address[]> {
    const modelId = toModelId(model)
    return this.#call(options, async (client, signal) => {
      const listed = await readContract(client, {
        address: this.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'getNodesForModel',
        args: [modelId],
      }).catch(rethrow('getNodesForModel'))
      const candidates = unique(listed)
      const supported = await mapConcurrent(
        candidates,
        this.#concurrency,
        (host) =>
          readContract(client, {
            address: this.addresses.nodeRegistry,
            abi: nodeRegistryAbi,
            functionName: 'nodeSupportsModel',
            args: [host, modelId],
          }).catch(rethrow('nodeSupportsModel')),
        signal,
      )
      return candidates.filter((_, index) => supported[index] === true)
    })
  }

  /**
   * A host's price for a model in a token (`getModelPricing`). It throws when the host set none
   * (rather than returning `undefined`), as the contract does, so a missing price is never
   * mistaken for a free one: the error is a {@link ContractError} `CONTRACT_REVERTED` with
   * `errorName: 'ModelPricingNotSet'` on this project's contract and on the deployed one (whose
   * revert string, e.g. "No model pricing", stays in `reason`). Use `getHostModelPrices` to read
   * all prices, unset ones as `0n`, without errors.
   *
   * @param options - `host`, `model`, `token` (default native), `signal`, `timeoutMs`.
   * @returns the price per token × `PRICE_PRECISION`, in the token's base units.
   * @throws {ContractError} `CONTRACT_REVERTED` with `errorName: 'ModelPricingNotSet'` when unset;
   *   other codes when the read fails. @throws {TypeError} for a malformed address or model.
   * @example
   * ```ts
   * import { ContractError } from '@fabstir/discovery-registry'
   *
   * try {
   *   const price = await registry.getModelPricing({ host, model: 'repo/model.gguf' })
   * } catch (error) {
   *   if (ContractError.isInstance(error) && error.errorName === 'ModelPricingNotSet') skipHost()
   *   else throw error
   * }
   * ```
   */
  async getModelPricing(options: GetModelPricingOptions): Promise<bigint> {
    const host = toAddress(options.host, 'host')
    const modelId = toModelId(options.model)
    const token = toAddress(options.token ?? NATIVE_TOKEN, 'token')
    return this.#call(options, (client) =>
      readContract(client, {
        address: this.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'getModelPricing',
        args: [host, modelId, token],
      }).catch((cause: unknown) => {
        const error = toContractError(cause, 'getModelPricing')
        if (
          ContractError.isInstance(error) &&
          error.code === 'CONTRACT_REVERTED' &&
          error.errorName !== 'ModelPricingNotSet' &&
          error.reason !== undefined &&
          pricingNotSetReason.test(error.reason)
        ) {
          throw new ContractError(
            'CONTRACT_REVERTED',
            'getModelPricing reverted: ModelPricingNotSet',
            {
              cause,
              functionName: 'getModelPricing',
              errorName: 'ModelPricingNotSet',
              args: [host, modelId, token],
              reason: error.reason,
              details: error.reason,
            },
          )
        }
        throw error
      }),
    )
  }

  /**
   * Every model a host serves with its price in one token (`getHostModelPrices`).
   *
   * @param options - `host`, `token` (default native), `signal`, `timeoutMs`.
   * @returns `{ modelId, price }` per model, `0n` where the host set no price.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed address.
   * @example
   * ```ts
   * const prices = await registry.getHostModelPrices({ host, token: usdcAddress })
   * ```
   */
  async getHostModelPrices(options: GetHostModelPricesOptions): Promise<HostModelPrice[]> {
    const host = toAddress(options.host, 'host')
    const token = toAddress(options.token ?? NATIVE_TOKEN, 'token')
    return this.#call(options, async (client) => {
      const [modelIds, prices] = await readContract(client, {
        address: this.addresses.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'getHostModelPrices',
        args: [host, token],
      }).catch(rethrow('getHostModelPrices'))
      return modelIds.map((modelId, index) => ({ modelId, price: prices[index] ?? 0n }))
    })
  }

  /**
   * Whether the ModelRegistry approves a model now (`isModelApproved`).
   *
   * @param model - `"repo/file"`, `"repo:file"` or a `0x` id.
   * @param options - `signal`, `timeoutMs`.
   * @returns `false` for unknown or deactivated models.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed model.
   * @example
   * ```ts
   * await registry.isModelApproved('TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF:tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf')
   * ```
   */
  async isModelApproved(model: ModelReference, options: AbortOptions = {}): Promise<boolean> {
    const modelId = toModelId(model)
    return this.#call(options, (client) =>
      readContract(client, {
        address: this.addresses.modelRegistry,
        abi: modelRegistryAbi,
        functionName: 'isModelApproved',
        args: [modelId],
      }).catch(rethrow('isModelApproved')),
    )
  }

  /**
   * A model of the ModelRegistry (`getModel`), decoded by field name.
   *
   * @param model - `"repo/file"`, `"repo:file"` or a `0x` id.
   * @param options - `signal`, `timeoutMs`.
   * @returns the model, or `undefined` when the registry does not know it.
   * @throws {ContractError} when the read fails. @throws {TypeError} for a malformed model.
   * @example
   * ```ts
   * const model = await registry.getModel('repo/model.gguf')
   * if (model?.active) console.log(model.sha256Hash)
   * ```
   */
  async getModel(
    model: ModelReference,
    options: AbortOptions = {},
  ): Promise<ModelRecord | undefined> {
    const id = toModelId(model)
    return this.#call(options, async (client) => {
      const [huggingfaceRepo, fileName, sha256Hash, approvalTier, active, timestamp] =
        await readContract(client, {
          address: this.addresses.modelRegistry,
          abi: modelRegistryAbi,
          functionName: 'getModel',
          args: [id],
        }).catch(rethrow('getModel'))
      if (timestamp === 0n && huggingfaceRepo === '' && fileName === '') return undefined
      return {
        id,
        name: `${huggingfaceRepo}/${fileName}`,
        huggingfaceRepo,
        fileName,
        sha256Hash,
        approvalTier,
        active,
        timestamp,
      }
    })
  }

  /**
   * Watches NodeRegistry events (`NodeRegistered`, `NodeUnregistered`, `MetadataUpdated`,
   * `ApiUrlUpdated`, `ModelsUpdated`, `ModelTokenPricingUpdated`, `StakeAdded`) with viem's
   * `watchContractEvent`. For each batch of events it re-reads every host concerned (so a change
   * always reports the registry's current state, never a replay of the event's fields), updates
   * the cache, and calls `onNodeChange` once per event, in order. Batches are handled one at a
   * time.
   *
   * While at least one watch runs, `getAllActiveNodes({ cache: true })` answers from the cache
   * after its first listing. Start the watch before that listing (or pass `fromBlock`) so no
   * event falls between them. A polling error or a failed re-read marks the cache stale, so the
   * next cached listing reads the chain again.
   *
   * @param options - `onNodeChange`, `onError`, `pollingIntervalMs`, `fromBlock`.
   * @returns a function that stops the watch (and cancels its reads in flight).
   * @throws {TypeError} when a callback is missing. @throws {RangeError} for a bad interval.
   * @example
   * ```ts
   * const unwatch = registry.watch({
   *   onNodeChange: (change) => console.log(change.type, change.address),
   *   onError: (error) => console.warn(error),
   * })
   * const hosts = await registry.getAllActiveNodes({ cache: true }) // reads the chain once
   * // … later listings with cache: true are answered from memory
   * unwatch()
   * ```
   */
  watch(options: WatchNodesOptions): () => void {
    const { onNodeChange, onError, pollingIntervalMs, fromBlock } = options
    if (typeof onNodeChange !== 'function' || typeof onError !== 'function') {
      throw new TypeError('watch needs onNodeChange and onError callbacks')
    }
    if (pollingIntervalMs !== undefined) assertTimeoutMs(pollingIntervalMs, 'pollingIntervalMs')
    if (fromBlock !== undefined && (typeof fromBlock !== 'bigint' || fromBlock < 0n)) {
      throw new TypeError('fromBlock must be a non-negative bigint')
    }
    const controller = new AbortController()
    let queue = Promise.resolve()
    const report = (error: unknown) => {
      try {
        onError(error)
      } catch (thrown) {
        // The caller's error handler failed: surface it like a throwing event listener would.
        queueMicrotask(() => {
          throw thrown
        })
      }
    }

    this.#watchers += 1
    if (this.#watchers === 1) this.#epoch += 1

    const stopWatching = watchContractEvent(this.#client, {
      address: this.addresses.nodeRegistry,
      abi: nodeRegistryAbi,
      strict: true,
      ...(fromBlock === undefined ? {} : { fromBlock }),
      ...(pollingIntervalMs === undefined ? {} : { pollingInterval: pollingIntervalMs }),
      onLogs: (logs) => {
        const changes = logs.flatMap((log) => {
          const type = changeTypes[log.eventName]
          const operator = (log.args as { operator?: Address }).operator
          if (type === undefined || operator === undefined) return []
          return [{ type, address: getAddress(operator), log }]
        })
        if (changes.length === 0) return
        queue = queue.then(async () => {
          if (controller.signal.aborted) return
          const refreshed = await this.#refresh(
            changes.map((change) => change.address),
            controller.signal,
            report,
          )
          for (const { type, address, log } of changes) {
            if (controller.signal.aborted) return
            const key = address.toLowerCase()
            if (!refreshed.has(key)) continue
            try {
              onNodeChange({
                type,
                address,
                node: refreshed.get(key),
                blockNumber: log.blockNumber,
                transactionHash: log.transactionHash,
              })
            } catch (error) {
              report(error)
            }
          }
        })
      },
      onError: (error) => {
        if (controller.signal.aborted) return
        this.#epoch += 1
        report(toContractError(error, 'watchContractEvent'))
      },
    })

    let stopped = false
    return () => {
      if (stopped) return
      stopped = true
      controller.abort()
      stopWatching()
      this.#watchers -= 1
      if (this.#watchers === 0) this.#epoch += 1
    }
  }

  /**
   * Re-reads the hosts that events concern and writes them to the cache.
   *
   * @returns the hosts read (`undefined` for unregistered ones), by lowercase address; hosts whose
   *   read failed are missing (the failure went to `report`).
   */
  async #refresh(
    addresses: readonly Address[],
    signal: AbortSignal,
    report: (error: unknown) => void,
  ): Promise<Map<string, HostInfo | undefined>> {
    const hosts = unique(addresses)
    const seqs = hosts.map((host) => {
      this.#eventSeq += 1
      this.#touched.set(host.toLowerCase(), this.#eventSeq)
      return this.#eventSeq
    })
    const refreshed = new Map<string, HostInfo | undefined>()
    await mapConcurrent(hosts, this.#concurrency, async (host, index) => {
      const key = host.toLowerCase()
      try {
        const node = await this.#call({ signal }, (client) => this.#readNode(client, host))
        const seq = seqs[index] ?? 0
        if (seq >= (this.#written.get(key) ?? 0)) {
          this.#written.set(key, seq)
          if (node?.active) this.#cache.set(key, node)
          else this.#cache.delete(key)
        }
        refreshed.set(key, node)
      } catch (error) {
        if (signal.aborted) return
        this.#epoch += 1
        report(error)
      }
    })
    return refreshed
  }

  /**
   * Installs a full listing as the cache. Hosts that events touched while it was read keep their
   * entry from the event's re-read (or its absence), which is newer.
   */
  #install(hosts: readonly HostInfo[], seq: number, epoch: number): void {
    const next = new Map<string, HostInfo>()
    for (const host of hosts) next.set(host.address.toLowerCase(), host)
    for (const [key, touchedAt] of this.#touched) {
      if (touchedAt <= seq) continue
      const current = this.#cache.get(key)
      if (current === undefined) next.delete(key)
      else next.set(key, current)
    }
    this.#cache = next
    if (epoch === this.#epoch && this.#watchers > 0) this.#cacheEpoch = epoch
  }

  async #readFullInfo(client: ReadClient, address: Address) {
    return readContract(client, {
      address: this.addresses.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'getNodeFullInfo',
      args: [address],
    }).catch(rethrow('getNodeFullInfo'))
  }

  async #readNode(client: ReadClient, address: Address): Promise<HostInfo | undefined> {
    const [operator, stake, active, rawMetadata, apiUrl, models, minNative, minStable] =
      await this.#readFullInfo(client, address)
    if (operator === zeroAddress) return undefined
    const parsed = parseNodeMetadata(rawMetadata)
    return {
      address: getAddress(operator),
      apiUrl,
      stake,
      active,
      models: [...models],
      minPricePerTokenNative: minNative,
      minPricePerTokenStable: minStable,
      capabilities: getCapabilities(parsed.metadata),
      rawMetadata,
      ...parsed,
    }
  }

  /**
   * Runs one method call under its deadline (the caller's `signal` and `timeoutMs`, or the
   * client's default), with a client whose requests that deadline aborts when this class made it.
   */
  async #call<result>(
    options: AbortOptions,
    run: (client: ReadClient, signal: AbortSignal) => Promise<result>,
  ): Promise<result> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs
    assertTimeoutMs(timeoutMs)
    const deadline = deadlineSignal(options.signal, timeoutMs)
    try {
      deadline.signal.throwIfAborted()
      const client =
        this.#rpcUrl === undefined
          ? this.#client
          : createPublicClient({
              transport: http(this.#rpcUrl, { fetchOptions: { signal: deadline.signal } }),
            })
      return await raceSignal(run(client, deadline.signal), deadline.signal)
    } finally {
      deadline.dispose()
    }
  }
}

function assertRpcUrl(rpcUrl: unknown): asserts rpcUrl is string {
  let url: URL
  try {
    url = new URL(rpcUrl as string)
  } catch {
    throw new TypeError('rpcUrl must be an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('rpcUrl must be an http(s) URL (pass a publicClient for other transports)')
  }
}

/** The addresses without duplicates (case-insensitively) or the zero address, in order. */
function unique(addresses: readonly Address[]): Address[] {
  const seen = new Set<string>()
  const result: Address[] = []
  for (const address of addresses) {
    const key = address.toLowerCase()
    if (key === zeroAddress || seen.has(key)) continue
    seen.add(key)
    result.push(getAddress(address))
  }
  return result
}
