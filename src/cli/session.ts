import type { Emit } from '../run/events.ts'
import { createHumanRenderer, createJsonRenderer, type Renderer } from './render.ts'

/** Progress as JSON lines on stdout (`--json`), or for people on stderr. */
export function rendererFor(json: boolean | undefined): Renderer {
  return json
    ? createJsonRenderer((line) => process.stdout.write(`${line}\n`))
    : createHumanRenderer(process.stderr)
}

/** No progress at all: for commands that print only their result. */
export const silent: Renderer = { event: () => undefined, flush: () => undefined }

/**
 * Every command reaches outside systems through this: opens the connections `open` makes (see connect.ts), runs
 * `work` with them and the renderer's events, then flushes the renderer and closes the connections, whether `work`
 * succeeded or threw.
 * @example
 * const result = await withSession(rendererFor(json), (emit) => connect(config, emit), ({ source, target, ledger }, emit) =>
 *   verify({ instance, mapping }, { source, target, ledger, emit, now: () => new Date() }),
 * )
 */
export async function withSession<C extends { close(): Promise<void> }, T>(
  renderer: Renderer,
  open: (emit: Emit) => C,
  work: (connections: C, emit: Emit) => Promise<T>,
): Promise<T> {
  const connections = open(renderer.event)
  try {
    return await work(connections, renderer.event)
  } finally {
    renderer.flush()
    await connections.close()
  }
}
