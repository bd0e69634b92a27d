import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { CONTACT, accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { loadedHash } from '../../src/run/load-phase.ts'
import { mapFingerprint } from '../../src/mapping/map-fingerprint.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { detectDelta } from '../../src/source/x2crm/delta.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

function setUp(options: { accounts: number; contacts: number; throttleEvery?: number }) {
  const generated = generate({ seed: 11, accounts: options.accounts, contacts: options.contacts })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator(
    options.throttleEvery ? { throttleEvery: options.throttleEvery, retryAfterSeconds: 2 } : {},
  )
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: fetchFor(x2crm.handle),
  })
  const waits: number[] = []
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async (ms) => void waits.push(ms),
  })
  const ledger = createMemoryLedger()
  const events: RunEvent[] = []
  const deps = { source, target, ledger, emit: (e: RunEvent) => events.push(e), now: () => new Date() }
  return { generated, x2crm, dataverse, deps, events, waits }
}

const options = {
  instance: 'test',
  mapping: accountsContactsMapping(),
  batchSize: 50,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}

describe('migrate, in process against both simulators', () => {
  it('loads accounts then contacts, links contacts to their accounts, quarantines what Dataverse rejects, and balances', async () => {
    const { generated, dataverse, deps, events } = setUp({ accounts: 150, contacts: 300 })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    const byPhase = Object.fromEntries(result.reconciliation.phases.map((p) => [p.phase, p]))
    expect(Object.keys(byPhase)).toEqual(['Accounts', 'Contacts', 'Accounts.links'])

    // Every listed contact is in Dataverse or quarantined with a reason a person can act on.
    const quarantined = events.filter((e) => e.type === 'record.quarantined')
    expect(quarantined.length).toBe(
      (byPhase['Accounts']?.quarantined ?? 0) + (byPhase['Contacts']?.quarantined ?? 0),
    )
    expect(quarantined.length).toBeGreaterThan(0)
    for (const q of quarantined) expect(q.type === 'record.quarantined' && q.reason).toMatch(/\w+/)
    const overlong = generated.dirty.filter(
      (d) => d.entity === 'Contacts' && d.kinds.includes('overlongString'),
    )
    expect(overlong.length).toBeGreaterThan(0)
    for (const d of overlong) {
      expect(quarantined.map((q) => q.type === 'record.quarantined' && q.sourceKey)).toContain(
        `Contacts:${d.id}`,
      )
    }

    // Records X2CRM hides from its lists were fetched by id: the source count is every record, not the listed ones.
    expect(byPhase['Contacts']?.source).toBe(generated.dataset.records['Contacts']?.length)
    expect(byPhase['Accounts']?.source).toBe(generated.dataset.records['Accounts']?.length)
    const hidden = generated.dirty.filter((d) => d.entity === 'Contacts' && d.kinds.includes('hiddenPrivate'))
    expect(hidden.length).toBeGreaterThan(0)
    const contactIds = new Set(dataverse.rows('contact').map((c) => c['contactid']))
    for (const h of hidden) expect(contactIds.has(targetIdFor('test', 'Contacts', h.id))).toBe(true)
    const completeness = events.find((e) => e.type === 'phase.completeness' && e.phase === 'Contacts')
    expect(completeness?.type === 'phase.completeness' && completeness.report.gapFetched).toBe(hidden.length)

    // A contact whose company is a migrated account points at it.
    const contacts = dataverse.rows('contact')
    expect(contacts.length).toBe(byPhase['Contacts']?.created)
    const linked = contacts.filter((c) => c['_parentcustomerid_value'])
    expect(linked.length).toBeGreaterThan(contacts.length / 2)
    const accountIds = new Set(dataverse.rows('account').map((a) => a['accountid']))
    for (const c of linked) expect(accountIds.has(c['_parentcustomerid_value'])).toBe(true)

    // The second pass set parent accounts and primary contacts.
    expect(byPhase['Accounts.links']?.updated).toBeGreaterThan(0)
    expect(dataverse.rows('account').some((a) => a['_primarycontactid_value'])).toBe(true)
  })

  it('changes nothing on a second run: same rows, every one an update', async () => {
    const { dataverse, deps } = setUp({ accounts: 60, contacts: 90 })
    const first = await migrate(options, deps)
    const accounts = dataverse.rows('account').length
    const second = await migrate(options, deps)
    expect(second.runId).not.toBe(first.runId)
    expect(dataverse.rows('account').length).toBe(accounts)
    for (const phase of second.reconciliation.phases) expect(phase.created).toBe(0)
    expect(second.reconciliation.phases.find((p) => p.phase === 'Contacts')?.updated).toBe(
      first.reconciliation.phases.find((p) => p.phase === 'Contacts')?.created,
    )
  })

  it('rides out throttling and still loads everything with deterministic ids', async () => {
    const { generated, dataverse, deps, waits } = setUp({ accounts: 40, contacts: 40, throttleEvery: 4 })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    expect(waits.length).toBeGreaterThan(0)
    expect(new Set(waits)).toEqual(new Set([2000]))
    const first = generated.dataset.records['Accounts']?.[0]
    expect(dataverse.rows('account').map((a) => a['accountid'])).toContain(
      targetIdFor('test', 'Accounts', Number(first?.['id'])),
    )
  })
})

