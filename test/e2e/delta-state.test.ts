import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { servicesMap } from '../../src/mapping/default-cases.ts'
import { CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { x2crmChanger } from '../helpers/x2crm-change.ts'

/**
 * A delta re-applies the state X2CRM holds now: an opportunity or case X2CRM closed since the migration is closed, one
 * it reopened is reopened, and one that stayed closed while its columns changed is reopened to take the change (a
 * closed opportunity or case is read-only in Dataverse) and closed again. Against the X2CRM and Dataverse simulators.
 */
const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

function setUp() {
  const x2crm = createX2crmSimulator({ data: loadDump(structuredClone(dump)) })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(loadDump(structuredClone(dump)).users))
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  const deps = {
    source,
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  /** A change made in X2CRM through its API, as a person would. */
  const change = x2crmChanger(x2crm.handle)
  return { deps, events, change, rows: (table: string) => dataverse.rows(table) }
}

const mapping: Mapping = {
  entities: [...defaultMapping().entities, servicesMap({ entity: 'Contacts', table: CONTACT })],
}
const options = { instance: 'fixture', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)
const rowOf = (rows: Record<string, unknown>[], key: string, entity: string, n: number) =>
  rows.find((r) => r[key] === id(entity, n))

describe('delta re-applies the state of opportunities and cases', () => {
  it('closes what X2CRM closed since, reopens what it reopened, and writes a change into a row that stays closed', async () => {
    const { deps, events, change, rows } = setUp()
    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    const opportunity = (n: number) => rowOf(rows('opportunity'), 'opportunityid', 'Opportunity', n)
    const incident = (n: number) => rowOf(rows('incident'), 'incidentid', 'Services', n)
    // Fixture: deals 1–12 Working, 13–19 Won, 20–25 Lost; case 1003 resolved.
    expect(opportunity(13)).toMatchObject({ statecode: 1 })
    expect(opportunity(20)).toMatchObject({ statecode: 2 })
    expect(incident(1003)).toMatchObject({ statecode: 1, statuscode: 5 })
    const closesBefore = rows('opportunityclose').length
    expect(closesBefore).toBe(13)

    // During the cutover: deal 13 is reopened, deal 1 won, deal 20 (still lost) renamed; case 1003 reopened.
    await change('Opportunity', 13, { salesStage: 'Working' })
    await change('Opportunity', 1, { salesStage: 'Won' })
    await change('Opportunity', 20, { name: 'Acme Corporation - Deal 20 (lost to a rival)' })
    await change('Services', 1003, { status: 'WIP' })
    const cutover = await delta(options, deps)
    expect(cutover.reconciliation.balanced).toBe(true)
    const ofDealsAndCases = (c: { phase: string }) => c.phase === 'Opportunity' || c.phase === 'Services'
    expect(
      cutover.changes
        .filter(ofDealsAndCases)
        .map((c) => [c.sourceKey, c.outcome])
        .sort(),
    ).toEqual([
      ['Opportunity:1', 'updated'],
      ['Opportunity:13', 'updated'],
      ['Opportunity:20', 'updated'],
      ['Services:1003', 'updated'],
    ])

    expect(opportunity(13)).toMatchObject({ statecode: 0, statuscode: 1 })
    expect(opportunity(1)).toMatchObject({ statecode: 1 })
    expect(opportunity(20)).toMatchObject({
      name: 'Acme Corporation - Deal 20 (lost to a rival)',
      statecode: 2,
    })
    expect(incident(1003)).toMatchObject({ statecode: 0 })
    // Deal 1's close, and deal 20's again (it was reopened to take its new name): each under this run's own id.
    expect(rows('opportunityclose')).toHaveLength(closesBefore + 2)
    expect(events.filter((e) => e.type === 'opportunities.closed').at(-1)).toMatchObject({
      won: 1,
      lost: 1,
      failed: [],
    })

    // Nothing changed since: a second delta writes no deal or case and closes nothing (the fixture's bad media records
    // are tried again, as every delta does).
    const before = events.length
    const again = await delta(options, deps)
    expect(again.changes.filter(ofDealsAndCases)).toEqual([])
    const closedAgain = events
      .slice(before)
      .filter((e) => e.type === 'opportunities.closed' || e.type === 'cases.closed')
    expect(closedAgain).toEqual([])

    // Rolling the deltas back puts every deal and case back as the migration left it: state and columns.
    const undone = await rollback({ mapping, runId: cutover.runId }, deps)
    expect(undone).toMatchObject({ verified: true, remaining: [], mismatched: [] })
    expect(opportunity(13)).toMatchObject({ statecode: 1 })
    expect(opportunity(1)).toMatchObject({ statecode: 0 })
    expect(opportunity(20)).toMatchObject({ name: 'Acme Corporation - Deal 20', statecode: 2 })
    expect(incident(1003)).toMatchObject({ statecode: 1, statuscode: 5 })
    expect(rows('opportunityclose')).toHaveLength(closesBefore)
    expect(rows('incidentresolution')).toHaveLength(1)
  })

  it('a second migration of unchanged data leaves closed deals and cases closed: no reopen, no second close', async () => {
    const { deps, rows } = setUp()
    // Every reopen (statecode 0) migrate sends to an opportunity or a case.
    const reopens: string[] = []
    const target = new Proxy(deps.target, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver)
        if (key !== 'update' || typeof value !== 'function') return value
        return (table: { entitySet: string }, row: { targetId: string; values: Record<string, unknown> }) => {
          if (row.values['statecode'] === 0) reopens.push(`${table.entitySet}(${row.targetId})`)
          return (value as (...args: unknown[]) => unknown).call(t, table, row)
        }
      },
    })
    const first = await migrate(options, { ...deps, target })
    expect(reopens).toEqual([])
    const closes = rows('opportunityclose').length
    const resolutions = rows('incidentresolution').length
    expect(closes).toBe(13)
    expect(resolutions).toBe(1)

    // Nothing changed in X2CRM: Dataverse keeps the closes it has (real Dataverse keeps an opportunity's
    // opportunityclose when it is reopened, so reopening and closing again would show the deal closed twice).
    const again = await migrate(options, { ...deps, target })
    expect(again.reconciliation.balanced).toBe(true)
    expect(reopens).toEqual([])
    expect(rows('opportunityclose')).toHaveLength(closes)
    expect(rows('incidentresolution')).toHaveLength(resolutions)
    // The 13 closed deals are skipped (counted, so the run still reconciles); the 12 open ones load as before.
    expect(again.reconciliation.phases.find((p) => p.phase === 'Opportunity')).toMatchObject({
      source: 25,
      updated: 12,
      skipped: 13,
      quarantined: 0,
    })
    expect(rows('opportunity').filter((o) => o['statecode'] === 1)).toHaveLength(7)
    expect(rows('opportunity').filter((o) => o['statecode'] === 2)).toHaveLength(6)
    expect(rowOf(rows('incident'), 'incidentid', 'Services', 1003)).toMatchObject({
      statecode: 1,
      statuscode: 5,
    })

    // Rolling back the second run changes no closed deal or case, and removes no close of the first run.
    const undone = await rollback({ mapping, runId: again.runId }, deps)
    expect(undone).toMatchObject({ verified: true, remaining: [], mismatched: [] })
    expect(rows('opportunity').filter((o) => o['statecode'] === 1)).toHaveLength(7)
    expect(rows('opportunity').filter((o) => o['statecode'] === 2)).toHaveLength(6)
    expect(rows('opportunityclose')).toHaveLength(closes)
    expect(rows('incidentresolution')).toHaveLength(resolutions)
    expect(first.reconciliation.balanced).toBe(true)
  })

  it('a second migration reopens a closed deal whose record changed, loads it and closes it again; its rollback removes that close alone', async () => {
    const { deps, change, rows } = setUp()
    await migrate(options, deps)
    const closes = rows('opportunityclose').length
    await change('Opportunity', 20, { name: 'Acme Corporation - Deal 20 (lost to a rival)' })
    const again = await migrate(options, deps)
    expect(again.reconciliation.balanced).toBe(true)
    expect(again.reconciliation.phases.find((p) => p.phase === 'Opportunity')).toMatchObject({
      updated: 13,
      skipped: 12,
      quarantined: 0,
    })
    const deal20 = () => rowOf(rows('opportunity'), 'opportunityid', 'Opportunity', 20)
    expect(deal20()).toMatchObject({ name: 'Acme Corporation - Deal 20 (lost to a rival)', statecode: 2 })
    // A new close: the deal was reopened to take the change, and lost again.
    expect(rows('opportunityclose')).toHaveLength(closes + 1)

    const undone = await rollback({ mapping, runId: again.runId }, deps)
    expect(undone).toMatchObject({ verified: true, remaining: [], mismatched: [] })
    expect(deal20()).toMatchObject({ name: 'Acme Corporation - Deal 20', statecode: 2 })
    expect(rows('opportunity').filter((o) => o['statecode'] === 1)).toHaveLength(7)
    expect(rows('opportunity').filter((o) => o['statecode'] === 2)).toHaveLength(6)
    expect(rows('opportunityclose')).toHaveLength(closes)
  })
})
