// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node project.
import { FabstirSDK } from '@fabstir/sdk'
import { FileKeyStore, webSocket } from '@fabstir/sdk/node'

export const sdk = new FabstirSDK({ inference: { webSocket } })
export const keys = new FileKeyStore({ path: 'keys.json', passphrase: 'correct horse' })
