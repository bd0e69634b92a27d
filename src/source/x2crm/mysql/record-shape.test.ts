import { describe, expect, it } from 'vitest'
import { planShape, toRecord } from './record-shape.ts'

const def = (fieldName: string, isVirtual = false) => ({ fieldName, isVirtual })

describe('planShape', () => {
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
    expect(toRecord(shape, { id: 3 }, { actionDescription: 'Call #1' })).toEqual({
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
    expect(toRecord(shape, { id: 1 })).toEqual({ id: 1, c_score: null, x: null })
  })

  it('always selects id, and decodes binary strings', () => {
    const shape = planShape('Docs', 'x2_docs', [def('name')], new Set(['id', 'name']))
    expect(shape.columns).toEqual(['id', 'name'])
    expect(toRecord(shape, { id: 1, name: Buffer.from('Käse') })).toEqual({ name: 'Käse' })
  })
})
