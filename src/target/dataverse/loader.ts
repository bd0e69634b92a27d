import { HttpError, InternalError } from '../../errors.ts'
import { RequestTimeoutError } from '../../http/send-with-retry.ts'
import type { Slot } from '../../http/user-limiter.ts'
import type { AppUserTarget } from './app-user.ts'
import { type BatchSizeOptions, type BatchSizing, initialBatchSize, nextBatchSize } from './batch-size.ts'
import { loadRows } from './bulk-load.ts'
import { isMessageNotSupported, refusalOfError } from './refusal.ts'
import type { DataverseBulkTarget, RowResult, TableRef, TargetRow, WriteOperation } from './types.ts'

/**
 * How rows travel: `bulk` = UpsertMultiple/CreateMultiple, split on failure; `batch` = `$batch`, one change set per
 * row; `single` = one PATCH per row (the slow baseline); `auto` = bulk, and `$batch` once the table turns out not to
 * support the bulk message.
 */
export type LoadMethod = 'auto' | 'bulk' | 'batch' | 'single'

export type LoaderEvent =
  | { type: 'chunk.sent'; user: string; method: Exclude<LoadMethod, 'auto'>; size: number }
  | {
      type: 'chunk.loaded'
      user: string
      size: number
      durationMs: number
      loaded: number
      rejected: number
      /** The batch size the next chunks get. */
      nextSize: number
    }
  | { type: 'chunk.timed-out'; user: string; size: number; nextSize: number }
  | { type: 'chunk.split'; user: string; size: number }
  /** Still throttled (429) after the client's retries: the rows go back in the queue, sent once a user is open. */
  | { type: 'chunk.throttled'; user: string; size: number }
  | { type: 'method.fallback'; table: string; from: 'bulk'; to: 'batch' }

export interface LoaderOptions {
  /** One per application user; work goes to whichever has capacity. */
  targets: readonly AppUserTarget[]
  table: TableRef
  /** @default 'auto' */
  method?: LoadMethod
  /** @default 'upsert' (repeatable; 'create' is faster but only for rows known to be new) */
  operation?: WriteOperation
  /** Adaptive rows per call; `{ initial: 100, min: 100, max: 100 }` fixes it. */
  batchSize?: BatchSizeOptions
  /** Rows read ahead of the loading: bounds memory. @default 10_000 */
  maxBufferedRows?: number
  /** Timeouts in a row, each halving the batch size, before the load stops. @default 5 */
  maxConsecutiveTimeouts?: number
  /**
   * Calls in a row still throttled (429) after the client's own retries before the load stops. Each such call's rows
   * go back in the queue: the user's limiter already waits out Retry-After, and upserts are repeatable. On the
   * execution-time limit many calls wait for the same second, so a call can see several 429s in a row. @default 50
   */
  maxConsecutiveThrottles?: number
  /** @default Date.now */
  now?: () => number
  onEvent?: (event: LoaderEvent) => void
  /**
   * Aborted to stop: nothing more is read or sent; the calls in flight finish, the batches they complete are handed
   * back, and the load ends without the batches it had not finished sending (their rows may be in Dataverse in part).
   */
  signal?: AbortSignal
}

/** An input batch and one result per row, in order. */
export interface LoadedBatch {
  rows: readonly TargetRow[]
  results: RowResult[]
}

export interface Loader {
  /**
   * Loads a stream of row batches and yields each batch with its per-row results, in input order, as soon as it
   * and every batch before it are done. Rows are regrouped into calls of the adaptive batch size, sent concurrently
   * across the users. A systemic failure (auth, throttling past retries, 5xx, network) stops the load and is thrown
   * once the calls in flight have settled.
   */
  load(batches: AsyncIterable<readonly TargetRow[]>): AsyncGenerator<LoadedBatch, void, undefined>
}

interface PendingBatch {
  rows: readonly TargetRow[]
  results: (RowResult | undefined)[]
  left: number
}

interface RowRef {
  batch: PendingBatch
  index: number
}

