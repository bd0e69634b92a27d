import { createHash, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import type { RecordOutcome } from '../../src/ledger/ledger.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { transformRecord } from '../../src/mapping/transform-record.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { delta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { verify } from '../../src/run/verify.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { inProcessSimulators } from '../helpers/sims.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

const INSTANCE = 'dd'
/** The default map (accounts deduped by name + websiteurl), with the X2CRM id column a confirmed map writes. */
const mapping: Mapping = {
  entities: defaultMapping().entities.map((e) => ({ ...e, sourceIdColumn: 'new_x2crmid' })),
  settings: { publisherPrefix: 'new_', sourceIdColumn: 'new_x2crmid', tags: { mode: 'none' } },
}
const LOOKUPS: Record<string, string[]> = {
  account: ['_parentaccountid_value', '_primarycontactid_value', '_ownerid_value'],
  contact: ['_parentcustomerid_value', '_ownerid_value'],
}
/** Every column x2d365 writes to a table (the X2CRM id too), its state, and its lookups. */
const columnsOf = (logicalName: string) => {
  const map = mapping.entities.find((e) => e.table.logicalName === logicalName)
  const written = (map?.fields ?? [])
    .filter((f) => f.transform !== 'link' && f.transform !== 'owner')
    .map((f) => f.target)
  return [...written, 'new_x2crmid', 'statecode', 'statuscode', ...(LOOKUPS[logicalName] ?? [])]
}

async function setUp() {
  let time = Date.parse('2026-11-26T09:00:00Z')
  const { generated, x2crm, dataverse, source, target } = inProcessSimulators({
    seed: 31,
    accounts: 40,
    contacts: 80,
    dataverse: { clock: () => time },
  })
  const later = (seconds: number) => void (time += seconds * 1000)
  // schema apply: the X2CRM id column (and its alternate key) on both tables.
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

  const tableHash = (logicalName: 'account' | 'contact') => {
    const lines = dataverse
      .rows(logicalName)
      .map((row) =>
        JSON.stringify([row[`${logicalName}id`], ...columnsOf(logicalName).map((c) => row[c] ?? null)]),
      )
      .sort()
    return createHash('sha256').update(lines.join('\n')).digest('hex')
  }
  const hashes = () => ({ account: tableHash('account'), contact: tableHash('contact') })
  const ledger = createSqliteLedger(':memory:')
  const deps = { source, target, ledger, emit: () => undefined, now: () => new Date() }
  const options = { instance: INSTANCE, mapping, batchSize: 15, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  const byId = (logicalName: 'account' | 'contact', id: string) =>
    dataverse.rows(logicalName).find((r) => r[`${logicalName}id`] === id)
  return { generated, x2crm, dataverse, deps, options, hashes, byId, later }
}

async function outcomeOf(
  ledger: ReturnType<typeof createSqliteLedger>,
  runId: string,
  sourceKey: string,
): Promise<RecordOutcome | undefined> {
  for await (const outcome of ledger.outcomes(runId, 'Accounts'))
    if (outcome.sourceKey === sourceKey) return outcome
  return undefined
}

describe('dedupe against rows already in Dataverse', () => {
  it('updates the existing account instead of creating a duplicate, through migrate, delta, verify and rollback', async () => {
    const { generated, x2crm, dataverse, deps, options, hashes, byId, later } = await setUp()
    const accountsMap = mapping.entities[0]
    if (accountsMap === undefined) throw new Error('the map has no Accounts')
    const context = {
      targetIdFor: (entity: string, id: number) => targetIdFor(INSTANCE, entity, id),
      ownerFor: () => undefined,
    }
    // What the map writes to name and websiteurl, for clean accounts that have both.
    const clean = (generated.dataset.records['Accounts'] ?? []).flatMap((record) => {
      if (generated.dirty.some((d) => d.entity === 'Accounts' && d.id === Number(record['id']))) return []
      const t = transformRecord(accountsMap, record, context)
      const name = t.status === 'ok' ? t.values['name'] : undefined
      const website = t.status === 'ok' ? t.values['websiteurl'] : undefined
      return typeof name === 'string' && typeof website === 'string' ? [{ record, name, website }] : []
    })
    const [matched, ambiguous, duplicated] = clean
    if (matched === undefined || ambiguous === undefined || duplicated === undefined)
      throw new Error('not enough clean accounts with a website')
    const matchedKey = `Accounts:${String(matched.record['id'])}`
    const ambiguousKey = `Accounts:${String(ambiguous.record['id'])}`
    const template = (generated.dataset.records['Contacts'] ?? []).find(
      (c) =>
        c['visibility'] !== 0 &&
        !generated.dirty.some((d) => d.entity === 'Contacts' && d.id === Number(c['id'])),
    )
    if (template === undefined) throw new Error('no clean contact')
    // A contact of the matched account (X2CRM links by "Name_id").
    const child = { ...template, id: 81, nameId: 'Carla Child_81', company: matched.record['nameId'] }
    x2crm.upsert('Contacts', child)
    // X2CRM has a company twice: the second is not loaded onto the first one's row.
    x2crm.upsert('Accounts', {
      ...duplicated.record,
      id: 41,
      nameId: `${String(duplicated.record['name'])}_41`,
    })

    // The org's own rows, with ids Dataverse gave them: one company X2CRM has too (its name in another case), two
    // rows that both look like another X2CRM company, and one unrelated.
    const existingId = randomUUID()
    const [twinA, twinB] = [randomUUID(), randomUUID()].sort() as [string, string]
    const unrelatedId = randomUUID()
    dataverse.seed('account', [
      {
        accountid: existingId,
        name: matched.name.toUpperCase(),
        websiteurl: matched.website,
        telephone1: '+1 555 0199',
        description: 'Key account, handled by the sales team',
      },
      { accountid: twinA, name: ambiguous.name, websiteurl: ambiguous.website, telephone1: '+1 555 0101' },
      { accountid: twinB, name: ambiguous.name, websiteurl: ambiguous.website, telephone1: '+1 555 0102' },
      { accountid: unrelatedId, name: 'Unrelated Co', websiteurl: 'https://unrelated.example' },
    ])
    const existingBefore = { ...byId('account', existingId) }
    const before = hashes()

    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    const accounts = migrated.reconciliation.phases.find((p) => p.phase === 'Accounts')
    expect(accounts?.updated).toBe(1)
    // Every account X2CRM has is in Dataverse once: the matched one on the org's row, the others new.
    expect(dataverse.rows('account')).toHaveLength(4 + (accounts?.created ?? 0))
    expect(byId('account', targetIdFor(INSTANCE, 'Accounts', Number(matched.record['id'])))).toBeUndefined()
    expect((await deps.ledger.loaded([matchedKey])).get(matchedKey)?.targetId).toBe(existingId)
    expect(await outcomeOf(deps.ledger, migrated.runId, matchedKey)).toMatchObject({
      status: 'updated',
      targetId: existingId,
      warnings: expect.arrayContaining([
        `matched existing account ${existingId} by name + websiteurl`,
      ]) as unknown,
    })
    expect(byId('account', existingId)).toMatchObject({
      name: matched.name,
      new_x2crmid: String(matched.record['id']),
    })
    // Two rows fit the other company: neither is taken, it is created new and the warning names both.
    const ambiguousId = targetIdFor(INSTANCE, 'Accounts', Number(ambiguous.record['id']))
    expect(await outcomeOf(deps.ledger, migrated.runId, ambiguousKey)).toMatchObject({
      status: 'created',
      targetId: ambiguousId,
      warnings: expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^dedupe ambiguous: 2 existing account rows have the same name \\+ websiteurl \\(${twinA}, ${twinB}\\)`,
          ),
        ),
      ]) as unknown,
    })
    expect(byId('account', twinA)?.['telephone1']).toBe('+1 555 0101')
    expect(byId('account', twinB)?.['telephone1']).toBe('+1 555 0102')
    const duplicatedKey = `Accounts:${String(duplicated.record['id'])}`
    expect(await outcomeOf(deps.ledger, migrated.runId, 'Accounts:41')).toMatchObject({
      status: 'created',
      targetId: targetIdFor(INSTANCE, 'Accounts', 41),
      warnings: expect.arrayContaining([
        `dedupe found existing account ${targetIdFor(INSTANCE, 'Accounts', Number(duplicated.record['id']))} with ` +
          `the same name + websiteurl, but it is already the row of ${duplicatedKey}; created new`,
      ]) as unknown,
    })
    // Contacts of the matched company link to the org's row.
    const childId = targetIdFor(INSTANCE, 'Contacts', 81)
    expect(byId('contact', childId)?.['_parentcustomerid_value']).toBe(existingId)
    const siblings = (generated.dataset.records['Contacts'] ?? []).filter(
      (c) =>
        c['company'] === matched.record['nameId'] &&
        byId('contact', targetIdFor(INSTANCE, 'Contacts', Number(c['id']))),
    )
    for (const sibling of siblings) {
      expect(
        byId('contact', targetIdFor(INSTANCE, 'Contacts', Number(sibling['id'])))?.[
          '_parentcustomerid_value'
        ],
      ).toBe(existingId)
    }
    const rowsAfterMigrate = {
      account: dataverse.rows('account').length,
      contact: dataverse.rows('contact').length,
    }

    // A second migrate goes to the same row: nothing is created.
    later(5)
    const again = await migrate(options, deps)
    expect(again.reconciliation.phases.find((p) => p.phase === 'Accounts')?.created).toBe(0)
    expect(await outcomeOf(deps.ledger, again.runId, matchedKey)).toMatchObject({
      status: 'updated',
      targetId: existingId,
    })
    expect({ account: dataverse.rows('account').length, contact: dataverse.rows('contact').length }).toEqual(
      rowsAfterMigrate,
    )

    // Changes in X2CRM: the delta updates the org's row, and a new contact of the company links to it.
    later(5)
    x2crm.upsert('Accounts', {
      ...matched.record,
      description: 'Changed in X2CRM during the cutover',
      lastUpdated: Math.floor(Date.now() / 1000) + 60,
    })
    x2crm.upsert('Contacts', { ...child, id: 82, nameId: 'Nils New_82' })
    const changed = await delta(options, deps)
    expect(changed.reconciliation.balanced).toBe(true)
    expect(byId('account', existingId)?.['description']).toBe('Changed in X2CRM during the cutover')
    expect(byId('contact', targetIdFor(INSTANCE, 'Contacts', 82))?.['_parentcustomerid_value']).toBe(
      existingId,
    )
    expect(dataverse.rows('account')).toHaveLength(rowsAfterMigrate.account)
    expect(dataverse.rows('contact')).toHaveLength(rowsAfterMigrate.contact + 1)

    const checked = await verify({ instance: INSTANCE, mapping }, deps)
    for (const entity of checked.entities) {
      expect(entity.mismatches, entity.entity).toEqual([])
      expect(entity.missing, entity.entity).toBe(0)
    }
    expect(checked.ok).toBe(true)

    // The company is deleted in X2CRM: the delta deactivates the org's row (the one it was matched to).
    later(5)
    x2crm.remove('Accounts', Number(matched.record['id']))
    const deleted = await delta(options, deps)
    expect(deleted.changes).toContainEqual(
      expect.objectContaining({ sourceKey: matchedKey, change: 'deleted', outcome: 'updated' }),
    )
    expect(byId('account', existingId)).toMatchObject({ statecode: 1, statuscode: 2 })

    // Rolling back the first migration undoes every run after it too: the org's rows are as they were, exactly.
    later(5)
    const undone = await rollback({ runId: migrated.runId, mapping }, deps)
    expect(undone.chain.map((c) => c.of)).toEqual([deleted.runId, changed.runId, again.runId, migrated.runId])
    expect(undone).toMatchObject({ verified: true, remaining: [], mismatched: [] })
    expect(hashes()).toEqual(before)
    expect(byId('account', existingId)).toMatchObject({
      name: existingBefore['name'],
      telephone1: '+1 555 0199',
      description: 'Key account, handled by the sales team',
      new_x2crmid: null,
      statecode: 0,
    })
    expect(
      dataverse
        .rows('account')
        .map((r) => r['accountid'])
        .sort(),
    ).toEqual([existingId, twinA, twinB, unrelatedId].sort())
    expect(dataverse.rows('contact')).toHaveLength(0)
  })
})

describe('a dedupe match killed between its write and its outcome', () => {
  /**
   * The org's one row of a company X2CRM has, and a migration killed right after the UpsertMultiple that wrote the
   * X2CRM record onto it, before the ledger recorded the outcome. That row now carries the record's X2CRM id, so the
   * table holds no foreign row any more and a fresh look would not dedupe at all.
   */
  async function killedAfterMatch() {
    const set = await setUp()
    const { generated, dataverse, deps, options, byId } = set
    const accountsMap = mapping.entities[0]
    if (accountsMap === undefined) throw new Error('the map has no Accounts')
    const context = {
      targetIdFor: (entity: string, id: number) => targetIdFor(INSTANCE, entity, id),
      ownerFor: () => undefined,
    }
    const matched = (generated.dataset.records['Accounts'] ?? [])
      .filter((r) => !generated.dirty.some((d) => d.entity === 'Accounts' && d.id === Number(r['id'])))
      .map((record) => ({ record, t: transformRecord(accountsMap, record, context) }))
      .find(({ t }) => t.status === 'ok' && typeof t.values['websiteurl'] === 'string')
    if (matched === undefined || matched.t.status !== 'ok') throw new Error('no clean account with a website')
    const existingId = randomUUID()
    dataverse.seed('account', [
      {
        accountid: existingId,
        name: matched.t.values['name'],
        websiteurl: matched.t.values['websiteurl'],
        description: 'The org’s own row',
      },
    ])
    const existingBefore = { ...byId('account', existingId) }
    const killed = {
      ...deps.target,
      upsertMultiple: async (...args: Parameters<typeof deps.target.upsertMultiple>) => {
        await deps.target.upsertMultiple(...args)
        if (args[1].some((row) => row.targetId === existingId)) throw new Error('killed after the send')
      },
    }
    await expect(migrate(options, { ...deps, target: killed })).rejects.toThrow('killed after the send')
    expect(byId('account', existingId)).toMatchObject({ new_x2crmid: String(matched.record['id']) })
    const key = `Accounts:${String(matched.record['id'])}`
    expect((await deps.ledger.loaded([key])).get(key)).toBeUndefined()
    return { ...set, matched, key, existingId, existingBefore }
  }

  it('resumed, writes the record onto the same row again: no duplicate under its own id', async () => {
    const { dataverse, deps, options, byId, matched, key, existingId } = await killedAfterMatch()
    const resumed = await migrate(options, deps)
    expect(resumed.resumed).toBe(true)
    expect(resumed.reconciliation.balanced).toBe(true)
    expect(byId('account', targetIdFor(INSTANCE, 'Accounts', Number(matched.record['id'])))).toBeUndefined()
    expect(
      dataverse.rows('account').filter((r) => r['new_x2crmid'] === String(matched.record['id'])),
    ).toHaveLength(1)
    expect(await outcomeOf(deps.ledger, resumed.runId, key)).toMatchObject({
      status: 'updated',
      targetId: existingId,
    })
  })

  it('rolled back without a resume, gets the org’s row back as it was', async () => {
    const { deps, byId, existingId, existingBefore } = await killedAfterMatch()
    const undone = await rollback({ mapping }, deps)
    expect(undone.verified).toBe(true)
    expect(byId('account', existingId)).toMatchObject({
      name: existingBefore['name'],
      description: 'The org’s own row',
      new_x2crmid: null,
    })
  })
})

describe('a record created under its own id, killed between its write and its outcome', () => {
  it('resumed, is booked created: its own row is not taken for a row that was there (no match, no before-image)', async () => {
    const { dataverse, deps, options } = await setUp()
    // A foreign row that matches no record: dedupe is on for the table, as in any org that has accounts already.
    dataverse.seed('account', [
      { accountid: randomUUID(), name: 'The org’s own company', websiteurl: 'org.example' },
    ])
    let sends = 0
    const killed = {
      ...deps.target,
      upsertMultiple: async (...args: Parameters<typeof deps.target.upsertMultiple>) => {
        const result = await deps.target.upsertMultiple(...args)
        // The second batch of accounts is written, then the run dies before the ledger hears of it.
        if (args[0].entitySet === 'accounts' && ++sends === 2) throw new Error('killed after the send')
        return result
      },
    }
    await expect(migrate(options, { ...deps, target: killed })).rejects.toThrow('killed after the send')
    const resumed = await migrate(options, deps)
    expect(resumed.resumed).toBe(true)
    const accounts = (await deps.ledger.counts(resumed.runId)).find((c) => c.phase === 'Accounts')
    expect(accounts?.updated).toBe(0)
    expect(accounts?.created).toBeGreaterThan(15)
    const images = []
    for await (const image of deps.ledger.beforeImages(resumed.runId)) images.push(image)
    expect(images).toEqual([])
  })
})
