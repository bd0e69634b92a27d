import { RunInterrupted } from '../run/interrupted.ts'

/** Exit codes of a run stopped by a signal, as shells report them (128 + the signal's number). */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const

type StopSignal = keyof typeof SIGNAL_EXIT

/**
 * Runs `work` with an AbortSignal that SIGINT or SIGTERM aborts: the run starts no new batch, lets the requests in
 * flight finish and records them, then this prints what was done and how to go on, and returns 130 (SIGINT) or 143
 * (SIGTERM). A second signal exits at once: the write intents in the ledger say which rows may have been written.
 * The one place that installs signal handlers.
 */
export async function interruptible(
  how: { command: 'migrate' | 'delta'; json?: boolean },
  work: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const controller = new AbortController()
  let received: StopSignal | undefined
  const on = (name: StopSignal) => () => {
    if (received !== undefined) {
      process.stderr.write(`\n${name} again: stopping now. Run \`x2d365 ${how.command}\` to go on.\n`)
      process.exit(SIGNAL_EXIT[name])
    }
    received = name
    process.stderr.write(
      `\n${name}: no new batch starts; the requests in flight finish and are recorded. ` +
        `Press Ctrl-C again to stop at once.\n`,
    )
    controller.abort()
  }
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM') }
  process.on('SIGINT', handlers.SIGINT)
  process.on('SIGTERM', handlers.SIGTERM)
  try {
    return await work(controller.signal)
  } catch (error) {
    if (!(error instanceof RunInterrupted)) throw error
    process.stdout.write(describeInterruption(error, how))
    return SIGNAL_EXIT[received ?? 'SIGINT']
  } finally {
    process.off('SIGINT', handlers.SIGINT)
    process.off('SIGTERM', handlers.SIGTERM)
  }
}

/** What a stopped run did and the commands that go on from there, as text or as one JSON line. */
export function describeInterruption(
  error: RunInterrupted,
  how: { command: 'migrate' | 'delta'; json?: boolean },
): string {
  const resume =
    how.command === 'migrate'
      ? '`x2d365 migrate` again resumes this run where it stopped; `x2d365 rollback` undoes it.'
      : '`x2d365 delta` again does the rest (this delta is closed as failed); ' +
        `\`x2d365 rollback --run ${error.runId}\` undoes it.`
  if (how.json === true) {
    return `${JSON.stringify({ type: 'run.interrupted', runId: error.runId, kind: error.kind, counts: error.counts, resume })}\n`
  }
  const lines = error.counts.map(
    (c) =>
      `  ${c.phase}: ${c.created} created, ${c.updated} updated, ${c.quarantined} quarantined, ${c.skipped} skipped` +
      (c.deleted > 0 ? `, ${c.deleted} deleted` : ''),
  )
  return [
    '',
    `Interrupted: the ${error.kind} run ${error.runId} stopped before it was done. Recorded so far:`,
    ...(lines.length > 0 ? lines : ['  nothing yet']),
    resume,
    '',
  ].join('\n')
}
