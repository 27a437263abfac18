import { NATIVE_TOKEN, nodeRegistryAbi } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, startDevnet } from '@fabstir/devnet'
import { FabstirError } from '@fabstir/protocol'
import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  encodeErrorResult,
  type Hex,
  http,
  parseAbi,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closedPortUrl } from '../../test/utils.js'
import { ContractError, toContractError } from './contract.js'

let devnet: Devnet

beforeAll(async () => {
  devnet = await startDevnet()
})

afterAll(async () => {
  await devnet?.stop()
})

const someHost = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const someModel: Hex = `0x${'11'.repeat(32)}`

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('toContractError on the devnet', () => {
  test('a custom-error revert, decoded with the ABI of the call', async () => {
    const { publicClient } = createDevnetClients(
      devnet,
      devnet.accounts.users[0] ?? devnet.accounts.deployer,
    )
    const error = toContractError(
      await caught(
        readContract(publicClient, {
          address: devnet.contracts.nodeRegistry,
          abi: nodeRegistryAbi,
          functionName: 'getModelPricing',
          args: [someHost, someModel, NATIVE_TOKEN],
        }),
      ),
      'getModelPricing',
    )
    expect(ContractError.isInstance(error)).toBe(true)
    expect(FabstirError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'ContractError',
      code: 'CONTRACT_REVERTED',
      functionName: 'getModelPricing',
      errorName: 'ModelPricingNotSet',
      args: [someHost, someModel, NATIVE_TOKEN],
      isRetryable: false,
      shortMessage: `getModelPricing reverted: ModelPricingNotSet(${someHost}, ${someModel}, ${NATIVE_TOKEN})`,
    })
    expect((error as ContractError).cause).toBeInstanceOf(BaseError)
  })

  test("a custom error the caller's ABI does not know, decoded through every Fabstir error", async () => {
    const { publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
    const bareAbi = parseAbi([
      'function getModelPricing(address, bytes32, address) view returns (uint256)',
    ])
    const error = toContractError(
      await caught(
        readContract(publicClient, {
          address: devnet.contracts.nodeRegistry,
          abi: bareAbi,
          functionName: 'getModelPricing',
          args: [someHost, someModel, NATIVE_TOKEN],
        }),
      ),
    )
    expect(error).toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'ModelPricingNotSet',
      args: [someHost, someModel, NATIVE_TOKEN],
      functionName: undefined,
    })
    expect((error as ContractError).shortMessage).toMatch(/^The contract call reverted: /)
  })

  test('a transaction from an account without ether: INSUFFICIENT_FUNDS', async () => {
    const walletClient = createWalletClient({
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
      account: privateKeyToAccount(generatePrivateKey()),
    })
    const error = toContractError(
      await caught(
        walletClient.writeContract({
          address: devnet.contracts.nodeRegistry,
          abi: nodeRegistryAbi,
          functionName: 'updateApiUrl',
          args: ['http://127.0.0.1:1'],
          gas: 100_000n,
          maxFeePerGas: 10n ** 12n,
          maxPriorityFeePerGas: 1n,
        }),
      ),
      'updateApiUrl',
    )
    expect(error).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      functionName: 'updateApiUrl',
      isRetryable: false,
      shortMessage: 'updateApiUrl: the account cannot pay for it',
    })
  })

  test('an unreachable RPC (a closed loopback port): CHAIN_UNAVAILABLE, retryable', async () => {
    const publicClient = createPublicClient({
      transport: http(await closedPortUrl(), { retryCount: 0 }),
    })
    const error = toContractError(
      await caught(
        readContract(publicClient, {
          address: devnet.contracts.nodeRegistry,
          abi: nodeRegistryAbi,
          functionName: 'getAllActiveNodes',
        }),
      ),
      'getAllActiveNodes',
    )
    expect(error).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
      isRetryable: true,
      retryAfterMs: undefined,
      shortMessage: 'getAllActiveNodes: the chain could not be reached',
    })
  })

  test('a contract without code: CHAIN_ERROR', async () => {
    const { publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
    const error = toContractError(
      await caught(
        readContract(publicClient, {
          address: '0x000000000000000000000000000000000000dEaD',
          abi: nodeRegistryAbi,
          functionName: 'getAllActiveNodes',
        }),
      ),
      'getAllActiveNodes',
    )
    expect(error).toMatchObject({ code: 'CHAIN_ERROR', isRetryable: false })
    expect((error as ContractError).shortMessage).toBe('getAllActiveNodes failed')
  })
})

describe('toContractError without a chain', () => {
  const errorString = encodeErrorResult({
    abi: parseAbi(['error Error(string)']),
    errorName: 'Error',
    args: ['RejectingDepositor: refusing payment'],
  })

  test('a revert string (require) is kept in reason', () => {
    const reverted = new ContractFunctionRevertedError({
      abi: nodeRegistryAbi,
      data: errorString,
      functionName: 'registerNode',
    })
    const wrapped = new ContractFunctionExecutionError(reverted, {
      abi: nodeRegistryAbi,
      functionName: 'registerNode',
      args: ['{}', 'http://127.0.0.1:1', [], 1n, 1n],
      contractAddress: devnet.contracts.nodeRegistry,
    })
    const error = toContractError(wrapped, 'registerNode')
    expect(error).toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'Error',
      reason: 'RejectingDepositor: refusing payment',
      details: 'RejectingDepositor: refusing payment',
      shortMessage: 'registerNode reverted: Error(RejectingDepositor: refusing payment)',
    })
  })

  test('revert data no ABI knows', () => {
    const reverted = new ContractFunctionRevertedError({
      abi: [],
      data: '0xdeadbeef00000000000000000000000000000000000000000000000000000001',
      functionName: 'x',
    })
    const error = toContractError(reverted, 'x')
    expect(error).toMatchObject({ code: 'CONTRACT_REVERTED', errorName: undefined })
    expect((error as ContractError).shortMessage).toBe('x reverted: no reason given')
  })

  test('a revert without data', () => {
    const reverted = new ContractFunctionRevertedError({ abi: [], functionName: 'x' })
    expect(toContractError(reverted)).toMatchObject({
      code: 'CONTRACT_REVERTED',
      shortMessage: 'The contract call reverted: no reason given',
    })
  })

  test('aborts and Fabstir errors pass through unchanged', () => {
    const abort = new DOMException('stopped', 'AbortError')
    const timeout = new DOMException('Timed out after 5 ms', 'TimeoutError')
    const fabstir = new ContractError('CHAIN_ERROR', 'already mapped')
    expect(toContractError(abort, 'x')).toBe(abort)
    expect(toContractError(timeout, 'x')).toBe(timeout)
    expect(toContractError(fabstir, 'x')).toBe(fabstir)
  })

  test('anything else is CHAIN_ERROR with the cause kept', () => {
    const cause = new Error('socket hang up')
    const error = toContractError(cause, 'getModel')
    expect(error).toMatchObject({ code: 'CHAIN_ERROR', cause, details: 'socket hang up' })
    expect(toContractError('a string')).toMatchObject({ code: 'CHAIN_ERROR' })
  })

  test('isInstance recognises copies by name and marker only', () => {
    expect(ContractError.isInstance(new ContractError('CHAIN_ERROR', 'x'))).toBe(true)
    expect(ContractError.isInstance(new FabstirError('CHAIN_ERROR', 'x'))).toBe(false)
    expect(ContractError.isInstance(new Error('x'))).toBe(false)
    expect(ContractError.isInstance(null)).toBe(false)
  })
})
