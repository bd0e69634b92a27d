/**
 * One read of a class, handed to every phase that takes its records (Actions → task, phonecall, email, …): each
 * phase consumes its own bounded queue, and the read waits while a queue is full, so memory holds at most `capacity`
 * records per phase whatever the size of the class.
 */

/** A bounded queue from one producer to one consumer, consumed as an async iterable (once). */
export interface Channel<T> extends AsyncIterable<T> {
  /**
   * Queues `item`: `true` at once while there is room, else a promise that settles once there is; `false` when the
   * consumer has gone (it takes nothing more).
   */
  push(item: T): true | Promise<boolean>
  /** No more items: the consumer ends after those queued; with `error`, it throws that error instead of ending. */
  end(error?: unknown): void
  /** The consumer is gone (it finished or failed): pushes are refused, and a waiting one is released. */
  close(): void
}

export function createChannel<T>(capacity: number): Channel<T> {
  const room = Math.max(1, capacity)
  const queue: T[] = []
  let head = 0
  let ended = false
  let failure: { error: unknown } | undefined
  let closed = false
  let iterated = false
  // At most one waiter on each side: one producer, one consumer.
  let wakeConsumer: (() => void) | undefined
  let wakeProducer: ((accepted: boolean) => void) | undefined

  const size = () => queue.length - head
  const take = (): T => {
    const item = queue[head] as T
    head++
    // Compact now and then, so that the array does not grow with everything ever queued.
    if (head >= room && head * 2 >= queue.length) {
      queue.splice(0, head)
      head = 0
    }
    return item
  }
  const releaseProducer = (accepted: boolean) => {
    const wake = wakeProducer
    wakeProducer = undefined
    wake?.(accepted)
  }
  const releaseConsumer = () => {
    const wake = wakeConsumer
    wakeConsumer = undefined
    wake?.()
  }

  async function* consume(): AsyncGenerator<T> {
    try {
      for (;;) {
        if (size() > 0) {
          const item = take()
          if (wakeProducer !== undefined && size() < room) releaseProducer(true)
          yield item
          continue
        }
        if (failure !== undefined) throw failure.error
        if (ended) return
        await new Promise<void>((resolve) => (wakeConsumer = resolve))
      }
    } finally {
      close()
    }
  }

  function close(): void {
    closed = true
    queue.length = 0
    head = 0
    releaseProducer(false)
  }

  return {
    push(item) {
      if (closed) return Promise.resolve(false)
      if (ended) throw new Error('push after end: the producer already said there is nothing more')
      if (wakeProducer !== undefined)
        throw new Error('push while a push waits: one producer pushes at a time')
      queue.push(item)
      releaseConsumer()
      if (size() < room) return true
      return new Promise<boolean>((resolve) => (wakeProducer = resolve))
    },
    end(error?: unknown) {
      if (ended) return
      ended = true
      if (error !== undefined) failure = { error }
      releaseConsumer()
    },
    close,
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('a channel is consumed once')
      iterated = true
      return consume()
    },
  }
}

/** A consumer of a shared read: which records it takes, and the queue they go through. */
export interface FanOutRoute<T> {
  takes: (item: T) => boolean
  channel: Channel<T>
}

/**
 * Reads `items` once and pushes each into the channel of every route that takes it, waiting while one is full. Ends
 * every channel when the read is done; when the read fails, every channel ends with its error and so does this.
 * Stops reading early when `stopped()` says so (a consumer failed: its phase stops the group) or when no consumer is
 * left; the channels then end normally, so the other consumers finish what they were given.
 */
export async function fanOut<T>(
  items: AsyncIterable<T>,
  routes: readonly FanOutRoute<T>[],
  stopped: () => boolean = () => false,
): Promise<void> {
  const open = routes.map(() => true)
  try {
    for await (const item of items) {
      if (stopped()) break
      for (const [index, route] of routes.entries()) {
        if (!open[index] || !route.takes(item)) continue
        const pushed = route.channel.push(item)
        if (pushed !== true && !(await pushed)) open[index] = false
      }
      if (!open.some(Boolean)) break
    }
  } catch (error) {
    for (const route of routes) route.channel.end(error)
    throw error
  }
  for (const route of routes) route.channel.end()
}
