import { ProtocolError } from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'

/**
 * @internal Refuses a chain the host does not serve (when it was started for one).
 *
 * @throws {ProtocolError} `BAD_MESSAGE`.
 */
export function checkChain(context: HostContext, chainId: number): void {
  if (context.chainIds.length > 0 && !context.chainIds.includes(chainId)) {
    throw new ProtocolError('BAD_MESSAGE', 'This host does not serve that chain', {
      details: `chain_id ${chainId}`,
    })
  }
}
