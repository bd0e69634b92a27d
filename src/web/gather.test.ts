import { describe, expect, it } from 'vitest'
import type { Discovery } from '../discover/discover.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { sampleFields } from './field-samples.ts'
import { gatherReviewData } from './gather.ts'

const discovery = { counts: {} } as unknown as Discovery

const records: Record<string, X2crmRecord[]> = {
  Contacts: [
    { id: 1, leadstatus: 'New', assignedTo: 'jdoe', backgroundInfo: 'x'.repeat(500) },
    { id: 2, leadstatus: 'New', assignedTo: '7' },
    { id: 3, leadstatus: '', assignedTo: 'jdoe' },
  ],
  Accounts: [
    { id: 1, name: 'Acme' },
    { id: 2, name: 'Acme' },
    { id: 3, name: 'Beta' },
  ],
  Groups: [{ id: 7, name: 'Sales EU' }],
}

const source = {
  async *records(entity: string) {
    yield* records[entity] ?? []
  },
  count: async (entity: string, filters?: Readonly<Record<string, string>>) =>
    (records[entity] ?? []).filter((r) => r['assignedTo'] === filters?.['assignedTo']).length,
  users: async () => [
    { id: 1, username: 'jdoe', emailAddress: 'j@x.example', firstName: 'Jane', lastName: 'Doe', status: 1 },
    { id: 2, username: 'old', emailAddress: null, firstName: null, lastName: null, status: 0 },
  ],
}

const target = {
  async *query(entitySet: string) {
    if (entitySet === 'systemusers') {
      yield { systemuserid: 'u2', internalemailaddress: 'z@contoso.com', fullname: 'Zed', isdisabled: true }
      yield { systemuserid: 'u1', internalemailaddress: 'a@contoso.com', fullname: 'Ann', isdisabled: false }
      yield { systemuserid: 'u3', internalemailaddress: null, fullname: 'SYSTEM' }
    }
    if (entitySet === 'teams') yield { teamid: 't1', name: 'Sales' }
  },
}

describe('gatherReviewData', () => {
  it('samples each class, keeps the split class whole (short values only), counts owners and groups', async () => {
    const data = await gatherReviewData(
      {
        discovery,
        entities: ['Accounts', 'Contacts'],
        splitEntities: ['Contacts'],
        ownedEntities: ['Contacts'],
        sampleSize: 2,
      },
      { source, target },
    )
    expect(data.samples['Accounts']?.['name']).toEqual({
      sampled: 2,
      filled: 2,
      top: [{ value: 'Acme', count: 2 }],
    })
    expect(data.samples['Contacts']?.['leadstatus']?.sampled).toBe(2)
    expect(data.splitRecords['Contacts']).toHaveLength(3)
    expect(data.splitRecords['Contacts']?.[0]).not.toHaveProperty('backgroundInfo')
    expect(data.owners.map((o) => [o.key, o.kind, o.records, o.active])).toEqual([
      ['jdoe', 'user', 2, true],
      ['7', 'group', 1, true],
      ['old', 'user', 0, false],
    ])
    expect(data.dataverseUsers.map((u) => [u.name, u.disabled])).toEqual([
      ['Ann', false],
      ['Zed', true],
    ])
    expect(data.teams).toEqual([{ id: 't1', name: 'Sales' }])
  })
})

describe('sampleFields', () => {
  it('counts filled values and the most frequent ones, as text', () => {
    const sample = sampleFields([{ a: ' x ', b: null, c: { n: 1 } }, { a: 'x', b: '' }, { a: 'y' }])
    expect(sample['a']).toEqual({
      sampled: 3,
      filled: 3,
      top: [
        { value: 'x', count: 2 },
        { value: 'y', count: 1 },
      ],
    })
    expect(sample['b']).toEqual({ sampled: 3, filled: 0, top: [] })
    expect(sample['c']?.top).toEqual([{ value: '{"n":1}', count: 1 }])
  })
})
