import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { standardTables } from '../../src/target/dataverse/standard-tables.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import type { RecordOutcome } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { accountsContactsMapping } from '../../src/mapping/default-map.ts'
import type { TargetSchema } from '../../src/mapping/schemas.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { validate, type ValidateOptions } from '../../src/run/validate.ts'
import { planSchema, tablesOf } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { schemaAfterPlan } from '../../src/schema/schema-after-plan.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import type { DataverseBulkTarget } from '../../src/target/dataverse/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const mapping = accountsContactsMapping()

function setUp(options: { accounts: number; contacts: number }) {
  const generated = generate({ seed: 11, accounts: options.accounts, contacts: options.contacts })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator()
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const { getToken } = createMsalTokenProvider({ ...settings, fetch: dataverseFetch })
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({ url: settings.url, fetch: dataverseFetch, getToken })
  const metadata = createDataverseMetadataClient({ url: settings.url, fetch: dataverseFetch, getToken })
  return { generated, dataverse, source, target, metadata }
}

/** The tables as `validate` sees them: the environment's metadata (or the standard tables), after `schema apply`. */
async function tablesFor(map: Mapping, read?: (names: string[]) => Promise<TargetSchema>) {
  const current = read ? await read(tablesOf(map)) : standardTables()
  return schemaAfterPlan(current, planSchema(map, current))
}

/** Only what validate may call: a write throws, so a test fails if validate ever tries one. */
function readOnly(target: DataverseBulkTarget) {
  const refuse = () => {
    throw new Error('validate must not write to Dataverse')
  }
  return {
    query: target.query.bind(target),
    upsert: refuse,
    upsertMultiple: refuse,
    createMultiple: refuse,
    batch: refuse,
    update: refuse,
    delete: refuse,
  }
}

const WRITES = /Create|Update|Upsert|Delete|Associate|Disassociate|Batch/

const options: ValidateOptions = {
  instance: 'test',
  mapping,
  batchSize: 50,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}

