import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import type { RecordOutcome } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { DEFAULT_OPPORTUNITY_CLOSE } from '../../src/mapping/default-objects.ts'
import { actionMaps, mediaMap } from '../../src/mapping/default-actions.ts'
import { createUploadsReader } from '../../src/source/x2crm/uploads/reader.ts'
import { ACCOUNT, CONTACT, accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { EntityMap, Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { delta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { verify, type VerifyResult } from '../../src/run/verify.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const UPLOADS = fileURLToPath(new URL('../fixtures/x2crm/fixture/uploads', import.meta.url))
const fileBytes = (name: string) => readFileSync(join(UPLOADS, 'protected/media/admin', name))

const OPPORTUNITY = { logicalName: 'opportunity', entitySet: 'opportunities', primaryId: 'opportunityid' }

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

function setUp(mutate: (records: Record<string, Record<string, unknown>[]>) => void = () => {}) {
  const copy = structuredClone(dump)
  mutate(copy.records)
  const dataset = loadDump(copy)
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  // Every request X2CRM served, to count how often a class is read.
  const x2crmRequests: URL[] = []
  const x2crmFetch = fetchFor(x2crm.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: (input, init) => {
      x2crmRequests.push(new URL(input instanceof Request ? input.url : String(input)))
      return x2crmFetch(input, init)
    },
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  const uploads = createUploadsReader({ dir: UPLOADS })
  const deps = {
    uploads,
    source,
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  const rows = (table: string) => dataverse.rows(table)
  const row = (table: string, id: string) =>
    rows(table).find((r) => r[table === 'annotation' ? 'annotationid' : 'activityid'] === id)
  return { x2crm, dataverse, deps, events, rows, row, x2crmRequests }
}

/** Accounts, contacts, opportunities (name and account only) and every action, routed by type. */
function mappingWithActions(): Mapping {
  const base = accountsContactsMapping()
  const opportunity: EntityMap = {
    entity: 'Opportunity',
    table: OPPORTUNITY,
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      // The sales stage is kept as the step name; Won/Lost also close the opportunity.
      { source: 'salesStage', target: 'stepname', transform: 'text' },
      {
        source: 'accountName',
        target: 'customerid_account',
        transform: 'link',
        linkTo: { entity: 'Accounts', table: ACCOUNT },
        pass: 1,
      },
    ],
    close: DEFAULT_OPPORTUNITY_CLOSE,
  }
  const regardingTo = [
    { entity: 'Accounts', table: ACCOUNT },
    { entity: 'Contacts', table: CONTACT },
    { entity: 'Opportunity', table: OPPORTUNITY },
  ]
  // Actions first in the map: the plan still loads them after the records they are about.
  return { entities: [...actionMaps(regardingTo), mediaMap(regardingTo), ...base.entities, opportunity] }
}

const options = {
  instance: 'fixture',
  mapping: mappingWithActions(),
  batchSize: 25,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}
const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)

describe('actions by type, in process against the fixture', () => {
  it('loads calls, meetings, e-mails, tasks and notes into their tables, about their records, closed last', async () => {
    const { dataverse, deps, events, rows, row: get } = setUp()
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    const phases = result.reconciliation.phases.map((p) => p.phase)
    // The plan puts actions after accounts, contacts and opportunities, whatever the map's order.
    expect(phases.indexOf('Actions→task')).toBeGreaterThan(phases.indexOf('Opportunity'))
    expect(phases.indexOf('Actions→task')).toBeGreaterThan(phases.indexOf('Contacts'))

    // The fixture: call 18, event 14, email 14, '' 18 (5 complete), note 16 (README §20).
    expect(rows('phonecall')).toHaveLength(18)
    expect(rows('appointment')).toHaveLength(14)
    expect(rows('email')).toHaveLength(14)
    expect(rows('task')).toHaveLength(18)
    // 16 notes, and the 4 Media files (the 21 other Media records are X2CRM's own assets, skipped).
    expect(rows('annotation')).toHaveLength(20)
    const media = dump.records['Media']?.filter((m) => Number(m['id']) >= 2003) ?? []
    expect(media).toHaveLength(4)
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
    for (const m of media) {
      const note = get('annotation', id('Media', Number(m['id'])))
      const name = String(m['fileName'])
      expect(note?.['filename']).toBe(name)
      expect(note?.['mimetype']).toBe(m['mimetype'])
      expect(note?.['isdocument']).toBe(true)
      expect(sha(Buffer.from(String(note?.['documentbody'] as string), 'base64'))).toBe(sha(fileBytes(name)))
      const parentClass = m['associationType'] === 'contacts' ? 'Contacts' : 'Accounts'
      expect(note?.['_objectid_value']).toBe(id(parentClass, Number(m['associationId'])))
    }
    expect(get('annotation', id('Media', 2004))?.['filename']).toBe('business_card_müller.txt')
    // Contact 57's over-long first name is the fixture's one refusal; no action is quarantined.
    const quarantined = events.flatMap((e) => (e.type === 'record.quarantined' ? [e.sourceKey] : []))
    expect(quarantined).toEqual(['Contacts:57'])
    // Media: 25 records, of which the 7 themes have ids below 1 (X2CRM's installer), never read; 14 more assets skipped.
    expect(result.reconciliation.phases.find((p) => p.phase === 'Media→annotation')).toMatchObject({
      source: 18,
      created: 4,
      skipped: 14,
    })

    // Action 3: an e-mail about contact 12, sent, completed; its subject from the description's first line.
    const email = get('email', id('Actions', 3))
    expect(email?.['_regardingobjectid_value']).toBe(id('Contacts', 12))
    expect(email?.['subject']).toBe('Proposal #2')
    expect(email?.['directioncode']).toBe(true)
    // Sent by its owner to the contact: the activity parties.
    const parties = dataverse.rows('activityparty').filter((p) => p['_activityid_value'] === id('Actions', 3))
    expect(parties.map((p) => [p['participationtypemask'], p['_partyid_value']]).sort()).toEqual(
      [
        [1, email?.['_ownerid_value']],
        [2, id('Contacts', 12)],
      ].sort(),
    )
    expect(email?.['statecode']).toBe(1)
    // Dataverse shows the original date as createdon (overriddencreatedon then holds the load time).
    expect(email?.['createdon']).toBe(new Date(1786297939 * 1000).toISOString().replace('.000', ''))

    // Every action is about the record of its association, in the table that record loaded into.
    const actions = dump.records['Actions'] ?? []
    const tableOf: Record<string, string> = {
      '': 'task',
      call: 'phonecall',
      event: 'appointment',
      email: 'email',
      note: 'annotation',
    }
    const classOf: Record<string, string> = {
      contacts: 'Contacts',
      accounts: 'Accounts',
      opportunities: 'Opportunity',
    }
    for (const action of actions) {
      const table = tableOf[typeof action['type'] === 'string' ? action['type'] : ''] ?? '?'
      const row = get(table, id('Actions', Number(action['id'])))
      expect(row, `Actions ${String(action['id'])} in ${table}`).toBeDefined()
      const parent = id(classOf[String(action['associationType'])] ?? '?', Number(action['associationId']))
      const column = table === 'annotation' ? '_objectid_value' : '_regardingobjectid_value'
      expect(row?.[column], `Actions ${String(action['id'])} regarding`).toBe(parent)
      // Complete → Completed; open to-dos stay open; events (complete NULL) stay open.
      if (table !== 'annotation') {
        expect(row?.['statecode'], `Actions ${String(action['id'])} state`).toBe(
          action['complete'] === 'Yes' ? 1 : 0,
        )
      }
    }
    expect(rows('task').filter((t) => t['statecode'] === 1)).toHaveLength(5)

    // Opportunities: 12 Working stay open, 7 Won and 6 Lost are closed last, each with its opportunityclose.
    const opportunities = dump.records['Opportunity'] ?? []
    const stateOf = (stage: unknown) => (stage === 'Won' ? 1 : stage === 'Lost' ? 2 : 0)
    const loaded = rows('opportunity')
    expect(loaded).toHaveLength(25)
    for (const o of opportunities) {
      const row = loaded.find((r) => r['opportunityid'] === id('Opportunity', Number(o['id'])))
      expect(row?.['statecode'], `Opportunity ${String(o['id'])}`).toBe(stateOf(o['salesStage']))
      expect(row?.['stepname']).toBe(o['salesStage'])
    }
    const closes = rows('opportunityclose')
    expect(closes).toHaveLength(13)
    const won = opportunities.find((o) => o['salesStage'] === 'Won')
    const wonClose = closes.find((c) => c['_opportunityid_value'] === id('Opportunity', Number(won?.['id'])))
    expect(wonClose?.['actualrevenue']).toBe(Number(won?.['quoteAmount']))
    expect(wonClose?.['actualend']).toBe(
      new Date(Number(won?.['expectedCloseDate']) * 1000).toISOString().replace('.000', ''),
    )
    expect(events.find((e) => e.type === 'opportunities.closed')).toMatchObject({
      won: 7,
      lost: 6,
      failed: [],
    })

    // verify reads every activity back: its regarding record and state match X2CRM.
    const checked = await verify({ instance: 'fixture', mapping: options.mapping }, deps)
    const activities = checked.entities.filter((e) => e.entity.startsWith('Actions'))
    expect(activities.length).toBeGreaterThan(0)
    for (const entity of activities) expect(entity.mismatches, entity.entity).toEqual([])
    expect(activities.reduce((sum, e) => sum + e.matched, 0)).toBe(80)

    // A second run changes nothing it should not: the closed opportunities are left closed.
    const again = await migrate(options, deps)
    expect(again.reconciliation.balanced).toBe(true)
    expect(rows('opportunityclose')).toHaveLength(13)
    expect(rows('phonecall')).toHaveLength(18)
  })

  it('reads Actions from X2CRM once per pass, not once per activity table, and each table gets its own records', async () => {
    const { deps, events, rows, x2crmRequests } = setUp()
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    const path = (u: URL) => u.pathname.replace(/^.*\/api2\//, '')
    // List pages of Actions (keyset paging: `Actions?...`), and Actions fetched one by one (gap fill, `Actions/7.json`).
    const listed = x2crmRequests.filter((u) => path(u) === 'Actions')
    const byId = x2crmRequests.filter((u) => /^Actions\/\d+\.json$/.test(path(u)))
    // Six tables in the first pass, five closed in the link pass: one read each pass (the fixture's 80 fit one page).
    const phases = result.reconciliation.phases.filter((p) => p.phase.startsWith('Actions'))
    expect(phases).toHaveLength(11)
    expect(listed).toHaveLength(2)
    // Each probe of the gaps between listed ids is asked once per pass too, not once per table.
    const probes = byId.map((u) => path(u))
    expect(probes.length).toBe(new Set(probes).size * 2)
    // Each table got the records of its types, and the class's one read reported its completeness once.
    const first = Object.fromEntries(
      phases.filter((p) => !p.phase.endsWith('.links')).map((p) => [p.phase, p.source]),
    )
    expect(first).toEqual({
      'Actions→task': 18,
      'Actions→phonecall': 18,
      'Actions→appointment': 14,
      'Actions→email': 14,
      'Actions→email received': 0,
      'Actions→annotation': 16,
    })
    expect(rows('task')).toHaveLength(18)
    const completeness = events.flatMap((e) =>
      e.type === 'phase.completeness' && e.phase.startsWith('Actions') ? [e] : [],
    )
    expect(completeness.map((e) => [e.phase, e.report.listed])).toEqual([
      ['Actions', 80],
      ['Actions.links', 80],
    ])
  })

  it('verify reads Actions from X2CRM once, with a sample or not, and checks each table as a read per table did', async () => {
    const { x2crm, deps, x2crmRequests } = setUp()
    await migrate(options, deps)
    // A to-do changed in X2CRM since (a mismatch), a call deleted in Dataverse since (missing).
    const action = (n: number) => (dump.records['Actions'] ?? []).find((a) => a['id'] === n) ?? {}
    expect([action(14)['type'], action(13)['type']]).toEqual(['', 'call'])
    x2crm.upsert('Actions', { ...action(14), actionDescription: 'Changed since the migration' })
    const phonecall = options.mapping.entities.find((e) => e.table.logicalName === 'phonecall')?.table
    if (phonecall === undefined) throw new Error('no phonecall map')
    expect(await deps.target.delete(phonecall, id('Actions', 13))).toBe('deleted')
    const path = (u: URL) => u.pathname.replace(/^.*\/api2\//, '')
    const countsOf = (result: VerifyResult) =>
      Object.fromEntries(
        result.entities.map((e) => [
          e.entity,
          [e.checked, e.matched, e.mismatched, e.missing, e.notMigrated, e.quarantined],
        ]),
      )
    x2crmRequests.length = 0
    const all = await verify({ instance: 'fixture', mapping: options.mapping }, deps)
    expect(x2crmRequests.filter((u) => path(u) === 'Actions')).toHaveLength(1)
    // [checked, matched, mismatched, missing, notMigrated, quarantined], as verify found them reading once per table.
    expect(countsOf(all)).toEqual({
      Accounts: [19, 19, 0, 0, 0, 0],
      Contacts: [62, 62, 0, 0, 1, 0],
      Opportunity: [25, 25, 0, 0, 0, 0],
      'Actions→task': [18, 17, 1, 0, 0, 0],
      'Actions→phonecall': [17, 17, 0, 1, 0, 0],
      'Actions→appointment': [14, 14, 0, 0, 0, 0],
      'Actions→email': [14, 14, 0, 0, 0, 0],
      'Actions→email received': [0, 0, 0, 0, 0, 0],
      'Actions→annotation': [16, 16, 0, 0, 0, 0],
      'Media→annotation': [4, 4, 0, 0, 14, 0],
    })
    const of = (result: VerifyResult, entity: string) => result.entities.find((e) => e.entity === entity)
    expect(of(all, 'Actions→task')?.mismatches).toMatchObject([
      { sourceKey: 'Actions:14', column: 'description', expected: 'Changed since the migration' },
    ])
    expect(of(all, 'Actions→phonecall')?.missingKeys).toEqual(['Actions:13'])
    x2crmRequests.length = 0
    // The same draw for every object (a constant random): the sample of each is its own reservoir of the class.
    const sampled = await verify(
      { instance: 'fixture', mapping: options.mapping, sample: 30, random: () => 0.5 },
      deps,
    )
    expect(x2crmRequests.filter((u) => path(u) === 'Actions')).toHaveLength(1)
    // 30 of the 80 actions for each table, of which it checks those of its type.
    expect(countsOf(sampled)).toEqual({
      Accounts: [19, 19, 0, 0, 0, 0],
      Contacts: [30, 30, 0, 0, 0, 0],
      Opportunity: [25, 25, 0, 0, 0, 0],
      'Actions→task': [4, 3, 1, 0, 0, 0],
      'Actions→phonecall': [6, 6, 0, 1, 0, 0],
      'Actions→appointment': [6, 6, 0, 0, 0, 0],
      'Actions→email': [6, 6, 0, 0, 0, 0],
      'Actions→email received': [0, 0, 0, 0, 0, 0],
      'Actions→annotation': [7, 7, 0, 0, 0, 0],
      'Media→annotation': [4, 4, 0, 0, 14, 0],
    })
  })

  it('quarantines an action of a type the map does not know, and loads one about nothing or about an unmigrated record', async () => {
    const {
      deps,
      events,
      row: get,
    } = setUp((records) => {
      const actions = records['Actions'] ?? []
      const at = (n: number) => actions.find((a) => a['id'] === n) ?? {}
      Object.assign(at(1), { type: 'webactivity' })
      Object.assign(at(2), { associationType: 'none', associationId: 0 })
      Object.assign(at(4), { associationType: 'Services', associationId: 1000 })
      Object.assign(at(5), { associationType: 'X2Leads', associationId: 1 })
    })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    const quarantined = events.flatMap((e) =>
      e.type === 'record.quarantined' && e.sourceKey.startsWith('Actions') ? [e] : [],
    )
    expect(quarantined.map((q) => q.sourceKey)).toEqual(['Actions:1'])
    expect(quarantined[0]?.reason).toMatch(/unknown action type 'webactivity'/)
    const anyTable = (n: number) =>
      ['task', 'phonecall', 'appointment', 'email', 'annotation']
        .map((t) => get(t, id('Actions', n)))
        .find((r) => r !== undefined)
    expect(anyTable(1)).toBeUndefined()
    for (const n of [2, 4, 5]) {
      const row = anyTable(n)
      expect(row, `Actions ${n}`).toBeDefined()
      expect(row?.['_regardingobjectid_value'] ?? row?.['_objectid_value'] ?? null).toBeNull()
    }
    const outcomes: RecordOutcome[] = []
    for await (const outcome of deps.ledger.outcomes(result.runId)) outcomes.push(outcome)
    const warningsOf = (n: number) => outcomes.find((o) => o.sourceKey === `Actions:${n}`)?.warnings ?? []
    expect(warningsOf(2)).toEqual([])
    expect(warningsOf(4).join(' ')).toMatch(/does not migrate Services/)
    expect(warningsOf(5).join(' ')).toMatch(/does not migrate X2Leads/)

    // verify routes as migrate did: the quarantined action is the first table's, not migrated; each of the 80 actions
    // is accounted for by exactly one table, and those about nothing are compared as loaded.
    const checked = await verify({ instance: 'fixture', mapping: options.mapping }, deps)
    const actions = checked.entities.filter((e) => e.entity.startsWith('Actions'))
    expect(actions.map((e) => [e.entity, e.notMigrated])).toEqual([
      ['Actions→task', 1],
      ['Actions→phonecall', 0],
      ['Actions→appointment', 0],
      ['Actions→email', 0],
      ['Actions→email received', 0],
      ['Actions→annotation', 0],
    ])
    expect(actions.reduce((n, e) => n + e.checked + e.missing + e.notMigrated + e.quarantined, 0)).toBe(80)
    expect(actions.every((e) => e.mismatched === 0 && e.missing === 0)).toBe(true)
  })

  it('quarantines a file missing on disk or over the upload limit with its path, size and the limit; its record loads', async () => {
    const { deps, events, rows } = setUp((records) => {
      const file = records['Media']?.find((m) => m['id'] === 2005) ?? {}
      Object.assign(file, { fileName: 'gone.csv' })
    })
    // 80 bytes: the 70-byte logo is 96 as base64, over it; the others fit.
    const result = await migrate(options, { ...deps, uploadLimit: { bytes: 80, source: 'default' } })
    expect(result.reconciliation.balanced).toBe(true)
    const reasons = new Map(
      events.flatMap((e) => (e.type === 'record.quarantined' ? [[e.sourceKey, e.reason] as const] : [])),
    )
    expect([...reasons.keys()].filter((k) => k.startsWith('Media')).sort()).toEqual([
      'Media:2005',
      'Media:2006',
    ])
    expect(reasons.get('Media:2005')).toMatch(
      /admin\/gone\.csv, 31 bytes could not be read: not in .*limit 80 bytes/,
    )
    expect(reasons.get('Media:2006')).toMatch(
      /admin\/logo_initech\.png is 70 bytes \(96 bytes as base64\), over the upload limit of 80 bytes \(Dataverse's default; the organization's maxuploadfilesize could not be read\)/,
    )
    // The accounts the files belong to load all the same; the two other files are attached.
    const accounts = rows('account').map((a) => a['accountid'])
    expect(accounts).toContain(id('Accounts', 2))
    expect(accounts).toContain(id('Accounts', 3))
    expect(rows('annotation').filter((n) => n['isdocument'] === true)).toHaveLength(2)
  })
  it('a delta closes an opportunity won since and completes a to-do done since; rolling it back reopens both', async () => {
    const { x2crm, deps, rows, row: get } = setUp()
    await migrate(options, deps)
    const opportunities = dump.records['Opportunity'] ?? []
    const working = opportunities.find((o) => o['salesStage'] === 'Working') ?? {}
    const todo = (dump.records['Actions'] ?? []).find((a) => a['type'] === '' && a['complete'] === 'No') ?? {}
    const later = 1795660000
    x2crm.upsert('Opportunity', { ...working, salesStage: 'Won', lastUpdated: later })
    x2crm.upsert('Actions', { ...todo, complete: 'Yes', completeDate: later, lastUpdated: later })
    const opportunityId = id('Opportunity', Number(working['id']))
    const taskId = id('Actions', Number(todo['id']))
    const closesBefore = rows('opportunityclose').length

    const changed = await delta({ ...options, deletions: 'deactivate' }, deps)
    expect(changed.reconciliation.balanced).toBe(true)
    expect(rows('opportunity').find((o) => o['opportunityid'] === opportunityId)?.['statecode']).toBe(1)
    expect(rows('opportunityclose')).toHaveLength(closesBefore + 1)
    expect(
      rows('opportunityclose').find((c) => c['_opportunityid_value'] === opportunityId)?.['actualrevenue'],
    ).toBe(Number(working['quoteAmount']))
    expect(get('task', taskId)?.['statecode']).toBe(1)
    expect(get('task', taskId)?.['actualend']).toBe(new Date(later * 1000).toISOString().replace('.000', ''))

    const undone = await rollback({ mapping: options.mapping, runId: changed.runId }, deps)
    expect(undone.verified).toBe(true)
    // The opportunity is open again (a closed one is read-only) and the close the delta made is gone.
    expect(rows('opportunity').find((o) => o['opportunityid'] === opportunityId)?.['statecode']).toBe(0)
    expect(rows('opportunityclose')).toHaveLength(closesBefore)
    expect(get('task', taskId)?.['statecode']).toBe(0)
  })
})
