/** What `typeof` and the source text tell apart: a `class` is a function declared with `class`. */
export type ExportKind = 'class' | 'function' | 'array' | 'object' | 'string' | 'number'

/**
 * A few main exports of each entry point and their kind, checked after `import()` and `require()`.
 * An entry point missing here is only required to load and export something; an entry point
 * listed here but no longer exported is a failure (removing it would break users).
 */
export const expectedExports: Readonly<Record<string, Readonly<Record<string, ExportKind>>>> = {
  '@fabstir/protocol': {
    FabstirError: 'class',
    ProtocolError: 'class',
    decodeClientMessage: 'function',
    decodeHostMessage: 'function',
    encodeMessage: 'function',
    canonicalJson: 'function',
  },
  '@fabstir/auth': {
    authenticateSession: 'function',
    refreshToken: 'function',
    generateSessionKey: 'function',
    signMessage: 'function',
    verifyMessage: 'function',
    SessionKey: 'class',
    MemoryKeyStore: 'class',
    AuthRequestError: 'class',
  },
  '@fabstir/auth/host': {
    issueSessionToken: 'function',
    verifyToken: 'function',
    recoverChallengeSigner: 'function',
    ReplayGuard: 'class',
    AuthError: 'class',
  },
  '@fabstir/auth/node': { FileKeyStore: 'class' },
  '@fabstir/inference': {
    InferenceManager: 'class',
    LLMNodeClient: 'class',
    PromptStream: 'class',
    SessionError: 'class',
  },
  '@fabstir/inference/node': { webSocket: 'class' },
  '@fabstir/billing': {
    SessionJobManager: 'class',
    BillingError: 'class',
    estimateSessionCost: 'function',
    maxTokensForDeposit: 'function',
  },
  '@fabstir/contracts': {
    getModelId: 'function',
    deployFabstirContracts: 'function',
    nodeRegistryAbi: 'array',
    baseSepoliaAddresses: 'object',
  },
  '@fabstir/discovery-registry': {
    NodeRegistryClient: 'class',
    ContractError: 'class',
    getCapabilities: 'function',
  },
  '@fabstir/sdk': {
    FabstirSDK: 'class',
    InferenceManager: 'class',
    authenticateSession: 'function',
    SessionJobManager: 'class',
  },
  '@fabstir/sdk/node': { webSocket: 'class', FileKeyStore: 'class' },
}
