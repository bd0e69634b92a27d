import { boundHeapGrowth } from '../heap-growth.ts'
import { readConfig } from '../inputs.ts'
import { interruptible } from '../interrupt.ts'

export interface WorkerCommandOptions {
  config: string
  mapping?: string
  json?: boolean
  /** Names the worker in the ledger. @default host:pid */
  name?: string
  /** Slices loaded at once. */
  slices?: number
  /** Seconds to wait for a distributed run to start. */
  wait?: number
  /** Seconds a worker holds a slice before another may take it. */
  lease?: number
  /** Milliseconds between two looks at the queue. */
  poll?: number
}

/** `x2d365 worker`: loads slices of the distributed run until none is left. 0 when the run's slices are all done. */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  // A worker loads slices as migrate loads phases: the same bound on its heap (heap-growth.ts).
  boundHeapGrowth()
  return interruptible({ command: 'migrate', json: options.json }, async (signal) => {
    const { runWorker } = await import('../distributed.ts')
    const result = await runWorker(config, {
      ...options,
      signal,
      ...(options.wait !== undefined && { waitSeconds: options.wait }),
      ...(options.poll !== undefined && { pollMs: options.poll }),
    })
    const text = `Worker done: ${result.chunks} slice(s), ${result.processed} records of run ${result.runId}.\n`
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'worker.finished', ...result })}\n`)
    else process.stdout.write(text)
    return 0
  })
}
