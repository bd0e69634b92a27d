/**
 * `read(item)` of each of `items`, up to `inFlight` reads at once besides the result the consumer holds, yielded
 * in the order of `items` however the reads finish. Errors come in that order too: a failed read (or a failed
 * `items`) is thrown when its turn comes, after every result before it. Each read is observed from its start, so a
 * read that fails while the consumer is busy is no unhandled rejection; a consumer that stops early (or an error)
 * waits here for the reads still running and closes `items`, so no query is left unobserved.
 *
 * @example
 * for await (const rows of readInOrder(pageRanges(), (range) => fetchRange(range), 3)) use(rows)
 */
export async function* readInOrder<T, R>(
  items: AsyncIterable<T>,
  read: (item: T) => Promise<R>,
  inFlight: number,
): AsyncGenerator<R> {
  const iterator = items[Symbol.asyncIterator]()
  const pending: Promise<R>[] = []
  let more = true
  let failure: { error: unknown } | undefined
  async function fill() {
    while (more && pending.length < inFlight) {
      let next: IteratorResult<T>
      try {
        next = await iterator.next()
      } catch (error) {
        // Thrown after the results before it.
        more = false
        failure = { error }
        break
      }
      if (next.done === true) {
        more = false
        break
      }
      const result = read(next.value)
      result.catch(() => undefined)
      pending.push(result)
    }
  }
  try {
    for (;;) {
      await fill()
      const head = pending.shift()
      if (head === undefined) {
        if (failure) throw failure.error
        return
      }
      const result = await head
      // Started before the consumer gets this result, so they work while it does.
      await fill()
      yield result
    }
  } finally {
    await Promise.allSettled(pending)
    if (more) await iterator.return?.()
  }
}
