import { describe, expect, it } from 'vitest'
import { createX2crmSimulator, DEFAULT_ADMIN_KEY } from '../x2crm/index.ts'
import { countDirtyKinds, dirtyKinds, dirtyKindsOf, generate, generateDataset } from './generate.ts'

describe('generateDataset', () => {
  it('gives the same data for the same seed and different data for another', () => {
    const options = { accounts: 50, contacts: 120 }
    expect(generateDataset({ seed: 7, ...options })).toEqual(generateDataset({ seed: 7, ...options }))
    expect(generateDataset({ seed: 7, ...options })).not.toEqual(generateDataset({ seed: 8, ...options }))
  })

  it('generates the requested counts, users included', () => {
    const dataset = generateDataset({ seed: 1, accounts: 30, contacts: 70, users: 9 })
    expect(dataset.records.Accounts).toHaveLength(30)
    expect(dataset.records.Contacts).toHaveLength(70)
    expect(dataset.users).toHaveLength(9)
    expect(dataset.users.some((user) => user.status === 0 && typeof user.emailAddress === 'string')).toBe(
      true,
    )
    expect(dataset.apiKeys.admin).toBe(DEFAULT_ADMIN_KEY)
  })

  it('gives every record exactly the fields /fields lists', () => {
    const dataset = generateDataset({ seed: 2, accounts: 3, contacts: 3 })
    for (const entity of ['Accounts', 'Contacts']) {
      const names = (dataset.fields[entity] ?? []).map((field) => field.fieldName)
      for (const record of dataset.records[entity] ?? []) expect(Object.keys(record)).toEqual(names)
    }
  })

  it('types values as the API does and links by Name_ID', () => {
    const dataset = generateDataset({ seed: 3, accounts: 40, contacts: 200, dirty: 0 })
    const accounts = dataset.records.Accounts ?? []
    const contacts = dataset.records.Contacts ?? []
    const nameIds = new Set(accounts.map((account) => account.nameId))
    for (const account of accounts) {
      expect(typeof account.id).toBe('number')
      expect(typeof account.createDate).toBe('number')
      expect(account.annualRevenue).toMatch(/^\d+\.\d\d$/)
      expect([0, 1]).toContain(account.doNotCall)
      expect(account.nameId).toBe(`${String(account.name)}_${String(account.id)}`)
    }
    for (const contact of contacts) {
      if (contact.company !== null) expect(nameIds.has(contact.company)).toBe(true)
    }
    const owners = accounts.map((account) => String(account.assignedTo))
    expect(owners.some((owner) => owner.includes(', '))).toBe(true)
    expect(owners.some((owner) => /^\d+$/.test(owner))).toBe(true)
    expect(owners).toContain('Anyone')
    expect(accounts.some((account) => account.parentAccount !== null)).toBe(true)
    expect(accounts.some((account) => account.primaryContact !== null)).toBe(true)
  })

  it('plants every dirty kind at 5,000 records and reports each record', () => {
    const generated = generate({ seed: 42, accounts: 1000, contacts: 4000, ruleDirt: true })
    const counts = countDirtyKinds(generated.dirty)
    for (const kind of dirtyKinds) expect(counts[kind], kind).toBeGreaterThan(0)
    const hidden = generated.dirty.find((record) => record.kinds.includes('hiddenPrivate'))
    expect(hidden).toBeDefined()
    if (!hidden) return
    const record = generated.dataset.records[hidden.entity]?.find((row) => row.id === hidden.id)
    expect(record).toMatchObject({ visibility: 0, assignedTo: 'Anyone' })
    expect(dirtyKindsOf(generated, hidden.entity, hidden.id)).toEqual(['hiddenPrivate'])
    const share = generated.dirty.length / 5000
    expect(share).toBeGreaterThan(0.03)
    // 5 % of older kinds, and with ruleDirt every 97th (rules) and every 89th id (findings) on top.
    expect(share).toBeLessThan(0.085)
  })

  it('shows an overlong contact lastName and a missing one as the kinds say', () => {
    const generated = generate({ seed: 5, accounts: 200, contacts: 2000 })
    const contacts = generated.dataset.records.Contacts ?? []
    for (const { id, kinds } of generated.dirty.filter((record) => record.entity === 'Contacts')) {
      const contact = contacts.find((row) => row.id === id)
      if (kinds.includes('overlongString'))
        expect(String(contact?.lastName).length).toBeGreaterThanOrEqual(60)
      if (kinds.includes('missingLastName')) expect(contact?.lastName).toBeNull()
      if (kinds.includes('danglingLink')) expect(contact?.company).toMatch(/^Ghost Corp_\d+$/)
    }
  })

  it('generates 10,000 records with every id once (speed: npm run bench:extract)', () => {
    const dataset = generateDataset({ seed: 9, accounts: 2000, contacts: 8000 })
    const ids = (dataset.records['Contacts'] ?? []).map((r) => r['id'])
    expect(ids).toHaveLength(8000)
    expect(new Set(ids).size).toBe(8000)
  })

  it('serves through the simulator: hidden records are left out of lists and count', async () => {
    const generated = generate({ seed: 11, accounts: 20, contacts: 300, dirty: 0.2 })
    const simulator = createX2crmSimulator({ data: generated.dataset, now: () => 1793491200 })
    const authorization = `Basic ${Buffer.from(`admin:${DEFAULT_ADMIN_KEY}`).toString('base64')}`
    const response = await simulator.handle(
      new Request('http://x2crm.test/index.php/api2/Contacts/count', {
        headers: { Authorization: authorization },
      }),
    )
    const hidden = generated.dirty.filter(
      (r) => r.entity === 'Contacts' && r.kinds.includes('hiddenPrivate'),
    ).length
    expect(hidden).toBeGreaterThan(0)
    expect(await response.json()).toBe(300 - hidden)
  })
})
