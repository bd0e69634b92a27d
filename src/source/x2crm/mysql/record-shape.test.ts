import { describe, expect, it } from 'vitest'
import { planShape, recordBuilder, selectList } from './record-shape.ts'

const def = (fieldName: string, isVirtual = false) => ({ fieldName, isVirtual })

describe('planShape and its record builder', () => {
  it('takes the field set from x2_fields, not from the table', () => {
    const shape = planShape(
      'Accounts',
      'x2_accounts',
      [def('name'), def('id')],
      new Set(['id', 'name', 'firstName']),
    )
    expect(shape.fields).toEqual(['name', 'id'])
    expect(shape.columns).toEqual(['name', 'id'])
    expect(shape.missing).toEqual([])
  })

  it('joins Actions side fields and leaves transient ones null', () => {
    const shape = planShape(
      'Actions',
      'x2_actions',
      [def('id'), def('actionDescription'), def('eventStatus'), def('notificationTime')],
      new Set(['id']),
    )
    expect(shape.side).toEqual(['actionDescription', 'eventStatus'])
    expect(shape.missing).toEqual([])
    expect(recordBuilder(shape)([3], { actionDescription: 'Call #1' })).toEqual({
      id: 3,
      actionDescription: 'Call #1',
      eventStatus: null,
      notificationTime: null,
    })
  })

  it('names stored fields the table lacks (older schema) and reads them as null', () => {
    const shape = planShape(
      'Contacts',
      'x2_contacts',
      [def('id'), def('c_score'), def('x', true)],
      new Set(['id']),
    )
    expect(shape.missing).toEqual(['c_score'])
    expect(recordBuilder(shape)([1])).toEqual({ id: 1, c_score: null, x: null })
  })

  it('always selects id, and decodes the columns that may come as bytes (BLOB, BINARY) as UTF-8', () => {
    const shape = planShape(
      'Docs',
      'x2_docs',
      [def('name'), def('text')],
      new Set(['id', 'name', 'text']),
      new Set(),
      new Set(['name']),
    )
    expect(shape.columns).toEqual(['id', 'name', 'text'])
    expect(shape.bytes).toEqual(['name'])
    expect(recordBuilder(shape)([1, Buffer.from('Käse'), 'Brot'])).toEqual({ name: 'Käse', text: 'Brot' })
    expect(recordBuilder(shape)([2, null, null])).toStrictEqual({ name: null, text: null })
  })

  it('keeps the x2_fields order, not the select order, and every type as read', () => {
    const shape = planShape(
      'Contacts',
      'x2_contacts',
      [def('b'), def('id'), def('a'), def('v', true)],
      new Set(['id', 'a', 'b']),
    )
    expect(shape.columns).toEqual(['b', 'id', 'a'])
    const record = recordBuilder(shape)(['', 7, null])
    expect(JSON.stringify(record)).toBe('{"b":"","id":7,"a":null,"v":null}')
  })

  it('quotes any field name as data: a name that looks like code is just a key', () => {
    const names = ['x"}); throw 1; ({"', '__proto__', 'a\u2028b', 'constructor']
    const shape = planShape(
      'Docs',
      'x2_docs',
      [def('id'), ...names.map((n) => def(n))],
      new Set(['id', ...names]),
    )
    const record = recordBuilder(shape)([1, 'q', 'p', 'l', 'c'])
    expect(Object.keys(record)).toEqual(['id', ...names])
    expect(Object.values(record)).toEqual([1, 'q', 'p', 'l', 'c'])
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
  })

  it('compiles once per shape', () => {
    const shape = planShape('Docs', 'x2_docs', [def('id')], new Set(['id']))
    expect(recordBuilder(shape)).toBe(recordBuilder(shape))
  })

  it('asks for FLOAT columns as the server writes them, and reads that text back as a number', () => {
    const shape = planShape(
      'X2Leads',
      'x2_x2leads',
      [def('id'), def('probability')],
      new Set(['id', 'probability']),
      new Set(['probability']),
    )
    expect(selectList(shape)).toBe('`id`, CAST(`probability` AS CHAR) AS `probability`')
    expect(recordBuilder(shape)([1, '0.333333'])).toStrictEqual({ id: 1, probability: 0.333333 })
    expect(recordBuilder(shape)([2, null])).toStrictEqual({ id: 2, probability: null })
    expect(recordBuilder(shape)([3, '-3.4028e38'])).toStrictEqual({ id: 3, probability: -3.4028e38 })
  })
})
