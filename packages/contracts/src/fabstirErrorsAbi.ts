import { hostEarningsAbi } from './generated/hostEarnings.js'
import { jobMarketplaceAbi } from './generated/jobMarketplace.js'
import { modelRegistryAbi } from './generated/modelRegistry.js'
import { nodeRegistryAbi } from './generated/nodeRegistry.js'
import { proofSystemAbi } from './generated/proofSystem.js'
import { testTokenAbi } from './generated/testToken.js'

type ErrorsOf<abi extends readonly unknown[]> = Extract<abi[number], { type: 'error' }>

const all = [
  ...jobMarketplaceAbi,
  ...nodeRegistryAbi,
  ...modelRegistryAbi,
  ...proofSystemAbi,
  ...hostEarningsAbi,
  ...testTokenAbi,
].filter((item): item is Extract<typeof item, { type: 'error' }> => item.type === 'error')

const signature = (item: { name: string; inputs: readonly { type: string }[] }) =>
  `${item.name}(${item.inputs.map((input) => input.type).join(',')})`

/**
 * Every custom error of the Fabstir contracts (and the ERC-20 errors they bubble), each once.
 * Decode a revert from any of them with one ABI: a marketplace call can revert in the registry.
 */
export const fabstirErrorsAbi = all.filter(
  (item, index) => all.findIndex((other) => signature(other) === signature(item)) === index,
) as unknown as readonly (
  | ErrorsOf<typeof jobMarketplaceAbi>
  | ErrorsOf<typeof nodeRegistryAbi>
  | ErrorsOf<typeof modelRegistryAbi>
  | ErrorsOf<typeof proofSystemAbi>
  | ErrorsOf<typeof hostEarningsAbi>
  | ErrorsOf<typeof testTokenAbi>
)[]