/**
 * A bulk loader for one table over a pool of application users.
 * @example
 * const loader = createLoader({ targets: users, table: CONTACT })
 * for await (const { rows, results } of loader.load(chunks(rowsOf(contacts), 100))) await ledger.record(...)
 */
export function createLoader(options: LoaderOptions): Loader {
  if (options.targets.length === 0) throw new InternalError('createLoader: no targets')
  const { table, targets } = options
  const now = options.now ?? Date.now
  const operation = options.operation ?? 'upsert'
  const maxBuffered = Math.max(1, options.maxBufferedRows ?? 10_000)
  const maxTimeouts = options.maxConsecutiveTimeouts ?? 5
  const maxThrottles = options.maxConsecutiveThrottles ?? 50
  const emit = options.onEvent ?? (() => undefined)
  const stopping = () => options.signal?.aborted === true
  let method: LoadMethod = options.method ?? 'auto'
  let sizing: BatchSizing = initialBatchSize(options.batchSize)
  let consecutiveTimeouts = 0
  let consecutiveThrottles = 0
  let nextUser = 0

  /** The user with the most free capacity that can start now, with a slot taken; round-robin on ties. */
  function acquireUser(): { user: AppUserTarget; slot: Slot } | undefined {
    let best: AppUserTarget | undefined
    let bestFree = 0
    for (let k = 0; k < targets.length; k++) {
      const user = targets[(nextUser + k) % targets.length]
      if (!user) continue
      const { limit, inFlight, pausedUntil } = user.limiter.snapshot()
      if (now() < pausedUntil) continue
      if (limit - inFlight > bestFree) {
        best = user
        bestFree = limit - inFlight
      }
    }
    const slot = best?.limiter.tryAcquire()
    if (!best || !slot) return undefined
    nextUser = (targets.indexOf(best) + 1) % targets.length
    return { user: best, slot }
  }

  async function send(
    target: DataverseBulkTarget,
    rows: readonly TargetRow[],
    user: string,
    sentWith: LoadMethod,
  ) {
    const how = sentWith === 'auto' ? 'bulk' : sentWith
    emit({ type: 'chunk.sent', user, method: how, size: rows.length })
    switch (how) {
      case 'bulk':
        return loadRows(target, table, rows, {
          ...(operation === 'create' ? { send: (part) => target.createMultiple(table, part) } : {}),
          isolate: (part) => target.batch(table, part, operation),
          onSplit: (size) => emit({ type: 'chunk.split', user, size }),
        })
      case 'batch':
        return target.batch(table, rows, operation)
      case 'single': {
        const results: RowResult[] = []
        for (const row of rows) {
          try {
            await target.upsert(table, row)
            results.push({ status: 'loaded', targetId: row.targetId })
          } catch (error) {
            const refusal = refusalOfError(error)
            if (refusal === undefined) throw error
            results.push({ status: 'rejected', targetId: row.targetId, ...refusal })
          }
        }
        return results
      }
    }
  }

  return {
    async *load(batches) {
      const iterator = batches[Symbol.asyncIterator]()
      let inputDone = false
      const pending: PendingBatch[] = []
      let unsent: RowRef[] = []
      let retry: RowRef[] = []
      let buffered = 0
      const running = new Set<Promise<void>>()
      let failure: { error: unknown } | undefined

      const unsentCount = () => unsent.length + retry.length
      const take = (count: number): RowRef[] => {
        const fromRetry = retry.slice(0, count)
        retry = retry.slice(fromRetry.length)
        const fromUnsent = unsent.slice(0, count - fromRetry.length)
        unsent = unsent.slice(fromUnsent.length)
        return [...fromRetry, ...fromUnsent]
      }
      const capacity = () => targets.reduce((sum, user) => sum + user.limiter.snapshot().limit, 0)

      const start = (user: AppUserTarget, slot: Slot, chunk: RowRef[]) => {
        const rows = chunk.map((ref) => ref.batch.rows[ref.index] as TargetRow)
        const started = now()
        const sentWith = method
        const task = (async () => {
          try {
            const results = await send(user.target, rows, user.name, sentWith)
            if (results.length !== rows.length) throw new InternalError('a load returned too few results')
            const durationMs = now() - started
            sizing = nextBatchSize(sizing, { size: rows.length, durationMs })
            consecutiveTimeouts = 0
            consecutiveThrottles = 0
            results.forEach((result, i) => {
              const ref = chunk[i]
              if (!ref) return
              ref.batch.results[ref.index] = result
              ref.batch.left--
            })
            emit({
              type: 'chunk.loaded',
              user: user.name,
              size: rows.length,
              durationMs,
              loaded: results.filter((r) => r.status === 'loaded').length,
              rejected: results.filter((r) => r.status === 'rejected').length,
              nextSize: sizing.size,
            })
          } catch (error) {
            if (error instanceof RequestTimeoutError && ++consecutiveTimeouts <= maxTimeouts) {
              // Upserts are repeatable: the rows go again, in smaller calls.
              sizing = nextBatchSize(sizing, {
                size: rows.length,
                durationMs: now() - started,
                timedOut: true,
              })
              retry = [...chunk, ...retry]
              emit({ type: 'chunk.timed-out', user: user.name, size: rows.length, nextSize: sizing.size })
            } else if (
              (operation === 'upsert' || sentWith === 'single') &&
              isThrottled(error) &&
              ++consecutiveThrottles <= maxThrottles
            ) {
              retry = [...chunk, ...retry]
              emit({ type: 'chunk.throttled', user: user.name, size: rows.length })
            } else if (sentWith === 'auto' && isMessageNotSupported(error)) {
              retry = [...chunk, ...retry]
              if (method === 'auto') {
                method = 'batch'
                emit({ type: 'method.fallback', table: table.logicalName, from: 'bulk', to: 'batch' })
              }
            } else {
              failure ??= { error }
            }
          } finally {
            slot.release()
          }
        })()
        running.add(task)
        void task.finally(() => running.delete(task))
      }

      try {
        for (;;) {
          // Read ahead enough to keep every user busy, within the memory bound.
          while (
            !inputDone &&
            !failure &&
            !stopping() &&
            unsentCount() < sizing.size * capacity() &&
            buffered < maxBuffered
          ) {
            const next = await iterator.next()
            if (next.done === true) {
              inputDone = true
              break
            }
            const batch: PendingBatch = {
              rows: next.value,
              results: next.value.map(() => undefined),
              left: next.value.length,
            }
            pending.push(batch)
            buffered += batch.rows.length
            unsent.push(...batch.rows.map((_, index) => ({ batch, index })))
          }
          // Full chunks only, unless nothing more is coming (or the buffer is full).
          while (
            !failure &&
            !stopping() &&
            unsentCount() > 0 &&
            (unsentCount() >= sizing.size || inputDone || buffered >= maxBuffered)
          ) {
            const picked = acquireUser()
            if (!picked) break
            start(picked.user, picked.slot, take(sizing.size))
          }
          while (pending[0]?.left === 0) {
            const done = pending.shift() as PendingBatch
            buffered -= done.rows.length
            yield { rows: done.rows, results: done.results as RowResult[] }
          }
          if (failure && running.size === 0) throw failure.error
          if (stopping() && running.size === 0) return
          if (inputDone && running.size === 0 && unsentCount() === 0 && pending.length === 0) return
          const waits: Promise<unknown>[] = [...running]
          if (!failure && !stopping() && unsentCount() > 0)
            waits.push(...targets.map((user) => user.limiter.whenAvailable()))
          if (waits.length === 0) {
            // Nothing in flight and nothing to send: the yields above freed buffer space, so read on.
            if (!inputDone && !failure && buffered < maxBuffered) continue
            throw new InternalError('the loader has nothing to wait for')
          }
          await Promise.race(waits)
        }
      } finally {
        await Promise.allSettled([...running])
        if (!inputDone) await iterator.return?.()
      }
    },
  }
}

/** A 429 that outlasted the client's retries (service protection: requests, execution time or concurrency). */
function isThrottled(error: unknown): boolean {
  return error instanceof HttpError && error.status === 429
}
