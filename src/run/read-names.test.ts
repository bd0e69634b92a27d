import { describe, expect, it } from 'vitest'
import type { SourceFix } from '../ledger/fix-store.ts'
import { accountsContactsMapping } from '../mapping/default-map.ts'
import { linkByNameTargets } from '../mapping/name-index.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { readNames } from './read-names.ts'

const fix = (entity: string, id: number, value: string): SourceFix => ({
  entity,
  id,
  field: 'name',
  value,
  original: null,
  fixedAt: '2026-01-01T00:00:00Z',
  fixedBy: 'test',
})

describe('readNames', () => {
  const mapping = accountsContactsMapping()
  const targets = linkByNameTargets(mapping)
  const read: string[] = []
  const source = {
    async *records(entity: string): AsyncGenerator<X2crmRecord> {
      read.push(entity)
      yield { id: 1, name: `Whole ${entity}` }
    },
  }

  it('reads whole records without a finder', async () => {
    read.length = 0
    const names = await readNames(source, mapping)
    expect(read).toEqual(targets)
    for (const entity of targets) expect(names.lookup(entity, `Whole ${entity}`)).toEqual([1])
  })

  it('takes ids and names from the finder for the classes it covers, with fixed names on top', async () => {
    read.length = 0
    const [covered, ...others] = targets
    expect(covered).toBeDefined()
    const finder = {
      covers: (entity: string) => entity === covered,
      async *names(entity: string) {
        yield { id: 7, name: `Acme ${entity}` }
        yield { id: 8, name: 'Misspelt' }
        yield { id: 9, name: `Acme ${entity}` }
      },
    }
    const fixes = [fix(covered ?? '', 8, 'Old fix'), fix(covered ?? '', 8, 'Spelt'), fix('Other', 7, 'No')]
    const names = await readNames(source, mapping, { finder, fixes })
    // No record of the covered class was read whole; the others still are.
    expect(read).toEqual(others)
    expect(names.lookup(covered ?? '', `Acme ${covered}`)).toEqual([7, 9])
    expect(names.lookup(covered ?? '', 'Spelt')).toEqual([8])
    expect(names.lookup(covered ?? '', 'Misspelt')).toEqual([])
  })
})