describe('validate, in process against both simulators', () => {
  it('predicts what migrate quarantines, phase by phase, and writes nothing to Dataverse', async () => {
    const { dataverse, source, target, metadata } = setUp({ accounts: 150, contacts: 300 })
    const events: RunEvent[] = []
    const previewed: RecordOutcome[] = []
    const tables = await tablesFor(mapping, (names) => readTargetSchema(metadata, names, standardTables()))
    const result = await validate(
      { ...options, tablesFrom: "the environment's metadata" },
      {
        source,
        target: readOnly(target),
        tables,
        emit: (e) => events.push(e),
        now: () => new Date(),
        onQuarantined: (o) => previewed.push(o),
      },
    )

    // Nothing was written: no write message reached the simulator, and its tables are still empty.
    const operations = Object.keys(dataverse.stats().byOperation)
    expect(operations.length).toBeGreaterThan(0)
    expect(operations.filter((op) => WRITES.test(op))).toEqual([])
    expect(dataverse.rows('account')).toEqual([])
    expect(dataverse.rows('contact')).toEqual([])

    // Progress came as the events migrate's renderer draws.
    expect(
      events.filter((e) => e.type === 'phase.started').map((e) => e.type === 'phase.started' && e.phase),
    ).toEqual(['Accounts', 'Contacts'])
    const lastBatch = events.filter((e) => e.type === 'batch.loaded').at(-1)
    expect(lastBatch?.type === 'batch.loaded' && lastBatch.done).toBe(result.phases[1]?.source)

    const ledger = createMemoryLedger()
    // As `x2d365 migrate` does, migrate checks rows against the environment's metadata for what Dataverse accepts.
    const run = await migrate(options, {
      source,
      target,
      ledger,
      emit: () => undefined,
      now: () => new Date(),
      tables,
    })
    const migrated = new Map<string, RecordOutcome>()
    const linkWarnings: string[] = []
    for await (const o of ledger.outcomes(run.runId)) {
      if (o.phase.endsWith('.links')) linkWarnings.push(...(o.warnings ?? []))
      else migrated.set(o.sourceKey, o)
    }

    for (const phase of result.phases) {
      const reconciled = run.reconciliation.phases.find((p) => p.phase === phase.phase)
      // Every record migrate accounts for was read: listed, or found by id because X2CRM's lists hide it.
      expect(phase.source).toBe(reconciled?.source)
      expect(phase.wouldLoad + phase.wouldQuarantine + phase.wouldSkip).toBe(phase.source)
      // Validate never predicts more than migrate quarantines; on this data every rejection is one it can see.
      expect(phase.wouldQuarantine).toBeLessThanOrEqual(reconciled?.quarantined ?? 0)
      expect(phase.wouldQuarantine).toBe(reconciled?.quarantined)
      expect(phase.wouldLoad).toBe((reconciled?.created ?? 0) + (reconciled?.updated ?? 0))
    }
    expect(result.quarantine.total).toBeGreaterThan(0)

    // Each record validate would quarantine, migrate quarantined, for the same column or the same map rule.
    expect(previewed).toHaveLength(result.quarantine.total)
    for (const preview of previewed) {
      const outcome = migrated.get(preview.sourceKey)
      expect(outcome?.status).toBe('quarantined')
      // migrate checks lengths against the same metadata before sending (DESIGN.md), so its reason is validate's.
      expect(outcome?.reason).toBe(preview.reason)
    }
    // The grouped reasons name the field and the rule, not the record's value; examples carry the value, cut short.
    const lastName = result.quarantine.groups.find((g) => g.phase === 'Contacts' && g.field === 'lastName')
    expect(lastName?.rule).toBe('contact.lastname holds at most 50 characters')
    expect(lastName?.examples.length).toBeGreaterThan(0)
    expect(lastName?.examples.length).toBeLessThanOrEqual(3)
    for (const example of lastName?.examples ?? []) expect(example.value).toMatch(/… \(\d+ characters\)$/)

    // Links whose parent will not be in Dataverse: the same records migrate warns about, first and second pass.
    const warned = (phase: string, field: string) =>
      result.warnings.groups
        .filter((g) => g.phase === phase && g.field === field && g.rule.endsWith('link left empty'))
        .reduce((n, g) => n + g.count, 0)
    const migrateWarned = (warnings: readonly string[], field: string) =>
      warnings.filter((w) => w.startsWith(`${field}:`) && w.endsWith('link left empty')).length
    const contactWarnings = [...migrated.values()].flatMap((o) => o.warnings ?? [])
    expect(warned('Contacts', 'company')).toBeGreaterThan(0)
    expect(warned('Contacts', 'company')).toBe(migrateWarned(contactWarnings, 'company'))
    expect(warned('Accounts', 'parentAccount')).toBeGreaterThan(0)
    expect(warned('Accounts', 'parentAccount')).toBe(migrateWarned(linkWarnings, 'parentAccount'))
    expect(warned('Accounts', 'primaryContact')).toBe(migrateWarned(linkWarnings, 'primaryContact'))

    expect(result.owners).toMatchObject({ checked: true, queue: [] })
    expect(result.columns.unchecked).toEqual([])
    expect(result.onlyDataverse.length).toBeGreaterThan(0)
  })

  it('offline, checks the columns against the standard tables and says owners were not checked', async () => {
    const { dataverse, source, target } = setUp({ accounts: 60, contacts: 120 })
    const online = await validate(options, {
      source,
      target: readOnly(target),
      tables: await tablesFor(mapping),
      emit: () => undefined,
      now: () => new Date(),
    })
    const before = dataverse.stats().requests
    const offline = await validate(options, {
      source,
      tables: await tablesFor(mapping),
      emit: () => undefined,
      now: () => new Date(),
    })
    expect(dataverse.stats().requests).toBe(before)
    expect(offline.owners).toEqual({ checked: false, note: expect.stringContaining('offline') as string })
    expect(offline.phases.map((p) => p.wouldQuarantine)).toEqual(online.phases.map((p) => p.wouldQuarantine))
  })

  it('reports owners without a Dataverse user as a finding instead of refusing', async () => {
    const { source, target } = setUp({ accounts: 40, contacts: 40 })
    const result = await validate(
      { instance: 'test', mapping },
      { source, target: readOnly(target), emit: () => undefined, now: () => new Date() },
    )
    expect(result.owners.checked && result.owners.queue.length).toBeGreaterThan(0)
    expect(result.owners.checked && result.owners.refusal).toMatch(/have no owner decided/)
    // Without metadata only the map's own checks run, and the result says so.
    expect(result.columns.unchecked).toEqual(['account', 'contact'])
    expect(result.phases.every((p) => !p.columnsChecked)).toBe(true)
  })
})
