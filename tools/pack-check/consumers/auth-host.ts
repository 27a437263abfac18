// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node project.
import {
  AuthError,
  getSessionPublicKey,
  issueSessionToken,
  ReplayGuard,
  recoverChallengeSigner,
  requirePermission,
  verifyToken,
} from '@fabstir/auth/host'

type Hex = `0x${string}`

export async function issue(
  hostPrivateKey: Hex,
  hostAddress: Hex,
  message: string,
  signature: Hex,
) {
  const clientAddress = await recoverChallengeSigner({ message, signature })
  const { token, expiresAt } = await issueSessionToken({
    hostPrivateKey,
    hostAddress,
    clientAddress,
    jobId: '42',
    chainId: 84532,
    permissions: ['inference'],
    sessionPublicKey: hostAddress,
  })
  return { token, expiresAt }
}

const guard = new ReplayGuard()

export async function admit(
  token: string,
  hostPublicKey: Hex,
  prompt: { type: 'prompt'; session_id: string; message_index: number; ts: number },
): Promise<Hex | undefined> {
  try {
    const claims = await verifyToken(token, { hostPublicKey, jobId: '42', chainId: 84532 })
    guard.check(prompt)
    requirePermission(claims, prompt.type)
    return getSessionPublicKey(claims)
  } catch (error) {
    if (AuthError.isInstance(error)) return undefined
    throw error
  }
}
