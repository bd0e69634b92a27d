import { describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../ledger/memory.ts'
import { createStageTimer, timedItems, timedLedger } from './stage-timer.ts'

/** A clock that moves 5 ms each time it is read. */
function steppingClock(): () => number {
  let now = 0
  return () => (now += 5)
}

describe('stage timer', () => {
  it('books sync and async work to their stage', async () => {
    const stages = createStageTimer(steppingClock())
    expect(stages.time('transform', () => 42)).toBe(42)
    await stages.timeAsync('loadHttp', () => Promise.resolve())
    stages.add('linkPass', 1500)
    expect(stages.seconds()).toMatchObject({ transform: 0.005, loadHttp: 0.005, linkPass: 1.5, hashing: 0 })
  })

  it('books a ledger call, nested stores included, and waits for items', async () => {
    const stages = createStageTimer(steppingClock())
    const ledger = timedLedger(createMemoryLedger(), stages)
    const run = await ledger.startRun('migrate', {}, new Date(0))
    await ledger.contentHashes.save('Accounts', [])
    expect(run.kind).toBe('migrate')
    expect(stages.seconds().ledger).toBeGreaterThanOrEqual(0.02)
    const seen: number[] = []
    for await (const n of timedItems(
      (async function* () {
        yield* [1, 2, 3]
      })(),
      'extraction',
      stages,
    ))
      seen.push(n)
    expect(seen).toEqual([1, 2, 3])
    expect(stages.seconds().extraction).toBe(0.02)
  })
})
