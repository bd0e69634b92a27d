import { describe, expect, it } from 'vitest'
import { ACCOUNT } from '../mapping/default-map.ts'
import type { EntityMap } from '../mapping/types.ts'
import type { QueryOptions } from '../target/dataverse/types.ts'
import {
  decideMatches,
  dedupeFilters,
  dedupeValues,
  FILTER_CHARS,
  hasForeignRows,
  matchExisting,
  odataString,
  ROWS_PER_QUERY,
  type ExistingRow,
} from './dedupe.ts'

const accounts = {
  entity: 'Accounts',
  table: ACCOUNT,
  fields: [
    { source: 'name', target: 'name', transform: 'text' },
    { source: 'website', target: 'websiteurl', transform: 'url' },
    { source: 'phone', target: 'telephone1', transform: 'phone' },
  ],
  dedupe: { columns: ['name', 'websiteurl'] },
} satisfies EntityMap

const aRecord = (id: number, name: unknown, websiteurl: unknown = 'https://acme.example') => ({
  sourceKey: `Accounts:${id}`,
  values: { name, websiteurl },
})
const anAccount = (targetId: string, name: string, websiteurl = 'https://acme.example'): ExistingRow => ({
  targetId,
  values: { name, websiteurl },
})

describe('dedupeValues', () => {
  it('gives the trimmed values of the dedupe columns, or nothing when one is empty or not text', () => {
    expect(dedupeValues(['name', 'websiteurl'], { name: ' Acme ', websiteurl: 'https://a.example' })).toEqual(
      ['Acme', 'https://a.example'],
    )
    expect(dedupeValues(['name', 'websiteurl'], { name: 'Acme', websiteurl: null })).toBeUndefined()
    expect(dedupeValues(['name', 'websiteurl'], { name: '  ', websiteurl: 'x' })).toBeUndefined()
    expect(dedupeValues(['name'], { name: 12 })).toBeUndefined()
    expect(dedupeValues(['name'], {})).toBeUndefined()
  })
})

describe('odataString', () => {
  it('quotes a value and doubles the quotes inside it', () => {
    expect(odataString("O'Brien's")).toBe("'O''Brien''s'")
    expect(odataString('')).toBe("''")
  })
})

describe('dedupeFilters', () => {
  it('ands the columns of a record and ors the records, quotes escaped', () => {
    expect(
      dedupeFilters(
        ['name', 'websiteurl'],
        [
          ["O'Brien & Co", 'https://obrien.example'],
          ['Acme', 'acme.example'],
        ],
      ),
    ).toEqual([
      "(name eq 'O''Brien & Co' and websiteurl eq 'https://obrien.example') or (name eq 'Acme' and websiteurl eq 'acme.example')",
    ])
    expect(dedupeFilters(['emailaddress1'], [['a@x.example']])).toEqual(["emailaddress1 eq 'a@x.example'"])
  })

  it('asks once for records with the same values, whatever their case', () => {
    expect(dedupeFilters(['name'], [['Acme'], ['ACME'], ['acme'], ['Other']])).toEqual([
      "name eq 'Acme' or name eq 'Other'",
    ])
  })

  it('puts at most 50 records in one query', () => {
    const rows = Array.from({ length: 120 }, (_, i) => [`Company ${i}`])
    const filters = dedupeFilters(['name'], rows)
    expect(filters.map((f) => f.split(' or ').length)).toEqual([ROWS_PER_QUERY, ROWS_PER_QUERY, 20])
    expect(filters.join(' or ').split(' or ')).toEqual(rows.map(([name]) => `name eq '${name ?? ''}'`))
  })

  it('keeps every encoded filter under the URL budget, even with long values full of characters to escape', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [
      `${i} ${'Ä&ö '.repeat(40)}`,
      `https://x.example/${'é'.repeat(150)}`,
    ])
    const filters = dedupeFilters(['name', 'websiteurl'], rows)
    expect(filters.length).toBeGreaterThan(1)
    for (const filter of filters) expect(encodeURIComponent(filter).length).toBeLessThanOrEqual(FILTER_CHARS)
    expect(filters.join(' or ').split(') or (')).toHaveLength(50)
  })

  it('asks nothing for no records', () => {
    expect(dedupeFilters(['name'], [])).toEqual([])
  })
})

