import { describe, expect, test } from 'vitest'
import { NgramModel } from './NgramModel.js'
import { assertNgramModelData, paragraphBoundary } from './NgramModelData.js'
import { trainNgramModel } from './trainNgramModel.js'

const corpus = `[A Title Line]

CHAPTER I. The Start

'The cat sat on the mat,' said the dog.

  *    *    *

The cat sat on the _hat_. The dog sat.
`

const sum = (values: Float64Array) => values.reduce((total, value) => total + value, 0)

describe('trainNgramModel', () => {
  test('counts trigrams of each paragraph, padded with boundaries, skipping layout lines', () => {
    const data = trainNgramModel(corpus)
    expect(data.vocabulary[0]).toBe(paragraphBoundary)
    expect(data.vocabulary).not.toContain('CHAPTER')
    expect(data.vocabulary).not.toContain('Title')
    expect(data.vocabulary).not.toContain('*')
    expect(data.vocabulary).not.toContain('_')
    // Dialogue quotes become curly, so opening and closing are different tokens.
    expect(data.vocabulary).toEqual(expect.arrayContaining(['‘', '’']))
    const id = (token: string) => data.vocabulary.indexOf(token)
    const count = (u: string, v: string, w: string) => {
      for (let index = 0; index < data.trigrams.length; index += 4) {
        const [a, b, c, n] = data.trigrams.slice(index, index + 4)
        if (a === id(u) && b === id(v) && c === id(w)) return n
      }
      return 0
    }
    expect(count('The', 'cat', 'sat')).toBe(2)
    expect(count('on', 'the', 'mat')).toBe(1)
    expect(count('sat', 'on', 'the')).toBe(2)
    expect(count(paragraphBoundary, paragraphBoundary, '‘')).toBe(1)
    expect(count('dog', '.', paragraphBoundary)).toBe(1)
    expect(assertNgramModelData(JSON.parse(JSON.stringify(data)))).toEqual(data)
  })

  test('refuses a corpus without words', () => {
    expect(() => trainNgramModel('CHAPTER I.\n\n * * *\n')).toThrow(RangeError)
  })
})

describe('NgramModel', () => {
  const model = new NgramModel(trainNgramModel(corpus))
  const id = (token: string) => model.idOf(token) as number

  test('gives a distribution that sums to 1 in seen, half-seen and unseen contexts', () => {
    for (const [u, v] of [
      [id('The'), id('cat')],
      [id('dog'), id('cat')],
      [id('.'), id('.')],
    ] as const) {
      expect(sum(model.nextTokenDistribution(u, v))).toBeCloseTo(1, 10)
    }
  })

  test('prefers what followed the context in training, and smooths the rest', () => {
    const distribution = model.nextTokenDistribution(id('The'), id('cat'))
    const best = distribution.indexOf(Math.max(...distribution))
    expect(model.vocabulary[best]).toBe('sat')
    expect(distribution[id('mat')]).toBeGreaterThan(0)
    expect(model.idOf('unicorn')).toBeUndefined()
    expect(model.unigramProbability(id('sat'))).toBeGreaterThan(0)
    expect(model.unigramProbability(10_000)).toBe(0)
  })
})

describe('assertNgramModelData', () => {
  const valid = trainNgramModel('The cat sat.')
  test.each([
    ['null', null],
    ['another format', { ...valid, format: 'other' }],
    [
      'a vocabulary without the boundary first',
      { ...valid, vocabulary: ['x', ...valid.vocabulary] },
    ],
    ['a vocabulary with a number', { ...valid, vocabulary: [...valid.vocabulary, 5] }],
    ['trigrams not in fours', { ...valid, trigrams: [0, 0, 1] }],
    ['an id outside the vocabulary', { ...valid, trigrams: [0, 0, 99, 1] }],
    ['a zero count', { ...valid, trigrams: [0, 0, 1, 0] }],
  ])('rejects %s', (_, value) => {
    expect(() => assertNgramModelData(value)).toThrow(TypeError)
  })
})
