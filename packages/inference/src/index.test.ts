import { expect, test } from 'vitest'
import * as inference from './index.js'
import * as node from './node.js'

test('public surface', () => {
  expect(Object.keys(inference).sort()).toEqual([
    'ConnectionError',
    'HostError',
    'HttpError',
    'InferenceManager',
    'LLMNodeClient',
    'PromptStream',
    'SessionError',
    'SigningError',
    'StreamError',
    'TypedEventTarget',
    'isAbortError',
  ])
})

test('node surface', () => {
  expect(Object.keys(node).sort()).toEqual(['maxFramePayloadBytes', 'webSocket'])
})