describe('decideMatches', () => {
  it('matches a record to the one existing row with the same values, case-insensitively', () => {
    const decisions = decideMatches(
      accounts,
      [aRecord(1, 'ACME Ltd', 'HTTPS://ACME.EXAMPLE'), aRecord(2, 'Nobody')],
      [anAccount('r-1', 'Acme Ltd'), anAccount('r-2', 'Acme Ltd', 'https://other.example')],
      new Map(),
    )
    expect(decisions).toEqual(
      new Map([
        [
          'Accounts:1',
          {
            status: 'matched',
            targetId: 'r-1',
            warning: 'matched existing account r-1 by name + websiteurl',
          },
        ],
      ]),
    )
  })

  it('matches nothing when two rows fit, and names them', () => {
    const decisions = decideMatches(
      accounts,
      [aRecord(1, 'Acme Ltd')],
      [anAccount('r-b', 'Acme Ltd'), anAccount('r-a', 'acme ltd')],
      new Map(),
    )
    expect(decisions.get('Accounts:1')).toEqual({
      status: 'ambiguous',
      candidates: ['r-a', 'r-b'],
      warning: expect.stringMatching(
        /^dedupe ambiguous: 2 existing account rows have the same name \+ websiteurl \(r-a, r-b\); created new/,
      ) as unknown,
    })
  })

  it('leaves out rows known as the rows of other records: a known one with a free one is a match, alone it is taken', () => {
    const found = [anAccount('ours', 'Acme Ltd'), anAccount('theirs', 'Acme Ltd')]
    expect(
      decideMatches(accounts, [aRecord(1, 'Acme Ltd')], found, new Map([['ours', 'Accounts:7']])).get(
        'Accounts:1',
      ),
    ).toMatchObject({ status: 'matched', targetId: 'theirs' })
    const known = new Map([
      ['ours', 'Accounts:7'],
      ['theirs', 'Accounts:8'],
    ])
    expect(decideMatches(accounts, [aRecord(1, 'Acme Ltd')], found, known).get('Accounts:1')).toEqual({
      status: 'taken',
      targetId: 'ours',
      by: 'Accounts:7',
      warning:
        'dedupe found existing account ours with the same name + websiteurl, but it is already the row of Accounts:7; created new',
    })
  })

  it('gives a row to the first of two records with the same values; the second is created new', () => {
    const decisions = decideMatches(
      accounts,
      [aRecord(1, 'Acme Ltd'), aRecord(2, 'acme ltd')],
      [anAccount('r-1', 'Acme Ltd')],
      new Map(),
    )
    expect(decisions.get('Accounts:1')).toMatchObject({ status: 'matched', targetId: 'r-1' })
    expect(decisions.get('Accounts:2')).toMatchObject({ status: 'taken', targetId: 'r-1', by: 'Accounts:1' })
  })

  it('may match a record to a row the ledger already knows as its own', () => {
    const decisions = decideMatches(
      accounts,
      [aRecord(1, 'Acme Ltd')],
      [anAccount('r-1', 'Acme Ltd')],
      new Map([['r-1', 'Accounts:1']]),
    )
    expect(decisions.get('Accounts:1')).toMatchObject({ status: 'matched', targetId: 'r-1' })
  })

  it('decides nothing for a record with an empty dedupe column, nor for rows with one', () => {
    const decisions = decideMatches(
      accounts,
      [aRecord(1, 'Acme Ltd', null), aRecord(2, '', 'https://acme.example')],
      [
        anAccount('r-1', 'Acme Ltd'),
        { targetId: 'r-2', values: { name: '', websiteurl: 'https://acme.example' } },
      ],
      new Map(),
    )
    expect(decisions).toEqual(new Map())
  })
})

