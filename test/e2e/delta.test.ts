import { createHash, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { transformRecord } from '../../src/mapping/transform-record.ts'
import { delta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { NothingToUndo, rollback } from '../../src/run/rollback.ts'
import { verify } from '../../src/run/verify.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { inProcessSimulators } from '../helpers/sims.ts'

const INSTANCE = 'dl'
const mapping = accountsContactsMapping()
const [accountsMap] = mapping.entities
if (accountsMap === undefined) throw new Error('the default map has no Accounts')
const LOOKUPS: Record<string, string[]> = {
  account: ['_parentaccountid_value', '_primarycontactid_value', '_ownerid_value'],
  contact: ['_parentcustomerid_value', '_ownerid_value'],
}
/** Every column x2d365 writes to a table, its state, and its lookups. */
const columnsOf = (logicalName: string) => {
  const map = mapping.entities.find((e) => e.table.logicalName === logicalName)
  const written = (map?.fields ?? [])
    .filter((f) => f.transform !== 'link' && f.transform !== 'owner')
    .map((f) => f.target)
  return [...written, 'statecode', 'statuscode', ...(LOOKUPS[logicalName] ?? [])]
}

function setUp() {
  // Dataverse's clock, moved on by hand so that every run writes at a different second.
  let time = Date.parse('2026-11-26T09:00:00Z')
  const { generated, x2crm, dataverse, source, target } = inProcessSimulators({
    seed: 23,
    accounts: 60,
    contacts: 100,
    dataverse: { clock: () => time },
  })
  const later = (seconds: number) => void (time += seconds * 1000)
  /**
   * A content hash per table: each row's id and every column above, rows in id order. After a re-create, the row's
   * creation date is in createdon, and overriddencreatedon is the time of the re-create (Dataverse sets it).
   */
  const tableHash = (logicalName: 'account' | 'contact', recreated: boolean) => {
    const columns = columnsOf(logicalName).map((c) =>
      recreated && c === 'overriddencreatedon' ? 'createdon' : c,
    )
    const lines = dataverse
      .rows(logicalName)
      .map((row) => JSON.stringify([row[`${logicalName}id`], ...columns.map((c) => row[c] ?? null)]))
      .sort()
    return createHash('sha256').update(lines.join('\n')).digest('hex')
  }
  const hashes = (recreated = false) => ({
    account: tableHash('account', recreated),
    contact: tableHash('contact', recreated),
  })
  const ledger = createSqliteLedger(':memory:')
  const deps = { source, target, ledger, emit: () => undefined, now: () => new Date() }
  const options = { instance: INSTANCE, mapping, batchSize: 20, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  const row = (logicalName: 'account' | 'contact', entity: string, id: unknown) =>
    dataverse
      .rows(logicalName)
      .find((r) => r[`${logicalName}id`] === targetIdFor(INSTANCE, entity, Number(id)))
  return { generated, x2crm, dataverse, deps, options, hashes, row, later }
}

/** Records of `entity` that migrate loaded (the generator makes some deliberately unloadable). */
async function loadedRecords(
  ledger: ReturnType<typeof setUp>['deps']['ledger'],
  records: readonly X2crmRecord[],
  entity: string,
): Promise<X2crmRecord[]> {
  const loaded = await ledger.loaded(records.map((r) => `${entity}:${String(r['id'])}`))
  return records.filter((r) => loaded.has(`${entity}:${String(r['id'])}`))
}

describe('delta, verify and rollback after a migration', () => {
  it('loads what changed in X2CRM, verifies, and rolls everything back to the tables as they were before the migration', async () => {
    const { generated, x2crm, dataverse, deps, options, hashes, row, later } = setUp()
    const accounts = generated.dataset.records['Accounts'] ?? []
    const contacts = generated.dataset.records['Contacts'] ?? []
    // Rows already in Dataverse under the computed ids of X2CRM records (an earlier load): migrate and delta update them.
    const [matchedAccount, , , , , , , , , , , , , , , , , , , , otherMatched] = accounts
    if (!matchedAccount || !otherMatched) throw new Error('not enough generated accounts')
    // An account the org already has under an id Dataverse gave it, with the name (in capitals) and website of an
    // X2CRM account: dedupe loads that account onto it instead of creating a duplicate.
    const written = (record: X2crmRecord) => {
      const t = transformRecord(accountsMap, record, {
        targetIdFor: (entity, id) => targetIdFor(INSTANCE, entity, id),
        ownerFor: () => undefined,
      })
      const [name, website] = t.status === 'ok' ? [t.values['name'], t.values['websiteurl']] : []
      return typeof name === 'string' && typeof website === 'string' ? { name, website } : undefined
    }
    const deduped = accounts.find(
      (a) =>
        ![matchedAccount, otherMatched].includes(a) &&
        !generated.dirty.some((d) => d.entity === 'Accounts' && d.id === Number(a['id'])) &&
        !a['primaryContact'] &&
        !a['parentAccount'] &&
        written(a) !== undefined,
    )
    const dedupedValues = deduped && written(deduped)
    if (!deduped || !dedupedValues) throw new Error('no clean account with a website')
    const existingId = randomUUID()
    const existing = () => dataverse.rows('account').find((r) => r['accountid'] === existingId)
    dataverse.seed('account', [
      {
        accountid: existingId,
        name: dedupedValues.name.toUpperCase(),
        websiteurl: dedupedValues.website,
        telephone1: '+1 555 0177',
        description: 'Our customer since 2019',
      },
    ])
    dataverse.seed('account', [
      {
        accountid: targetIdFor(INSTANCE, 'Accounts', Number(matchedAccount['id'])),
        name: 'Already here Ltd',
        telephone1: '+1 555 0100',
      },
      {
        accountid: targetIdFor(INSTANCE, 'Accounts', Number(otherMatched['id'])),
        name: 'Also here GmbH',
        description: 'kept by the sales team',
      },
    ])
    const before = hashes()

    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    expect(migrated.reconciliation.phases.find((p) => p.phase === 'Accounts')?.updated).toBe(3)
    expect(existing()).toMatchObject({ name: dedupedValues.name })
    expect(row('account', 'Accounts', deduped['id'])).toBeUndefined()

    // Changes in X2CRM during the cutover window.
    const loadedAccounts = await loadedRecords(deps.ledger, accounts, 'Accounts')
    const loadedContacts = await loadedRecords(deps.ledger, contacts, 'Contacts')
    const withCompany = loadedContacts.filter((c) => typeof c['company'] === 'string' && c['company'] !== '')
    const [renamed, deletedAccount] = loadedAccounts.filter(
      (a) =>
        a !== matchedAccount &&
        a !== otherMatched &&
        a !== deduped &&
        !contacts.some((c) => String(c['company']).endsWith(`_${String(a['id'])}`)),
    )
    // X2CRM shows a link to a deleted record as the bare name: deleting a primary contact changes its account.
    const primaryOf = (contact: X2crmRecord) =>
      loadedAccounts.find((a) => String(a['primaryContact']).endsWith(`_${String(contact['id'])}`))
    const deletedContact = withCompany.find((c) => primaryOf(c) !== undefined)
    const [quiet, unlinked] = withCompany.filter((c) => c !== deletedContact && primaryOf(c) === undefined)
    const itsAccount = deletedContact === undefined ? undefined : primaryOf(deletedContact)
    if (!renamed || !deletedAccount || !quiet || !unlinked || !deletedContact || !itsAccount)
      throw new Error('not enough data')
    expect([renamed, deletedAccount, matchedAccount, otherMatched]).not.toContain(itsAccount)
    const bumped = Math.floor(Date.now() / 1000) + 60
    x2crm.upsert('Accounts', { ...renamed, name: 'Renamed in X2CRM', lastUpdated: bumped })
    x2crm.upsert('Accounts', {
      ...matchedAccount,
      description: 'changed after the migration',
      lastUpdated: bumped,
    })
    // Changes that do not move lastUpdated (tags, relationships and SQL write paths do that in X2CRM).
    x2crm.upsert('Contacts', { ...quiet, title: 'Changed quietly' })
    x2crm.upsert('Contacts', { ...unlinked, company: '', lastUpdated: bumped })
    x2crm.remove('Accounts', Number(deletedAccount['id']))
    x2crm.remove('Contacts', Number(deletedContact['id']))
    x2crm.remove('Accounts', Number(otherMatched['id']))
    const newAccount = {
      ...renamed,
      id: 61,
      name: 'New Since Cutover',
      nameId: 'New Since Cutover_61',
      visibility: 1,
      parentAccount: null,
      primaryContact: null,
    }
    x2crm.upsert('Accounts', newAccount)
    x2crm.upsert('Contacts', {
      ...quiet,
      id: 101,
      firstName: 'Nina',
      lastName: 'New',
      nameId: 'Nina New_101',
      company: 'New Since Cutover_61',
      visibility: 1,
    })
    // X2CRM shows a link to a deleted record as its bare name, so the records that linked to one changed too.
    const gone = new Set([
      `Accounts_${String(deletedAccount['id'])}`,
      `Accounts_${String(otherMatched['id'])}`,
      `Contacts_${String(deletedContact['id'])}`,
    ])
    const linksGone = (record: X2crmRecord, fields: Record<string, string>) =>
      Object.entries(fields).some(([field, entity]) =>
        gone.has(`${entity}_${String(record[field]).replace(/.*_/, '')}`),
      )
    const orphanedAccounts = loadedAccounts.filter(
      (a) =>
        ![renamed, matchedAccount, deletedAccount, otherMatched].includes(a) &&
        linksGone(a, { parentAccount: 'Accounts', primaryContact: 'Contacts' }),
    )
    const orphanedContacts = loadedContacts.filter(
      (c) => ![quiet, unlinked, deletedContact].includes(c) && linksGone(c, { company: 'Accounts' }),
    )
    expect(orphanedAccounts).toContain(itsAccount)

    later(5)
    const changed = await delta(options, deps)
    expect(changed.reconciliation.balanced).toBe(true)
    const found = Object.fromEntries(changed.entities.map((e) => [e.entity, e.found]))
    // Records migrate quarantined have no hash: the delta offers them again as new.
    const quarantined = (phase: string) =>
      migrated.reconciliation.phases.find((p) => p.phase === phase)?.quarantined ?? 0
    expect(found['Accounts']).toMatchObject({
      new: 1 + quarantined('Accounts'),
      changed: 2 + orphanedAccounts.length,
      deleted: 2,
    })
    expect(changed.entities.map((e) => e.retried)).toEqual([quarantined('Accounts'), quarantined('Contacts')])
    expect(found['Contacts']).toMatchObject({
      new: 1 + quarantined('Contacts'),
      changed: 2 + orphanedContacts.length,
      deleted: 1,
    })
    expect(changed.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sourceKey: 'Accounts:61', change: 'new', outcome: 'created' }),
        expect.objectContaining({
          sourceKey: `Contacts:${String(quiet['id'])}`,
          change: 'changed',
          outcome: 'updated',
        }),
        expect.objectContaining({
          sourceKey: `Accounts:${String(deletedAccount['id'])}`,
          change: 'deleted',
          outcome: 'updated',
          detail: 'deactivated: deleted in X2CRM',
        }),
      ]),
    )
    expect(row('account', 'Accounts', renamed['id'])?.['name']).toBe('Renamed in X2CRM')
    expect(row('account', 'Accounts', matchedAccount['id'])?.['description']).toBe(
      'changed after the migration',
    )
    expect(row('contact', 'Contacts', quiet['id'])?.['jobtitle']).toBe('Changed quietly')
    expect(row('contact', 'Contacts', unlinked['id'])?.['_parentcustomerid_value']).toBeNull()
    for (const orphan of orphanedAccounts) {
      const account = row('account', 'Accounts', orphan['id'])
      expect([account?.['_primarycontactid_value'], account?.['_parentaccountid_value']]).toContain(null)
    }
    expect(row('account', 'Accounts', itsAccount['id'])?.['_primarycontactid_value']).toBeNull()
    for (const orphan of orphanedContacts) {
      expect(row('contact', 'Contacts', orphan['id'])?.['_parentcustomerid_value']).toBeNull()
    }
    expect(row('contact', 'Contacts', 101)?.['_parentcustomerid_value']).toBe(
      targetIdFor(INSTANCE, 'Accounts', 61),
    )
    for (const [table, entity, id] of [
      ['account', 'Accounts', deletedAccount['id']],
      ['account', 'Accounts', otherMatched['id']],
      ['contact', 'Contacts', deletedContact['id']],
    ] as const) {
      expect(row(table, entity, id)).toMatchObject({ statecode: 1, statuscode: 2 })
    }

    // Safe to repeat: only what is still quarantined is tried again; nothing else is written.
    const again = await delta(options, deps)
    expect(again.changes.filter((c) => c.outcome !== 'quarantined')).toEqual([])
    expect(again.entities.map((e) => e.found)).toEqual([
      expect.objectContaining({ changed: 0, deleted: 0 }),
      expect.objectContaining({ changed: 0, deleted: 0 }),
    ])
    expect(again.reconciliation.phases.reduce((n, p) => n + p.created + p.updated, 0)).toBe(0)

    // Field by field, Dataverse now says what X2CRM says.
    const checked = await verify({ instance: INSTANCE, mapping }, deps)
    for (const entity of checked.entities) {
      expect(entity.mismatches, entity.entity).toEqual([])
      expect(entity.missing, entity.entity).toBe(0)
    }
    expect(checked.ok).toBe(true)

    // One rollback undoes the deltas, newest first, then the migration.
    later(5)
    const undone = await rollback({ mapping }, { ...deps })
    expect(undone.chain.map((c) => c.of)).toEqual([again.runId, changed.runId, migrated.runId])
    expect(undone).toMatchObject({ verified: true, remaining: [], mismatched: [] })
    expect(hashes()).toEqual(before)
    expect(row('account', 'Accounts', matchedAccount['id'])).toMatchObject({
      name: 'Already here Ltd',
      telephone1: '+1 555 0100',
      statecode: 0,
    })
    expect(row('account', 'Accounts', otherMatched['id'])).toMatchObject({
      description: 'kept by the sales team',
      statecode: 0,
      statuscode: 1,
    })
    expect(existing()).toMatchObject({
      name: dedupedValues.name.toUpperCase(),
      telephone1: '+1 555 0177',
      description: 'Our customer since 2019',
      statecode: 0,
    })
    await expect(delta(options, deps)).rejects.toThrow(/no finished migration/)
    // Rolling back again finds nothing to undo (the CLI says so and exits 0).
    await expect(rollback({ mapping }, deps)).rejects.toBeInstanceOf(NothingToUndo)
  })

  it('deletes rows of deleted records when configured, and the rollback re-creates them under their ids', async () => {
    const { generated, x2crm, deps, options, hashes, row, later } = setUp()
    const migrated = await migrate(options, deps)
    const afterMigration = hashes(true)
    const contacts = await loadedRecords(deps.ledger, generated.dataset.records['Contacts'] ?? [], 'Contacts')
    const primary = new Set(
      (generated.dataset.records['Accounts'] ?? []).map((a) =>
        String(a['primaryContact']).replace(/.*_/, ''),
      ),
    )
    const [gone, alsoGone] = contacts.filter((c) => !primary.has(String(c['id'])))
    if (!gone || !alsoGone) throw new Error('not enough contacts')
    x2crm.remove('Contacts', Number(gone['id']))
    x2crm.remove('Contacts', Number(alsoGone['id']))

    later(5)
    const changed = await delta({ ...options, deletions: 'delete' }, deps)
    expect(changed.changes.filter((c) => c.change === 'deleted').map((c) => c.outcome)).toEqual([
      'deleted',
      'deleted',
    ])
    expect(changed.reconciliation.balanced).toBe(true)
    expect(row('contact', 'Contacts', gone['id'])).toBeUndefined()
    // The ledger no longer counts them as loaded, so verify does not look for them.
    expect((await deps.ledger.loaded([`Contacts:${String(gone['id'])}`])).size).toBe(0)

    later(5)
    const undone = await rollback({ runId: changed.runId, mapping }, deps)
    expect(undone.chain.map((c) => c.of)).toEqual([changed.runId])
    expect(undone).toMatchObject({ verified: true, restored: 2 })
    expect(hashes(true)).toEqual(afterMigration)
    expect(row('contact', 'Contacts', gone['id'])).toMatchObject({ statecode: 0 })

    // The records are gone from X2CRM but their rows are back: the next delta deletes them again.
    const next = await delta({ ...options, deletions: 'delete' }, deps)
    expect(next.changes.filter((c) => c.change === 'deleted').map((c) => [c.sourceKey, c.outcome])).toEqual([
      [`Contacts:${String(gone['id'])}`, 'deleted'],
      [`Contacts:${String(alsoGone['id'])}`, 'deleted'],
    ])
    expect(migrated.runId).not.toBe(next.runId)
  })

  it('closes a delta that stopped as failed; the next one loads exactly the rest, and rollback undoes both', async () => {
    const { generated, x2crm, deps, options, hashes } = setUp()
    const migrated = await migrate(options, deps)
    const afterMigration = hashes()
    const accounts = await loadedRecords(deps.ledger, generated.dataset.records['Accounts'] ?? [], 'Accounts')
    const renamed = accounts.slice(0, 45)
    for (const account of renamed)
      x2crm.upsert('Accounts', { ...account, name: `${String(account['name'])} II` })

    let writes = 0
    const failing = {
      ...deps.target,
      upsertMultiple: async (...args: Parameters<typeof deps.target.upsertMultiple>) => {
        if (++writes > 1) throw new Error('connection reset')
        return deps.target.upsertMultiple(...args)
      },
    }
    await expect(delta(options, { ...deps, target: failing })).rejects.toThrow('connection reset')
    const stopped = (await deps.ledger.runs()).find((r) => r.kind === 'delta')
    const loadedBefore = (await deps.ledger.counts(stopped?.runId ?? '')).reduce((n, c) => n + c.updated, 0)
    expect(loadedBefore).toBe(20) // one batch of 20 arrived before the connection broke

    const resumed = await delta(options, deps)
    expect((await deps.ledger.run(stopped?.runId ?? ''))?.status).toBe('failed')
    const found = resumed.entities.find((e) => e.entity === 'Accounts')?.found
    expect(found?.changed).toBe(renamed.length - loadedBefore)
    expect(resumed.reconciliation.balanced).toBe(true)

    const undone = await rollback({ runId: stopped?.runId ?? '', mapping }, deps)
    expect(undone.chain.map((c) => c.of)).toEqual([resumed.runId, stopped?.runId])
    expect(undone.verified).toBe(true)
    expect(hashes()).toEqual(afterMigration)
    expect(migrated.reconciliation.balanced).toBe(true)
  })

  it('binds the links that waited for a parent: when a quarantined account loads at last, its contacts get it', async () => {
    const { generated, x2crm, deps, options, row } = setUp()
    const overlong = generated.dirty.find(
      (d) => d.entity === 'Accounts' && d.kinds.includes('overlongString'),
    )
    const account = (generated.dataset.records['Accounts'] ?? []).find(
      (a) => Number(a['id']) === overlong?.id,
    )
    const template = (generated.dataset.records['Contacts'] ?? []).find((c) => c['visibility'] !== 0)
    if (account === undefined || template === undefined)
      throw new Error('the generator made no over-long account')
    const nameId = String(account['nameId'])
    // Two contacts of that account: the migration loads them with the company link left empty.
    for (const id of [101, 102]) {
      x2crm.upsert('Contacts', { ...template, id, nameId: `Child ${id}_${id}`, company: nameId })
    }
    await migrate(options, deps)
    expect(row('account', 'Accounts', account['id'])).toBeUndefined()
    expect(row('contact', 'Contacts', 101)?.['_parentcustomerid_value']).toBeNull()

    // Someone shortens the name in X2CRM; the account loads, and the contacts that waited for it are bound.
    x2crm.upsert('Accounts', { ...account, name: 'Short Name Ltd' })
    const changed = await delta(options, deps)
    expect(changed.reconciliation.balanced).toBe(true)
    expect(changed.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sourceKey: `Accounts:${String(account['id'])}`,
          change: 'retried',
          outcome: 'created',
        }),
        expect.objectContaining({ sourceKey: 'Contacts:101', change: 'relinked', outcome: 'updated' }),
        expect.objectContaining({ sourceKey: 'Contacts:102', change: 'relinked', outcome: 'updated' }),
      ]),
    )
    const accountId = targetIdFor(INSTANCE, 'Accounts', Number(account['id']))
    expect(row('contact', 'Contacts', 101)?.['_parentcustomerid_value']).toBe(accountId)
    expect(row('contact', 'Contacts', 102)?.['_parentcustomerid_value']).toBe(accountId)
    expect((await verify({ instance: INSTANCE, mapping }, deps)).ok).toBe(true)

    // Bound now, so the next delta has nothing to relink.
    const again = await delta(options, deps)
    expect(again.changes.filter((c) => c.change === 'relinked')).toEqual([])
  })

  it('says so when a split map moves a record to the other table, and leaves the old row as it was', async () => {
    const { generated, x2crm, deps, options, row, dataverse } = setUp()
    const contactsMap = mapping.entities.find((e) => e.entity === 'Contacts')
    if (contactsMap === undefined) throw new Error('the default map has no Contacts')
    const lead = { logicalName: 'lead', entitySet: 'leads', primaryId: 'leadid' }
    const noCompany = {
      match: 'all' as const,
      conditions: [{ type: 'hasCompany' as const, field: 'company', value: false }],
    }
    const split = {
      entities: [
        ...mapping.entities.filter((e) => e !== contactsMap),
        {
          ...contactsMap,
          name: 'Contacts→lead',
          table: lead,
          where: noCompany,
          fields: contactsMap.fields.filter((f) =>
            ['firstname', 'lastname', 'emailaddress1', 'ownerid'].includes(f.target),
          ),
        },
        { ...contactsMap, name: 'Contacts→contact', where: { ...noCompany, negate: true } },
      ],
    }
    const splitOptions = { ...options, mapping: split }
    await migrate(splitOptions, deps)
    const loaded = await loadedRecords(deps.ledger, generated.dataset.records['Contacts'] ?? [], 'Contacts')
    const moving = loaded.find((c) => typeof c['company'] === 'string' && c['company'] !== '')
    if (moving === undefined) throw new Error('no contact with a company')
    expect(row('contact', 'Contacts', moving['id'])).toBeDefined()

    x2crm.upsert('Contacts', { ...moving, company: '' })
    const changed = await delta(splitOptions, deps)
    const line = changed.changes.find((c) => c.sourceKey === `Contacts:${String(moving['id'])}`)
    expect(line).toMatchObject({ phase: 'Contacts→lead', outcome: 'created' })
    expect(line?.detail).toMatch(
      /moved by the map's rule from Contacts→contact to Contacts→lead: the row in Contacts→contact is left/,
    )
    const leadId = targetIdFor(INSTANCE, 'Contacts', Number(moving['id']))
    expect(dataverse.rows('lead').some((r) => r['leadid'] === leadId)).toBe(true)
    expect(row('contact', 'Contacts', moving['id'])).toBeDefined()
  })

  it('refuses to run before a migration, and says what to do', async () => {
    const { deps, options } = setUp()
    await expect(delta(options, deps)).rejects.toThrow(/run `x2d365 migrate` first/)
  })
})
