import type { Ledger } from '../ledger/ledger.ts'
import type { AppUserTarget } from '../target/dataverse/app-user.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'

/**
 * Where a run's time goes, per stage: reading X2CRM (extraction), the map (transform), content hashes (hashing), the
 * ledger (SQLite), Dataverse reads while a batch is prepared (existing rows, dedupe) and writes (the load), and the
 * second pass (links) as a whole. Stages overlap (the next batch is read and prepared while earlier ones are sent),
 * and calls in flight together each count, so the seconds add up to more than the run's wall time; the synchronous
 * stages (transform, hashing) are CPU time.
 */
export type Stage = 'extraction' | 'transform' | 'hashing' | 'ledger' | 'readHttp' | 'loadHttp' | 'linkPass'

export const STAGES: readonly Stage[] = [
  'extraction',
  'transform',
  'hashing',
  'ledger',
  'readHttp',
  'loadHttp',
  'linkPass',
]

export interface StageTimer {
  /** Runs `work` (sync) and books its time to `stage`. */
  time<T>(stage: Stage, work: () => T): T
  /** Awaits `work` and books the time until it settles to `stage`. */
  timeAsync<T>(stage: Stage, work: () => Promise<T>): Promise<T>
  /** Books `ms` to `stage`. */
  add(stage: Stage, ms: number): void
  /** Seconds per stage, rounded to milliseconds. */
  seconds(): Record<Stage, number>
}

const monotonic = () => performance.now()

export function createStageTimer(clock: () => number = monotonic): StageTimer {
  const totals = new Map<Stage, number>(STAGES.map((s) => [s, 0]))
  const book = (stage: Stage, since: number) => totals.set(stage, (totals.get(stage) ?? 0) + clock() - since)
  return {
    time(stage, work) {
      const since = clock()
      try {
        return work()
      } finally {
        book(stage, since)
      }
    },
    async timeAsync(stage, work) {
      const since = clock()
      try {
        return await work()
      } finally {
        book(stage, since)
      }
    },
    add: (stage, ms) => void totals.set(stage, (totals.get(stage) ?? 0) + ms),
    seconds: () =>
      Object.fromEntries(STAGES.map((s) => [s, Math.round(totals.get(s) ?? 0) / 1000])) as Record<
        Stage,
        number
      >,
  }
}

/** Every method of `object` (and of its object-valued properties, one level down) books its time to `stage`. */
function timedObject<T extends object>(object: T, stage: Stage, stages: StageTimer, depth = 1): T {
  return new Proxy(object, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          // The synchronous part (SQLite is synchronous), then the wait until the promise settles.
          const result = stages.time(stage, (): unknown =>
            (value as (...a: unknown[]) => unknown).apply(target, args),
          )
          return result instanceof Promise ? stages.timeAsync(stage, () => result) : result
        }
      }
      if (depth > 0 && typeof value === 'object' && value !== null)
        return timedObject(value, stage, stages, depth - 1)
      return value
    },
  })
}

/** The ledger with its time booked to `ledger`. */
export function timedLedger(ledger: Ledger, stages: StageTimer): Ledger {
  return timedObject(ledger, 'ledger', stages)
}

/** Dataverse reads (existing rows, dedupe) booked to `readHttp`. */
export function timedReads(target: DataverseBulkTarget, stages: StageTimer): DataverseBulkTarget {
  return timedObject(target, 'readHttp', stages, 0)
}

/** The writers' calls booked to `loadHttp`. */
export function timedWriters(writers: readonly AppUserTarget[], stages: StageTimer): AppUserTarget[] {
  return writers.map((w) => ({ ...w, target: timedObject(w.target, 'loadHttp', stages, 0) }))
}

/** `items` as they come, the time spent waiting for each booked to `stage`. */
export async function* timedItems<T>(
  items: AsyncIterable<T>,
  stage: Stage,
  stages: StageTimer | undefined,
): AsyncGenerator<T> {
  if (stages === undefined) {
    yield* items
    return
  }
  const iterator = items[Symbol.asyncIterator]()
  try {
    for (;;) {
      const next = await stages.timeAsync(stage, () => iterator.next())
      if (next.done === true) return
      yield next.value
    }
  } finally {
    await iterator.return?.()
  }
}
