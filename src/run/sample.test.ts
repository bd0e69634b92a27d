import { describe, expect, it } from 'vitest'
import { ACCOUNT, CONTACT, accountsContactsMapping } from '../mapping/default-map.ts'
import type { EntityMap, Mapping } from '../mapping/types.ts'
import { extractClass } from '../source/x2crm/extract.ts'
import type { X2crmField, X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import {
  childEntitiesOf,
  chooseSample,
  createSampleClosure,
  referencesOf,
  rootEntityOf,
  sampleLinks,
  sampleSource,
  spreadIds,
  summarizeSample,
  type Sample,
} from './sample.ts'

const OPPORTUNITY: EntityMap = {
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
  ],
}
const ACTIONS: EntityMap = {
  entity: 'Actions',
  table: { logicalName: 'task', entitySet: 'tasks', primaryId: 'activityid' },
  fields: [{ source: 'subject', target: 'subject', transform: 'text' }],
}
const PRODUCT: EntityMap = {
  entity: 'Product',
  table: { logicalName: 'product', entitySet: 'products', primaryId: 'productid' },
  fields: [{ source: 'name', target: 'name', transform: 'text' }],
}

function mappingOf(...extra: EntityMap[]): Mapping {
  return { entities: [...accountsContactsMapping().entities, ...extra] }
}

const field = (fieldName: string): X2crmField => ({
  fieldName,
  attributeLabel: fieldName,
  type: 'varchar',
  linkType: null,
  custom: false,
  required: false,
  readOnly: false,
})

/** Records per class; `hidden` ones (`Class:id`) are left out of lists and counts but answer by id. */
function fakeSource(data: Record<string, X2crmRecord[]>, hidden: readonly string[] = []) {
  const asked: string[] = []
  const listed = (entity: string) =>
    (data[entity] ?? []).filter((r) => !hidden.includes(`${entity}:${String(r['id'])}`))
  const matches = (record: X2crmRecord, filters: Readonly<Record<string, string>> = {}) =>
    Object.entries(filters).every(([name, value]) =>
      name === 'id' ? Number(record['id']) > Number(value.slice(1)) : record[name] === value,
    )
  const source: X2crmSource = {
    async *records(entity, options = {}) {
      for (const record of listed(entity))
        if (Number(record['id']) > (options.afterId ?? 0) && matches(record, options.filters)) yield record
    },
    async record(entity, id) {
      asked.push(`${entity}:${id}`)
      return (data[entity] ?? []).find((r) => Number(r['id']) === id)
    },
    count: async (entity, filters) => listed(entity).filter((r) => matches(r, filters)).length,
    fields: async (entity) =>
      entity === 'Actions' ? [field('subject'), field('associationType'), field('associationId')] : [],
    users: async () => [],
  }
  return { source, asked }
}

/**
 * Accounts 1–9, roots 1, 5 and 9 (three spread over nine). Account 5's parent chain is 7 → 8; account 1's parent
 * (30) was deleted; account 9's primary contact 40 works at account 2. Contact 11 is hidden from lists. Opportunity
 * 100 is at account 3 with contact 10. Actions hang off contact 11, opportunity 100, account 9 and account 3.
 */
function crm() {
  const account = (id: number, more: Record<string, unknown> = {}) => ({ id, name: `Acc ${id}`, ...more })
  return fakeSource(
    {
      Accounts: [
        account(1, { parentAccount: 'Gone_30' }),
        account(2),
        account(3),
        account(4),
        account(5, { parentAccount: 'Root Co_7' }),
        account(6),
        account(7, { parentAccount: 'Top_8' }),
        account(8),
        account(9, { primaryContact: 'Zed Zee_40' }),
      ],
      Contacts: [
        { id: 10, company: 'Acc 1_1', assignedTo: 'amy' },
        { id: 11, company: 'Acc 5_5', assignedTo: 'bob' },
        { id: 12, company: 'Acc 3_3', assignedTo: 'amy' },
        { id: 13, company: '', assignedTo: 'amy' },
        { id: 14, company: 'Acc 1', assignedTo: 'amy' },
        { id: 40, company: 'Acc 2_2', assignedTo: 'amy' },
      ],
      Opportunity: [
        { id: 100, accountName: 'Acc 3_3', contactName: 'C_10' },
        { id: 101, accountName: 'Acc 4_4' },
      ],
      Actions: [
        { id: 200, associationType: 'contacts', associationId: '11' },
        { id: 201, associationType: 'accounts', associationId: 3 },
        { id: 202, associationType: 'opportunities', associationId: 100 },
        { id: 203, associationType: 'Accounts', associationId: 9 },
        { id: 204, associationType: '', associationId: 0 },
      ],
      Product: [{ id: 1, name: 'Widget' }],
    },
    ['Contacts:11'],
  )
}

