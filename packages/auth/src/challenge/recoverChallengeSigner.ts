import type { Address, Hex } from '@fabstir/protocol'
import { recoverMessageAddress } from 'viem'
import { AuthError } from '../errors/AuthError.js'

/** Options of {@link recoverChallengeSigner}. */
export type RecoverChallengeSignerOptions = {
  /** The challenge text, exactly as {@link createChallengeMessage} made it. */
  message: string
  /** The wallet's EIP-191 signature: 65 bytes as `0x` hex. */
  signature: Hex
}

/** What {@link recoverChallengeSigner} throws. */
export type RecoverChallengeSignerErrorType = AuthError

/**
 * The address that signed a challenge (EIP-191 `personal_sign`), with viem's
 * `recoverMessageAddress`. The host then checks it is the address that asked for the challenge
 * and the job's depositor on chain; a wrong text or signature recovers another address, so the
 * comparison is what authenticates.
 *
 * @param options - the challenge text and the signature.
 * @returns the signer's checksummed address.
 * @throws {AuthError} `AUTH_FAILED` when the signature is malformed (not 65 bytes of hex, or no
 *   address can be recovered).
 * @example
 * ```ts
 * import { recoverChallengeSigner } from '@fabstir/auth/host'
 *
 * const signer = await recoverChallengeSigner({ message: challenge.message, signature })
 * if (signer.toLowerCase() !== request.address.toLowerCase()) throw new Error('not the depositor')
 * ```
 */
export async function recoverChallengeSigner({
  message,
  signature,
}: RecoverChallengeSignerOptions): Promise<Address> {
  if (typeof message !== 'string' || message.length === 0) {
    throw new AuthError('AUTH_FAILED', 'The challenge message is missing')
  }
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new AuthError('AUTH_FAILED', 'The wallet signature is malformed', {
      details: 'expected 0x and 130 hex digits',
    })
  }
  try {
    return await recoverMessageAddress({ message, signature })
  } catch {
    throw new AuthError('AUTH_FAILED', 'The wallet signature is malformed', {
      details: 'no signer can be recovered',
    })
  }
}
