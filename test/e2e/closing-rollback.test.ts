import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import type { WriteIntent } from '../../src/ledger/intent-store.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { listMap, servicesMap } from '../../src/mapping/default-cases.ts'
import { accountsContactsMapping, ACCOUNT, CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import { opportunityMap } from '../../src/mapping/default-timeline.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { CLOSING_PHASES, undoClosingRows } from '../../src/run/closing-intents.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { planRollback } from '../../src/run/rollback-plan.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import type { DataverseBulkTarget } from '../../src/target/dataverse/types.ts'
import { fixtureRelated } from '../helpers/fixture-related.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

/**
 * The steps after the load (closing opportunities and cases, list members, tag rows, connections) record what they
 * may create before each request leaves. A run interrupted right after such a request was applied (the process died
 * before anything else was written) is rolled back from those intents: no opportunityclose, incidentresolution,
 * listmember, connection or tag row is left, and the rollback verifies it in Dataverse.
 */
const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, unknown[]> }

/** A process that dies right after the request `dies` says was applied: the call goes through, then throws. */
function dyingAfter(
  target: DataverseBulkTarget,
  dies: (method: string, args: unknown[]) => boolean,
): { target: DataverseBulkTarget; died: () => boolean } {
  let died = false
  const wrapped = new Proxy(target, {
    get(real, property, receiver) {
      const value: unknown = Reflect.get(real, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (died) throw new Error('the process is gone')
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(real, args)
        // Reads (async iterables) pass; a write dies once it was applied.
        if (!(result instanceof Promise)) return result
        return result.then((settled: unknown) => {
          if (!dies(String(property), args)) return settled
          died = true
          throw new Error(`killed right after ${String(property)} was applied`)
        })
      }
    },
  })
  return { target: wrapped, died: () => died }
}

function setUp() {
  const dataset = loadDump(structuredClone(dump))
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const getToken = createMsalTokenProvider({ ...settings, fetch }).getToken
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({ url: settings.url, fetch, getToken, sleep: async () => {} })
  const ledger = createMemoryLedger()
  const deps = { source, target, ledger, emit: () => undefined, now: () => new Date() }
  return { dataverse, settings, fetch, getToken, deps, rows: (t: string) => dataverse.rows(t) }
}

async function intentsOf(ledger: ReturnType<typeof createMemoryLedger>, runId: string) {
  const intents: WriteIntent[] = []
  for await (const intent of ledger.intents.all(runId)) intents.push(intent)
  return intents
}

const options = { instance: 'fixture', batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }

describe('a run interrupted in the steps after the load, then rolled back', () => {
  it('leaves no opportunityclose, incidentresolution, listmember or connection: the intents named them', async () => {
    const { deps, rows } = setUp()
    const contacts = { entity: 'Contacts', table: CONTACT }
    const mapping: Mapping = {
      entities: [
        ...defaultMapping().entities,
        opportunityMap(ACCOUNT, CONTACT),
        servicesMap(contacts),
        listMap(contacts),
      ],
    }
    // Dies right after the connections' $batch was applied: every close, resolution and member is in by then.
    const dying = dyingAfter(
      deps.target,
      (method, args) =>
        method === 'batch' && (args[0] as { logicalName?: string }).logicalName === 'connection',
    )
    const target = dying.target
    const related = { ...fixtureRelated(), relationships: () => deps.source.relationships() }
    await expect(migrate({ ...options, mapping }, { ...deps, target, related })).rejects.toThrow(
      /killed right after batch/,
    )
    expect(dying.died()).toBe(true)
    // The fixture: 7 won and 6 lost deals, 1 resolved case, 25 list members, 6 labelled relationships.
    expect(rows('opportunityclose')).toHaveLength(13)
    expect(rows('incidentresolution')).toHaveLength(1)
    expect(rows('listmember')).toHaveLength(25)
    expect(rows('connection')).toHaveLength(6)

    const [run] = await deps.ledger.runs()
    expect(run?.status).toBe('running')
    const intents = await intentsOf(deps.ledger, run?.runId ?? '')
    const inPhase = (phase: string) => intents.filter((i) => i.phase === phase)
    expect(inPhase(CLOSING_PHASES.opportunityClose)).toHaveLength(13)
    expect(inPhase(CLOSING_PHASES.caseResolution)).toHaveLength(1)
    expect(inPhase(CLOSING_PHASES.listMembers)).toHaveLength(1)
    expect(inPhase(CLOSING_PHASES.connections)).toHaveLength(6)
    // Every opportunityclose in Dataverse is one the ledger named before its action left.
    const named = new Set(inPhase(CLOSING_PHASES.opportunityClose).map((i) => i.targetId))
    expect(rows('opportunityclose').every((c) => named.has(String(c['activityid'])))).toBe(true)

    // rollback --dry-run names them, from the ledger alone.
    const plan = await planRollback({ mapping }, deps.ledger)
    const planned = (entitySet: string) =>
      plan.runs[0]?.tables.find((t) => t.entitySet === entitySet)?.delete.count
    expect([planned('opportunitycloses'), planned('incidentresolutions'), planned('connections')]).toEqual([
      13, 1, 6,
    ])

    // Undone from the intents alone (the run wrote no summary): the closed rows open again, their closes gone.
    const undone = await undoClosingRows(run ?? { runId: '', startedAt: '' }, deps.ledger, deps.target)
    expect(undone).toEqual({ reopened: 14, deleted: 13 + 1 + 25 + 6, opportunityCloses: 13 })
    for (const table of ['opportunityclose', 'incidentresolution', 'listmember', 'connection'])
      expect(rows(table), table).toEqual([])
    expect(rows('opportunity').filter((o) => o['statecode'] !== 0)).toEqual([])
    expect(rows('incident').filter((o) => o['statecode'] === 1)).toEqual([])

    const result = await rollback({ mapping }, deps)
    expect(result).toMatchObject({ verified: true, remaining: [] })
    for (const table of ['opportunity', 'incident', 'list', 'contact', 'account'])
      expect(rows(table), table).toEqual([])
  })

  it('leaves no tag row: a tag row keeps no lookup to a deleted record, so only its intent finds it', async () => {
    const { deps, rows, settings, fetch, getToken } = setUp()
    const mapping: Mapping = {
      ...accountsContactsMapping(),
      settings: {
        publisherPrefix: 'new_',
        sourceIdColumn: 'new_x2crmid',
        tags: { mode: 'table', table: 'new_x2crmtag' },
      },
    }
    const metadata = createDataverseMetadataClient({
      url: settings.url,
      fetch,
      getToken,
      sleep: async () => {},
    })
    const tables = mapping.entities.map((e) => e.table.logicalName)
    await applySchema(
      planSchema(mapping, await readTargetSchema(metadata, tables, defaultTargetSchema())),
      metadata,
    )
    const related = { tags: (entity: string, id: number) => deps.source.tags(entity, id) }
    // Dies right after the first $batch of tag rows (the accounts') was applied.
    const { target } = dyingAfter(
      deps.target,
      (method, args) =>
        method === 'batch' && (args[0] as { logicalName?: string }).logicalName === 'new_x2crmtag',
    )
    await expect(migrate({ ...options, mapping }, { ...deps, target, related })).rejects.toThrow(
      /killed right after batch/,
    )
    const written = rows('new_x2crmtag').length
    expect(written).toBeGreaterThan(0)

    const result = await rollback({ mapping }, deps)
    expect(result).toMatchObject({ verified: true, remaining: [] })
    // Deleting a record leaves its tag rows (the lookup is a custom relationship: Remove Link); the intents did not.
    expect(rows('new_x2crmtag')).toEqual([])
    expect(rows('account')).toEqual([])
  })
})
