// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import {
  AuthRequestError,
  authenticateSession,
  type ChallengeSigner,
  generateSessionKey,
  MemoryKeyStore,
  refreshToken,
  SessionKey,
  signMessage,
  verifyMessage,
} from '@fabstir/auth'

export async function authenticate(hostUrl: string, account: ChallengeSigner): Promise<boolean> {
  try {
    const { token, sessionKey } = await authenticateSession({
      hostUrl,
      jobId: '42',
      chainId: 84532,
      account,
      timeoutMs: 10_000,
    })
    const fresh: { token: string; expiresAt: number } = await refreshToken({ hostUrl, token })
    const signed = await signMessage(
      { type: 'ping', session_id: '42', message_index: 1, ts: Date.now(), request_id: fresh.token },
      sessionKey,
    )
    return await verifyMessage(signed, sessionKey.publicKey)
  } catch (error) {
    if (AuthRequestError.isInstance(error)) return false
    throw error
  }
}

export async function keepKey(): Promise<SessionKey | undefined> {
  const store = new MemoryKeyStore()
  const key = await generateSessionKey()
  await store.set('session', key.privateKey)
  const bytes = await store.get('session')
  return bytes && SessionKey.fromPrivateKey(bytes)
}
