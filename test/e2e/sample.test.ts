import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { ACCOUNT, CONTACT, accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate, type MigrateDeps } from '../../src/run/migrate.ts'
import { chooseSample, sampleSource, type Sample } from '../../src/run/sample.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import type { X2crmRecord, X2crmSource } from '../../src/source/x2crm/types.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

/** A confirmed-style map: the default Accounts and Contacts, then opportunities and actions (as tasks). */
const mapping: Mapping = {
  entities: [
    ...accountsContactsMapping().entities,
    {
      entity: 'Opportunity',
      table: { logicalName: 'opportunity', entitySet: 'opportunities', primaryId: 'opportunityid' },
      fields: [
        { source: 'name', target: 'name', transform: 'text' },
        {
          source: 'accountName',
          target: 'parentaccountid',
          transform: 'link',
          linkTo: { entity: 'Accounts', table: ACCOUNT },
        },
        {
          source: 'contactName',
          target: 'parentcontactid',
          transform: 'link',
          linkTo: { entity: 'Contacts', table: CONTACT },
        },
        { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      ],
    },
    {
      entity: 'Actions',
      table: { logicalName: 'task', entitySet: 'tasks', primaryId: 'activityid' },
      fields: [
        { source: 'subject', target: 'subject', transform: 'text' },
        { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      ],
    },
  ],
}

const ROOTS = 8
const options = { instance: 'test', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }

const idOf = (record: X2crmRecord) => Number(record['id'])
/** The id a `"Name_ID"` link points at, if it does. */
const linked = (value: unknown) => {
  const id = /_(\d+)$/.exec(typeof value === 'string' ? value : '')?.[1]
  return id === undefined ? undefined : Number(id)
}

/**
 * 80 generated accounts and 200 contacts (some hidden from lists, some dirty), plus 40 opportunities and 90
 * actions spread over them, and one more contact of account 1 (always a root: the first id) hidden from lists.
 */
function setUp() {
  const generated = generate({ seed: 23, accounts: 80, contacts: 200 })
  const records = generated.dataset.records
  const accounts = records['Accounts'] ?? []
  const contacts = records['Contacts'] ?? []
  const owner = String(contacts.find((c) => c['assignedTo'] !== 'Anyone')?.['assignedTo'])
  const template = contacts.find(
    (c) => c['visibility'] !== 0 && !generated.dirty.some((d) => d.id === idOf(c)),
  )
  records['Contacts'] = [
    ...contacts,
    {
      ...template,
      id: 201,
      nameId: 'Hidden Person_201',
      visibility: 0,
      assignedTo: 'Anyone',
      company: accounts[0]?.['nameId'],
    },
  ]
  records['Opportunity'] = Array.from({ length: 40 }, (_, i) => ({
    id: i + 1,
    name: `Deal ${i + 1}`,
    nameId: `Deal ${i + 1}_${i + 1}`,
    accountName: accounts[(i * 11) % accounts.length]?.['nameId'] ?? '',
    contactName: i % 2 === 0 ? (contacts[(i * 7) % contacts.length]?.['nameId'] ?? '') : '',
    assignedTo: owner,
    visibility: 1,
  }))
  const types = ['accounts', 'contacts', 'opportunities'] as const
  records['Actions'] = Array.from({ length: 90 }, (_, i) => {
    const type = types[i % 3] ?? 'accounts'
    const pool =
      type === 'accounts' ? accounts : type === 'contacts' ? contacts : (records['Opportunity'] ?? [])
    return {
      id: i + 1,
      subject: `Follow up ${i + 1}`,
      associationType: type,
      associationId: idOf(pool[(i * 5) % pool.length] ?? {}),
      assignedTo: owner,
      visibility: 1,
      type: 'action',
    }
  })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator()
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async () => undefined,
  })
  const events: RunEvent[] = []
  const deps: MigrateDeps = {
    source,
    target,
    ledger: createMemoryLedger(),
    emit: (e) => events.push(e),
    now: () => new Date(),
  }
  return { records, dataverse, deps, events }
}

