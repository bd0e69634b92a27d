import { describe, expect, it } from 'vitest'
import { createNameIndex } from './name-index.ts'

describe('createNameIndex', () => {
  it('answers with the ids of the exact name, once the class was read whole', () => {
    const index = createNameIndex(['Accounts'])
    index.add('Accounts', 1, 'Acme Corp')
    index.add('Accounts', 2, 'Globex')
    index.add('Accounts', 3, 'Globex')
    index.add('Accounts', 3, 'Globex')
    index.add('Contacts', 9, 'Acme Corp')
    expect(index.lookup('Accounts', 'Acme Corp')).toBeUndefined()
    index.complete('Accounts')
    expect(index.lookup('Accounts', 'Acme Corp')).toEqual([1])
    expect(index.lookup('Accounts', 'Globex')).toEqual([2, 3])
    expect(index.lookup('Accounts', 'acme corp')).toEqual([])
    expect(index.lookup('Accounts', 'Initech')).toEqual([])
    index.complete('Contacts')
    expect(index.lookup('Contacts', 'Acme Corp')).toBeUndefined()
  })
})
