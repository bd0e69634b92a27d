import { describe, expect, it } from 'vitest'
import { createChannel, fanOut } from './fan-out.ts'

async function* count(to: number, onRead?: (n: number) => void): AsyncGenerator<number> {
  for (let n = 1; n <= to; n++) {
    onRead?.(n)
    yield n
  }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('createChannel', () => {
  it('hands items over in order and ends after the last one', async () => {
    const channel = createChannel<number>(2)
    const taken = all(channel)
    for (const n of [1, 2, 3, 4, 5]) await channel.push(n)
    channel.end()
    expect(await taken).toEqual([1, 2, 3, 4, 5])
  })

  it('makes the producer wait while it is full, and lets it go as the consumer takes', async () => {
    const channel = createChannel<number>(2)
    expect(channel.push(1)).toBe(true)
    const second = channel.push(2)
    expect(second).not.toBe(true)
    let released = false
    void (second as Promise<boolean>).then(() => (released = true))
    await settle()
    expect(released).toBe(false)
    const iterator = channel[Symbol.asyncIterator]()
    expect(await iterator.next()).toEqual({ done: false, value: 1 })
    await settle()
    expect(released).toBe(true)
  })

  it('throws the error it ended with, after the items queued before it', async () => {
    const channel = createChannel<number>(4)
    await channel.push(1)
    channel.end(new Error('X2CRM answered 500'))
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const n of channel) seen.push(n)
      })(),
    ).rejects.toThrow('X2CRM answered 500')
    expect(seen).toEqual([1])
  })

  it('refuses pushes once the consumer is gone, releasing one that waits', async () => {
    const channel = createChannel<number>(1)
    const waiting = channel.push(1)
    channel.close()
    expect(await waiting).toBe(false)
    expect(await channel.push(2)).toBe(false)
  })
})

describe('fanOut', () => {
  it('reads once and gives each consumer the items it takes, in order', async () => {
    let reads = 0
    const odd = createChannel<number>(2)
    const even = createChannel<number>(2)
    const both = createChannel<number>(2)
    const consumed = Promise.all([all(odd), all(even), all(both)])
    await fanOut(
      count(9, () => reads++),
      [
        { takes: (n) => n % 2 === 1, channel: odd },
        { takes: (n) => n % 2 === 0, channel: even },
        { takes: (n) => n % 3 === 0, channel: both },
      ],
    )
    expect(await consumed).toEqual([
      [1, 3, 5, 7, 9],
      [2, 4, 6, 8],
      [3, 6, 9],
    ])
    expect(reads).toBe(9)
  })

  it('reads no further ahead than the slowest consumer lets it (memory stays bounded)', async () => {
    let read = 0
    const fast = createChannel<number>(3)
    const slow = createChannel<number>(3)
    const fastTaken = all(fast)
    const slowIterator = slow[Symbol.asyncIterator]()
    const reading = fanOut(
      count(1000, (n) => (read = n)),
      [
        { takes: () => true, channel: fast },
        { takes: () => true, channel: slow },
      ],
    )
    await settle()
    // The slow consumer took nothing: the read stops once its queue is full.
    expect(read).toBe(3)
    await slowIterator.next()
    await settle()
    expect(read).toBe(4)
    // Then it drains: everything arrives, once.
    const rest: number[] = []
    for (let r = await slowIterator.next(); r.done !== true; r = await slowIterator.next()) rest.push(r.value)
    await reading
    expect(rest).toHaveLength(999)
    expect(await fastTaken).toHaveLength(1000)
  })

  it('ends every consumer with the error of a failed read, and fails with it', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1
      throw new Error('connection reset')
    }
    const a = createChannel<number>(4)
    const b = createChannel<number>(4)
    const results = Promise.allSettled([all(a), all(b)])
    await expect(
      fanOut(broken(), [
        { takes: () => true, channel: a },
        { takes: () => true, channel: b },
      ]),
    ).rejects.toThrow('connection reset')
    const settled = await results
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected'])
  })

  it('stops reading when told, and ends the other consumers normally', async () => {
    let read = 0
    let stop = false
    const a = createChannel<number>(10)
    const taken = all(a)
    await fanOut(
      count(100, (n) => {
        read = n
        if (n === 5) stop = true
      }),
      [{ takes: () => true, channel: a }],
      () => stop,
    )
    expect(read).toBe(5)
    expect(await taken).toEqual([1, 2, 3, 4])
  })

  it('goes on for the others when one consumer is gone', async () => {
    const gone = createChannel<number>(1)
    const kept = createChannel<number>(1)
    gone.close()
    const taken = all(kept)
    await fanOut(count(5), [
      { takes: () => true, channel: gone },
      { takes: () => true, channel: kept },
    ])
    expect(await taken).toEqual([1, 2, 3, 4, 5])
  })
})
