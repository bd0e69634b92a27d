import { describe, expect, it } from 'vitest'
import type { RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import { reconcile } from '../run/reconciliation.ts'
import { renderHtml } from './render-html.ts'
import { renderMarkdown } from './render-markdown.ts'
import { addRelatedRuns, describeTimings, summarizeRun } from './run-report.ts'

async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items
}

const counts = (
  phase: string,
  c: Partial<Record<'created' | 'updated' | 'deleted' | 'skipped', number>>,
) => ({
  phase,
  created: 0,
  updated: 0,
  quarantined: 0,
  skipped: 0,
  deleted: 0,
  restored: 0,
  ...c,
})

const migrateRun: RunInfo = {
  runId: 'm1',
  kind: 'migrate',
  status: 'succeeded',
  startedAt: '2026-11-26T10:00:00.000Z',
  finishedAt: '2026-11-26T10:00:10.000Z',
  params: { instance: 'prod' },
  summary: {
    seconds: 10,
    reconciliation: reconcile(
      new Map([
        ['Accounts', 300],
        ['Accounts.links', 50],
      ]),
      [counts('Accounts', { created: 300 }), counts('Accounts.links', { updated: 50 })],
    ),
  },
}

const deltaRun: RunInfo = {
  runId: 'd1',
  kind: 'delta',
  status: 'succeeded',
  startedAt: '2026-11-26T11:00:00.000Z',
  finishedAt: '2026-11-26T11:00:40.000Z',
  params: { instance: 'prod', deletions: 'delete' },
  summary: {
    seconds: 40,
    since: 'm1',
    deletions: 'delete',
    entities: [
      { entity: 'Accounts', found: { new: 5, changed: 2, deleted: 3, unchanged: 990 }, retried: 4 },
      { entity: 'Contacts', found: { new: 0, changed: 0, deleted: 0, unchanged: 3000 } },
    ],
    reconciliation: reconcile(new Map([['Accounts', 6]]), [
      counts('Accounts', { created: 1, updated: 2, deleted: 3 }),
    ]),
  },
}

const verifyRun: RunInfo = {
  runId: 'v1',
  kind: 'verify',
  status: 'succeeded',
  startedAt: '2026-11-26T11:05:00.000Z',
  finishedAt: '2026-11-26T11:05:04.000Z',
  params: { instance: 'prod', all: false, sample: 200, of: 'd1' },
  summary: {
    of: 'd1',
    sample: 200,
    ok: false,
    seconds: 4,
    entities: [
      {
        entity: 'Accounts',
        checked: 198,
        matched: 197,
        mismatched: 1,
        missing: 2,
        notMigrated: 0,
        byColumn: { name: 1 },
        mismatches: [
          {
            sourceKey: 'Accounts:7',
            targetId: 't7',
            field: 'name',
            column: 'name',
            expected: 'Acme <Ltd>',
            actual: 'Acme | Ltd',
          },
        ],
        missingKeys: ['Accounts:8', 'Accounts:9'],
      },
    ],
  },
}

const rollbackRun: RunInfo = {
  runId: 'r1',
  kind: 'rollback',
  status: 'succeeded',
  startedAt: '2026-11-26T12:00:00.000Z',
  finishedAt: '2026-11-26T12:00:05.000Z',
  params: { of: 'd1' },
  summary: { of: 'd1', deleted: 1, restored: 5, remaining: 0, mismatched: 0 },
}

const outcome = (phase: string, n: number, status: RecordOutcome['status']): RecordOutcome => ({
  runId: 'r1',
  phase,
  sourceKey: `Accounts:${n}`,
  status,
  ...(status === 'skipped' ? { reason: 'already gone' } : { targetId: `t${n}` }),
})

