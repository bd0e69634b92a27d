import { describe, expect, it } from 'vitest'
import { defaultMapping } from '../mapping/default-map.ts'
import type { EntityMap, TransformResult } from '../mapping/types.ts'
import { compareRow } from './compare-row.ts'

const contacts = defaultMapping().entities.find((e) => e.entity === 'Contacts')
if (contacts === undefined) throw new Error('default map has no Contacts')

const expected = (values: Record<string, unknown>): Extract<TransformResult, { status: 'ok' }> => ({
  status: 'ok',
  sourceKey: 'Contacts:1',
  targetId: 'c-1',
  values,
  links: [],
  warnings: [],
})

describe('compareRow', () => {
  it('accepts equal values written in the forms Dataverse returns them', () => {
    const mismatches = compareRow(
      contacts,
      expected({
        firstname: 'Ann',
        lastname: 'Lee',
        overriddencreatedon: '2026-01-02T03:04:05.000Z',
        emailaddress1: null,
      }),
      new Map([['company', 'A-1']]),
      {
        firstname: 'Ann',
        lastname: 'Lee',
        createdon: '2026-01-02T03:04:05Z',
        overriddencreatedon: '2026-11-26T10:00:00Z',
        emailaddress1: '',
        _parentcustomerid_value: 'a-1',
      },
    )
    expect(mismatches).toEqual([])
  })

  it('names the field, the column and both values of each difference', () => {
    const mismatches = compareRow(
      contacts,
      expected({ firstname: 'Ann', lastname: 'Lee' }),
      new Map([['company', 'a-1']]),
      {
        firstname: 'Anne',
        lastname: 'Lee',
        _parentcustomerid_value: null,
      },
    )
    expect(mismatches).toEqual([
      { field: 'firstName', column: 'firstname', expected: 'Ann', actual: 'Anne' },
      { field: 'company', column: '_parentcustomerid_value', expected: 'a-1', actual: null },
    ])
  })

  it('compares createdon only on rows a load created: a row that existed before keeps its own', () => {
    const want = expected({
      firstname: 'Ann',
      lastname: 'Lee',
      overriddencreatedon: '2020-01-01T00:00:00.000Z',
    })
    const row = { firstname: 'Ann', lastname: 'Lee', createdon: '2026-11-26T10:00:00Z' }
    const links = new Map([['company', null]])
    expect(compareRow(contacts, want, links, { ...row, overriddencreatedon: null })).toEqual([])
    expect(
      compareRow(contacts, want, links, { ...row, overriddencreatedon: '2026-11-26T10:00:00Z' }),
    ).toEqual([
      {
        field: 'createDate',
        column: 'createdon',
        expected: '2020-01-01T00:00:00.000Z',
        actual: '2026-11-26T10:00:00Z',
      },
    ])
  })

  it('compares text whole: a trailing newline or one character less is a difference', () => {
    const note = `${'n'.repeat(61_439)}\n`
    const compare = (actual: string) =>
      compareRow(contacts, expected({ description: note }), new Map(), { description: actual })
    expect(compare(note)).toEqual([])
    expect(compare(note.slice(0, -1))).toEqual([
      { field: 'backgroundInfo', column: 'description', expected: note, actual: note.slice(0, -1) },
    ])
    expect(compare(`${'n'.repeat(61_439)} `)).toHaveLength(1)
  })
})

describe('compareRow on activities', () => {
  const map: EntityMap = {
    entity: 'Actions',
    table: { logicalName: 'task', entitySet: 'tasks', primaryId: 'activityid' },
    fields: [
      { source: 'associationId', target: 'regardingobjectid', transform: 'regarding', regardingTo: [] },
      { source: 'complete', target: 'statecode', transform: 'activityState' },
    ],
  }
  const expected = {
    status: 'ok' as const,
    sourceKey: 'Actions:1',
    targetId: 't',
    values: {},
    links: [],
    warnings: [],
    later: { statecode: 1, statuscode: 5 },
  }

  it('compares the regarding record by id and the state the action closed into', () => {
    const bound = new Map([['associationId', 'C1']])
    expect(compareRow(map, expected, bound, { _regardingobjectid_value: 'c1', statecode: 1 })).toEqual([])
    expect(compareRow(map, expected, bound, { _regardingobjectid_value: 'c2', statecode: 0 })).toEqual([
      { field: 'associationId', column: '_regardingobjectid_value', expected: 'C1', actual: 'c2' },
      { field: 'complete', column: 'statecode', expected: 1, actual: 0 },
    ])
    const open = { ...expected, later: undefined }
    expect(compareRow(map, open, new Map(), { _regardingobjectid_value: null, statecode: 0 })).toEqual([])
  })
})
