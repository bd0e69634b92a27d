import { describe, expect, it } from 'vitest'
import { csvField, csvRow, parseCsv } from './csv.ts'

const fieldsOf = (text: string) => parseCsv(text).rows.map((r) => r.fields)

describe('csvField and csvRow', () => {
  it('quotes only fields holding a quote, a comma or a line break, doubling the quotes', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('')).toBe('')
    expect(csvRow(['a', 'b,c', ''])).toBe('a,"b,c",\r\n')
  })
})

describe('parseCsv', () => {
  it('reads what csvRow writes, whatever the fields hold', () => {
    const values = ['x', '', 'a,b', 'say "hi"', 'line one\r\nline two', '"', ' spaced ', 'Zoë ????']
    const text = csvRow(['h1', 'h2']) + csvRow(values) + csvRow(['', ''])
    expect(fieldsOf(text)).toEqual([['h1', 'h2'], values, ['', '']])
  })

  it('numbers each row by the line it starts on, counting line breaks inside quoted fields', () => {
    const text = 'a,b\r\n"one\ntwo\nthree",x\r\n\r\nlast,y\r\n'
    expect(parseCsv(text).rows.map((r) => r.line)).toEqual([1, 2, 6])
  })

  it('takes LF and CR line ends, no final line end, and leaves blank lines out', () => {
    expect(fieldsOf('a,b\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    expect(fieldsOf('a,b\r\r\nc,d\r')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    expect(parseCsv('a\n\n\nb').rows).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ])
  })

  it('takes what a spreadsheet saves: a byte order mark, and ; as the delimiter when the header has no comma', () => {
    expect(fieldsOf('\uFEFFphase;source_key\r\nAccounts;"Accounts:1"\r\n')).toEqual([
      ['phase', 'source_key'],
      ['Accounts', 'Accounts:1'],
    ])
    expect(fieldsOf('a,b;c\r\n1,2;3')).toEqual([
      ['a', 'b;c'],
      ['1', '2;3'],
    ])
  })

  it('reports a quote that is never closed, with the line it opened on', () => {
    const parsed = parseCsv('a,b\r\nok,1\r\n"never closed,2\r\nmore,3\r\n')
    expect(parsed.unclosedQuoteAt).toBe(3)
    expect(parsed.rows[1]).toEqual({ line: 2, fields: ['ok', '1'] })
  })
})
