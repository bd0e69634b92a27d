import { describe, expect, it } from 'vitest'
import { checkLengths, type TableColumns } from './check-lengths.ts'

const contact: TableColumns = {
  columns: [
    { name: 'firstname', type: 'String', maxLength: 50 },
    { name: 'description', type: 'Memo', maxLength: 2000 },
    { name: 'numberofchildren', type: 'Integer' },
  ],
}

describe('checkLengths', () => {
  it('names each value longer than its column allows', () => {
    expect(checkLengths({ firstname: 'L'.repeat(312), description: 'ok' }, contact)).toEqual([
      'firstname: 312 characters, Dataverse allows 50',
    ])
  })

  it('accepts values at the limit, nulls, numbers and unknown keys', () => {
    expect(
      checkLengths(
        {
          firstname: 'L'.repeat(50),
          description: null,
          numberofchildren: 123456,
          'ownerid@odata.bind': 'x'.repeat(99),
        },
        contact,
      ),
    ).toEqual([])
  })

  it('counts UTF-16 code units, as Dataverse does', () => {
    expect(checkLengths({ firstname: '😀'.repeat(26) }, contact)).toEqual([
      'firstname: 52 characters, Dataverse allows 50',
    ])
  })
})
