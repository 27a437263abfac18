/** @internal Schemas of the values that recur across `fabstir/1` messages. */
import * as v from 'valibot'
import type { Hex } from '../messages/common.js'

const maxUint256 = 2n ** 256n - 1n

const nonNegativeInt = v.pipe(v.number(), v.safeInteger(), v.minValue(0))
const positiveInt = v.pipe(v.number(), v.safeInteger(), v.minValue(1))

export const count = nonNegativeInt
export const positiveCount = positiveInt
/** Milliseconds since the epoch. */
export const timestampMs = nonNegativeInt

const decimalPattern = /^(0|[1-9][0-9]{0,77})$/
const isUint256 = (value: string) => decimalPattern.test(value) && BigInt(value) <= maxUint256

/** On-chain job / session id: decimal uint256 without leading zeros, at least 1. */
export const decimalId = v.pipe(
  v.string(),
  v.check((value) => value !== '0' && isUint256(value), 'a decimal uint256 of at least 1'),
)
/** Decimal uint256 amount, zero allowed. */
export const decimalAmount = v.pipe(v.string(), v.check(isUint256, 'a decimal uint256'))

const hexOf = (bytes: number, expects: string) =>
  v.pipe(
    v.string(),
    v.regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), expects),
    v.transform((value) => value as Hex),
  )

export const bytes32Hex = hexOf(32, '0x and 64 hex digits')
export const address = hexOf(20, 'an address: 0x and 40 hex digits')
/** Ed25519 public key, 32 bytes as hex. */
export const ed25519PublicKeyHex = bytes32Hex
/** Payment token: an ERC-20 address, or `0x0` for the chain's native token. */
export const paymentToken = v.union([v.literal('0x0'), address])
/** A wallet signature (EIP-191 or ERC-1271), hex, up to 2 KiB. */
export const walletSignature = v.pipe(
  v.string(),
  v.regex(/^0x(?:[0-9a-fA-F]{2}){1,2048}$/, '0x and an even number of hex digits'),
  v.transform((value) => value as Hex),
)
/** Ed25519 signature: 64 bytes, base64url without padding. */
export const ed25519Signature = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{85}[AQgw]$/, '64 bytes as base64url without padding'),
)

export const chainId = positiveInt
export const requestId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9._:-]{1,128}$/, '1 to 128 of A-Z a-z 0-9 . _ : -'),
)
export const modelName = v.pipe(v.string(), v.minLength(1), v.maxLength(256))
/** A JWT; its contents are checked by `@fabstir/auth`. */
export const token = v.pipe(v.string(), v.minLength(1), v.maxLength(16_384))
export const shortText = v.pipe(v.string(), v.maxLength(4096))

export const role = v.picklist(['system', 'user', 'assistant'])
export const chatMessage = v.looseObject({ role, content: v.string() })
export const conversationContext = v.pipe(v.array(chatMessage), v.maxLength(100_000))

export const permission = v.picklist(['inference', 'resume', 'export', 'admin'])
export const finishReason = v.picklist(['stop', 'length', 'cancelled', 'error'])
export const temperature = v.pipe(v.number(), v.minValue(0), v.maxValue(2))

export const usage = v.looseObject({
  prompt_tokens: nonNegativeInt,
  completion_tokens: nonNegativeInt,
  total_tokens: nonNegativeInt,
})

/** Compression names a peer may offer; unknown names are kept so a newer peer can offer more. */
export const compressionOffer = v.pipe(v.array(v.pipe(v.string(), v.maxLength(32))), v.maxLength(8))