describe('matchExisting', () => {
  function fakeTarget(rows: Record<string, unknown>[]) {
    const queries: { entitySet: string; options: QueryOptions | undefined }[] = []
    return {
      queries,
      target: {
        async *query(entitySet: string, options?: QueryOptions) {
          queries.push({ entitySet, options })
          // The fake answers every query with every row; matchExisting must still pair rows by value.
          yield* rows
        },
      },
    }
  }
  const ledgerKnowing = (known: Record<string, string[]>) => ({
    sourcesOf: async (ids: readonly string[]) =>
      new Map(Object.entries(known).filter(([id]) => ids.includes(id))),
  })
  const imageColumns = ['name', 'websiteurl', 'telephone1', '_ownerid_value', 'new_x2crmid']

  it('reads candidates with the image columns, and hands back a matched row with its before-image', async () => {
    const { target, queries } = fakeTarget([
      { accountid: 'r-1', name: 'Acme Ltd', websiteurl: 'https://acme.example', telephone1: '+1 555' },
    ])
    const decisions = await matchExisting(
      { ...accounts, sourceIdColumn: 'new_x2crmid' },
      [aRecord(1, 'Acme Ltd'), aRecord(2, 'No Website', null)],
      { target, ledger: ledgerKnowing({}) },
      { claimed: new Map(), imageColumns },
    )
    expect(queries).toEqual([
      {
        entitySet: 'accounts',
        options: {
          select: ['accountid', 'name', 'websiteurl', 'telephone1', '_ownerid_value', 'new_x2crmid'],
          filter: "(name eq 'Acme Ltd' and websiteurl eq 'https://acme.example')",
        },
      },
    ])
    expect(decisions.get('Accounts:1')).toEqual({
      status: 'matched',
      targetId: 'r-1',
      warning: 'matched existing account r-1 by name + websiteurl',
      image: {
        name: 'Acme Ltd',
        websiteurl: 'https://acme.example',
        telephone1: '+1 555',
        _ownerid_value: null,
        new_x2crmid: null,
      },
    })
    expect(decisions.has('Accounts:2')).toBe(false)
  })

  it('never matches a row a migration wrote (it has an X2CRM id), nor one the ledger or this run knows', async () => {
    const { target } = fakeTarget([
      { accountid: 'migrated', name: 'Acme Ltd', websiteurl: 'https://acme.example', new_x2crmid: '12' },
      { accountid: 'in-ledger', name: 'Acme Ltd', websiteurl: 'https://acme.example', new_x2crmid: null },
      { accountid: 'in-flight', name: 'Acme Ltd', websiteurl: 'https://acme.example' },
    ])
    const decisions = await matchExisting(
      { ...accounts, sourceIdColumn: 'new_x2crmid' },
      [aRecord(1, 'Acme Ltd')],
      { target, ledger: ledgerKnowing({ 'in-ledger': ['Accounts:5', 'Contacts:9'] }) },
      { claimed: new Map([['in-flight', 'Accounts:6']]), imageColumns },
    )
    expect(decisions.get('Accounts:1')).toMatchObject({
      status: 'taken',
      targetId: 'in-flight',
      by: 'Accounts:6',
    })
    const { target: onlyMigrated } = fakeTarget([
      { accountid: 'migrated', name: 'Acme Ltd', websiteurl: 'https://acme.example', new_x2crmid: '12' },
    ])
    const taken = await matchExisting(
      { ...accounts, sourceIdColumn: 'new_x2crmid' },
      [aRecord(1, 'Acme Ltd')],
      { target: onlyMigrated, ledger: ledgerKnowing({}) },
      { claimed: new Map(), imageColumns },
    )
    expect(taken.get('Accounts:1')).toMatchObject({
      status: 'taken',
      targetId: 'migrated',
      by: 'Accounts:12',
    })

    const { target: another } = fakeTarget([
      { accountid: 'in-ledger', name: 'Acme Ltd', websiteurl: 'https://acme.example' },
      { accountid: 'free', name: 'ACME LTD', websiteurl: 'https://acme.example' },
    ])
    const matched = await matchExisting(
      accounts,
      [aRecord(1, 'Acme Ltd')],
      { target: another, ledger: ledgerKnowing({ 'in-ledger': ['Accounts:5'] }) },
      { claimed: new Map(), imageColumns },
    )
    expect(matched.get('Accounts:1')).toMatchObject({ status: 'matched', targetId: 'free' })
  })

  it('asks Dataverse nothing when no record has every dedupe value', async () => {
    const { target, queries } = fakeTarget([])
    const decisions = await matchExisting(
      accounts,
      [aRecord(1, 'Acme Ltd', ''), aRecord(2, null)],
      { target, ledger: ledgerKnowing({}) },
      { claimed: new Map(), imageColumns },
    )
    expect(decisions.size).toBe(0)
    expect(queries).toEqual([])
  })
})

describe('hasForeignRows', () => {
  const targetWith = (rows: Record<string, unknown>[]) => {
    const queries: (QueryOptions | undefined)[] = []
    return {
      queries,
      target: {
        async *query(_entitySet: string, options?: QueryOptions) {
          queries.push(options)
          yield* rows
        },
      },
    }
  }

  it('says an empty table needs no lookups, after asking for one row', async () => {
    const { target, queries } = targetWith([])
    expect(await hasForeignRows(accounts, target)).toBe(false)
    expect(queries).toEqual([{ select: ['accountid'], top: 1, pageSize: 1 }])
  })

  it('says a table with any row needs lookups', async () => {
    expect(await hasForeignRows(accounts, targetWith([{ accountid: 'r-1' }]).target)).toBe(true)
  })

  it('asks only for rows without an X2CRM id when the map writes one: rows with one are a migration’s', async () => {
    const { target, queries } = targetWith([])
    expect(await hasForeignRows({ ...accounts, sourceIdColumn: 'new_x2crmid' }, target)).toBe(false)
    expect(queries[0]?.filter).toBe('new_x2crmid eq null')
  })
})
