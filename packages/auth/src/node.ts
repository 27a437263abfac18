// Node-only parts of @fabstir/auth (they use `node:fs`): import from `@fabstir/auth/node`.
export {
  FileKeyStore,
  type FileKeyStoreOptions,
  type ScryptParameters,
} from './keystore/FileKeyStore.js'