describe('summarizeRun', () => {
  it('gives a delta its changes per class, the deletion policy, and two rates: changes loaded and records examined', async () => {
    const report = await summarizeRun(deltaRun, streamOf([]))
    expect(report.changes).toEqual({
      since: 'm1',
      deletions: 'delete',
      entities: [
        { entity: 'Accounts', new: 1, retried: 4, changed: 2, deleted: 3, unchanged: 990 },
        { entity: 'Contacts', new: 0, retried: 0, changed: 0, deleted: 0, unchanged: 3000 },
      ],
    })
    // 6 changes in 40 s is not "0 records/s"; 4000 records were read and hashed to find them.
    expect(report.recordsPerSecond).toBe(0.2)
    expect(report.examined).toEqual({ records: 4000, perSecond: 100 })
    expect(describeTimings(report)).toEqual([
      'Duration: 40.0 s',
      'Throughput: 0.2 changes loaded/s',
      'Examined: 4000 X2CRM records (100/s)',
    ])
  })

  it('does not count a link pass twice in a migration throughput', async () => {
    const report = await summarizeRun(migrateRun, streamOf([]))
    expect(report.recordsPerSecond).toBe(30)
    expect(report.changes).toBeUndefined()
    expect(report.verification).toBeUndefined()
  })

  it('shows the retries a run’s summary kept, per cause, in both renderers', async () => {
    const retries = { throttled: 12, unavailable: 3, serverError: 0, reset: 1, timeout: 0 }
    const report = await summarizeRun(
      { ...migrateRun, summary: { ...migrateRun.summary, retries } },
      streamOf([]),
    )
    expect(report.retries).toEqual(retries)
    expect(describeTimings(report)).toContain(
      'Retries: 12 throttled (429), 3 unavailable (503), 1 connection reset',
    )
    expect(renderMarkdown(report)).toContain('retries: 12 throttled (429)')
    expect((await summarizeRun(migrateRun, streamOf([]))).retries).toBeUndefined()
  })

  it('gives a rollback what it undid per phase, its check, and its timing from the run itself', async () => {
    const report = await summarizeRun(
      rollbackRun,
      streamOf([
        outcome('Accounts', 1, 'deleted'),
        ...[2, 3, 4, 5, 6].map((n) => outcome('Accounts', n, 'restored')),
        outcome('Contacts', 7, 'skipped'),
      ]),
    )
    expect(report.undo).toEqual({
      of: 'd1',
      deleted: 1,
      restored: 5,
      remaining: 0,
      mismatched: 0,
      verified: true,
      phases: [
        { phase: 'Accounts', deleted: 1, restored: 5, skipped: 0, quarantined: 0 },
        { phase: 'Contacts', deleted: 0, restored: 0, skipped: 1, quarantined: 0 },
      ],
    })
    expect(report.seconds).toBe(5)
    expect(report.recordsPerSecond).toBe(1.2)
    expect(report.skipped.groups[0]).toMatchObject({ reason: 'already gone', count: 1 })
  })

  it('counts what a rollback that stopped got done from its outcomes', async () => {
    const { finishedAt: _, summary: __, ...running } = rollbackRun
    const report = await summarizeRun(
      { ...running, status: 'running' },
      streamOf([outcome('Accounts', 1, 'deleted'), outcome('Accounts', 2, 'deleted')]),
    )
    expect(report.undo).toMatchObject({ of: 'd1', deleted: 2, restored: 0, verified: false })
    expect(renderMarkdown(report)).toContain('**The rollback did not finish.** Run `x2d365 rollback` again')
  })

  it('names the rows a failed rollback found still in Dataverse, with their X2CRM ids', async () => {
    const id = '6f1c2a4e-0000-5000-8000-000000000001'
    const report = await summarizeRun(
      {
        ...rollbackRun,
        status: 'failed',
        summary: {
          ...rollbackRun.summary,
          remaining: 3,
          remainingRows: [{ entitySet: 'contacts', targetId: id, x2crmId: '17' }, 'not a row'],
        },
      },
      streamOf([]),
    )
    expect(report.undo).toMatchObject({
      remaining: 3,
      remainingRows: [{ entitySet: 'contacts', targetId: id, x2crmId: '17' }],
    })
    expect(renderMarkdown(report)).toContain(`| contacts | ${id} | 17 |`)
    expect(renderHtml(report)).toContain(`<td><code>${id}</code></td><td>17</td>`)
  })

  it('makes a verify run report its own results, with rows compared per second', async () => {
    const report = await summarizeRun(verifyRun, streamOf([]))
    expect(report.verification).toMatchObject({ runId: 'v1', of: 'd1', sample: 200, ok: false })
    expect(report.recordsPerSecond).toBe(50)
    expect(report.reconciliation).toBeUndefined()
  })

  it('keeps the reason a verify run stopped', async () => {
    const report = await summarizeRun(
      { ...verifyRun, status: 'failed', summary: { error: 'Dataverse said 503' } },
      streamOf([]),
    )
    expect(report.error).toBe('Dataverse said 503')
    expect(report.verification).toBeUndefined()
    expect(renderHtml(report)).toContain('It stopped: Dataverse said 503')
  })
})

