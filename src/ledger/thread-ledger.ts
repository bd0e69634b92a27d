/**
 * The SQLite ledger on a thread of its own. SQLite works synchronously: on the run's thread, every outcome, intent and
 * lookup stops the transform, the HTTP client and the JSON work while it writes (a third of migrate's CPU at 300k
 * records, growing with the ledger's size: its indexes of random target ids). Here the run's thread posts each call
 * and goes on; the ledger's thread answers them one at a time, in the order they were posted, so a read sees every
 * write posted before it, and "intent before effect" holds (a batch awaits its intents before it sends).
 *
 * The file is opened on the calling thread first, so a damaged, unreadable or newer ledger fails here, synchronously,
 * with the SQLite ledger's own error. Errors thrown on the ledger's thread arrive as the same classes (ConfigError,
 * InternalError, MigrationError…) with their message and fields. The thread keeps the process alive only while a call
 * is waiting for its answer.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ConfigError, InternalError, MigrationError, UsageError } from '../errors.ts'
import type { Ledger } from './ledger.ts'
import { createSqliteLedger, type SqliteLedgerOptions } from './sqlite.ts'
import type { LedgerReply, LedgerRequest, SentError } from './thread-protocol.ts'

type Pending = { resolve: (reply: LedgerReply) => void; reject: (error: Error) => void }
type Request =
  { kind: 'call' | 'iterate'; method: string; args: unknown[] } | { kind: 'next' | 'return' | 'close' }

const CLASSES: Record<string, { prototype: Error }> = {
  MigrationError,
  ConfigError,
  UsageError,
  InternalError,
}

/** The error as it was thrown on the ledger's thread: same class (when it is ours), message, stack and fields. */
function received(sent: SentError): Error {
  const error: Error = Object.create((CLASSES[sent.name] ?? Error).prototype) as Error
  Object.assign(error, sent.props)
  Object.defineProperty(error, 'message', { value: sent.message, writable: true, configurable: true })
  Object.defineProperty(error, 'name', { value: sent.name, writable: true, configurable: true })
  if (sent.stack !== undefined)
    Object.defineProperty(error, 'stack', { value: sent.stack, writable: true, configurable: true })
  return error
}

const YOUNG_GENERATION_MB = 8

/** The worker's entry: the compiled file beside this one, or, running from the sources, the .ts through tsx. */
function startWorker(path: string, options: SqliteLedgerOptions): Worker {
  const fromSources = import.meta.url.endsWith('.ts')
  const entry = new URL(fromSources ? './ledger-thread.ts' : './ledger-thread.js', import.meta.url)
  const workerData = { path, options }
  // What the thread allocates lives for one call (a batch's rows, a page of outcomes): a small young generation
  // is enough, and keeps the thread's share of the process's memory small.
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB }
  if (!fromSources) return new Worker(entry, { workerData, resourceLimits })
  // tsx as the sources found it: the worker's code is evaluated where `tsx` may not resolve (the user's directory).
  const tsx =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(import.meta.url)
            .resolve('tsx/esm/api')
            .replace(/\.cjs$/, '.mjs'),
        ).href
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData, resourceLimits })
}

export function createThreadLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  if (options.readonly === true || path === ':memory:') {
    throw new InternalError(
      'a ledger on its own thread is for a writable file (read-only and in-memory ledgers stay)',
    )
  }
  // Checks, repairs and upgrades the file here, so its errors are thrown now, as createSqliteLedger's are.
  void createSqliteLedger(path, options).close()
  const worker = startWorker(path, { ...options, checked: true })
  worker.unref()
  const pending = new Map<number, Pending>()
  let nextId = 1
  let stopped: Error | undefined

  const stop = (error: Error) => {
    stopped ??= error
    for (const { reject } of pending.values()) reject(stopped)
    pending.clear()
    worker.unref()
  }
  worker.on('message', (reply: LedgerReply) => {
    const waiting = pending.get(reply.id)
    if (waiting === undefined) return
    pending.delete(reply.id)
    if (pending.size === 0) worker.unref()
    waiting.resolve(reply)
  })
  worker.on('error', (error) => stop(new InternalError(`the ledger's thread failed: ${error.message}`)))
  worker.on('exit', (code) => stop(new InternalError(`the ledger's thread stopped (exit code ${code})`)))

  const post = (request: Request, id = nextId++): Promise<LedgerReply> => {
    if (stopped !== undefined) return Promise.reject(stopped)
    return new Promise<LedgerReply>((resolve, reject) => {
      const message: LedgerRequest = { ...request, id }
      // Sent first: arguments that cannot cross (a function, a symbol) throw here and leave nothing waiting.
      worker.postMessage(message)
      if (pending.size === 0) worker.ref()
      pending.set(id, { resolve, reject })
    }).then((reply) => {
      if (!reply.ok) throw received(reply.error)
      return reply
    })
  }
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const reply = await post({ kind: 'call', method, args })
    return (reply as { value: unknown }).value as T
  }
  async function* iterate<T>(method: string, ...args: unknown[]): AsyncGenerator<T> {
    const id = nextId++
    let reply = (await post({ kind: 'iterate', method, args }, id)) as { items: T[]; done: boolean }
    let finished = reply.done
    try {
      for (;;) {
        yield* reply.items
        if (reply.done) return
        reply = (await post({ kind: 'next' }, id)) as { items: T[]; done: boolean }
        finished = reply.done
      }
    } finally {
      // A consumer that stops early closes the iterator on the ledger's thread (its statement, its page).
      if (!finished && stopped === undefined) await post({ kind: 'return' }, id)
    }
  }

  return {
    startRun: (...args) => call('startRun', ...args),
    unfinishedRun: (...args) => call('unfinishedRun', ...args),
    finishRun: (...args) => call('finishRun', ...args),
    run: (...args) => call('run', ...args),
    runs: () => call('runs'),
    recordBatch: (...args) => call('recordBatch', ...args),
    checkpoint: (...args) => call('checkpoint', ...args),
    outcomes: (...args) => iterate('outcomes', ...args),
    counts: (...args) => call('counts', ...args),
    loaded: (...args) => call('loaded', ...args),
    sourcesOf: (...args) => call('sourcesOf', ...args),
    recordBeforeImages: (...args) => call('recordBeforeImages', ...args),
    beforeImages: (...args) => iterate('beforeImages', ...args),
    contentHashes: {
      hashes: (...args) => iterate('contentHashes.hashes', ...args),
      save: (...args) => call('contentHashes.save', ...args),
      remove: (...args) => call('contentHashes.remove', ...args),
    },
    fixes: {
      add: (...args) => call('fixes.add', ...args),
      current: () => call('fixes.current'),
    },
    intents: {
      record: (...args) => call('intents.record', ...args),
      all: (...args) => iterate('intents.all', ...args),
      find: (...args) => call('intents.find', ...args),
      findBySource: (...args) => call('intents.findBySource', ...args),
    },
    async close() {
      if (stopped !== undefined) return
      await post({ kind: 'close' })
      stop(new InternalError('the ledger is closed'))
      await worker.terminate()
    },
  }
}