describe('verify, after a migration', () => {
  it('finds every migrated record equal to its source, then names the field someone changed in Dataverse', async () => {
    const { deps } = setUp({ accounts: 50, contacts: 80 })
    await migrate(options, deps)
    const clean = await verify({ instance: 'test', mapping: options.mapping }, deps)
    expect(clean.ok).toBe(true)
    const contacts = clean.entities.find((e) => e.entity === 'Contacts')
    expect(contacts?.checked).toBeGreaterThan(60)
    expect(contacts?.matched).toBe(contacts?.checked)

    let edited = ''
    for await (const row of deps.target.query('contacts', { select: ['contactid'], top: 1 }))
      edited = String(row['contactid'])
    await deps.target.upsert(CONTACT, { targetId: edited, values: { jobtitle: 'Changed by hand' } })
    const dirty = await verify({ instance: 'test', mapping: options.mapping, sample: 1000 }, deps)
    expect(dirty.ok).toBe(false)
    const found = dirty.entities.find((e) => e.entity === 'Contacts')
    expect(found?.mismatched).toBe(1)
    expect(found?.mismatches).toEqual([
      expect.objectContaining({
        targetId: edited,
        field: 'title',
        column: 'jobtitle',
        actual: 'Changed by hand',
      }),
    ])
    expect(found?.byColumn).toEqual({ jobtitle: 1 })
  })
})

describe('delta detection against what the migration kept', () => {
  it('finds new, changed (even without a newer lastUpdated) and deleted records, and retries the quarantined', async () => {
    const { generated, x2crm, deps } = setUp({ accounts: 20, contacts: 40 })
    const result = await migrate(options, deps)
    const quarantined = new Set<number>()
    for await (const o of deps.ledger.outcomes(result.runId, 'Contacts')) {
      if (o.status === 'quarantined') quarantined.add(Number(o.sourceKey.split(':')[1]))
    }
    const clean = (generated.dataset.records['Contacts'] ?? []).filter(
      (r) => !quarantined.has(Number(r['id'])) && r['visibility'] !== 0,
    )
    const [quiet, gone, template] = clean
    if (!quiet || !gone || !template) throw new Error('not enough clean contacts')
    // A change that does not move lastUpdated (X2CRM's tag, relationship and SQL write paths do that).
    x2crm.upsert('Contacts', { ...quiet, title: 'Changed quietly' })
    x2crm.remove('Contacts', Number(gone['id']))
    x2crm.upsert('Contacts', { ...template, id: 5000, nameId: `${String(template['name'])}_5000` })

    const changes: { status: string; id: number }[] = []
    // The kept hashes carry the map's fingerprint of the class (so a grown map changes them): compare the same way.
    const fingerprint = mapFingerprint(options.mapping, 'Contacts')
    const hash = (record: X2crmRecord) => loadedHash(record, fingerprint)
    for await (const change of detectDelta(deps.source, 'Contacts', deps.ledger.contentHashes, { hash })) {
      changes.push({ status: change.status, id: change.id })
    }
    expect(changes).toEqual(
      expect.arrayContaining([
        { status: 'changed', id: Number(quiet['id']) },
        { status: 'deleted', id: Number(gone['id']) },
        { status: 'new', id: 5000 },
      ]),
    )
    // Records that never loaded have no hash: delta offers them again as new.
    const others = changes.filter((c) => ![Number(quiet['id']), Number(gone['id']), 5000].includes(c.id))
    expect(others.every((c) => c.status === 'new' && quarantined.has(c.id))).toBe(true)
    expect(others).toHaveLength(quarantined.size)
  })
})
