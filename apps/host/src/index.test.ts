import { expect, test } from 'vitest'
import * as host from './index.js'

test('the public surface', () => {
  expect(Object.keys(host).sort()).toMatchInlineSnapshot(`
    [
      "BackendError",
      "createChainJobVerifier",
      "createDevelopmentJobVerifier",
      "createEmbeddedBackend",
      "createHostIdentity",
      "createOpenAICompatibleBackend",
      "developmentHostAddress",
      "developmentJobVerifierWarning",
      "modelId",
      "registerHost",
      "silentLogger",
      "startHost",
      "systemClock",
      "truncateContext",
    ]
  `)
})
