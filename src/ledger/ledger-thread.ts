/**
 * The worker side of `createThreadLedger` (thread-ledger.ts): the SQLite ledger opened on its own thread, answering
 * the calls the run's thread posts, one at a time and in the order they were posted, so a read sees every write
 * posted before it, as it does when the ledger runs on the run's thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createSqliteLedger, type SqliteLedgerOptions } from './sqlite.ts'
import { ITERATE_CHUNK, type LedgerRequest, type LedgerReply, type SentError } from './thread-protocol.ts'

const port = parentPort
if (port === null) throw new Error('ledger-thread.ts runs as a worker thread (thread-ledger.ts starts it)')

const { path, options } = workerData as { path: string; options: SqliteLedgerOptions }
const ledger = createSqliteLedger(path, options)
const iterators = new Map<number, AsyncIterator<unknown>>()

/** `intents.record` → the ledger's `intents.record`, bound to its store. */
function methodOf(name: string): (...args: unknown[]) => unknown {
  const [first, second] = name.split('.')
  const owner = (
    second === undefined ? ledger : ledger[first as 'intents' | 'fixes' | 'contentHashes']
  ) as unknown
  const method = (owner as Record<string, unknown>)[second ?? first ?? '']
  if (typeof method !== 'function') throw new Error(`the ledger has no method ${name}`)
  return (method as (...args: unknown[]) => unknown).bind(owner)
}

function sent(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), props: {} }
  const props: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack' && key !== 'cause') props[key] = value
  }
  return { name: error.name, message: error.message, stack: error.stack, props }
}

async function chunkOf(id: number, iterator: AsyncIterator<unknown>): Promise<LedgerReply> {
  const items: unknown[] = []
  while (items.length < ITERATE_CHUNK) {
    const next = await iterator.next()
    if (next.done === true) {
      iterators.delete(id)
      return { id, ok: true, items, done: true }
    }
    items.push(next.value)
  }
  return { id, ok: true, items, done: false }
}

async function answer(request: LedgerRequest): Promise<LedgerReply> {
  switch (request.kind) {
    case 'call':
      return { id: request.id, ok: true, value: await methodOf(request.method)(...request.args) }
    case 'iterate': {
      const iterable = methodOf(request.method)(...request.args) as AsyncIterable<unknown>
      const iterator = iterable[Symbol.asyncIterator]()
      iterators.set(request.id, iterator)
      return chunkOf(request.id, iterator)
    }
    case 'next': {
      const iterator = iterators.get(request.id)
      if (iterator === undefined) return { id: request.id, ok: true, items: [], done: true }
      return chunkOf(request.id, iterator)
    }
    case 'return': {
      const iterator = iterators.get(request.id)
      iterators.delete(request.id)
      await iterator?.return?.()
      return { id: request.id, ok: true, value: undefined }
    }
    case 'close':
      for (const iterator of iterators.values()) await iterator.return?.()
      iterators.clear()
      await ledger.close()
      return { id: request.id, ok: true, value: undefined }
  }
}

// One request at a time, in order: a call never overtakes the one posted before it.
let queue = Promise.resolve()
port.on('message', (request: LedgerRequest) => {
  queue = queue.then(async () => {
    let reply: LedgerReply
    try {
      reply = await answer(request)
    } catch (error) {
      if (request.kind === 'iterate' || request.kind === 'next') iterators.delete(request.id)
      reply = { id: request.id, ok: false, error: sent(error) }
    }
    try {
      port.postMessage(reply)
    } catch (error) {
      // A result that cannot cross still gets an answer, or the call would wait for ever.
      port.postMessage({ id: request.id, ok: false, error: sent(error) } satisfies LedgerReply)
    }
  })
})
