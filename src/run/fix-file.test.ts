import { describe, expect, it } from 'vitest'
import { readFixFile } from './fix-file.ts'

describe('readFixFile', () => {
  const header = 'x2crm_class,x2crm_id,source_key,field,fixed_value\r\n'

  it('names every bad line and what to do, and keeps the good ones', () => {
    const text =
      header +
      'Contacts,5,Contacts:5,lastName,Smith\r\n' +
      'Contacts,5,Contacts:5,lastName,\r\n' +
      'Contacts,abc,,lastName,X\r\n' +
      ',,,lastName,X\r\n' +
      'Contacts,6,Contacts:7,lastName,X\r\n' +
      'Contacts,8,Contacts:8,,X\r\n' +
      ',,,,\r\n' +
      'Contacts,5,Contacts:5,lastName,Smith\r\n'
    const read = readFixFile(text)
    expect(read.lines).toEqual([{ line: 2, entity: 'Contacts', id: 5, field: 'lastName', value: 'Smith' }])
    expect(read.problems.map((p) => p.line)).toEqual([3, 4, 5, 5, 6, 7])
    expect(read.problems[0]?.message).toMatch(
      /fixed_value is empty; write the corrected value, or delete the line/,
    )
    expect(read.problems[1]?.message).toMatch(/x2crm_id "abc" is not an X2CRM record id/)
    expect(read.problems[2]?.message).toMatch(/x2crm_class is empty/)
    expect(read.problems[4]?.message).toMatch(
      /source_key Contacts:7 is not x2crm_class Contacts with x2crm_id 6/,
    )
    expect(read.problems[5]?.message).toMatch(/field is empty/)
  })

  it('takes the class and id from source_key when their own columns are gone', () => {
    const read = readFixFile('source_key,field,fixed_value\nAccounts:9,name,Acme\n')
    expect(read).toEqual({
      lines: [{ line: 2, entity: 'Accounts', id: 9, field: 'name', value: 'Acme' }],
      problems: [],
    })
  })

  it('refuses two different values for one field of one record, keeping neither', () => {
    const read = readFixFile(`${header}Contacts,5,,lastName,Smith\r\nContacts,5,,lastName,Smyth\r\n`)
    expect(read.lines).toEqual([])
    expect(read.problems).toEqual([
      { line: 3, message: expect.stringMatching(/Contacts:5 lastName is fixed on line 2 too/) as string },
    ])
  })

  it('refuses a file without the columns it needs, or with a quote never closed', () => {
    expect(readFixFile('phase,source_key,reason\r\nAccounts,Accounts:1,x\r\n').problems).toEqual([
      { line: 1, message: expect.stringMatching(/the header has no field, fixed_value columns/) as string },
    ])
    expect(readFixFile('').problems[0]?.message).toMatch(/the file is empty/)
    const unclosed = readFixFile(`${header}Contacts,5,,lastName,Smith\r\nContacts,6,,lastName,"Oops\r\n`)
    expect(unclosed.lines).toHaveLength(1)
    expect(unclosed.problems).toEqual([{ line: 3, message: expect.stringMatching(/never closed/) as string }])
  })
})
