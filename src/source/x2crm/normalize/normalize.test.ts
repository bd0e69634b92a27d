import { describe, expect, it } from 'vitest'
import type { X2crmField } from '../types.ts'
import { parseAssignment } from './assignment.ts'
import { parseDropdownValue } from './dropdown.ts'
import { htmlToText, looksLikeHtml } from './html.ts'
import { dropdownsById, normalizeRecord } from './record.ts'

const aField = (fieldName: string, type: string, linkType: string | null = null): X2crmField => ({
  fieldName,
  attributeLabel: fieldName,
  type,
  linkType,
  custom: fieldName.startsWith('c_'),
  required: false,
  readOnly: false,
})

const region = { id: 1000, name: 'Region', options: { NA: 'North America', EMEA: 'EMEA' }, multi: false }
const segments = {
  id: 1001,
  name: 'Segments',
  options: { smb: 'Small business', ent: 'Enterprise' },
  multi: true,
}

describe('assignments, dropdowns, HTML', () => {
  it('separates usernames from group ids; Anyone is nobody', () => {
    expect(parseAssignment('alice, 3, bob')).toEqual({
      kind: 'assignment',
      usernames: ['alice', 'bob'],
      groupIds: [3],
    })
    expect(parseAssignment('Anyone')).toEqual({ kind: 'assignment', usernames: [], groupIds: [] })
    expect(parseAssignment(5)).toMatchObject({ groupIds: [5] })
  })

  it('maps dropdown keys to labels, multi-select JSON arrays included', () => {
    expect(parseDropdownValue('NA', region)).toEqual({
      options: [{ kind: 'option', key: 'NA', label: 'North America' }],
      unknown: [],
    })
    expect(parseDropdownValue('["smb","gov"]', segments)).toEqual({
      options: [
        { kind: 'option', key: 'smb', label: 'Small business' },
        { kind: 'option', key: 'gov', label: null },
      ],
      unknown: ['gov'],
    })
    expect(parseDropdownValue('[broken', segments)).toEqual({ unparseable: true })
  })

  it('turns HTML into text', () => {
    const html =
      '<p>Met at <b>trade show</b> &amp; asked for a <a href="x">quote</a>.</p><p>Call&nbsp;back</p>'
    expect(looksLikeHtml(html)).toBe(true)
    expect(looksLikeHtml('5 < 6 and 7 > 2')).toBe(false)
    expect(htmlToText(html)).toBe('Met at trade show & asked for a quote.\nCall back')
  })
})

describe('normalizeRecord', () => {
  const fields = [
    aField('id', 'int'),
    aField('name', 'varchar'),
    aField('company', 'link', 'Accounts'),
    aField('assignedTo', 'assignment'),
    aField('visibility', 'visibility'),
    aField('backgroundInfo', 'text'),
    aField('c_region', 'dropdown', '1000'),
    aField('c_segments', 'dropdown', '1001'),
    aField('c_score', 'int'),
    aField('createDate', 'dateTime'),
  ]
  const context = { fields, dropdowns: dropdownsById([region, segments]) }

  it('types every value by its field and flags damage, keeping unknown fields raw', () => {
    const normalized = normalizeRecord(
      'Contacts',
      {
        id: '56',
        name: 'Zoë ???? Emoji',
        company: 'Rocket ???? Labs_8',
        assignedTo: 'Anyone',
        visibility: '0',
        backgroundInfo: '<p>Hi</p>',
        c_region: 'MARS',
        c_segments: '["ent"]',
        c_score: 'ten',
        createDate: 0,
        extra: 'kept',
      },
      context,
    )
    expect(normalized.id).toBe(56)
    expect(normalized.values).toMatchObject({
      id: 56,
      company: { kind: 'link', entity: 'Accounts', id: 8 },
      assignedTo: { usernames: [], groupIds: [] },
      visibility: 'private',
      backgroundInfo: { kind: 'text', isHtml: true, plain: 'Hi' },
      c_region: { key: 'MARS', label: null },
      c_segments: [{ key: 'ent', label: 'Enterprise' }],
      c_score: 'ten',
      createDate: null,
      extra: 'kept',
    })
    expect(normalized.damage.map((damage) => `${damage.kind}:${damage.field}`).sort()).toEqual([
      'destroyedCharacters:company',
      'destroyedCharacters:name',
      'unknownOption:c_region',
      'unparseable:c_score',
    ])
  })
})
