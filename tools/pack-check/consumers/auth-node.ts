// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node project.
import { FileKeyStore } from '@fabstir/auth/node'

export async function listKeys(path: string, passphrase: string): Promise<string[]> {
  const store = new FileKeyStore({ path, passphrase })
  return store.list()
}
