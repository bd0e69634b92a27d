import { createHash, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { formatRollbackPlan, formatRollbackResult } from '../../src/report/rollback-text.ts'
import { delta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { planRollback } from '../../src/run/rollback-plan.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { inProcessSimulators } from '../helpers/sims.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

const INSTANCE = 'rc'
/** The default map with the X2CRM id column a confirmed map writes (`schema apply` creates it). */
const mapping: Mapping = {
  entities: defaultMapping().entities.map((e) => ({ ...e, sourceIdColumn: 'new_x2crmid' })),
  settings: { publisherPrefix: 'new_', sourceIdColumn: 'new_x2crmid', tags: { mode: 'none' } },
}

async function setUp() {
  let time = Date.parse('2026-11-26T09:00:00Z')
  const { generated, x2crm, dataverse, source, target } = inProcessSimulators({
    seed: 12,
    accounts: 30,
    contacts: 90,
    dataverse: { clock: () => time },
  })
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const metadata = createDataverseMetadataClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => undefined,
  })
  const tables = mapping.entities.map((e) => e.table.logicalName)
  await applySchema(
    planSchema(mapping, await readTargetSchema(metadata, tables, defaultTargetSchema())),
    metadata,
  )
  const ledger = createSqliteLedger(':memory:')
  const deps = {
    source,
    target,
    ledger,
    emit: () => undefined,
    now: () => new Date((time += 1000)),
  }
  const options = { instance: INSTANCE, mapping, batchSize: 15, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  /** Every row of both tables, in id order: what a run must not change. */
  const store = () =>
    createHash('sha256')
      .update(JSON.stringify([dataverse.rows('account'), dataverse.rows('contact')]))
      .digest('hex')
  return { generated, x2crm, dataverse, target, ledger, deps, options, store }
}

/**
 * A migration killed (Ctrl-C) between an UpsertMultiple that reached Dataverse and the ledger's record of it: the
 * write is there, the outcomes never hear of it. Beside it, a row someone else keyed with an X2CRM id: not ours.
 */
async function killedMigration() {
  const set = await setUp()
  const { dataverse, target, deps, options } = set
  const foreign = randomUUID()
  dataverse.seed('contact', [{ contactid: foreign, lastname: 'Imported by hand', new_x2crmid: '99999' }])
  let contactCalls = 0
  const killed = {
    ...target,
    upsertMultiple: async (...args: Parameters<typeof target.upsertMultiple>) => {
      await target.upsertMultiple(...args)
      if (args[0].logicalName === 'contact' && ++contactCalls === 2) throw new Error('SIGINT')
    },
  }
  await expect(migrate(options, { ...deps, target: killed })).rejects.toThrow('SIGINT')
  return { ...set, foreign }
}

describe('rollback checks Dataverse, not only the ledger', () => {
  it('after a migration killed between its writes and its ledger, removes the rows its intents name, and checks out', async () => {
    const { dataverse, deps, foreign } = await killedMigration()
    const undone = await rollback({ mapping }, deps)
    expect(undone.verified).toBe(true)
    expect(dataverse.rows('account')).toHaveLength(0)
    expect(dataverse.rows('contact').map((r) => r['contactid'])).toEqual([foreign])
  })

  it('without intents (a ledger from before them), names every row a killed run left (exit 4), not "verified"', async () => {
    const { dataverse, deps, foreign } = await killedMigration()
    const known = (await deps.ledger.counts((await deps.ledger.runs())[0]?.runId ?? '')).find(
      (c) => c.phase === 'Contacts',
    )
    const contactsBefore = dataverse.rows('contact').length - 1
    expect(contactsBefore).toBeGreaterThan(known?.created ?? 0)

    // The ledger of a run recorded before write intents existed: only outcomes and before-images.
    const noIntents = {
      ...deps.ledger,
      intents: { ...deps.ledger.intents, all: async function* () {} },
    }
    const undone = await rollback({ mapping }, { ...deps, ledger: noIntents })
    const left = dataverse.rows('contact').filter((r) => r['contactid'] !== foreign)
    // Deleting an account deletes its contacts (a parental relationship, which the simulator cascades): what the
    // ledger never heard of is left only where its account was not deleted.
    const orphans = dataverse
      .rows('contact')
      .filter((r) => r['contactid'] !== foreign && r['_parentcustomerid_value'] == null)
    expect(left.length).toBeLessThanOrEqual(contactsBefore - (known?.created ?? 0))
    expect(left.length).toBeGreaterThan(0)
    expect(left.length).toBeGreaterThanOrEqual(orphans.length)
    expect(undone.verified).toBe(false)
    expect(undone.remainingCount).toBe(left.length)
    expect(undone.remaining.map((r) => r.targetId).sort()).toEqual(
      left.map((r) => r['contactid'] as string).sort(),
    )
    for (const r of undone.remaining) {
      expect(r).toMatchObject({ entitySet: 'contacts', x2crmId: expect.any(String) as string })
      expect(r.targetId).toBe(targetIdFor(INSTANCE, 'Contacts', r.x2crmId ?? ''))
    }
    expect(undone.remaining.map((r) => r.targetId)).not.toContain(foreign)
    const text = formatRollbackResult(undone)
    expect(text).toContain(`NOT verified: ${left.length} rows these runs wrote are still in Dataverse`)
    expect(text).toContain(`contacts(${undone.remaining[0]?.targetId ?? '?'}), X2CRM id`)
    expect(text).not.toContain('Verified in Dataverse')
    // The rollback run is failed: running it again retries (and says so again).
    expect((await deps.ledger.runs())[0]).toMatchObject({ kind: 'rollback', status: 'failed' })
  })

  it('passes when the rows are gone, and checks rows a remaining run holds are left alone (rollback of a delta)', async () => {
    const { generated, x2crm, dataverse, deps, options } = await setUp()
    await migrate(options, deps)
    const accounts = generated.dataset.records['Accounts'] ?? []
    const renamed = accounts.filter((a) => a['visibility'] !== 0).slice(0, 4)
    for (const a of renamed) x2crm.upsert('Accounts', { ...a, name: `${String(a['name'])} (renamed)` })
    const changed = await delta(options, deps)
    const accountsAfterMigrate = dataverse.rows('account').length

    const undone = await rollback({ runId: changed.runId, mapping }, deps)
    expect(undone).toMatchObject({ verified: true, remaining: [], remainingCount: 0, unchecked: [] })
    expect(dataverse.rows('account')).toHaveLength(accountsAfterMigrate)
    expect(formatRollbackResult(undone)).toContain('Verified in Dataverse')
  })

  it('--dry-run lists per table what it would delete and restore, and writes nothing anywhere', async () => {
    const { generated, x2crm, dataverse, deps, options, store } = await setUp()
    const migrated = await migrate(options, deps)
    const accounts = generated.dataset.records['Accounts'] ?? []
    for (const a of accounts.filter((r) => r['visibility'] !== 0).slice(0, 3))
      x2crm.upsert('Accounts', { ...a, name: `${String(a['name'])} II` })
    const changed = await delta(options, deps)

    const before = store()
    const requests = dataverse.stats().requests
    const runs = (await deps.ledger.runs()).length
    const plan = await planRollback({ mapping }, deps.ledger)
    expect(store()).toBe(before)
    expect(dataverse.stats().requests).toBe(requests)
    expect(await deps.ledger.runs()).toHaveLength(runs)

    expect(plan.runs.map((r) => r.runId)).toEqual([changed.runId, migrated.runId])
    const created = (phase: string) => migrated.reconciliation.phases.find((p) => p.phase === phase)?.created
    const migrateTables = plan.runs[1]?.tables ?? []
    expect(migrateTables.map((t) => [t.entitySet, t.delete.count])).toEqual([
      ['contacts', created('Contacts')],
      ['accounts', created('Accounts')],
    ])
    expect(migrateTables[0]?.delete.firstIds).toHaveLength(5)
    const text = formatRollbackPlan(plan)
    expect(text).toContain('This rollback spans 2 runs')
    expect(text).toContain(`  contacts (Contacts):\n    delete ${created('Contacts')}: `)
    expect(text).toContain('Dry run: nothing was written')
  })

  it('undoes in bulk with a fraction of the requests of row by row, to the same end state', async () => {
    const counts: Record<string, number> = {}
    for (const method of ['row', 'bulk'] as const) {
      const { dataverse, deps, options } = await setUp()
      await migrate(options, deps)
      const requests = dataverse.stats().requests
      const undone = await rollback({ mapping, method, batchSize: 15 }, deps)
      expect(undone).toMatchObject({ verified: true, remainingCount: 0 })
      expect(dataverse.rows('account')).toHaveLength(0)
      expect(dataverse.rows('contact')).toHaveLength(0)
      counts[method] = dataverse.stats().requests - requests
    }
    expect(counts['bulk']).toBeLessThan((counts['row'] ?? 0) / 10)
  })
})