describe('addRelatedRuns', () => {
  it('attaches the verification that checked a migrate or delta run, or null when none did', async () => {
    const runs = [rollbackRun, verifyRun, deltaRun, migrateRun]
    const delta = addRelatedRuns(await summarizeRun(deltaRun, streamOf([])), runs)
    expect(delta.verification).toMatchObject({ runId: 'v1', ok: false })
    const migrate = addRelatedRuns(await summarizeRun(migrateRun, streamOf([])), runs)
    expect(migrate.verification).toBeNull()
    // A verification now would check the state after the delta: the report says so instead of "run verify".
    expect(migrate.overtakenBy).toEqual({ runId: 'd1', kind: 'delta' })
    expect(renderMarkdown(migrate)).toContain('Not verified before the delta run d1 wrote to Dataverse')
  })

  it('names the kind of the run a rollback undid', async () => {
    const report = addRelatedRuns(await summarizeRun(rollbackRun, streamOf([])), [rollbackRun, deltaRun])
    expect(report.undo).toMatchObject({ of: 'd1', ofKind: 'delta' })
  })
})

describe('the rendered report', () => {
  it('shows a delta its changes, the deletion policy, the deleted column and its verification, in Markdown and HTML', async () => {
    const report = addRelatedRuns(await summarizeRun(deltaRun, streamOf([])), [verifyRun, deltaRun])
    const md = renderMarkdown(report)
    expect(md).toContain('## What changed in X2CRM')
    expect(md).toContain('| Accounts | 1 | 4 | 2 | 3 | 990 |')
    expect(md).toContain(
      'Rows of records deleted in X2CRM: deleted from Dataverse (a rollback re-creates them',
    )
    expect(md).toContain(
      '| phase | source | created | updated | deleted | quarantined | skipped | balanced |',
    )
    expect(md).toContain('| Accounts | 6 | 1 | 2 | 3 | 0 | 0 | yes |')
    expect(md).toContain(
      '**Differences found:** 1 record differs from its source, 2 records missing from Dataverse.',
    )
    expect(md).toContain('| Accounts | 198 | 197 | 1 | 2 | 0 |')
    // A pipe in a value would end the table cell.
    expect(md).toContain('| Accounts | name | name | 1 | Accounts:7: "Acme &lt;Ltd>" → "Acme \\| Ltd" |')
    expect(md).toContain('Accounts: missing from Dataverse: Accounts:8, Accounts:9')

    const html = renderHtml(report)
    expect(html).toContain('<tr data-entity="Accounts"><td>Accounts</td><td class="n">1</td>')
    expect(html).toContain('Accounts:7: &#34;Acme &#60;Ltd&#62;&#34; → &#34;Acme | Ltd&#34;')
    expect(html).toContain('id="verification-verdict" class="bad"')
    expect(html).not.toMatch(/<script|https?:\/\//)
  })

  it('says a run is not verified yet and what to run', async () => {
    const report = addRelatedRuns(await summarizeRun(migrateRun, streamOf([])), [migrateRun])
    expect(report.overtakenBy).toBeUndefined()
    expect(renderMarkdown(report)).toContain('Not verified yet: run `x2d365 verify`')
    expect(renderHtml(report)).toContain('Not verified yet: run <code>x2d365 verify</code>')
  })

  it('reports a verify run as its results only, and a rollback as what it undid', async () => {
    const verify = renderMarkdown(await summarizeRun(verifyRun, streamOf([])))
    expect(verify).toContain('read back a random sample of up to 200 records per object; it checked run d1')
    expect(verify).not.toContain('## Reconciliation')
    expect(verify).not.toContain('## Quarantined records')

    const rollback = renderMarkdown(
      addRelatedRuns(await summarizeRun(rollbackRun, streamOf([outcome('Accounts', 1, 'deleted')])), [
        rollbackRun,
        deltaRun,
      ]),
    )
    expect(rollback).toContain('## What the rollback undid')
    expect(rollback).toContain(
      'It undid the delta run d1: deleted 1 rows that run created and restored 5 rows',
    )
    expect(rollback).not.toContain('## Reconciliation')
  })

  it('tells a delta that stopped that the next delta picks up, not to resume', async () => {
    const stopped = await summarizeRun(
      { ...deltaRun, status: 'failed', summary: { interrupted: true, continuedBy: 'the next delta' } },
      streamOf([]),
    )
    expect(renderMarkdown(stopped)).toContain('the next `x2d365 delta` loads the rest')
  })
})
