import { MigrationError } from '../errors.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { detectDeltaByChanges, type ChangeFinder, type IdReader } from '../source/x2crm/changes.ts'
import {
  detectDelta,
  type DeltaChange,
  type DeltaStatus,
  type DetectDeltaOptions,
  type PreviousHashes,
} from '../source/x2crm/delta.ts'
import type { CompletenessReport, ExtractSource } from '../source/x2crm/extract.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { undoneRuns } from './run-chain.ts'

/**
 * How a delta finds what changed. `full`: every record read and hashed (the only way through API v2). `changelog`
 * (the database): ids only, plus the records X2CRM marked as changed since the last run (`x2_changelog`,
 * `lastUpdated`, tags added), each proven by its hash; an edit that bypasses the app and marks nothing is missed,
 * and a spot check of unmarked records turns the class to `full` when it finds one.
 */
export type ChangesMode = 'changelog' | 'full'
export const CHANGES_MODES: readonly ChangesMode[] = ['changelog', 'full']

/**
 * Seconds before the last run's start that marks are still taken as changes: for the clocks of X2CRM's web server
 * (which writes the marks) and its database (which the skew is measured against) disagreeing, and for saves that
 * were under way when the last run started.
 */
export const CHANGES_MARGIN_SECONDS = 600

/** What a delta run reads, decided once at its start. */
export type ChangesPlan =
  | { mode: 'full'; why: string }
  | {
      mode: 'changelog'
      finder: ChangeFinder
      /** Marks at or after this (the database's clock, unix seconds) are changes. */
      since: number
      /** The run whose start is the watermark. */
      after: string
    }

/** The runs a delta's watermark may come from: the kinds that leave every record's hash up to date. */
const COMPARING_KINDS = new Set(['migrate', 'delta'])

/**
 * Decides how this delta reads: `requested`, else changelog when the source has a {@link ChangeFinder}. The
 * watermark is the start of the newest run of this instance that succeeded and was not rolled back (its hashes are
 * the ones in the ledger), moved back by `marginSeconds` and by the skew between this machine's clock and the
 * database's, measured now.
 */
export async function planChanges(
  requested: ChangesMode | undefined,
  finder: ChangeFinder | undefined,
  ledger: Pick<Ledger, 'runs'>,
  context: { instance: string; current: string; now: Date; marginSeconds?: number },
): Promise<ChangesPlan> {
  if (requested === 'full') return { mode: 'full', why: 'asked for (--changes full)' }
  if (finder === undefined) {
    if (requested === 'changelog') {
      throw new MigrationError(
        "--changes changelog reads X2CRM's change log, which only the database has: configure source.mysql, or run " +
          'the delta with --changes full (through API v2 every record is compared).',
      )
    }
    return { mode: 'full', why: 'API v2 has no change log: every record is compared' }
  }
  const undone = await undoneRuns(ledger)
  const last = (await ledger.runs()).find(
    (r) =>
      COMPARING_KINDS.has(r.kind) &&
      r.status === 'succeeded' &&
      r.runId !== context.current &&
      r.params['instance'] === context.instance &&
      r.params['sample'] === undefined &&
      !undone.has(r.runId),
  )
  if (last === undefined) return { mode: 'full', why: 'no earlier run to take the watermark from' }
  const skew = context.now.getTime() / 1000 - (await finder.now())
  const since = Math.floor(
    Date.parse(last.startedAt) / 1000 - skew - (context.marginSeconds ?? CHANGES_MARGIN_SECONDS),
  )
  return { mode: 'changelog', finder, since, after: last.runId }
}

/** How one class was read, for the summary. */
export interface ClassRead {
  mode: ChangesMode
  /** Records read whole (and hashed). */
  read: number
  /** Changelog mode: ids the id-only scan listed, and the candidates among them read whole. */
  scanned?: number
  candidates?: number
  /** Why the class was compared whole although changelog mode ran. */
  fellBack?: string
}

