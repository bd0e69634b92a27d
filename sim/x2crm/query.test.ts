import { describe, expect, it } from 'vitest'
import {
  likeToRegExp,
  pageOf,
  parseCondition,
  parseOrder,
  parsePaging,
  readQueryParams,
  replaceDateCodes,
  satisfies,
  sortRows,
} from './query.ts'

const exact = { partial: false, escape: true }

describe('parseCondition (CDbCriteria::compare)', () => {
  it('reads an operator prefix', () => {
    expect(parseCondition('lastUpdated', '>1700000000', exact)).toEqual({
      column: 'lastUpdated',
      operator: '>',
      value: '1700000000',
    })
    expect(parseCondition('a', '>=5', exact)?.operator).toBe('>=')
    expect(parseCondition('a', '<>x', exact)?.operator).toBe('<>')
    expect(parseCondition('a', '<=5', exact)?.operator).toBe('<=')
    expect(parseCondition('a', '=5', exact)).toEqual({ column: 'a', operator: '=', value: '5' })
    expect(parseCondition('a', 'plain', exact)).toEqual({ column: 'a', operator: '=', value: 'plain' })
  })

  it('adds no condition for an empty value or an empty list', () => {
    expect(parseCondition('a', '', exact)).toBeUndefined()
    expect(parseCondition('a', '>', exact)).toBeUndefined()
    expect(parseCondition('a', [], exact)).toBeUndefined()
  })

  it('turns a list into IN', () => {
    expect(parseCondition('id', ['1', '2'], exact)).toEqual({
      column: 'id',
      operator: 'IN',
      value: ['1', '2'],
    })
  })

  it('makes partial matches LIKE %v% with wildcards escaped, or raw with _escape=0', () => {
    expect(parseCondition('name', 'smith', { partial: true, escape: true })?.value).toBe('%smith%')
    expect(parseCondition('name', '50%_off', { partial: true, escape: true })?.value).toBe('%50\\%\\_off%')
    expect(parseCondition('name', 'J%', { partial: true, escape: false })).toEqual({
      column: 'name',
      operator: 'LIKE',
      value: 'J%',
    })
    expect(parseCondition('name', '<>smith', { partial: true, escape: true })?.operator).toBe('NOT LIKE')
    expect(parseCondition('n', '>5', { partial: true, escape: true })?.operator).toBe('>')
  })
})

describe('satisfies (MySQL semantics)', () => {
  it('compares numbers numerically and text case-insensitively; NULL never matches', () => {
    const greater = { column: 'x', operator: '>', value: '9' } as const
    expect(satisfies(10, greater, false)).toBe(true)
    expect(satisfies('10', greater, true)).toBe(true)
    expect(satisfies('10', greater, false)).toBe(false)
    expect(satisfies('WORKING', { column: 'x', operator: '=', value: 'working' }, false)).toBe(true)
    expect(satisfies(null, { column: 'x', operator: '<>', value: 'a' }, false)).toBe(false)
    expect(satisfies('Jane Smith', { column: 'x', operator: 'LIKE', value: '%smith%' }, false)).toBe(true)
    expect(satisfies(50, { column: 'id', operator: 'IN', value: ['49', '50'] }, true)).toBe(true)
  })

  it('reads LIKE patterns with escapes', () => {
    expect(likeToRegExp('J%').test('Jane')).toBe(true)
    expect(likeToRegExp('J_n').test('Jan')).toBe(true)
    expect(likeToRegExp('100\\%').test('100%')).toBe(true)
    expect(likeToRegExp('100\\%').test('1000')).toBe(false)
  })
})

describe('paging (CPagination)', () => {
  const rows = Array.from({ length: 30 }, (_, i) => i + 1)

  it('counts pages from zero and clamps a page past the end to the last page', () => {
    expect(pageOf(rows, { pageSize: 10, page: 0 })[0]).toBe(1)
    expect(pageOf(rows, { pageSize: 10, page: 2 })[0]).toBe(21)
    expect(pageOf(rows, { pageSize: 10, page: 3 })).toEqual(pageOf(rows, { pageSize: 10, page: 2 }))
    expect(pageOf(rows, { pageSize: 10, page: 7 })[0]).toBe(21)
    expect(pageOf(rows, { pageSize: 20, page: 50 })).toHaveLength(10)
    expect(pageOf([], { pageSize: 10, page: 4 })).toEqual([])
  })

  it('caps _limit, ignores non-digit values and falls back to 10 for _limit=0', () => {
    expect(parsePaging({}, 1000)).toEqual({ pageSize: 1000, page: 0 })
    expect(parsePaging({ _limit: '5000' }, 1000).pageSize).toBe(1000)
    expect(parsePaging({ _limit: 'abc', _page: 'x' }, 1000)).toEqual({ pageSize: 1000, page: 0 })
    expect(parsePaging({ _limit: '-5', _page: '-1' }, 1000)).toEqual({ pageSize: 1000, page: 0 })
    expect(parsePaging({ _limit: '0' }, 1000).pageSize).toBe(10)
    expect(parsePaging({ _limit: '20', _page: '3' }, 1000)).toEqual({ pageSize: 20, page: 3 })
  })
})

describe('ordering', () => {
  it('reads +, space (a raw + in a URL), - and no prefix', () => {
    expect(parseOrder('+id')).toEqual({ column: 'id', descending: false })
    expect(parseOrder(' lastUpdated')).toEqual({ column: 'lastUpdated', descending: false })
    expect(parseOrder('-lastUpdated')).toEqual({ column: 'lastUpdated', descending: true })
    expect(parseOrder('name')).toEqual({ column: 'name', descending: false })
    expect(parseOrder('id,name desc')).toBeUndefined()
  })

  it('sorts stably with NULL first ascending', () => {
    const rows = [
      { id: 1, v: 2 },
      { id: 2, v: null },
      { id: 3, v: 1 },
      { id: 4, v: 2 },
    ]
    expect(sortRows(rows, { column: 'v', descending: false }).map((r) => r.id)).toEqual([2, 3, 1, 4])
    expect(sortRows(rows, { column: 'v', descending: true }).map((r) => r.id)).toEqual([1, 4, 3, 2])
  })
})

describe('query string', () => {
  it('reads name[] as a list and lets a repeated name keep its last value', () => {
    expect(readQueryParams(new URLSearchParams('id[]=1&id[]=2&a=1&a=2'))).toEqual({ id: ['1', '2'], a: '2' })
  })

  it('replaces date codes', () => {
    expect(replaceDateCodes('>yesterday', 1000000)).toBe('>913600')
    expect(replaceDateCodes('<now', 1000000)).toBe('<1000000')
    expect(replaceDateCodes(['tomorrow'], 1000000)).toEqual(['1086400'])
  })
})
