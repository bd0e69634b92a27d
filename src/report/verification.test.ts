import { describe, expect, it } from 'vitest'
import type { RunInfo } from '../ledger/ledger.ts'
import { nextWritingRun, showValue, verificationOf, verifyRunFor } from './verification.ts'

let clock = Date.parse('2026-11-26T10:00:00Z')
/** A finished run; list them newest first, as the ledger does. */
function aRun(kind: string, extra: Partial<RunInfo> = {}): RunInfo {
  clock += 60_000
  return {
    runId: `${kind}-${clock}`,
    kind,
    status: 'succeeded',
    startedAt: new Date(clock).toISOString(),
    finishedAt: new Date(clock + 30_000).toISOString(),
    params: { instance: 'prod' },
    ...extra,
  }
}
const verifyOf = (of: string | undefined, extra: Partial<RunInfo> = {}) =>
  aRun('verify', { params: { instance: 'prod', ...(of !== undefined && { of }) }, ...extra })

describe('verifyRunFor', () => {
  it('takes the newest verify run that names the run, passing over failed ones', () => {
    const migrate = aRun('migrate')
    const first = verifyOf(migrate.runId)
    const second = verifyOf(migrate.runId)
    const failed = verifyOf(migrate.runId, { status: 'failed' })
    expect(verifyRunFor(migrate, [failed, second, first, migrate])?.runId).toBe(second.runId)
  })

  it('does not take a verification of a later run, nor one after the next run that wrote to Dataverse', () => {
    const migrate = aRun('migrate')
    const delta = aRun('delta')
    const ofDelta = verifyOf(delta.runId)
    const runs = [ofDelta, delta, migrate]
    expect(verifyRunFor(migrate, runs)).toBeUndefined()
    expect(verifyRunFor(delta, runs)?.runId).toBe(ofDelta.runId)

    // A verify run that names no run counts for the run before it, up to the next migrate, delta or rollback.
    const unnamed = verifyOf(undefined)
    expect(verifyRunFor(migrate, [delta, unnamed, migrate])?.runId).toBe(unnamed.runId)
    const rollback = aRun('rollback', { params: { of: migrate.runId } })
    const afterRollback = verifyOf(undefined)
    expect(verifyRunFor(migrate, [afterRollback, rollback, migrate])).toBeUndefined()
    const otherInstance = verifyOf(undefined, { params: { instance: 'staging' } })
    expect(verifyRunFor(migrate, [otherInstance, migrate])).toBeUndefined()
  })
})

describe('a delta that found nothing to change', () => {
  const idle = (phases: { created: number; updated: number; deleted: number }[]) =>
    aRun('delta', { summary: { reconciliation: { phases, balanced: true } } })

  it('does not overtake the run before it: a verification of it is a verification of that run', () => {
    const cutover = aRun('delta')
    const again = idle([{ created: 0, updated: 0, deleted: 0 }])
    const check = verifyOf(again.runId)
    const runs = [check, again, cutover]
    expect(nextWritingRun(cutover, runs)).toBeUndefined()
    expect(verifyRunFor(cutover, runs)?.runId).toBe(check.runId)
  })

  it('overtakes it when it wrote anything', () => {
    const cutover = aRun('delta')
    const again = idle([{ created: 0, updated: 1, deleted: 0 }])
    const check = verifyOf(again.runId)
    const runs = [check, again, cutover]
    expect(nextWritingRun(cutover, runs)?.runId).toBe(again.runId)
    expect(verifyRunFor(cutover, runs)).toBeUndefined()
  })
})

describe('nextWritingRun', () => {
  it('is the first migrate, delta or rollback after the run, not a verify and not a later writer', () => {
    const migrate = aRun('migrate')
    const check = verifyOf(migrate.runId)
    const delta = aRun('delta')
    const rollback = aRun('rollback')
    const runs = [rollback, delta, check, migrate]
    expect(nextWritingRun(migrate, runs)?.runId).toBe(delta.runId)
    expect(nextWritingRun(delta, runs)?.runId).toBe(rollback.runId)
    expect(nextWritingRun(rollback, runs)).toBeUndefined()
  })
})

describe('verificationOf', () => {
  it('turns a verify summary into per-object counts and per-column tables with examples, most rows first', () => {
    const run = verifyOf('m1', {
      summary: {
        of: 'm1',
        sample: 200,
        ok: false,
        seconds: 3,
        entities: [
          {
            entity: 'Contacts',
            checked: 10,
            matched: 6,
            mismatched: 4,
            missing: 1,
            notMigrated: 2,
            byColumn: { firstname: 1, jobtitle: 4 },
            mismatches: [1, 2, 3, 4].map((i) => ({
              sourceKey: `Contacts:${i}`,
              targetId: `t${i}`,
              field: 'title',
              column: 'jobtitle',
              expected: `T${i}`,
              actual: null,
            })),
            missingKeys: ['Contacts:9'],
          },
        ],
      },
    })
    const report = verificationOf(run)
    expect(report).toMatchObject({ runId: run.runId, of: 'm1', sample: 200, ok: false })
    expect(report?.entities[0]).toMatchObject({
      checked: 10,
      mismatched: 4,
      missing: 1,
      missingKeys: ['Contacts:9'],
    })
    expect(report?.entities[0]?.columns).toEqual([
      {
        column: 'jobtitle',
        field: 'title',
        rows: 4,
        examples: [1, 2, 3].map((i) => ({ sourceKey: `Contacts:${i}`, expected: `T${i}`, actual: null })),
      },
      // A column counted in byColumn whose examples were not kept still gets its row.
      { column: 'firstname', field: '', rows: 1, examples: [] },
    ])
  })

  it('has nothing for a verify run that failed, or for another kind of run', () => {
    expect(verificationOf(verifyOf('m1', { status: 'failed', summary: { error: 'down' } }))).toBeUndefined()
    expect(verificationOf(aRun('migrate', { summary: { entities: [] } }))).toBeUndefined()
  })
})

describe('showValue', () => {
  it('quotes strings and says when a value is empty', () => {
    expect([showValue('a'), showValue(3), showValue(null), showValue('')]).toEqual([
      '"a"',
      '3',
      '(empty)',
      '(empty)',
    ])
  })
})
