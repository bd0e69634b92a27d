import { describe, expect, it } from 'vitest'
import { initialBatchSize, nextBatchSize } from './batch-size.ts'

describe('adaptive batch size', () => {
  const sizing = initialBatchSize({ initial: 100, slowMs: 20_000, fastMs: 5_000 })

  it('grows by half when a full call is fast, up to 1000', () => {
    expect(nextBatchSize(sizing, { size: 100, durationMs: 800 }).size).toBe(150)
    let grown = sizing
    for (let i = 0; i < 20; i++) grown = nextBatchSize(grown, { size: grown.size, durationMs: 10 })
    expect(grown.size).toBe(1000)
    expect(initialBatchSize({ max: 5000 }).max).toBe(1000)
  })

  it('does not grow on a fast small tail call', () => {
    expect(nextBatchSize(sizing, { size: 7, durationMs: 10 }).size).toBe(100)
  })

  it('halves when a call is slow or times out, down to 1', () => {
    expect(nextBatchSize(sizing, { size: 100, durationMs: 25_000 }).size).toBe(50)
    expect(nextBatchSize(sizing, { size: 100, durationMs: 1, timedOut: true }).size).toBe(50)
    let shrunk = sizing
    for (let i = 0; i < 20; i++)
      shrunk = nextBatchSize(shrunk, { size: shrunk.size, durationMs: 0, timedOut: true })
    expect(shrunk.size).toBe(1)
  })

  it('holds between fast and slow, and stays fixed when min = max', () => {
    expect(nextBatchSize(sizing, { size: 100, durationMs: 10_000 }).size).toBe(100)
    const fixed = initialBatchSize({ initial: 100, min: 100, max: 100 })
    expect(nextBatchSize(fixed, { size: 100, durationMs: 1 }).size).toBe(100)
    expect(nextBatchSize(fixed, { size: 100, durationMs: 1, timedOut: true }).size).toBe(100)
  })
})
