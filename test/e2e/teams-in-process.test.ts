import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

const SUPPORT_TEAM = 'eeeeeeee-0000-4000-8000-000000000001'

/** The fixture with two groups (Sales East, Support): accounts 1 and 2 assigned to group 1, account 3 to "2, lchen". */
function setUp(members: { groupId: number; username: string }[]) {
  const copy = structuredClone(dump)
  copy.records['Groups'] = [
    { id: 1, name: 'Sales East', nameId: 'Sales East_1' },
    { id: 2, name: 'Support', nameId: 'Support_2' },
  ]
  const accounts = copy.records['Accounts'] ?? []
  for (const account of accounts) {
    if (account['id'] === 1 || account['id'] === 2) account['assignedTo'] = '1'
    if (account['id'] === 3) account['assignedTo'] = '2, lchen'
  }
  const dataset = loadDump(copy)
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const settings = dataverse.settings()
  const businessUnit = dataverse.rows('businessunit')[0]?.['businessunitid']
  dataverse.seed('team', [
    { teamid: SUPPORT_TEAM, name: 'support', teamtype: 0, _businessunitid_value: businessUnit },
  ])
  const dataverseFetch = fetchFor(dataverse.handle)
  const api = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  // As the database reader gives it: x2_group_to_user.
  const source = {
    ...api,
    async *groupMembers() {
      yield* members
    },
  }
  const deps = {
    source,
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  return { dataverse, deps, events, rows: (table: string) => dataverse.rows(table) }
}

const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)
const mapping = (teams?: { create?: boolean }): Mapping => ({
  ...defaultMapping(),
  settings: {
    publisherPrefix: 'new_',
    sourceIdColumn: 'new_x2crmid',
    tags: { mode: 'none' },
    ...(teams !== undefined && { teams }),
  },
})
const options = (m: Mapping) => ({
  instance: 'fixture',
  mapping: m,
  batchSize: 25,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
})

describe('X2CRM groups → Dataverse owner teams, in process', () => {
  it('matches a team by name, creates the other, adds members, and the team owns what the group was assigned', async () => {
    const { deps, events, rows } = setUp([
      { groupId: 1, username: 'jsmith' },
      { groupId: 1, username: 'mgarcia' },
      { groupId: 2, username: 'support1' },
      { groupId: 2, username: 'nobody' },
    ])
    const result = await migrate(options(mapping({ create: true })), deps)
    expect(result.reconciliation.balanced).toBe(true)

    const created = id('Groups', 1)
    expect(rows('team').find((t) => t['teamid'] === created)).toMatchObject({
      name: 'Sales East',
      teamtype: 0,
    })
    const owner = (n: number) => rows('account').find((a) => a['accountid'] === id('Accounts', n))
    expect(owner(1)).toMatchObject({ _ownerid_value: created, _owningteam_value: created })
    expect(owner(2)).toMatchObject({ _ownerid_value: created })
    // "2, lchen": the group comes first, so its team (matched by name, ignoring case) owns it.
    expect(owner(3)).toMatchObject({ _ownerid_value: SUPPORT_TEAM })
    expect(owner(4)?.['_owningteam_value'] ?? null).toBeNull()

    const members = rows('teammembership')
    expect(members.filter((m) => m['teamid'] === created)).toHaveLength(2)
    const report = events.find((e) => e.type === 'teams.prepared')
    expect(report).toMatchObject({ created: 1, membersRead: true })
    expect(report?.type === 'teams.prepared' && report.membersLeft.map((m) => m.username)).toContain('nobody')

    // A second run matches the team it created and adds nobody twice.
    await migrate(options(mapping({ create: true })), deps)
    expect(rows('team').filter((t) => t['name'] === 'Sales East')).toHaveLength(1)
    expect(rows('teammembership')).toHaveLength(members.length)
  })

  it('without settings.teams.create, a group with no team leaves its records to the users rule, with a warning', async () => {
    const { deps, rows, events } = setUp([])
    const result = await migrate(options(mapping()), deps)
    expect(result.reconciliation.balanced).toBe(true)
    expect(rows('team').some((t) => t['name'] === 'Sales East')).toBe(false)
    const owner = (n: number) => rows('account').find((a) => a['accountid'] === id('Accounts', n))
    expect(owner(3)).toMatchObject({ _ownerid_value: SUPPORT_TEAM })
    expect(owner(1)?.['_owningteam_value'] ?? null).toBeNull()
    const warnings: string[] = []
    for await (const o of deps.ledger.outcomes(result.runId, 'Accounts'))
      if (o.sourceKey === 'Accounts:1') warnings.push(...(o.warnings ?? []))
    expect(warnings.join('; ')).toContain('cannot own a Dataverse row')
    const report = events.find((e) => e.type === 'teams.prepared')
    expect(report?.type === 'teams.prepared' && report.decisions.map((d) => d.status)).toEqual([
      'unresolved',
      'matched',
    ])
  })

  it("with covers that leave groups out, a group settings.teams gives a team needs no decision, and users.yaml's decision for a group wins over its team", async () => {
    const strict = (m: Mapping, groups?: Record<string, { team: string }>) => ({
      ...options(m),
      defaultOwnerEmail: undefined,
      ownerDecisions: {
        defaultOwner: DEMO_DEFAULT_OWNER,
        covers: ['anyone' as const, 'inactive' as const, 'unmatched' as const, 'deleted' as const],
        ...(groups && { groups }),
      },
    })
    const owner = (rows: (t: string) => Record<string, unknown>[], n: number) =>
      rows('account').find((a) => a['accountid'] === id('Accounts', n))

    const teamed = setUp([])
    // Sales East has no team and none is created: it still needs a decision.
    await expect(migrate(strict(mapping()), teamed.deps)).rejects.toThrow(
      /have no owner decided: group 1 \(Sales East\)/,
    )
    // With settings.teams.create it has a team: no decision needed, and the team owns its records.
    const created = await migrate(strict(mapping({ create: true })), teamed.deps)
    expect(created.reconciliation.balanced).toBe(true)
    expect(owner(teamed.rows, 1)).toMatchObject({ _ownerid_value: id('Groups', 1) })

    const decided = setUp([])
    const ESCALATIONS = 'eeeeeeee-0000-4000-8000-000000000002'
    const businessUnit = decided.dataverse.rows('businessunit')[0]?.['businessunitid']
    decided.dataverse.seed('team', [
      { teamid: ESCALATIONS, name: 'Escalations', teamtype: 0, _businessunitid_value: businessUnit },
    ])
    const result = await migrate(
      strict(mapping({ create: true }), { '1': { team: 'escalations' } }),
      decided.deps,
    )
    expect(result.reconciliation.balanced).toBe(true)
    expect(owner(decided.rows, 1)).toMatchObject({ _ownerid_value: ESCALATIONS })
    expect(owner(decided.rows, 2)).toMatchObject({ _ownerid_value: ESCALATIONS })
    expect(owner(decided.rows, 3)).toMatchObject({ _ownerid_value: SUPPORT_TEAM })
  })
})
