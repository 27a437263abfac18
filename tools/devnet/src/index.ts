export { createDevnetClients, type DevnetClients } from './createDevnetClients.js'
export { defaultAccounts } from './defaultAccounts.js'
export { DevnetError } from './errors.js'
export { startAnvil } from './startAnvil.js'
export {
  type Devnet,
  type DevnetAccount,
  type DevnetModel,
  defaultDevnetModels,
  type StartDevnetOptions,
  startDevnet,
} from './startDevnet.js'