/** What migrate --sample does: choose, then run on the narrowed source, without the gap fill the sample had. */
async function rehearse(deps: MigrateDeps, size = ROOTS, source: X2crmSource = deps.source) {
  const sample = await chooseSample(source, mapping, size)
  const result = await migrate(
    { ...options, sample: size, gapFill: false },
    { ...deps, source: sampleSource(source, sample) },
  )
  return { sample, result }
}

const idsOf = (sample: Sample, entity: string) =>
  new Set(sample.entities.find((e) => e.entity === entity)?.ids ?? [])

describe('migrate --sample, in process against both simulators', () => {
  it('loads the spread roots with their contacts, opportunities and actions, and what these link to, nothing else', async () => {
    const { records, dataverse, deps } = setUp()
    const { sample, result } = await rehearse(deps)
    const accountIds = (records['Accounts'] ?? []).map(idOf)
    expect(sample.rootIds).toHaveLength(ROOTS)
    // Spread over the id range: the oldest and the newest account are roots.
    expect(sample.rootIds[0]).toBe(Math.min(...accountIds))
    expect(sample.rootIds.at(-1)).toBe(Math.max(...accountIds))

    // The reconciliation balances against the sample, not against X2CRM.
    expect(result.reconciliation.balanced).toBe(true)
    const source = Object.fromEntries(result.reconciliation.phases.map((p) => [p.phase, p.source]))
    for (const entity of ['Accounts', 'Contacts', 'Opportunity', 'Actions'])
      expect(source[entity], entity).toBe(idsOf(sample, entity).size)
    expect(source['Accounts']).toBeLessThan(accountIds.length)

    // What the run did to each sampled record, by source key.
    const outcomes = new Map<string, string>()
    for await (const o of deps.ledger.outcomes(result.runId))
      if (!o.phase.endsWith('.links')) outcomes.set(o.sourceKey, o.status)
    const loaded = (entity: string, id: number) => outcomes.get(`${entity}:${id}`) === 'created'

    // Children of the roots all arrive, the one hidden from lists too (or are quarantined with a reason).
    const roots = new Set(sample.rootIds)
    const contacts = records['Contacts'] ?? []
    const rootContacts = contacts.filter((c) => roots.has(linked(c['company']) ?? 0)).map(idOf)
    expect(rootContacts).toContain(201)
    expect(outcomes.get('Contacts:201')).toBe('created')
    const opportunities = records['Opportunity'] ?? []
    const rootOpportunities = opportunities
      .filter(
        (o) =>
          roots.has(linked(o['accountName']) ?? 0) || rootContacts.includes(linked(o['contactName']) ?? 0),
      )
      .map(idOf)
    const actions = (records['Actions'] ?? []).filter((a) => {
      const id = Number(a['associationId'])
      if (a['associationType'] === 'accounts') return roots.has(id)
      if (a['associationType'] === 'contacts') return rootContacts.includes(id)
      return rootOpportunities.includes(id)
    })
    expect(rootContacts.length).toBeGreaterThan(ROOTS)
    expect(rootOpportunities.length).toBeGreaterThan(0)
    expect(actions.length).toBeGreaterThan(0)
    for (const [entity, ids] of [
      ['Accounts', [...roots]],
      ['Contacts', rootContacts],
      ['Opportunity', rootOpportunities],
      ['Actions', actions.map(idOf)],
    ] as const) {
      for (const id of ids)
        expect(['created', 'quarantined'], `${entity}:${id}`).toContain(outcomes.get(`${entity}:${id}`))
    }

    // Nothing outside the sample arrives: Dataverse holds exactly the sampled records that loaded.
    const rowIds = (table: string, key: string) => new Set(dataverse.rows(table).map((r) => r[key]))
    const expectedRows = (entity: string) =>
      new Set(
        [...idsOf(sample, entity)]
          .filter((id) => loaded(entity, id))
          .map((id) => targetIdFor('test', entity, id)),
      )
    expect(rowIds('account', 'accountid')).toEqual(expectedRows('Accounts'))
    expect(rowIds('contact', 'contactid')).toEqual(expectedRows('Contacts'))
    expect(rowIds('opportunity', 'opportunityid')).toEqual(expectedRows('Opportunity'))
    expect(rowIds('task', 'activityid')).toEqual(expectedRows('Actions'))

    // ... and each sampled record is a root, a child of the roots, or what a loaded record links to.
    const linkedTo = new Set<string>()
    for (const c of contacts)
      if (loaded('Contacts', idOf(c))) linkedTo.add(`Accounts:${linked(c['company'])}`)
    for (const a of records['Accounts'] ?? []) {
      if (!loaded('Accounts', idOf(a))) continue
      linkedTo.add(`Accounts:${linked(a['parentAccount'])}`)
      linkedTo.add(`Contacts:${linked(a['primaryContact'])}`)
    }
    for (const o of opportunities) {
      if (!loaded('Opportunity', idOf(o))) continue
      linkedTo.add(`Accounts:${linked(o['accountName'])}`)
      linkedTo.add(`Contacts:${linked(o['contactName'])}`)
    }
    for (const id of idsOf(sample, 'Accounts'))
      expect(roots.has(id) || linkedTo.has(`Accounts:${id}`), `Accounts:${id}`).toBe(true)
    for (const id of idsOf(sample, 'Contacts'))
      expect(rootContacts.includes(id) || linkedTo.has(`Contacts:${id}`), `Contacts:${id}`).toBe(true)
    expect(idsOf(sample, 'Opportunity')).toEqual(new Set(rootOpportunities))

    // Links bind: a loaded contact's company, a loaded opportunity's account, a loaded account's parent.
    const bound = (table: string, key: string, column: string) =>
      new Map(dataverse.rows(table).map((r) => [r[key], r[column]]))
    const companyOf = bound('contact', 'contactid', '_parentcustomerid_value')
    let companies = 0
    for (const c of contacts) {
      const company = linked(c['company'])
      if (!loaded('Contacts', idOf(c)) || company === undefined || !accountIds.includes(company)) continue
      expect(idsOf(sample, 'Accounts').has(company), `company of Contacts:${idOf(c)}`).toBe(true)
      if (!loaded('Accounts', company)) continue
      expect(companyOf.get(targetIdFor('test', 'Contacts', idOf(c)))).toBe(
        targetIdFor('test', 'Accounts', company),
      )
      companies++
    }
    expect(companies).toBeGreaterThan(ROOTS)
    const accountOf = bound('opportunity', 'opportunityid', '_parentaccountid_value')
    for (const o of opportunities) {
      const account = linked(o['accountName'])
      if (loaded('Opportunity', idOf(o)) && account !== undefined && loaded('Accounts', account))
        expect(accountOf.get(targetIdFor('test', 'Opportunity', idOf(o)))).toBe(
          targetIdFor('test', 'Accounts', account),
        )
    }
    const parentOf = bound('account', 'accountid', '_parentaccountid_value')
    for (const a of records['Accounts'] ?? []) {
      const parent = linked(a['parentAccount'])
      if (loaded('Accounts', idOf(a)) && parent !== undefined && loaded('Accounts', parent))
        expect(parentOf.get(targetIdFor('test', 'Accounts', idOf(a)))).toBe(
          targetIdFor('test', 'Accounts', parent),
        )
    }
  })

  it('keeps a sampled run and a full run apart: neither resumes the other, a sample resumes its own', async () => {
    const { records, deps } = setUp()
    // Contacts cannot be read (filtered lists still answer, so the owner check passes).
    const failing: X2crmSource = {
      ...deps.source,
      records: (entity, readOptions) => {
        if (entity === 'Contacts' && readOptions?.filters === undefined) throw new Error('X2CRM went away')
        return deps.source.records(entity, readOptions)
      },
      record: async (entity, id) => {
        if (entity === 'Contacts') throw new Error('X2CRM went away')
        return deps.source.record(entity, id)
      },
    }
    // A sample run stops half way: Accounts loaded, Contacts not.
    const sample = await chooseSample(deps.source, mapping, ROOTS)
    await expect(
      migrate(
        { ...options, sample: ROOTS, gapFill: false },
        { ...deps, source: sampleSource(failing, sample) },
      ),
    ).rejects.toThrow('X2CRM went away')
    const stopped = await deps.ledger.unfinishedRun('migrate')
    expect(stopped?.params['sample']).toBe(ROOTS)

    // A full migrate starts its own run, over everything.
    const full = await migrate(options, deps)
    expect(full.resumed).toBe(false)
    expect(full.runId).not.toBe(stopped?.runId)
    expect(full.reconciliation.balanced).toBe(true)
    const accounts = full.reconciliation.phases.find((p) => p.phase === 'Accounts')
    expect(accounts?.source).toBe(records['Accounts']?.length)

    // A sample of another size does not resume it either; the same size does, and finishes it.
    const other = await rehearse(deps, ROOTS + 1)
    expect(other.result.resumed).toBe(false)
    const again = await rehearse(deps)
    expect(again.result).toMatchObject({ resumed: true, runId: stopped?.runId })
    expect(again.result.reconciliation.balanced).toBe(true)

    // A full run that stopped is not resumed by a sample.
    await expect(migrate(options, { ...deps, source: failing })).rejects.toThrow('X2CRM went away')
    const third = await rehearse(deps)
    expect(third.result.resumed).toBe(false)
    const resumedFull = await migrate(options, deps)
    expect(resumedFull.resumed).toBe(true)
  })
})

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname

