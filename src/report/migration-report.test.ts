import { describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../ledger/memory.ts'
import { defaultMapping } from '../mapping/default-map.ts'
import { buildMigrationReport } from './migration-report.ts'
import { renderMigrationMarkdown } from './render-migration-markdown.ts'

describe('the migration report', () => {
  it('names the requests the migration sent again, per cause, as its summary kept them', async () => {
    const ledger = createMemoryLedger()
    const run = await ledger.startRun('migrate', { instance: 'prod' }, new Date('2026-12-01T09:00:00Z'))
    const retries = { throttled: 40, unavailable: 8, serverError: 0, reset: 4, timeout: 1 }
    await ledger.finishRun(run.runId, 'succeeded', new Date('2026-12-01T09:10:00Z'), {
      seconds: 600,
      retries,
    })
    const report = await buildMigrationReport({
      runs: await ledger.runs(),
      ledger,
      mapping: defaultMapping(),
      identity: {
        source: { instance: 'prod' },
        target: {},
        map: { kind: 'built-in' },
        version: '0.1.0',
        operator: 'test',
        generatedAt: '2026-12-01T10:00:00Z',
      },
    })
    expect(report.migration?.retries).toEqual(retries)
    expect(renderMigrationMarkdown(report)).toContain(
      '- requests sent again: 40 throttled (429), 8 unavailable (503), 4 connection resets, 1 timeout',
    )
  })
})
