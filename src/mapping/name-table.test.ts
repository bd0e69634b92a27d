import { describe, expect, it } from 'vitest'
import { createNameTable } from './name-table.ts'

describe('createNameTable', () => {
  it('answers the ids of exactly the name asked, never of a name that only starts the same or differs in case', () => {
    const table = createNameTable()
    table.add('Acme', 1)
    table.add('Acme Corp', 2)
    table.add('Ünïcødé GmbH 🚀', 3)
    expect(table.get('Acme')).toEqual([1])
    expect(table.get('Acme Corp')).toEqual([2])
    expect(table.get('acme')).toEqual([])
    expect(table.get('Acme Cor')).toEqual([])
    expect(table.get('Ünïcødé GmbH 🚀')).toEqual([3])
    expect(table.size).toBe(3)
  })

  it('keeps every id of a name several records bear, each once, in the order noted', () => {
    const table = createNameTable()
    table.add('Globex', 7)
    table.add('Globex', 7)
    table.add('Globex', 9)
    table.add('Globex', 4)
    table.add('Globex', 9)
    expect(table.get('Globex')).toEqual([7, 9, 4])
    expect(table.size).toBe(1)
  })

  it('finds every name after growing far past its first slots and buffer', () => {
    const table = createNameTable(16)
    const name = (i: number) => `Company ${i} ${'x'.repeat(i % 50)}`
    for (let i = 1; i <= 60_000; i++) table.add(name(i), i)
    table.add(name(123), 999_999)
    expect(table.size).toBe(60_000)
    for (let i = 1; i <= 60_000; i += 613)
      expect(table.get(name(i))).toEqual(i === 123 ? [123, 999_999] : [i])
    expect(table.get(name(123))).toEqual([123, 999_999])
    expect(table.get(name(60_001))).toEqual([])
  })
})