const byEntity = (sample: Sample) => Object.fromEntries(sample.entities.map((e) => [e.entity, e]))

describe('spreadIds', () => {
  it('takes the first, the last and evenly spaced ids between', () => {
    expect(spreadIds([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([1, 5, 9])
    expect(spreadIds([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 4)).toEqual([10, 40, 70, 100])
    expect(spreadIds([3, 4], 1)).toEqual([3])
  })

  it('takes every id when there are no more than asked, and never one twice', () => {
    expect(spreadIds([1, 2], 5)).toEqual([1, 2])
    const ids = Array.from({ length: 101 }, (_, i) => i * 3)
    for (const n of [2, 7, 50, 99, 100]) expect(new Set(spreadIds(ids, n)).size).toBe(n)
  })
})

describe('the sample links of a map', () => {
  it('roots at the first class others hang off, and reads only the classes that can hang off the roots', () => {
    const links = sampleLinks(mappingOf(PRODUCT, OPPORTUNITY, ACTIONS), new Set(['Actions']))
    expect(rootEntityOf(links)).toBe('Accounts')
    expect(childEntitiesOf(links, 'Accounts')).toEqual(['Contacts', 'Opportunity', 'Actions'])
    // Contacts first, then Actions: the root is Contacts, since actions hang off them.
    const contactsFirst = sampleLinks(
      { entities: [accountsContactsMapping().entities[1] as EntityMap, ACTIONS] },
      new Set(['Actions']),
    )
    expect(rootEntityOf(contactsFirst)).toBe('Contacts')
    // A single class has no children: it is its own root.
    expect(rootEntityOf(sampleLinks({ entities: [PRODUCT] }))).toBe('Product')
  })

  it('reads links as the transform does, and associations by their module name', () => {
    const links = sampleLinks(mappingOf(OPPORTUNITY, ACTIONS), new Set(['Actions']))
    expect(referencesOf(links, 'Contacts', { company: ' Hooli_13 ' })).toEqual([
      { entity: 'Accounts', id: 13 },
    ])
    expect(referencesOf(links, 'Contacts', { company: 'Hooli' })).toEqual([])
    expect(referencesOf(links, 'Accounts', { parentAccount: 'A_B_7', primaryContact: 'Z_40' })).toEqual([
      { entity: 'Accounts', id: 7 },
      { entity: 'Contacts', id: 40 },
    ])
    expect(referencesOf(links, 'Actions', { associationType: 'opportunities', associationId: '5' })).toEqual([
      { entity: 'Opportunity', id: 5 },
    ])
    // Not mapped (X2Leads), or no association at all: nothing to bring.
    expect(referencesOf(links, 'Actions', { associationType: 'x2leads', associationId: 5 })).toEqual([])
    expect(referencesOf(links, 'Actions', { associationType: 'none', associationId: 0 })).toEqual([])
  })
})

describe('the closure of a sample', () => {
  it('keeps children of the roots (not of their parents), and parents transitively; drops what is gone', () => {
    const closure = createSampleClosure()
    closure.addRoots('Accounts', [1])
    expect(closure.offer('Contacts', 10, [{ entity: 'Accounts', id: 1 }])).toBe(true)
    expect(closure.offer('Contacts', 12, [{ entity: 'Accounts', id: 3 }])).toBe(false)
    expect(closure.takeUnresolved()).toEqual([{ entity: 'Accounts', id: 1 }])
    closure.resolve({ entity: 'Accounts', id: 1 }, [{ entity: 'Accounts', id: 7 }])
    expect(closure.takeUnresolved()).toEqual([{ entity: 'Accounts', id: 7 }])
    closure.resolve({ entity: 'Accounts', id: 7 }, [
      { entity: 'Accounts', id: 8 },
      { entity: 'Accounts', id: 1 },
    ])
    expect(closure.takeUnresolved()).toEqual([{ entity: 'Accounts', id: 8 }])
    closure.resolve({ entity: 'Accounts', id: 8 }, undefined)
    expect(closure.takeUnresolved()).toEqual([])
    expect(closure.entities(['Accounts', 'Contacts'])).toEqual([
      { entity: 'Accounts', roots: 1, children: 0, parents: 1, ids: [1, 7] },
      { entity: 'Contacts', roots: 0, children: 1, parents: 0, ids: [10] },
    ])
  })

  it('does not read a child again when it was first wanted as a parent', () => {
    const closure = createSampleClosure()
    closure.addRoots('Accounts', [1])
    closure.offer('Contacts', 10, [
      { entity: 'Accounts', id: 1 },
      { entity: 'Opportunity', id: 100 },
    ])
    closure.offer('Opportunity', 100, [{ entity: 'Contacts', id: 10 }])
    expect(closure.takeUnresolved()).toEqual([{ entity: 'Accounts', id: 1 }])
  })
})

describe('chooseSample', () => {
  it('picks spread roots, their children (hidden ones too), their activities, and every parent they link to', async () => {
    const { source } = crm()
    const sample = await chooseSample(source, mappingOf(PRODUCT, OPPORTUNITY, ACTIONS), 3)
    expect(sample).toMatchObject({ size: 3, rootEntity: 'Accounts', rootCandidates: 9, rootIds: [1, 5, 9] })
    expect(byEntity(sample)).toEqual({
      // 2 for contact 40, 3 for opportunity 100, 7 and 8 for account 5; 30 is gone.
      Accounts: { entity: 'Accounts', roots: 3, children: 0, parents: 4, ids: [1, 2, 3, 5, 7, 8, 9] },
      Contacts: { entity: 'Contacts', roots: 0, children: 2, parents: 1, ids: [10, 11, 40] },
      Opportunity: { entity: 'Opportunity', roots: 0, children: 1, parents: 0, ids: [100] },
      // Not 201: account 3 is only a parent here.
      Actions: { entity: 'Actions', roots: 0, children: 3, parents: 0, ids: [200, 202, 203] },
      Product: { entity: 'Product', roots: 0, children: 0, parents: 0, ids: [] },
    })
    // src/report/sample-summary.test.ts turns this summary into the line the CLI prints.
    expect(summarizeSample(sample)).toEqual({
      size: 3,
      rootEntity: 'Accounts',
      rootCandidates: 9,
      entities: [
        { entity: 'Accounts', roots: 3, children: 0, parents: 4 },
        { entity: 'Contacts', roots: 0, children: 2, parents: 1 },
        { entity: 'Product', roots: 0, children: 0, parents: 0 },
        { entity: 'Opportunity', roots: 0, children: 1, parents: 0 },
        { entity: 'Actions', roots: 0, children: 3, parents: 0 },
      ],
    })
  })

  it('is the same sample every time', async () => {
    const mapping = mappingOf(OPPORTUNITY, ACTIONS)
    const first = await chooseSample(crm().source, mapping, 2)
    expect(await chooseSample(crm().source, mapping, 2)).toEqual(first)
  })
})

describe('sampleSource', () => {
  async function sampled() {
    const { source, asked } = crm()
    const sample = await chooseSample(source, mappingOf(OPPORTUNITY, ACTIONS), 3)
    asked.length = 0
    return { source: sampleSource(source, sample), asked }
  }
  const ids = async (records: AsyncIterable<X2crmRecord>) => {
    const seen: number[] = []
    for await (const record of records) seen.push(Number(record['id']))
    return seen
  }

  it('lists and counts the chosen records only, hidden ones included, resuming after an id', async () => {
    const { source } = await sampled()
    expect(await ids(source.records('Contacts'))).toEqual([10, 11, 40])
    expect(await source.count('Contacts')).toBe(3)
    expect(await ids(source.records('Accounts', { afterId: 5 }))).toEqual([7, 8, 9])
    expect(await source.count('Accounts', { id: '>5' })).toBe(3)
    expect(await source.count('Accounts', { id: '<=2' })).toBe(2)
    expect(await ids(source.records('Product'))).toEqual([])
  })

  it('asks X2CRM for filtered lists and counts, and keeps the chosen', async () => {
    const { source } = await sampled()
    expect(await source.count('Contacts', { assignedTo: 'amy' })).toBe(2)
    expect(await ids(source.records('Contacts', { filters: { assignedTo: 'amy' } }))).toEqual([10, 40])
    // Hidden from lists, so from filtered ones too: as for a full run.
    expect(await source.count('Contacts', { assignedTo: 'bob' })).toBe(0)
  })

  it('answers nothing for an id outside the sample, so a gap fill never leaves it', async () => {
    const { source, asked } = await sampled()
    expect(await source.record('Contacts', 12)).toBeUndefined()
    expect(await source.record('Contacts', 11)).toMatchObject({ id: 11 })
    asked.length = 0
    const extraction = extractClass(source, 'Accounts')
    expect(await ids(extraction)).toEqual([1, 2, 3, 5, 7, 8, 9])
    expect(asked.every((key) => ['1', '2', '3', '5', '7', '8', '9'].includes(key.split(':')[1] ?? ''))).toBe(
      true,
    )
    expect(extraction.report()).toMatchObject({ listed: 7, gapFetched: 0, count: 7, listsMatchCount: true })
  })
})
