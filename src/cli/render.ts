import { describeAfterLoad } from './after-load-text.ts'
import { salesLines } from './render-sales.ts'
import type { RunEvent } from '../run/events.ts'
import { describeSample } from '../report/sample-summary.ts'

export interface Renderer {
  event: (event: RunEvent) => void
  /** Clears a progress line before something else is printed. */
  flush: () => void
}

/** One JSON object per line on stdout, for scripts. */
export function createJsonRenderer(write: (line: string) => void): Renderer {
  return { event: (event) => write(JSON.stringify(event)), flush: () => undefined }
}

/**
 * Human output: a progress line with rate and ETA that redraws in a terminal, and plain lines otherwise. Progress is
 * written to stderr so stdout keeps only results.
 */
export function createHumanRenderer(
  stderr: { write(text: string): void; isTTY?: boolean },
  now: () => number = () => Date.now(),
): Renderer {
  /** Per progress line: when it started and how much was done already (a resumed phase starts part done). */
  const starts = new Map<string, { at: number; done: number }>()
  let progressShown = false
  let lastPlain = 0
  const noticed = new Set<string>()
  const clear = () => {
    if (progressShown && stderr.isTTY) stderr.write('\r\x1b[K')
    progressShown = false
  }
  /** A progress line with rate and ETA: redrawn in a terminal, every 2 s otherwise. */
  const progress = (phase: string, done: number, total: number, step: number, unit: string) => {
    let start = starts.get(phase)
    if (start === undefined) starts.set(phase, (start = { at: now(), done: done - step }))
    else if (Number.isNaN(start.done)) start.done = done - step
    const seconds = (now() - start.at) / 1000
    const rate = seconds > 0 ? (done - start.done) / seconds : 0
    const left = Math.max(0, total - done)
    const eta = rate > 0 ? `${Math.ceil(left / rate)}s left` : ''
    const line = `  ${phase} ${bar(done, total)} ${done}/${total}  ${rate.toFixed(0)} ${unit}  ${eta}`
    if (stderr.isTTY) {
      stderr.write(`\r\x1b[K${line}`)
      progressShown = true
    } else if (now() - lastPlain > 2000 || done >= total) {
      stderr.write(`${line}\n`)
      lastPlain = now()
    }
  }
  return {
    flush: clear,
    event(event) {
      switch (event.type) {
        case 'run.started':
          stderr.write(`${event.resumed ? 'Resuming' : 'Starting'} run ${event.runId}\n`)
          break
        case 'owners.matched':
          stderr.write(
            `Owners: ${event.matched} X2CRM users matched to Dataverse users` +
              (event.unmatched.length > 0
                ? `; ${event.unmatched.length} without a match (their records get the default owner, or the application user when none is set): ${event.unmatched.join(', ')}\n`
                : '\n'),
          )
          break
        case 'phase.started':
          // Timed from the phase's start; what was done before (a resume) is known at its first progress.
          starts.set(event.phase, { at: now(), done: Number.NaN })
          stderr.write(
            `${event.phase}: ${event.sourceCount} ${event.counting ?? 'records in X2CRM'}` +
              (event.resumeAfterId > 0 ? `, resuming after id ${event.resumeAfterId}` : '') +
              '\n',
          )
          break
        case 'batch.loaded':
          progress(event.phase, event.done, event.total, event.size, 'rec/s')
          break
        case 'phase.progress':
          progress(event.phase, event.done, event.total, event.step, event.unit)
          break
        case 'record.quarantined':
          break
        case 'batch.split':
        case 'request.retry':
          break
        case 'source.notice':
          // Unknown action or association types, columns an older X2CRM lacks: said once each, never dropped.
          if (!noticed.has(event.message)) {
            noticed.add(event.message)
            clear()
            stderr.write(
              `note (${event.entity}${event.id === undefined ? '' : ` ${event.id}`}): ${event.message}\n`,
            )
          }
          break
        case 'source.chosen':
          stderr.write(
            `Reading X2CRM through ${event.source === 'api' ? 'its API' : 'its database'} (${event.detail})\n`,
          )
          break
        case 'sample.chosen':
          stderr.write(`${describeSample(event.sample)}\n`)
          break
        case 'user.throttled':
          clear()
          stderr.write(
            `Dataverse throttled ${event.user}: pausing its requests ${Math.ceil(event.retryAfterMs / 1000)}s, concurrency now ${event.limit}\n`,
          )
          break
        case 'phase.finished':
          clear()
          break
        case 'phase.completeness': {
          const r = event.report
          if (r.gapFetched > 0 || r.missing > 0 || r.listsMatchCount === false) {
            stderr.write(
              `  ${event.phase}: ${r.listed} listed by X2CRM, ${r.gapFetched} more found by id (hidden from its lists), ` +
                `${r.missing} ids deleted${r.listsMatchCount === false ? '; lists did not match the count' : ''}\n`,
            )
          }
          break
        }
        case 'cases.closed':
        case 'lists.filled':
        case 'connections.made':
        case 'tags.written':
          clear()
          stderr.write(`${describeAfterLoad(event)}\n`)
          break
        case 'run.finished':
          clear()
          stderr.write(`Run ${event.runId} finished in ${event.seconds.toFixed(1)}s\n`)
          break
        case 'sales.catalog':
        case 'sales.finished':
        case 'teams.prepared':
          clear()
          for (const line of salesLines(event)) stderr.write(`${line}\n`)
          break
      }
    },
  }
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}