export interface DetectClassOptions {
  hash: (record: X2crmRecord) => string
  /** Ids to compare whatever the marks say (records quarantined or fixed since they were last loaded). */
  alsoCheck: ReadonlySet<number>
  /** @default SPOT_CHECK */
  spotCheck?: number
  onProgress: NonNullable<DetectDeltaOptions['onProgress']>
  /** What was found; a class read whole also says how (listed, found by id). */
  onFound: (counts: Readonly<Record<DeltaStatus, number>>, completeness?: CompletenessReport) => void
  onRead: (read: ClassRead) => void
}

/**
 * The changes of one class, as the plan says to read them. A class the finder has no table for (QuoteLines) or
 * whose spot check found an unmarked change is compared whole, and `onRead` says why.
 */
export async function* detectClass(
  plan: ChangesPlan,
  source: ExtractSource & IdReader,
  entity: string,
  store: PreviousHashes,
  options: DetectClassOptions,
): AsyncGenerator<DeltaChange> {
  let read = 0
  const whole = () =>
    detectDelta(source, entity, store, {
      hash: options.hash,
      onReport: (completeness, counts) => options.onFound(counts, completeness),
      onProgress: (n) => {
        read = n
        options.onProgress(n)
      },
    })
  if (plan.mode === 'full' || !plan.finder.covers(entity)) {
    yield* whole()
    options.onRead({
      mode: 'full',
      read,
      ...(plan.mode === 'changelog' && { fellBack: `${entity} has no table the change log covers` }),
    })
    return
  }
  let missed = 0
  let counted: Record<DeltaStatus, number> | undefined
  let report: Omit<ClassRead, 'mode'> = { read: 0 }
  yield* detectDeltaByChanges(source, plan.finder, entity, store, {
    since: plan.since,
    hash: options.hash,
    alsoCheck: options.alsoCheck,
    ...(options.spotCheck !== undefined && { spotCheck: options.spotCheck }),
    onReport: (r) => {
      missed = r.missed
      counted = r.counts
      report = { read: r.read, scanned: r.scanned, candidates: r.candidates }
    },
  })
  if (missed === 0 && counted !== undefined) {
    options.onProgress(report.read)
    options.onFound(counted)
    options.onRead({ mode: 'changelog', ...report })
    return
  }
  // A record X2CRM did not mark has changed (an edit that bypassed the app, or the map changed): read it all.
  yield* whole()
  options.onRead({
    mode: 'full',
    ...report,
    read: read + report.read,
    fellBack: `the spot check found ${missed} unmarked record${missed === 1 ? '' : 's'} changed`,
  })
}

/** How a delta found its changes, as its result and the ledger keep it. */
export type ChangesReading =
  | { mode: 'full'; why: string }
  | {
      mode: 'changelog'
      /** The watermark (ISO): marks from then on were candidates. */
      since: string
      /** The run whose start the watermark was taken from. */
      after: string
    }

/** The plan as the summary and the ledger keep it (no finder). */
export function readingOf(plan: ChangesPlan): ChangesReading {
  return plan.mode === 'full'
    ? { mode: 'full', why: plan.why }
    : { mode: 'changelog', since: new Date(plan.since * 1000).toISOString(), after: plan.after }
}

/**
 * Per class, the ids a changelog delta compares whatever X2CRM marked: records quarantined before (their hash was
 * not moved on, and their change may be older than the watermark) and records with a stored fix (`x2d365 fix`
 * changes what a run reads, not X2CRM).
 */
export function candidatesOf(
  quarantined: Iterable<string>,
  fixes: readonly { entity: string; id: number }[],
): Map<string, Set<number>> {
  const byClass = new Map<string, Set<number>>()
  const add = (entity: string, id: number) => {
    if (!Number.isSafeInteger(id)) return
    let ids = byClass.get(entity)
    if (ids === undefined) byClass.set(entity, (ids = new Set()))
    ids.add(id)
  }
  for (const key of quarantined) {
    const colon = key.lastIndexOf(':')
    add(key.slice(0, colon), Number(key.slice(colon + 1)))
  }
  for (const fix of fixes) add(fix.entity, fix.id)
  return byClass
}
