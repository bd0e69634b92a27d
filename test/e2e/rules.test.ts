import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { standardTables } from '../../src/target/dataverse/standard-tables.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import type { RecordOutcome } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { actionMaps } from '../../src/mapping/default-actions.ts'
import { ACCOUNT, CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { migrate } from '../../src/run/migrate.ts'
import { validate } from '../../src/run/validate.ts'
import { verify } from '../../src/run/verify.ts'
import { delta } from '../../src/run/delta.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { buildMigrationReport } from '../../src/report/migration-report.ts'
import { renderMigrationMarkdown } from '../../src/report/render-migration-markdown.ts'
import { renderValidationMarkdown } from '../../src/report/render-validation.ts'
import { planSchema, tablesOf } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { schemaAfterPlan } from '../../src/schema/schema-after-plan.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const mapping = defaultMapping()
const options = { instance: 'test', mapping, batchSize: 50, defaultOwnerEmail: DEMO_DEFAULT_OWNER }

/** Generated dirty data with the kinds of issue 14's rules (every 97th record), both simulators, the clients. */
async function setUp(systemUsers = demoSystemUsers) {
  const generated = generate({ seed: 5, accounts: 300, contacts: 600, ruleDirt: true })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator()
  dataverse.seed('systemuser', systemUsers(generated.dataset.users))
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
  const current = await readTargetSchema(metadata, tablesOf(mapping), standardTables())
  const tables = schemaAfterPlan(current, planSchema(mapping, current))
  const withKind = (entity: string, kind: string) =>
    generated.dirty.filter((d) => d.entity === entity && d.kinds.includes(kind as never)).map((d) => d.id)
  return { generated, x2crm, dataverse, source, target, tables, withKind }
}

async function outcomesOf(ledger: ReturnType<typeof createMemoryLedger>, runId: string) {
  const byKey = new Map<string, RecordOutcome>()
  for await (const o of ledger.outcomes(runId)) if (!o.phase.endsWith('.links')) byKey.set(o.sourceKey, o)
  return byKey
}

describe('issue 14 rules on generated dirty data', () => {
  it('quarantines numbers outside the column bounds or precision, and invisible names, at validate and at load', async () => {
    const { dataverse, source, target, tables, withKind } = await setUp()
    const negative = withKind('Accounts', 'negativeCount')
    const decimals = withKind('Accounts', 'excessDecimals')
    const invisible = withKind('Accounts', 'invisibleName')
    expect([negative.length, decimals.length, invisible.length]).toEqual([1, 1, 1])

    const previewed: RecordOutcome[] = []
    await validate(options, {
      source,
      target,
      tables,
      emit: () => undefined,
      now: () => new Date(),
      onQuarantined: (o) => previewed.push(o),
    })
    const ledger = createMemoryLedger()
    const run = await migrate(options, {
      source,
      target,
      ledger,
      emit: () => undefined,
      now: () => new Date(),
      tables,
    })
    const outcomes = await outcomesOf(ledger, run.runId)
    const reasonOf = (id: number | undefined) => outcomes.get(`Accounts:${id}`)?.reason
    const previewOf = (id: number | undefined) =>
      previewed.find((o) => o.sourceKey === `Accounts:${id}`)?.reason

    expect(reasonOf(negative[0])).toBe(
      'employees: -12 is below the minimum 0: account.numberofemployees is a whole number between 0 and 1000000000; not rounded or cut',
    )
    expect(reasonOf(decimals[0])).toBe(
      'annualRevenue: 1250.555 has 3 decimals, the column keeps 2: account.revenue is a number between 0 and ' +
        '100000000000000 with at most 2 decimals; not rounded or cut',
    )
    expect(reasonOf(invisible[0])).toMatch(/^name: the account has no name/)
    for (const id of [...negative, ...decimals, ...invisible]) {
      expect(outcomes.get(`Accounts:${id}`)?.status).toBe('quarantined')
      expect(previewOf(id)).toBe(reasonOf(id))
      expect(
        dataverse.rows('account').some((r) => r['accountid'] === targetIdFor('test', 'Accounts', id)),
      ).toBe(false)
    }
  })

  it('brings text exactly: a note that ends with a newline and starts with spaces arrives as X2CRM holds it', async () => {
    const { dataverse, source, target, tables, withKind, generated } = await setUp()
    const ids = withKind('Contacts', 'trailingNewline')
    expect(ids.length).toBeGreaterThan(0)
    const ledger = createMemoryLedger()
    await migrate(options, { source, target, ledger, emit: () => undefined, now: () => new Date(), tables })
    for (const id of ids) {
      const held = generated.dataset.records['Contacts']?.find((r) => r.id === id)?.backgroundInfo
      expect(held).toBe('  Prefers calls after 4pm.\nAsk for Sam.\n')
      const row = dataverse
        .rows('contact')
        .find((r) => r['contactid'] === targetIdFor('test', 'Contacts', id))
      expect(row?.['description']).toBe(held)
    }
  })

  it('links a plain-text company to the one account of that name, counted as a repair; off when the map says so', async () => {
    const { dataverse, source, target, tables, withKind, generated } = await setUp()
    const ids = withKind('Contacts', 'plainTextKnownCompany')
    expect(ids.length).toBeGreaterThan(0)
    const accounts = generated.dataset.records['Accounts'] ?? []
    const ledger = createMemoryLedger()
    const run = await migrate(options, {
      source,
      target,
      ledger,
      emit: () => undefined,
      now: () => new Date(),
      tables,
    })
    const outcomes = await outcomesOf(ledger, run.runId)
    let repaired = 0
    for (const id of ids) {
      const company = generated.dataset.records['Contacts']?.find((r) => r.id === id)?.company
      expect(company).not.toMatch(/_\d+$/)
      const named = accounts.filter((a) => a.name === company).map((a) => Number(a.id))
      const row = dataverse
        .rows('contact')
        .find((r) => r['contactid'] === targetIdFor('test', 'Contacts', id))
      const warnings = outcomes.get(`Contacts:${id}`)?.warnings ?? []
      const repair = warnings.find((w) => w.startsWith('company: repair linkByName: '))
      if (named.length === 1) {
        repaired++
        expect(row?.['_parentcustomerid_value']).toBe(targetIdFor('test', 'Accounts', named[0] ?? 0))
        expect(repair).toMatch(new RegExp(`linked to Accounts ${named[0]}, the one record of that name$`))
      } else {
        expect(row?.['_parentcustomerid_value'] ?? null).toBeNull()
        expect(repair).toMatch(/records have that name \(.+\); not linked$/)
      }
    }
    expect(repaired).toBeGreaterThan(0)

    // Switched off in the map: the same records load unlinked, as before the repair existed.
    const off = {
      ...options,
      mapping: {
        ...mapping,
        entities: mapping.entities.map((e) => ({ ...e, repairs: { linkByName: false } })),
      },
    }
    const fresh = await setUp()
    const offLedger = createMemoryLedger()
    const offRun = await migrate(off, {
      ...fresh,
      ledger: offLedger,
      emit: () => undefined,
      now: () => new Date(),
    })
    const offOutcomes = await outcomesOf(offLedger, offRun.runId)
    for (const id of ids) {
      const row = fresh.dataverse
        .rows('contact')
        .find((r) => r['contactid'] === targetIdFor('test', 'Contacts', id))
      expect(row?.['_parentcustomerid_value'] ?? null).toBeNull()
      expect(offOutcomes.get(`Contacts:${id}`)?.warnings?.join()).toMatch(
        /is plain text, not a link .*; not linked/,
      )
    }
  })

  it('gives records assigned to Anyone to the default owner, and never matches a disabled Dataverse user', async () => {
    // The Dataverse user of the X2CRM owner of the first account has been disabled: that user's records go to the
    // default owner instead (the data is the same for the same seed).
    const data = generate({ seed: 5, accounts: 300, contacts: 600, ruleDirt: true }).dataset
    const withUser = new Set(
      demoSystemUsers(data.users).map((u) => String(u['internalemailaddress']).toLowerCase()),
    )
    const emailOf = (username: unknown) => {
      const email = data.users.find((u) => u['username'] === username)?.['emailAddress']
      return typeof email === 'string' ? email.toLowerCase() : ''
    }
    const owner = data.records['Accounts']?.find((a) => withUser.has(emailOf(a.assignedTo)))?.assignedTo
    let disabledEmail = ''
    const { dataverse, source, target, tables, withKind, generated } = await setUp((users) => {
      const email = emailOf(owner)
      return demoSystemUsers(users).map((user) => {
        if (String(user['internalemailaddress']).toLowerCase() !== email) return user
        disabledEmail = email
        return { ...user, isdisabled: true }
      })
    })
    expect(disabledEmail).not.toBe('')
    const ledger = createMemoryLedger()
    await migrate(options, { source, target, ledger, emit: () => undefined, now: () => new Date(), tables })
    const systemUser = (email: string) =>
      dataverse
        .rows('systemuser')
        .find((u) => String(u['internalemailaddress']).toLowerCase() === email.toLowerCase())
    const defaultOwner = systemUser(DEMO_DEFAULT_OWNER)?.['systemuserid']
    const disabled = systemUser(disabledEmail)?.['systemuserid']
    expect(defaultOwner).toBeDefined()
    expect(disabled).toBeDefined()
    const ownerOf = (entity: string, table: string, id: number) =>
      dataverse.rows(table).find((r) => r[`${table}id`] === targetIdFor('test', entity, id))?.[
        '_ownerid_value'
      ]

    const hidden = withKind('Accounts', 'hiddenPrivate')
    expect(hidden.length).toBeGreaterThan(0)
    for (const id of hidden) expect(ownerOf('Accounts', 'account', id)).toBe(defaultOwner)

    const username = generated.dataset.users.find(
      (u) => String(u['emailAddress']).toLowerCase() === disabledEmail.toLowerCase(),
    )?.['username']
    const theirs = (generated.dataset.records['Accounts'] ?? []).filter((a) => a.assignedTo === username)
    expect(theirs.length).toBeGreaterThan(0)
    for (const account of theirs) {
      const owner = ownerOf('Accounts', 'account', Number(account.id))
      if (owner !== undefined) expect(owner).toBe(defaultOwner)
    }
    expect(dataverse.rows('account').some((r) => r['_ownerid_value'] === disabled)).toBe(false)
  })

  it('reports findings (both ids of a duplicate, future timestamps, inactive owners) and counts repairs, at validate and in the report; the reconciliation balances', async () => {
    const { source, target, tables, withKind, generated } = await setUp()
    const duplicates = withKind('Contacts', 'duplicateEmailCase')
    const future = [...withKind('Accounts', 'futureTimestamp'), ...withKind('Contacts', 'futureTimestamp')]
    const inactive = withKind('Accounts', 'inactiveOwner')
    expect([duplicates.length > 0, future.length > 0, inactive.length > 0]).toEqual([true, true, true])
    const contacts = generated.dataset.records['Contacts'] ?? []
    const emailOf = (id: number) => String(contacts.find((c) => c.id === id)?.email).toLowerCase()
    // The first contact holding the duplicated e-mail (in another case).
    const firstWith = (id: number) =>
      Number(contacts.find((c) => String(c.email).toLowerCase() === emailOf(id))?.id)

    const validated = await validate(
      { ...options, examples: 50 },
      { source, target, tables, emit: () => undefined, now: () => new Date() },
    )
    const examples = (kind: 'duplicateEmail' | 'futureTimestamp' | 'inactiveOwner') =>
      validated.findings?.[kind]?.examples.map((e) => e.sourceKeys.join(' ')) ?? []
    for (const id of duplicates) {
      expect(examples('duplicateEmail')).toContain(`Contacts:${firstWith(id)} Contacts:${id}`)
    }
    for (const key of [
      ...withKind('Accounts', 'futureTimestamp').map((id) => `Accounts:${id}`),
      ...withKind('Contacts', 'futureTimestamp').map((id) => `Contacts:${id}`),
    ]) {
      expect(examples('futureTimestamp')).toContain(key)
    }
    const inactiveUsers = new Set(
      generated.dataset.users.filter((u) => u['status'] === 0).map((u) => u['username']),
    )
    const ofInactive = ['Accounts', 'Contacts'].flatMap((entity) =>
      (generated.dataset.records[entity] ?? []).filter((r) =>
        String(r.assignedTo)
          .split(',')
          .some((a) => inactiveUsers.has(a.trim())),
      ),
    )
    expect(validated.findings?.inactiveOwner?.count).toBe(ofInactive.length)
    expect(inactive.every((id) => ofInactive.some((r) => r.id === id))).toBe(true)
    expect(validated.repairs?.['linkByName']?.count).toBeGreaterThan(0)
    const markdown = renderValidationMarkdown(validated, 'built-in')
    expect(markdown).toMatch(/## Repairs\n[\s\S]*\| linkByName \| \d+ \|/)
    expect(markdown).toMatch(/## Findings\n[\s\S]*likely duplicates: the same e-mail ignoring case/)

    const ledger = createMemoryLedger()
    const run = await migrate(options, {
      source,
      target,
      ledger,
      emit: () => undefined,
      now: () => new Date(),
      tables,
    })
    // Reported, not acted on: every duplicate and future-dated record loads, and the reconciliation balances.
    expect(run.reconciliation.balanced).toBe(true)
    const outcomes = await outcomesOf(ledger, run.runId)
    for (const id of duplicates) expect(outcomes.get(`Contacts:${id}`)?.status).toBe('created')
    const report = await buildMigrationReport({
      runs: await ledger.runs(),
      ledger: { ...ledger, fixes: { current: async () => [] } },
      mapping,
      identity: {
        source: { instance: 'test' },
        target: {},
        map: { kind: 'built-in' },
        version: 'test',
        operator: 'test',
        generatedAt: new Date().toISOString(),
      },
    })
    expect(report.findings?.duplicateEmail?.count).toBe(validated.findings?.duplicateEmail?.count)
    expect(report.findings?.futureTimestamp?.count).toBe(validated.findings?.futureTimestamp?.count)
    expect(report.repairs?.['linkByName']?.count).toBe(validated.repairs?.['linkByName']?.count)
    const signed = renderMigrationMarkdown(report)
    expect(signed).toContain('## Repairs')
    expect(signed).toContain('## Findings')
  })

  it('waits for an explicit decision on inactive users and groups when the default owner covers only what it lists, then owns as decided (a team too)', async () => {
    const { dataverse, source, target, tables, withKind } = await setUp()
    const groupOwned = withKind('Accounts', 'groupOwner')
    const inactive = withKind('Accounts', 'inactiveOwner')
    expect(groupOwned.length).toBeGreaterThan(0)
    dataverse.seed('team', [
      { teamid: '7e000000-0000-4000-a000-000000000001', name: 'Sales EMEA' },
      { teamid: '7e000000-0000-4000-a000-000000000002', name: 'Support' },
    ])
    const strict = {
      ...options,
      defaultOwnerEmail: undefined,
      ownerDecisions: {
        defaultOwner: DEMO_DEFAULT_OWNER,
        covers: ['anyone', 'unmatched', 'deleted'] as const,
      },
    }
    const refused = migrate(
      { ...strict, ownerDecisions: { ...strict.ownerDecisions, covers: [...strict.ownerDecisions.covers] } },
      { source, target, ledger: createMemoryLedger(), emit: () => undefined, now: () => new Date(), tables },
    )
    await expect(refused).rejects.toThrow(/have no owner decided: .*amartinez \(\d+\).*group \d \(/s)
    await expect(refused).rejects.toThrow(/Decide each in users\.yaml/)

    const decided = {
      ...options,
      ownerDecisions: {
        defaultOwner: DEMO_DEFAULT_OWNER,
        covers: ['anyone', 'unmatched', 'deleted' as const],
        byHand: { amartinez: { team: 'Support' } },
        groups: Object.fromEntries(['1', '2', '3', '4', '5'].map((g) => [g, { team: 'sales emea' }])),
      },
    }
    const ledger = createMemoryLedger()
    const run = await migrate(decided as never, {
      source,
      target,
      ledger,
      emit: () => undefined,
      now: () => new Date(),
      tables,
    })
    expect(run.reconciliation.balanced).toBe(true)
    const ownerOf = (id: number) =>
      dataverse.rows('account').find((r) => r['accountid'] === targetIdFor('test', 'Accounts', id))?.[
        '_ownerid_value'
      ]
    for (const id of groupOwned) expect(ownerOf(id)).toBe('7e000000-0000-4000-a000-000000000001')
    for (const id of inactive) expect(ownerOf(id)).toBe('7e000000-0000-4000-a000-000000000002')
  })

  it('verifies a Lead/Contact split: the leads are no missing contacts, and a link the load left empty on purpose (a primary contact that became a lead) is no mismatch', async () => {
    const split = parseMapping(
      [
        'version: 1',
        'entities:',
        '  Accounts:',
        '    table: account',
        '    fields:',
        '      name: { target: name, transform: text }',
        '      primaryContact: { target: primarycontactid, transform: link, linkTo: Contacts, pass: 2 }',
        '  Contacts:',
        '    table: contact',
        '    fields:',
        '      lastName: { target: lastname, transform: text }',
        '      company: { target: parentcustomerid_account, transform: link, linkTo: Accounts }',
        '    split:',
        '      table: lead',
        '      when: [{ hasCompany: false }]',
        '      fields:',
        '        lastName: { target: lastname, transform: text }',
      ].join('\n'),
    )
    expect(split.errors).toEqual([])
    if (split.value === undefined) return
    // The built-in tables only: no X2CRM id column (schema apply would add it).
    const mapping = {
      ...split.value,
      entities: split.value.entities.map(({ sourceIdColumn: _, ...e }) => e),
    }
    const { source, target, tables, generated } = await setUp()
    const ledger = createMemoryLedger()
    const deps = { source, target, ledger, emit: () => undefined, now: () => new Date(), tables }
    const run = await migrate({ ...options, mapping }, deps)
    expect(run.reconciliation.balanced).toBe(true)
    const leads = run.reconciliation.phases.find((p) => p.phase === 'Contacts→lead')
    expect(leads?.created).toBeGreaterThan(0)
    // Some account names a primary contact that went to the leads: its link is left empty on purpose.
    const contacts = generated.dataset.records['Contacts'] ?? []
    const isLead = (nameId: unknown) => {
      const contact = contacts.find((c) => c.nameId === nameId)
      return (
        contact !== undefined && !/_\d+$/.test(typeof contact.company === 'string' ? contact.company : '')
      )
    }
    expect((generated.dataset.records['Accounts'] ?? []).some((a) => isLead(a.primaryContact))).toBe(true)

    const verified = await verify({ instance: 'test', mapping }, deps)
    for (const entity of verified.entities) {
      expect([entity.entity, entity.missing, entity.mismatches]).toEqual([entity.entity, 0, []])
    }
    expect(verified.ok).toBe(true)
  })

  it('loads a field added to the map after the migration into every record at the next delta, though X2CRM changed nothing since', async () => {
    const { generated, x2crm, dataverse, source, target, tables } = await setUp()
    // A custom field X2CRM got after the map was confirmed: every contact holds a value, the first migration ignores it.
    const contacts = generated.dataset.records['Contacts'] ?? []
    for (const contact of contacts)
      x2crm.upsert('Contacts', { ...contact, c_region: `Region ${String(contact.id)}` })
    const ledger = createMemoryLedger()
    const deps = { source, target, ledger, emit: () => undefined, now: () => new Date(), tables }
    await migrate(options, deps)
    const unchanged = await delta(options, deps)
    // Every class the map carries (the timeline's too), none changed.
    const changed = (r: typeof unchanged) =>
      r.entities.filter((e) => e.found.changed > 0).map((e) => e.entity)
    expect(unchanged.entities.map((e) => e.entity)).toEqual(expect.arrayContaining(['Accounts', 'Contacts']))
    expect(changed(unchanged)).toEqual([])

    const grown = {
      ...mapping,
      entities: mapping.entities.map((e) =>
        e.entity === 'Contacts'
          ? {
              ...e,
              fields: [
                ...e.fields,
                { source: 'c_region', target: 'address1_county', transform: 'text' as const },
              ],
            }
          : e,
      ),
    }
    const result = await delta({ ...options, mapping: grown }, deps)
    const found = Object.fromEntries(result.entities.map((e) => [e.entity, e.found]))
    expect(found['Accounts']?.changed).toBe(0)
    expect(found['Contacts']?.changed).toBeGreaterThan(0)
    const rows = dataverse.rows('contact')
    const loaded = contacts.filter((c) =>
      rows.some((r) => r['contactid'] === targetIdFor('test', 'Contacts', Number(c.id))),
    )
    expect(loaded.length).toBeGreaterThan(contacts.length * 0.9)
    for (const contact of loaded) {
      const row = rows.find((r) => r['contactid'] === targetIdFor('test', 'Contacts', Number(contact.id)))
      expect(row?.['address1_county']).toBe(`Region ${String(contact.id)}`)
    }
    // And the delta after it finds nothing to do: the hashes now carry the grown map.
    const again = await delta({ ...options, mapping: grown }, deps)
    expect(changed(again)).toEqual([])
  })

  it('links an action whose associationType differs in letter case (caseInsensitiveClass), counted as a repair; off, it links nothing', async () => {
    const regardingTo = [
      { entity: 'Accounts', table: ACCOUNT },
      { entity: 'Contacts', table: CONTACT },
    ]
    const withActions = { entities: [...actionMaps(regardingTo), ...mapping.entities] }
    const run = async (caseInsensitiveClass: boolean) => {
      const { x2crm, dataverse, source, target, tables } = await setUp()
      const spellings = ['CONTACTS', 'Contacts', 'contacts', 'ACCOUNTS']
      spellings.forEach((associationType, i) =>
        x2crm.upsert('Actions', {
          id: i + 1,
          type: 'call',
          subject: `Call ${i + 1}`,
          associationType,
          associationId: 3,
          assignedTo: 'Anyone',
          visibility: 1,
          createDate: 1760000000,
          lastUpdated: 1760000000,
        }),
      )
      const map = {
        entities: withActions.entities.map((e) =>
          e.entity === 'Actions'
            ? { ...e, repairs: { linkByName: true, caseInsensitiveClass, caseInsensitiveChoice: true } }
            : e,
        ),
      }
      const ledger = createMemoryLedger()
      const result = await migrate(
        { ...options, mapping: map },
        { source, target, ledger, emit: () => undefined, now: () => new Date(), tables },
      )
      expect(result.reconciliation.balanced).toBe(true)
      const outcomes = await outcomesOf(ledger, result.runId)
      const regarding = (id: number) =>
        dataverse.rows('phonecall').find((r) => r['activityid'] === targetIdFor('test', 'Actions', id))?.[
          '_regardingobjectid_value'
        ] ?? null
      return { outcomes, regarding }
    }

    const on = await run(true)
    expect([1, 2, 3, 4].map(on.regarding)).toEqual([
      targetIdFor('test', 'Contacts', 3),
      targetIdFor('test', 'Contacts', 3),
      targetIdFor('test', 'Contacts', 3),
      targetIdFor('test', 'Accounts', 3),
    ])
    const repairs = (outcomes: typeof on.outcomes, id: number) =>
      (outcomes.get(`Actions:${id}`)?.warnings ?? []).filter((w) =>
        w.includes('repair caseInsensitiveClass:'),
      )
    expect(repairs(on.outcomes, 1)).toEqual([
      'associationId: repair caseInsensitiveClass: associationType "CONTACTS" read as Contacts (differs in letter case)',
    ])
    expect(repairs(on.outcomes, 2)).toEqual([])
    expect(repairs(on.outcomes, 3)).toEqual([])
    expect(repairs(on.outcomes, 4)).toHaveLength(1)

    const off = await run(false)
    expect([1, 2, 3, 4].map(off.regarding)).toEqual([
      null,
      targetIdFor('test', 'Contacts', 3),
      targetIdFor('test', 'Contacts', 3),
      null,
    ])
    expect(off.outcomes.get('Actions:1')?.warnings?.join()).toMatch(
      /only ignoring letter case, and caseInsensitiveClass is off/,
    )
  })
})
