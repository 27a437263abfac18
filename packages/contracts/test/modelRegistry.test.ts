import { defaultDevnetModels } from '@fabstir/devnet'
import { keccak256, stringToBytes, zeroHash } from 'viem'
import { describe, expect, test } from 'vitest'
import { getModelId } from '../src/index.js'
import {
  at,
  blockTime,
  confirm,
  expectRevert,
  getEventArgs,
  modelsAbi,
  useTestChain,
} from './chainHelpers.js'

const chain = useTestChain()

const getAllModels = () =>
  chain.publicClient.readContract({
    address: chain.contracts.modelRegistry,
    abi: modelsAbi,
    functionName: 'getAllModels',
  })

describe('ModelRegistry', () => {
  test('getModelId is keccak256("repo/file"), as the package computes it from either spelling', async () => {
    for (const { repo, fileName } of defaultDevnetModels) {
      const expected = keccak256(stringToBytes(`${repo}/${fileName}`))
      const onChain = await chain.publicClient.readContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'getModelId',
        args: [repo, fileName],
      })
      expect(onChain).toBe(expected)
      expect(getModelId(`${repo}/${fileName}`)).toBe(expected)
      expect(getModelId(`${repo}:${fileName}`)).toBe(expected)
    }
    // The devnet's model ids are the same ids.
    expect(chain.models).toEqual(
      defaultDevnetModels.map(({ repo, fileName }) =>
        keccak256(stringToBytes(`${repo}/${fileName}`)),
      ),
    )
  })

  test('getAllModels lists the approved models in order; each is approved and complete', async () => {
    expect(await getAllModels()).toEqual(chain.models)
    for (const [index, { repo, fileName }] of defaultDevnetModels.entries()) {
      const id = at(chain.models, index)
      expect(
        await chain.publicClient.readContract({
          address: chain.contracts.modelRegistry,
          abi: modelsAbi,
          functionName: 'isModelApproved',
          args: [id],
        }),
      ).toBe(true)
      const [repoOut, fileOut, sha256Hash, approvalTier, active, timestamp] =
        await chain.publicClient.readContract({
          address: chain.contracts.modelRegistry,
          abi: modelsAbi,
          functionName: 'getModel',
          args: [id],
        })
      expect([repoOut, fileOut, sha256Hash, approvalTier, active]).toEqual([
        repo,
        fileName,
        zeroHash,
        1n,
        true,
      ])
      expect(timestamp).toBeGreaterThan(0n)
    }
  })

  test('addTrustedModel stores every field, emits ModelAdded and appends to getAllModels', async () => {
    const repo = 'acme/Tiny-GGUF'
    const fileName = 'tiny.q8_0.gguf'
    const sha256Hash = keccak256(stringToBytes('weights'))
    const id = getModelId(`${repo}:${fileName}`)
    const receipt = await confirm(
      chain,
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'addTrustedModel',
        args: [repo, fileName, sha256Hash],
      }),
    )
    expect(getEventArgs(receipt, modelsAbi, 'ModelAdded')).toEqual([
      { modelId: id, huggingfaceRepo: repo, fileName, sha256Hash },
    ])
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'getModel',
        args: [id],
      }),
    ).toEqual([repo, fileName, sha256Hash, 1n, true, await blockTime(chain, receipt)])
    expect(await getAllModels()).toEqual([...chain.models, id])
  })

  test('an unknown model is not approved and reads as empty', async () => {
    const id = getModelId('nobody/nothing.gguf')
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'isModelApproved',
        args: [id],
      }),
    ).toBe(false)
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'getModel',
        args: [id],
      }),
    ).toEqual(['', '', zeroHash, 0n, false, 0n])
  })

  test('only the owner adds models (OwnableUnauthorizedAccount)', async () => {
    const user = at(chain.users, 0)
    await expectRevert(
      user.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'addTrustedModel',
        args: ['acme/x', 'x.gguf', zeroHash],
      }),
      'OwnableUnauthorizedAccount',
      [user.address],
    )
  })

  test('adding a model twice reverts ModelAlreadyExists; empty names revert EmptyModelName', async () => {
    const { repo, fileName } = at(defaultDevnetModels, 0)
    await expectRevert(
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'addTrustedModel',
        args: [repo, fileName, zeroHash],
      }),
      'ModelAlreadyExists',
      [at(chain.models, 0)],
    )
    await expectRevert(
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'addTrustedModel',
        args: ['', fileName, zeroHash],
      }),
      'EmptyModelName',
      [],
    )
  })

  test('deactivateModel withdraws approval but keeps the record; only the owner, only known models', async () => {
    const id = at(chain.models, 1)
    const user = at(chain.users, 0)
    await expectRevert(
      user.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'deactivateModel',
        args: [id],
      }),
      'OwnableUnauthorizedAccount',
      [user.address],
    )
    const unknown = getModelId('nobody/nothing.gguf')
    await expectRevert(
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'deactivateModel',
        args: [unknown],
      }),
      'ModelNotFound',
      [unknown],
    )

    const receipt = await confirm(
      chain,
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'deactivateModel',
        args: [id],
      }),
    )
    expect(getEventArgs(receipt, modelsAbi, 'ModelDeactivated')).toEqual([{ modelId: id }])
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'isModelApproved',
        args: [id],
      }),
    ).toBe(false)
    const [, , , , active] = await chain.publicClient.readContract({
      address: chain.contracts.modelRegistry,
      abi: modelsAbi,
      functionName: 'getModel',
      args: [id],
    })
    expect(active).toBe(false)
    expect(await getAllModels()).toEqual(chain.models)
    // A deactivated model cannot be added again under the same id.
    const { repo, fileName } = at(defaultDevnetModels, 1)
    await expectRevert(
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'addTrustedModel',
        args: [repo, fileName, zeroHash],
      }),
      'ModelAlreadyExists',
      [id],
    )
  })
})
