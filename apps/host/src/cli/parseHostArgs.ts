import { parseArgs } from 'node:util'

/** The command line of `fabstir-host`, parsed. */
export type HostArgs = {
  port: number
  host: string
  /** Model name (`repo/file`) to serve. */
  model: string
  insecureNoAuth: boolean
  /** Accept every job without checking the chain (development job verifier). */
  devAcceptAnyJob: boolean
  /** The host's on-chain address; without it a development address. */
  hostAddress: `0x${string}` | undefined
  /** Base URL of an OpenAI-compatible server; without it the embedded model serves. */
  openaiUrl: string | undefined
  /** Pause after each token of the embedded model, in milliseconds. */
  tokenDelayMs: number
  /** JSON-RPC URL of the chain whose jobs the host serves (the key comes from the environment). */
  rpcUrl: string | undefined
  /** A JSON file with the contract addresses (a devnet description or a flat address map). */
  contractsFile: string | undefined
  /** The URL registered on chain; default the URL listened on. */
  apiUrl: string | undefined
  /** Price per 1000 tokens in wei, registered for the model. */
  priceNative: bigint
  /** Price per 1000 tokens in USDC base units, registered for the model when given. */
  priceUsdc: bigint | undefined
  /** Browser origins allowed besides loopback ones (`--allowed-origin`, repeatable). */
  allowedOrigins: string[]
  help: boolean
}

/** How to call `fabstir-host`. */
export const hostUsage = `Usage: fabstir-host --model <name> [--port 8080] [--host 127.0.0.1]
                    [--dev-accept-any-job | --insecure-no-auth] [--host-address <0x…>]
                    [--openai-url <url>] [--token-delay-ms <n>]
                    [--rpc-url <url> [--contracts <file>] [--api-url <url>]
                     [--price-native <n>] [--price-usdc <n>]]
                    [--allowed-origin <origin>]...

  --model <name>       model to serve, as "repo/file"; its id is keccak256 of the name
  --port <n>           TCP port (0 picks a free one)              default 8080
  --host <address>     interface to listen on                     default 127.0.0.1
  --rpc-url <url>      serve real jobs of this chain: register (stake, metadata, prices),
                       check each job before issuing a token, prove work and complete
                       jobs; the operator key is read from FABSTIR_HOST_PRIVATE_KEY
  --contracts <file>   JSON with the contract addresses (the devnet's description, or
                       {jobMarketplace, nodeRegistry, fabToken, …})
                       default: the deployment known for the chain id (Base Sepolia)
  --api-url <url>      URL registered on chain              default: the URL listened on
  --price-native <n>   price per 1000 tokens, in wei                          default 2000
  --price-usdc <n>     price per 1000 tokens, in USDC base units; registered when given
  --dev-accept-any-job issue session tokens for every job without checking the chain
                       (development only)
  --host-address <0x…> the host's on-chain address, issuer of its tokens
                       default: a development address derived from the identity key
  --insecure-no-auth   serve without authentication: no tokens, no signatures (anyone who
                       reaches the port can use the model: keep it on loopback)
  --openai-url <url>   forward generation to an OpenAI-compatible server instead of the
                       embedded model
  --token-delay-ms <n> pause after each token of the embedded model, to stream at the pace
                       of a GPU (demos)                             default 0
  --allowed-origin <origin>
                       a browser origin (e.g. https://app.example) that may use the
                       host besides loopback pages; repeatable; "*" allows every one
                                                                  default none
  --help               print this text
`

/**
 * Parses the arguments of `fabstir-host`.
 *
 * @param argv - the arguments after the script, e.g. `process.argv.slice(2)`.
 * @throws {TypeError} for an unknown option, a missing `--model`, a bad port, URL or address.
 */
export function parseHostArgs(argv: readonly string[]): HostArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      model: { type: 'string' },
      'insecure-no-auth': { type: 'boolean', default: false },
      'dev-accept-any-job': { type: 'boolean', default: false },
      'host-address': { type: 'string' },
      'openai-url': { type: 'string' },
      'token-delay-ms': { type: 'string', default: '0' },
      'rpc-url': { type: 'string' },
      contracts: { type: 'string' },
      'api-url': { type: 'string' },
      'price-native': { type: 'string', default: '2000' },
      'price-usdc': { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  })
  const help = values.help === true
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('--port must be an integer from 0 to 65535')
  }
  const model = values.model ?? ''
  if (model === '' && !help) throw new TypeError('--model is required')
  const openaiUrl = values['openai-url']
  if (openaiUrl !== undefined && !URL.canParse(openaiUrl)) {
    throw new TypeError('--openai-url must be a URL')
  }
  const hostAddress = values['host-address']
  if (hostAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(hostAddress)) {
    throw new TypeError('--host-address must be an address: 0x and 40 hex digits')
  }
  const tokenDelayMs = Number(values['token-delay-ms'])
  if (!Number.isFinite(tokenDelayMs) || tokenDelayMs < 0) {
    throw new TypeError('--token-delay-ms must be a non-negative number')
  }
  const rpcUrl = values['rpc-url']
  for (const [name, url] of [
    ['--rpc-url', rpcUrl],
    ['--api-url', values['api-url']],
  ] as const) {
    if (url !== undefined && !URL.canParse(url)) throw new TypeError(`${name} must be a URL`)
  }
  if (rpcUrl !== undefined && (values['insecure-no-auth'] || values['dev-accept-any-job'])) {
    throw new TypeError(
      '--rpc-url checks jobs on chain: drop --insecure-no-auth and --dev-accept-any-job',
    )
  }
  const allowedOrigins = values['allowed-origin'] ?? []
  for (const origin of allowedOrigins) {
    if (origin === '*') continue
    const url = URL.canParse(origin) ? new URL(origin) : undefined
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new TypeError('--allowed-origin must be "*" or an http(s) origin')
    }
  }
  const priceNative = price('--price-native', values['price-native'] ?? '2000')
  const priceUsdc =
    values['price-usdc'] === undefined ? undefined : price('--price-usdc', values['price-usdc'])
  return {
    port,
    host: values.host ?? '127.0.0.1',
    model,
    insecureNoAuth: values['insecure-no-auth'] === true,
    devAcceptAnyJob: values['dev-accept-any-job'] === true,
    hostAddress: hostAddress as `0x${string}` | undefined,
    openaiUrl,
    tokenDelayMs,
    rpcUrl,
    contractsFile: values.contracts,
    apiUrl: values['api-url'],
    priceNative,
    priceUsdc,
    allowedOrigins,
    help,
  }
}

function price(name: string, text: string): bigint {
  if (!/^[1-9]\d{0,30}$/.test(text)) throw new TypeError(`${name} must be a positive integer`)
  return BigInt(text)
}
