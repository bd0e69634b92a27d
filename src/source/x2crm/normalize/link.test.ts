import { describe, expect, it } from 'vitest'
import { associationClass, parseLinkValue, parseNameId } from './link.ts'

describe('parseNameId', () => {
  it.each([
    ['Hooli_13', { name: 'Hooli', id: 13 }],
    ['A_B_7', { name: 'A_B', id: 7 }],
    ['Rocket ???? Labs_8', { name: 'Rocket ???? Labs', id: 8 }],
    ['北京星辰科技有限公司_6', { name: '北京星辰科技有限公司', id: 6 }],
    ['Ghost_999999', { name: 'Ghost', id: 999999 }],
    ['Text Company', { name: 'Text Company' }],
    ['Doomed Corp (to be deleted)', { name: 'Doomed Corp (to be deleted)' }],
    ['Snake_case_name', { name: 'Snake_case_name' }],
    ['Trailing_', { name: 'Trailing_' }],
    ['Version_1.5', { name: 'Version_1.5' }],
    ['13', { name: '13' }],
  ])('%s', (value, expected) => {
    expect(parseNameId(value)).toEqual(expected)
  })

  it('takes a number as its text', () => {
    expect(parseNameId(13)).toEqual({ name: '13' })
  })

  it('does not take an id too large to be exact', () => {
    expect(parseNameId('Big_99999999999999999999')).toEqual({ name: 'Big_99999999999999999999' })
  })
})

describe('parseLinkValue', () => {
  it('splits a link at the last underscore; a bare name has no id', () => {
    expect(parseLinkValue('Acme_Co Ltd_7', 'Accounts')).toEqual({
      kind: 'link',
      entity: 'Accounts',
      id: 7,
      name: 'Acme_Co Ltd',
    })
    expect(parseLinkValue('Doomed Corp (to be deleted)', 'Accounts')).toMatchObject({ id: null })
    expect(parseLinkValue('', 'Accounts')).toBeNull()
  })

  it('takes a bare id, as API input gives it, as an id, unlike parseNameId', () => {
    expect(parseLinkValue(13, 'Accounts')).toEqual({ kind: 'link', entity: 'Accounts', id: 13, name: '' })
    expect(parseLinkValue('13', 'Accounts')).toEqual({ kind: 'link', entity: 'Accounts', id: 13, name: '' })
    expect(parseLinkValue(1.5, 'Accounts')).toBeNull()
    expect(parseLinkValue({ id: 1 }, 'Accounts')).toBeNull()
  })
})

describe('associationClass', () => {
  it('names the class an associationType points at, and nothing for system assets', () => {
    expect(associationClass('opportunities')).toBe('Opportunity')
    expect(associationClass('Contacts')).toBe('Contacts')
    expect(associationClass('theme')).toBeUndefined()
  })
})
