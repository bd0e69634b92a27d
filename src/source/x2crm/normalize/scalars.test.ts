import { describe, expect, it } from 'vitest'
import { parseBoolean, parseDecimal, parseInteger, unixToDate, unixToIso } from './scalars.ts'

describe('numbers, flags and dates as X2CRM sends them', () => {
  it('reads numbers sent as numbers or strings, and refuses what is not one', () => {
    expect(parseDecimal('1500.00')).toEqual({ value: 1500 })
    expect(parseDecimal(19.5)).toEqual({ value: 19.5 })
    expect(parseDecimal('')).toEqual({ value: null })
    expect(parseDecimal('12abc')).toEqual({ value: null, warning: '"12abc" is not a number; left empty' })
    expect(parseInteger('42')).toEqual({ value: 42 })
    expect(parseInteger('4.2')).toEqual({ value: null, warning: '"4.2" is not a whole number; left empty' })
  })

  it('reads flags as 0/1 in either form', () => {
    expect(parseBoolean('1')).toEqual({ value: true })
    expect(parseBoolean(0)).toEqual({ value: false })
    expect(parseBoolean('maybe').value).toBeNull()
  })

  it('reads 0 as an empty date, dateTime as a UTC instant and date as a calendar day in the users’ zone', () => {
    expect(unixToIso(0)).toEqual({ value: null })
    expect(unixToIso('1735689600')).toEqual({ value: '2025-01-01T00:00:00Z' })
    // Midnight 2025-01-01 in Berlin is 23:00 UTC the day before.
    expect(unixToDate(1735686000, 'Europe/Berlin')).toEqual({ value: '2025-01-01' })
    expect(unixToDate(1735686000)).toEqual({ value: '2024-12-31' })
    expect(unixToDate('0')).toEqual({ value: null })
  })
})

describe('parseInteger', () => {
  it.each([
    [1200, 1200],
    ['1200', 1200],
    ['1.00', 1],
    [' -3 ', -3],
    ['', null],
    [null, null],
  ])('%j → %j', (value, expected) => {
    expect(parseInteger(value)).toEqual({ value: expected })
  })

  it.each(['12.5', '1,200', 'many', '99999999999999999999'])('leaves %s empty with a warning', (value) => {
    expect(parseInteger(value)).toEqual({
      value: null,
      warning: `"${value}" is not a whole number; left empty`,
    })
  })
})

describe('parseDecimal', () => {
  it.each([
    ['25000000.00', 25000000],
    ['19.99', 19.99],
    [19.99, 19.99],
    ['0.00', 0],
    ['-.5', -0.5],
    ['', null],
    [null, null],
  ])('%j → %j', (value, expected) => {
    expect(parseDecimal(value)).toEqual({ value: expected })
  })

  it('leaves a non-number empty with a warning', () => {
    expect(parseDecimal('$1,000')).toEqual({ value: null, warning: '"$1,000" is not a number; left empty' })
  })
})

describe('parseBoolean', () => {
  it.each([
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    [true, true],
    [false, false],
    ['Yes', true],
    ['No', false],
    ['TRUE', true],
    ['', null],
    [null, null],
  ])('%j → %j', (value, expected) => {
    expect(parseBoolean(value)).toEqual({ value: expected })
  })

  it('leaves anything else empty with a warning', () => {
    expect(parseBoolean('maybe')).toEqual({
      value: null,
      warning: '"maybe" is neither yes nor no; left empty',
    })
    expect(parseBoolean(2)).toEqual({ value: null, warning: '"2" is neither yes nor no; left empty' })
  })
})

describe('unixToIso', () => {
  it('turns unix seconds into ISO 8601 UTC', () => {
    expect(unixToIso(1776725139)).toEqual({ value: '2026-04-20T22:45:39Z' })
    expect(unixToIso('1776725139')).toEqual({ value: '2026-04-20T22:45:39Z' })
    expect(unixToIso(1)).toEqual({ value: '1970-01-01T00:00:01Z' })
  })

  it.each([0, '0', '', null, undefined])('reads %j as no date, without a warning', (value) => {
    expect(unixToIso(value)).toEqual({ value: null })
  })

  it('leaves negative, absurd and non-numeric values empty with a warning', () => {
    expect(unixToIso(-86400)).toEqual({
      value: null,
      warning: '-86400 is before 1970, not a date X2CRM writes; left empty',
    })
    expect(unixToIso(1776725139000)).toEqual({
      value: null,
      warning: '1776725139000 is after the year 9999 (milliseconds instead of seconds?); left empty',
    })
    expect(unixToIso('2025-03-15')).toEqual({
      value: null,
      warning: '"2025-03-15" is not a unix timestamp; left empty',
    })
  })
})

describe('unixToDate', () => {
  // 2025-03-15 00:00 in Berlin (UTC+1) is 2025-03-14T23:00:00Z.
  const berlinMidnight = 1741993200

  it('gives the UTC date by default', () => {
    expect(unixToDate(berlinMidnight)).toEqual({ value: '2025-03-14' })
    expect(unixToDate('1741996800')).toEqual({ value: '2025-03-15' })
  })

  it('gives the date in the saving user’s time zone when told', () => {
    expect(unixToDate(berlinMidnight, 'Europe/Berlin')).toEqual({ value: '2025-03-15' })
  })

  it('reads 0 and empty as no date', () => {
    expect(unixToDate(0)).toEqual({ value: null })
    expect(unixToDate('')).toEqual({ value: null })
  })

  it('passes on the warning of a bad value', () => {
    expect(unixToDate(-1).warning).toMatch(/before 1970/)
  })
})
