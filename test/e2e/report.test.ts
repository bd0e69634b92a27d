import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { reportCommand } from '../../src/cli/commands/report.ts'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { CONTACT, accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { verify } from '../../src/run/verify.ts'
import type { RunReport } from '../../src/report/run-report.ts'
import { inProcessSimulators } from '../helpers/sims.ts'

const INSTANCE = 'rp'
const mapping = accountsContactsMapping()
const dir = mkdtempSync(join(tmpdir(), 'x2d365-report-e2e-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let stdout: string[] = []
beforeEach(() => {
  stdout = []
  vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
    stdout.push(String(text))
    return true
  })
})
afterEach(() => vi.restoreAllMocks())

/** Both simulators in process and a SQLite ledger in a file, as `x2d365 report` reads it. */
function setUp(name: string) {
  const { generated, x2crm, source, target } = inProcessSimulators({
    seed: 31,
    accounts: 40,
    contacts: 60,
  })
  const ledgerPath = join(dir, `${name}.sqlite`)
  const ledger = createSqliteLedger(ledgerPath)
  const events: RunEvent[] = []
  // Every run a few seconds after the last, so the ledger lists them in the order they ran.
  let time = Date.parse('2026-11-26T09:00:00Z')
  const deps = {
    source,
    target,
    ledger,
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date((time += 1000)),
  }
  const options = { instance: INSTANCE, mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  /** `x2d365 report --ledger … [--run …]`: the report it wrote, as JSON, Markdown and HTML. */
  const report = async (runId?: string) => {
    const out = join(dir, name, runId ?? 'newest')
    const code = await reportCommand({
      config: join(dir, 'none.yaml'),
      ledger: ledgerPath,
      out,
      // Without --run, `report` writes the migration's report: these tests read the newest run's.
      run: runId ?? (await ledger.runs())[0]?.runId ?? 'none',
    })
    expect(code).toBe(0)
    return {
      json: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport,
      md: readFileSync(join(out, 'report.md'), 'utf8'),
      html: readFileSync(join(out, 'report.html'), 'utf8'),
    }
  }
  return { generated, x2crm, deps, events, options, report }
}

describe('x2d365 report, after the runs of a migration', () => {
  it('migrate → report says not verified yet → verify → the report shows what verify found, field by field', async () => {
    const { deps, events, options, report } = setUp('verified')
    const migrated = await migrate(options, deps)

    const before = await report()
    expect(before.json).toMatchObject({ runId: migrated.runId, kind: 'migrate', verification: null })
    expect(before.md).toContain('Not verified yet: run `x2d365 verify`')
    expect(stdout.join('')).toContain('Not verified yet: run `x2d365 verify` (then `x2d365 report` again).')

    // Someone edits a migrated contact in Dataverse.
    let edited = ''
    for await (const row of deps.target.query('contacts', { select: ['contactid'], top: 1 }))
      edited = String(row['contactid'])
    await deps.target.upsert(CONTACT, { targetId: edited, values: { jobtitle: 'Changed by hand' } })
    events.length = 0
    const checked = await verify({ instance: INSTANCE, mapping }, deps)
    expect(checked.ok).toBe(false)

    // Progress: every object has a bar whose total is what verify read, and it reaches it.
    const started = events.filter((e) => e.type === 'phase.started')
    expect(started.map((e) => e.type === 'phase.started' && e.phase)).toEqual(['Accounts', 'Contacts'])
    for (const s of started) {
      if (s.type !== 'phase.started') continue
      const last = events.filter((e) => e.type === 'batch.loaded' && e.phase === s.phase).at(-1)
      expect(last).toMatchObject({ done: s.sourceCount, total: s.sourceCount })
    }

    // The migrate run's report now carries that verification; the newest run is the verify run itself.
    const after = await report(migrated.runId)
    const contacts = after.json.verification?.entities.find((e) => e.entity === 'Contacts')
    const verifiedContacts = checked.entities.find((e) => e.entity === 'Contacts')
    expect(after.json.verification).toMatchObject({ runId: checked.runId, of: migrated.runId, ok: false })
    expect(contacts).toMatchObject({
      checked: verifiedContacts?.checked,
      matched: (verifiedContacts?.checked ?? 0) - 1,
      mismatched: 1,
      missing: 0,
    })
    expect(contacts?.columns).toEqual([
      {
        column: 'jobtitle',
        field: 'title',
        rows: 1,
        examples: [expect.objectContaining({ actual: 'Changed by hand' })],
      },
    ])
    expect(after.md).toMatch(
      /\| Contacts \| jobtitle \| title \| 1 \| Contacts:\d+: .* → "Changed by hand" \|/,
    )
    expect(after.html).toContain('id="verification-columns"')
    expect(after.html).toContain('Changed by hand')
    expect(stdout.join('')).toContain(`Verified by run ${checked.runId}: differences found`)

    const itself = await report()
    expect(itself.json).toMatchObject({ runId: checked.runId, kind: 'verify', verification: { ok: false } })
    expect(itself.json.recordsPerSecond).toBeGreaterThan(0)
    expect(itself.md).toContain('## Verification')
    expect(itself.md).not.toContain('## Reconciliation')
  })

  it('delta → report shows what X2CRM changed per class and the deletion policy; rollback → what it undid', async () => {
    const { generated, x2crm, deps, options, report } = setUp('delta')
    const migrated = await migrate(options, deps)
    const loaded = await deps.ledger.loaded(
      (generated.dataset.records['Accounts'] ?? []).map((a) => `Accounts:${String(a['id'])}`),
    )
    const [renamed] = (generated.dataset.records['Accounts'] ?? []).filter((a) =>
      loaded.has(`Accounts:${String(a['id'])}`),
    )
    if (!renamed) throw new Error('no loaded account')
    x2crm.upsert('Accounts', {
      ...renamed,
      name: 'Renamed in X2CRM',
      lastUpdated: Math.floor(Date.now() / 1000),
    })

    const changed = await delta(options, deps)
    const { json, md, html } = await report()
    expect(json).toMatchObject({ runId: changed.runId, kind: 'delta', verification: null })
    expect(json.changes).toEqual({
      since: migrated.runId,
      deletions: 'deactivate',
      entities: changed.entities.map((e) => ({
        entity: e.entity,
        ...e.found,
        new: e.found.new - e.retried,
        retried: e.retried,
      })),
    })
    const accounts = json.changes?.entities.find((e) => e.entity === 'Accounts')
    expect(accounts?.changed).toBeGreaterThanOrEqual(1)
    expect(accounts?.unchanged).toBeGreaterThan(0)
    expect(md).toContain('## What changed in X2CRM')
    expect(md).toContain(
      `| Accounts | ${accounts?.new} | ${accounts?.retried} | ${accounts?.changed} | ${accounts?.deleted} | ${accounts?.unchanged} |`,
    )
    expect(md).toContain('Rows of records deleted in X2CRM: deactivated')
    expect(html).toContain('id="changes-table"')
    // Timings: the delta's own duration, its changes per second, and every record it read to find them.
    expect(json.seconds).toBe(changed.seconds)
    const examined = changed.entities.reduce(
      (n, e) => n + e.found.new + e.found.changed + e.found.deleted + e.found.unchanged,
      0,
    )
    expect(json.examined?.records).toBe(examined)
    expect(md).toContain(`- examined: ${examined} X2CRM records`)

    await verify({ instance: INSTANCE, mapping }, deps)
    expect((await report(changed.runId)).json.verification).toMatchObject({ of: changed.runId, ok: true })
    // The migration is not what that verify checked: a delta ran after it.
    const overtaken = await report(migrated.runId)
    expect(overtaken.json).toMatchObject({
      verification: null,
      overtakenBy: { runId: changed.runId, kind: 'delta' },
    })
    expect(overtaken.md).toContain(`Not verified before the delta run ${changed.runId} wrote to Dataverse`)

    const undone = await rollback({ mapping }, deps)
    const undo = await report()
    expect(undo.json).toMatchObject({
      runId: undone.runId,
      kind: 'rollback',
      undo: { of: migrated.runId, ofKind: 'migrate', verified: true },
    })
    expect(undo.md).toContain('## What the rollback undid')
    expect(undo.md).toContain(`It undid the migrate run ${migrated.runId}`)
  })
})
