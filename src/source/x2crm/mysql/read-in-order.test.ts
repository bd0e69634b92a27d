import { describe, expect, it } from 'vitest'
import { readInOrder } from './read-in-order.ts'

/** A read whose end the test decides. */
interface HeldRead {
  item: number
  resolve(value: string): void
  reject(error: Error): void
  settled: boolean
}

/** `read` for readInOrder that holds every read until the test settles it, and remembers them in start order. */
function heldReads() {
  const started: HeldRead[] = []
  async function read(item: number): Promise<string> {
    let held!: HeldRead
    const result = new Promise<string>((resolve, reject) => {
      held = { item, resolve, reject, settled: false }
    })
    started.push(held)
    try {
      return await result
    } finally {
      held.settled = true
    }
  }
  return { started, read }
}

async function* numbers(count: number, log: string[] = []): AsyncGenerator<number> {
  try {
    for (let item = 1; item <= count; item++) yield item
  } finally {
    log.push('items closed')
  }
}

/** Lets every promise callback that can run, run (no timers). */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('readInOrder', () => {
  it('yields in the order of the items when the reads finish in the reverse order', async () => {
    const { started, read } = heldReads()
    const results = readInOrder(numbers(3), read, 3)
    const first = results.next()
    await settle()
    expect(started.map((r) => r.item)).toEqual([1, 2, 3])
    started[2]?.resolve('three')
    started[1]?.resolve('two')
    await settle()
    started[0]?.resolve('one')
    const out = [(await first).value]
    for await (const value of results) out.push(value)
    expect(out).toEqual(['one', 'two', 'three'])
  })

  it('keeps at most inFlight reads running besides the result the consumer holds', async () => {
    const { started, read } = heldReads()
    const results = readInOrder(numbers(10), read, 2)
    const first = results.next()
    await settle()
    expect(started.length).toBe(2)
    started[0]?.resolve('r1')
    expect((await first).value).toBe('r1')
    // The consumer holds r1; reads 2 and 3 run, 4 waits.
    expect(started.filter((r) => !r.settled).map((r) => r.item)).toEqual([2, 3])
    const stopped = results.return(undefined)
    for (const held of started) held.resolve('late')
    await stopped
  })

  it('throws a failed read after the results before it, and only once no read is left running', async () => {
    const { started, read } = heldReads()
    const results = readInOrder(numbers(5), read, 3)
    const first = results.next()
    await settle()
    started[1]?.reject(new Error('page 2 failed'))
    started[0]?.resolve('r1')
    expect((await first).value).toBe('r1')
    const second = results.next()
    let rejected: unknown
    second.catch((error: unknown) => (rejected = error))
    await settle()
    // Reads 3 and 4 still run: the error waits for them.
    expect(rejected).toBeUndefined()
    for (const held of started.slice(2)) held.resolve('late')
    await expect(second).rejects.toThrow('page 2 failed')
    expect(started.every((r) => r.settled)).toBe(true)
    expect(started.map((r) => r.item)).toEqual([1, 2, 3, 4])
  })

  it('a read that fails while the consumer is busy is no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const { started, read } = heldReads()
      const results = readInOrder(numbers(3), read, 2)
      const first = results.next()
      await settle()
      started[0]?.resolve('r1')
      await first
      started[1]?.reject(new Error('read ahead failed'))
      // The consumer is busy long enough for Node to report an unobserved rejection.
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
      started[2]?.resolve('r3')
      await expect(results.next()).rejects.toThrow('read ahead failed')
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('throws a failure of the items after the results of the items before it', async () => {
    const { started, read } = heldReads()
    async function* failing(): AsyncGenerator<number> {
      yield 1
      yield 2
      throw new Error('scan failed')
    }
    const results = readInOrder(failing(), read, 3)
    const first = results.next()
    await settle()
    for (const held of started) held.resolve(`r${held.item}`)
    expect((await first).value).toBe('r1')
    expect((await results.next()).value).toBe('r2')
    await expect(results.next()).rejects.toThrow('scan failed')
  })

  it('a consumer that stops early waits for the reads still running and closes the items', async () => {
    const { started, read } = heldReads()
    const log: string[] = []
    const results = readInOrder(numbers(100, log), read, 3)
    const first = results.next()
    await settle()
    started[0]?.resolve('r1')
    await first
    const stopped = results.return(undefined)
    let done = false
    void stopped.then(() => (done = true))
    await settle()
    expect(done).toBe(false)
    for (const held of started) if (!held.settled) held.reject(new Error('cancelled'))
    await stopped
    expect(started.every((r) => r.settled)).toBe(true)
    expect(started.length).toBe(4)
    expect(log).toEqual(['items closed'])
  })

  it('yields nothing for no items', async () => {
    const { started, read } = heldReads()
    const out: string[] = []
    for await (const value of readInOrder(numbers(0), read, 3)) out.push(value)
    expect(out).toEqual([])
    expect(started).toEqual([])
  })
})
