import { expect, test } from 'vitest'
import { provableTokens } from './runPaidSession.js'

test.each([
  { answers: [], interval: 100n, proven: 0n, why: 'nothing used' },
  { answers: [60n], interval: 100n, proven: 0n, why: 'a session under its interval' },
  {
    answers: [60n, 60n],
    interval: 100n,
    proven: 120n,
    why: 'claimed once the interval is reached',
  },
  { answers: [150n, 99n], interval: 100n, proven: 150n, why: 'a tail under 100 is lost' },
  { answers: [150n, 100n], interval: 1000n, proven: 0n, why: 'a first claim needs the interval' },
  { answers: [1000n, 150n], interval: 1000n, proven: 1150n, why: 'a later tail needs 100' },
])('$why', ({ answers, interval, proven }) => {
  expect(provableTokens(answers, interval)).toBe(proven)
})
