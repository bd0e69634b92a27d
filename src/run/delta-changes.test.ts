import { describe, expect, it } from 'vitest'
import type { RunInfo } from '../ledger/ledger.ts'
import type { ChangeFinder } from '../source/x2crm/changes.ts'
import { candidatesOf, planChanges, readingOf, CHANGES_MARGIN_SECONDS } from './delta-changes.ts'

const run = (runId: string, kind: string, startedAt: string, extra: Partial<RunInfo> = {}): RunInfo => ({
  runId,
  kind,
  status: 'succeeded',
  startedAt,
  params: { instance: 'x2' },
  ...extra,
})

/** A finder whose database clock reads `dbNow` (unix seconds). */
const finderAt = (dbNow: number): ChangeFinder => ({
  now: async () => dbNow,
  covers: () => true,
  async *ids() {},
  touched: async () => new Set(),
})

const NOW = new Date('2026-12-04T12:00:00Z')
const context = { instance: 'x2', current: 'd3', now: NOW }
const seconds = (iso: string) => Date.parse(iso) / 1000

describe('planChanges', () => {
  it('takes the watermark from the newest good run of the instance, less the margin and the clock skew', async () => {
    const runs = [
      run('d3', 'delta', '2026-12-04T12:00:00Z', { status: 'running' }),
      run('d2', 'delta', '2026-12-04T11:00:00Z', { status: 'failed' }),
      run('v1', 'verify', '2026-12-04T10:30:00Z'),
      run('o1', 'delta', '2026-12-04T10:20:00Z', { params: { instance: 'other' } }),
      run('d1', 'delta', '2026-12-04T10:00:00Z'),
      run('m1', 'migrate', '2026-12-04T09:00:00Z'),
    ]
    // The database's clock is 30 s behind this machine's: X2CRM stamped a change at our 10:00 as 09:59:30.
    const plan = await planChanges(
      undefined,
      finderAt(seconds('2026-12-04T11:59:30Z')),
      { runs: async () => runs },
      context,
    )
    expect(plan).toMatchObject({
      mode: 'changelog',
      after: 'd1',
      since: seconds('2026-12-04T09:59:30Z') - CHANGES_MARGIN_SECONDS,
    })
    expect(readingOf(plan)).toEqual({ mode: 'changelog', since: '2026-12-04T09:49:30.000Z', after: 'd1' })
  })

  it("skips runs a rollback undid and rehearsals (their hashes are not the ledger's)", async () => {
    const runs = [
      run('r1', 'rollback', '2026-12-04T11:30:00Z', { params: { of: 'd1' } }),
      run('d1', 'delta', '2026-12-04T11:00:00Z'),
      run('s1', 'migrate', '2026-12-04T10:00:00Z', { params: { instance: 'x2', sample: 10 } }),
      run('m1', 'migrate', '2026-12-04T09:00:00Z'),
    ]
    const plan = await planChanges(
      'changelog',
      finderAt(seconds(NOW.toISOString())),
      { runs: async () => runs },
      {
        ...context,
        marginSeconds: 0,
      },
    )
    expect(plan).toMatchObject({ mode: 'changelog', after: 'm1', since: seconds('2026-12-04T09:00:00Z') })
  })

  it('compares everything when asked, through the API, or with no run to start from', async () => {
    const runs = async () => [run('m1', 'migrate', '2026-12-04T09:00:00Z')]
    expect(await planChanges('full', finderAt(0), { runs }, context)).toMatchObject({ mode: 'full' })
    expect(await planChanges(undefined, undefined, { runs }, context)).toMatchObject({
      mode: 'full',
      why: expect.stringMatching(/API v2 has no change log/) as unknown,
    })
    expect(await planChanges(undefined, finderAt(0), { runs: async () => [] }, context)).toMatchObject({
      mode: 'full',
    })
  })

  it('refuses changelog mode without the database', async () => {
    await expect(planChanges('changelog', undefined, { runs: async () => [] }, context)).rejects.toThrow(
      /only the database has: configure source.mysql, or run the delta with --changes full/,
    )
  })
})

describe('candidatesOf', () => {
  it('groups quarantined source keys and fixed records by class', () => {
    const byClass = candidatesOf(
      ['Contacts:4', 'Actions:12', 'Contacts:9'],
      [
        { entity: 'Contacts', id: 4 },
        { entity: 'Accounts', id: 2 },
      ],
    )
    expect(
      Object.fromEntries([...byClass].map(([entity, ids]) => [entity, [...ids].sort((a, b) => a - b)])),
    ).toEqual({
      Contacts: [4, 9],
      Actions: [12],
      Accounts: [2],
    })
  })
})
