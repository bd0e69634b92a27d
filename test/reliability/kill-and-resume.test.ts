import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { rowsRunMayHaveWritten } from '../../src/run/rows-written.ts'
import { createRandom } from '../../sim/seed/random.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { type CliEvent, expectSameRows, runCli, snapshot, TABLES } from './helpers.ts'

/**
 * A migration of generated data killed (SIGKILL, or SIGINT and its graceful stop) at seeded random points of its
 * extraction, load and link pass, resumed each time, must end as a clean run ends: the same rows, each with the same
 * content, none twice. After every kill, the ledger's write intents cover every row Dataverse holds.
 */
const RECORDS = Number(process.env['RELIABILITY_RECORDS'] ?? 20_000)
const KILLS = Number(process.env['RELIABILITY_KILLS'] ?? 12)
const SEED = Number(process.env['RELIABILITY_SEED'] ?? 20_261_203)
const ACCOUNTS = Math.round(RECORDS / 4)
const CONTACTS = RECORDS - ACCOUNTS
const BATCH = 100

const PHASES = ['Accounts', 'Contacts', 'Accounts.links'] as const

interface KillPoint {
  phase: (typeof PHASES)[number]
  /** Records of the phase done when the kill comes; 0: when the phase starts (reading X2CRM, nothing loaded yet). */
  done: number
  signal: 'SIGKILL' | 'SIGINT'
}

function killPoints(): KillPoint[] {
  const random = createRandom(SEED)
  const next = () => random.next()
  const sizes = { Accounts: ACCOUNTS, Contacts: CONTACTS, 'Accounts.links': ACCOUNTS }
  const total = ACCOUNTS + CONTACTS + ACCOUNTS
  // At least one kill per phase, one of them as the phase starts; the rest spread by the phases' sizes.
  const points: KillPoint[] = PHASES.map((phase, i) => ({
    phase,
    done: i === 1 ? 0 : Math.floor(next() * sizes[phase]),
    signal: next() < 0.5 ? 'SIGKILL' : 'SIGINT',
  }))
  while (points.length < KILLS) {
    let at = Math.floor(next() * total)
    const phase = PHASES.find((p) => (at -= sizes[p]) < 0) ?? 'Contacts'
    points.push({
      phase,
      done: Math.floor(next() * sizes[phase]),
      signal: next() < 0.5 ? 'SIGKILL' : 'SIGINT',
    })
  }
  return points.sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.done - b.done)
}

/** `x2d365 migrate`, killed with `point.signal` when it reaches the point (or has passed it). */
function runMigrate(sims: { configPath: string; env: Record<string, string> }, point?: KillPoint) {
  const reached = (e: CliEvent) => {
    if (point === undefined || e.phase === undefined) return false
    const phase = PHASES.indexOf(e.phase as KillPoint['phase'])
    const target = PHASES.indexOf(point.phase)
    if (phase < 0) return false
    if (phase > target) return e.type === 'phase.started' || e.type === 'batch.loaded'
    if (phase < target) return false
    return point.done === 0
      ? e.type === 'phase.started'
      : e.type === 'batch.loaded' && (e.done ?? 0) >= point.done
  }
  return runCli(['migrate'], sims, point === undefined ? undefined : { when: reached, signal: point.signal })
}

describe(`kill -9 and Ctrl-C at ${KILLS} seeded points of a ${RECORDS}-record migration (seed ${SEED})`, () => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  async function simulators(prefix: string) {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    const sims = await serveBothSimulators(dir, {
      accounts: ACCOUNTS,
      contacts: CONTACTS,
      batchSize: BATCH,
      seed: 9,
    })
    cleanups.push(async () => {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    })
    return { dir, sims }
  }

  it('ends with exactly the rows of a clean run, each with the same content, none twice', async () => {
    const started = Date.now()
    const clean = await simulators('x2d365-rel-clean-')
    const cleanRun = await runMigrate(clean.sims)
    expect(cleanRun.events.at(-1)).toMatchObject({ type: 'run.finished', reconciliation: { balanced: true } })
    const expected = snapshot(clean.sims.dataverse)
    const cleanSeconds = (Date.now() - started) / 1000

    const { dir, sims } = await simulators('x2d365-rel-killed-')
    const points = killPoints()
    const log: string[] = []
    let runId: string | undefined
    let finished: CliEvent | undefined
    for (const point of points) {
      const run = await runMigrate(sims, point)
      runId ??= run.events.find((e) => e.type === 'run.started')?.runId
      finished = run.events.find((e) => e.type === 'run.finished')
      if (run.killedAt === undefined || finished !== undefined) {
        // A Ctrl-C during the last batch lets the run finish: there is no new batch to refuse.
        log.push(`  ${point.signal} planned at ${point.phase} ${point.done}: the run finished first`)
        break
      }
      if (point.signal === 'SIGINT') expect(run.code).toBe(130)
      else expect(run.signal).toBe('SIGKILL')
      const at = `${run.killedAt.type} ${run.killedAt.phase ?? ''} ${run.killedAt.done ?? ''}`.trim()
      // Whatever the kill left in Dataverse, the ledger knows the run may have written it.
      const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
      try {
        const written = await rowsRunMayHaveWritten(ledger, runId ?? '')
        for (const t of TABLES) {
          const known = new Set(written.get(t.entitySet)?.created ?? [])
          const unknown = sims.dataverse.rows(t.logicalName).filter((r) => !known.has(String(r[t.primaryId])))
          expect(unknown, `${t.logicalName} rows the intents miss after ${point.signal} at ${at}`).toEqual([])
        }
      } finally {
        await ledger.close()
      }
      log.push(
        `  ${point.signal.padEnd(7)} planned at ${point.phase} ${point.done}, came at ${at}: ` +
          `${sims.dataverse.rows('account').length} accounts, ${sims.dataverse.rows('contact').length} contacts in Dataverse`,
      )
    }

    finished ??= (await runMigrate(sims)).events.find((e) => e.type === 'run.finished')
    expect(finished).toMatchObject({ runId, reconciliation: { balanced: true } })
    const actual = snapshot(sims.dataverse)

    const compared = expectSameRows(expected, actual, 'after the kills and resumes')
    // Each source record has one outcome per phase in the run, and none was booked as a pre-existing row.
    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    try {
      const counts = await ledger.counts(runId ?? '')
      for (const phase of counts.filter((c) => !c.phase.endsWith('.links'))) expect(phase.updated).toBe(0)
      const images = []
      for await (const image of ledger.beforeImages(runId ?? '')) images.push(image)
      expect(images).toEqual([])
    } finally {
      await ledger.close()
    }

    const seconds = (Date.now() - started) / 1000
    console.log(
      [
        `Reliability: ${RECORDS} records (${ACCOUNTS} accounts, ${CONTACTS} contacts), seed ${SEED}, batch ${BATCH}`,
        `Clean run: ${cleanSeconds.toFixed(0)}s`,
        `Kill points (${log.length}):`,
        ...log,
        `Compared ${compared} rows (count, id and content hash per row) with the clean run: equal, no duplicates`,
        `Total: ${seconds.toFixed(0)}s`,
      ].join('\n'),
    )
  })
})
