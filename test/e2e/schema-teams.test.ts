import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { lockPathFor } from '../../src/cli/inputs.ts'
import { confirmMapping } from '../../src/mapping/confirm.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { applyOwnerTeams, teamUsers } from '../../src/run/teams.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { runCli } from '../helpers/run-cli.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

const SUPPORT_TEAM = 'eeeeeeee-0000-4000-8000-000000000002'

/** The fixture with two groups, Sales East (no team yet) and Support (an owner team "support" exists). */
function setUp() {
  const copy = structuredClone(dump)
  copy.records['Groups'] = [
    { id: 1, name: 'Sales East', nameId: 'Sales East_1' },
    { id: 2, name: 'Support', nameId: 'Support_2' },
  ]
  for (const account of copy.records['Accounts'] ?? []) if (account['id'] === 1) account['assignedTo'] = '1'
  const dataset = loadDump(copy)
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const businessUnit = dataverse.rows('businessunit')[0]?.['businessunitid']
  dataverse.seed('team', [
    { teamid: SUPPORT_TEAM, name: 'support', teamtype: 0, _businessunitid_value: businessUnit },
  ])
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => {},
  })
  const api = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  // Group membership as the database reader gives it (x2_group_to_user).
  const source = {
    ...api,
    async *groupMembers() {
      yield* [
        { groupId: 1, username: 'jsmith' },
        { groupId: 1, username: 'mgarcia' },
        { groupId: 2, username: 'support1' },
        { groupId: 2, username: 'nobody' },
      ]
    },
  }
  return { dataverse, source, target }
}

const mapping = (create: boolean): Mapping => ({
  ...defaultMapping(),
  settings: {
    publisherPrefix: 'new_',
    sourceIdColumn: 'new_x2crmid',
    tags: { mode: 'none' },
    teams: { create },
  },
})

describe('schema apply: the owner teams of X2CRM groups, against the Dataverse simulator', () => {
  it('lists them with --dry-run, creates the missing one, adds members, and a second apply changes nothing', async () => {
    const { dataverse, source, target } = setUp()
    const map = mapping(true)
    const options = { instance: 'fixture', mapping: map }
    const users = teamUsers({ defaultOwnerEmail: DEMO_DEFAULT_OWNER }, { source, target })
    const teamsBefore = dataverse.rows('team').length

    const planned = await applyOwnerTeams({ ...options, dryRun: true }, { source, target }, users)
    const salesEast = targetIdFor('fixture', 'Groups', 1)
    expect(planned?.decisions).toEqual([
      { groupId: 1, group: 'Sales East', team: 'Sales East', status: 'create', teamId: salesEast },
      {
        groupId: 2,
        group: 'Support',
        team: 'Support',
        status: 'matched',
        teamId: SUPPORT_TEAM,
        teamType: 0,
      },
    ])
    expect(dataverse.rows('team')).toHaveLength(teamsBefore)
    expect(dataverse.rows('teammembership')).toHaveLength(0)

    const applied = await applyOwnerTeams(options, { source, target }, users)
    expect(applied).toMatchObject({ created: 1, membersAdded: 3, membersRead: true })
    expect(applied?.membersLeft.map((m) => m.username)).toEqual(['nobody'])
    expect(dataverse.rows('team').find((t) => t['teamid'] === salesEast)).toMatchObject({
      name: 'Sales East',
      teamtype: 0,
    })
    const members = (teamId: string) => dataverse.rows('teammembership').filter((m) => m['teamid'] === teamId)
    expect(members(salesEast)).toHaveLength(2)
    expect(members(SUPPORT_TEAM)).toHaveLength(1)

    // Idempotent: found by name now, no member added twice.
    const again = await applyOwnerTeams(options, { source, target }, users)
    expect(again).toMatchObject({ created: 0, membersAdded: 0 })
    expect(again?.decisions.map((d) => d.status)).toEqual(['matched', 'matched'])
    expect(dataverse.rows('team').filter((t) => t['name'] === 'Sales East')).toHaveLength(1)

    // The migration that follows finds the team schema apply made and gives it the group's account.
    const events: RunEvent[] = []
    const result = await migrate(
      { ...options, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      { source, target, ledger: createMemoryLedger(), emit: (e) => events.push(e), now: () => new Date() },
    )
    expect(result.reconciliation.balanced).toBe(true)
    expect(events.find((e) => e.type === 'teams.prepared')).toMatchObject({ created: 0, membersAdded: 0 })
    const account = dataverse
      .rows('account')
      .find((a) => a['accountid'] === targetIdFor('fixture', 'Accounts', 1))
    expect(account).toMatchObject({ _ownerid_value: salesEast })
  })

  it('creates nothing when the map does not say create', async () => {
    const { dataverse, source, target } = setUp()
    const before = dataverse.rows('team').length
    const report = await applyOwnerTeams(
      { instance: 'fixture', mapping: mapping(false) },
      { source, target },
      () => Promise.reject(new Error('users are not read when no team is created')),
    )
    expect(report).toBeUndefined()
    expect(dataverse.rows('team')).toHaveLength(before)
  })
})

describe('x2d365 schema apply with settings.teams.create, against both simulators served', () => {
  it('--dry-run lists the teams it would create; apply creates them; a second apply finds them by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x2d365-teams-'))
    const sims = await serveBothSimulators(dir, { accounts: 30, contacts: 10, sales: true })
    try {
      const mappingPath = join(dir, 'mapping.yaml')
      const text = [
        'version: 1',
        'settings: { publisherPrefix: new_, tags: { mode: none }, teams: { create: true } }',
        'entities:',
        '  Accounts:',
        '    table: account',
        '    fields:',
        '      name: { target: name, transform: text }',
        '      assignedTo: { target: ownerid, transform: owner }',
        '',
      ].join('\n')
      writeFileSync(mappingPath, text)
      writeFileSync(lockPathFor(mappingPath), JSON.stringify(confirmMapping(text, 'dana', new Date())))
      const apply = (...more: string[]) =>
        runCli(['schema', 'apply', '-c', sims.configPath, '-m', mappingPath, ...more], {
          cwd: dir,
          env: sims.env,
        })
      const teams = () => sims.dataverse.rows('team').filter((t) => t['teamtype'] === 0)
      const before = teams().length

      const dry = await apply('--dry-run')
      expect(dry.stderr).not.toContain('Error')
      expect(dry.code).toBe(0)
      expect(dry.stdout).toContain('would create owner team "Sales EMEA" for X2CRM group "Sales EMEA" (id 1)')
      expect(dry.stdout.match(/would create owner team/g)).toHaveLength(5)
      expect(teams()).toHaveLength(before)

      const applied = await apply()
      expect(applied.code).toBe(0)
      expect(applied.stdout).toContain('created owner team "Partners" for X2CRM group "Partners" (id 5)')
      expect(applied.stdout).toMatch(/Teams: 5 created, 0 members added \(membership needs source\.mysql\)/)
      expect(teams().map((t) => t['name'])).toEqual(
        expect.arrayContaining(['Sales EMEA', 'Sales NA', 'Support', 'Key Accounts', 'Partners']),
      )

      const again = await apply()
      expect(again.code).toBe(0)
      expect(again.stdout).toContain('X2CRM group "Support" (id 3): owner team "Support" found by name')
      expect(again.stdout).toContain('Teams: 0 created')
      expect(teams()).toHaveLength(before + 5)
    } finally {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
