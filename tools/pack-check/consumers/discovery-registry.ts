// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import { ContractError, type HostInfo, NodeRegistryClient } from '@fabstir/discovery-registry'

export async function findHosts(rpcUrl: string, model: string): Promise<HostInfo[]> {
  const registry = new NodeRegistryClient({ chainId: 84532, rpcUrl })
  const hosts = await registry.getAllActiveNodes({ model, timeoutMs: 15_000 })
  const priced: HostInfo[] = []
  for (const host of hosts) {
    try {
      await registry.getModelPricing({ host: host.address, model })
      priced.push(host)
    } catch (error) {
      if (ContractError.isInstance(error) && error.errorName === 'ModelPricingNotSet') continue
      throw error
    }
  }
  return priced
}