/** Runs the CLI without blocking, so the simulators served by this process can answer it. */
function x2d365(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('x2d365 migrate --sample', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => cleanup?.())

  it('says what the rehearsal holds, loads only that, reconciles against it, and records the sample in the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x2d365-sample-'))
    const sims = await serveBothSimulators(dir, { accounts: 60, contacts: 120 })
    cleanup = async () => {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    }

    const json = await x2d365(['migrate', '--sample', '5', '--json', '--config', sims.configPath], sims.env)
    expect(json.stderr).toBe('')
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RunEvent)
    const chosen = events.find((e) => e.type === 'sample.chosen')
    const finished = events.at(-1)
    if (chosen?.type !== 'sample.chosen' || finished?.type !== 'run.finished') throw new Error(json.stdout)
    expect(chosen.sample).toMatchObject({ size: 5, rootEntity: 'Accounts', rootCandidates: 60 })
    const accounts = chosen.sample.entities.find((e) => e.entity === 'Accounts')
    const contacts = chosen.sample.entities.find((e) => e.entity === 'Contacts')
    expect(accounts?.roots).toBe(5)
    expect(contacts?.children).toBeGreaterThan(0)
    expect(events.findIndex((e) => e.type === 'sample.chosen')).toBeLessThan(
      events.findIndex((e) => e.type === 'phase.started'),
    )
    const { reconciliation } = finished
    expect(reconciliation.balanced).toBe(true)
    const source = Object.fromEntries(reconciliation.phases.map((p) => [p.phase, p.source]))
    expect(source['Accounts']).toBe((accounts?.roots ?? 0) + (accounts?.parents ?? 0))
    expect(source['Contacts']).toBe((contacts?.children ?? 0) + (contacts?.parents ?? 0))
    const quarantined = reconciliation.phases.some((p) => p.quarantined > 0)
    expect(json.code).toBe(quarantined ? 3 : 0)
    const created = (phase: string) => reconciliation.phases.find((p) => p.phase === phase)?.created
    expect(sims.dataverse.rows('account')).toHaveLength(created('Accounts') ?? -1)
    expect(sims.dataverse.rows('contact')).toHaveLength(created('Contacts') ?? -1)

    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    try {
      expect((await ledger.run(finished.runId))?.params['sample']).toBe(5)
    } finally {
      await ledger.close()
    }

    const human = await x2d365(['migrate', '--sample', '3', '--config', sims.configPath], sims.env)
    expect(human.stderr).toMatch(/^Rehearsal: 3 Accounts \(roots, spread over 60\) \+ \d+ Contacts/m)
    expect(human.stdout).toContain(
      'A rehearsal on a sample: `x2d365 migrate` without --sample loads everything.',
    )
    expect(human.stdout).toMatch(/Balanced/)
  })

  it('refuses a sample that is not a positive whole number, with exit 2', async () => {
    const run = await x2d365(['migrate', '--sample', '0'], {})
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--sample must be a whole number ≥ 1')
  })
})
