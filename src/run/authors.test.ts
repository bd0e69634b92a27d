import { describe, expect, it } from 'vitest'
import type { TransformResult } from '../mapping/types.ts'
import { authorOf, authorsOfBatch } from './authors.ts'

const ok = (n: number): TransformResult => ({
  status: 'ok',
  sourceKey: `Quote:${n}`,
  targetId: `t${n}`,
  values: {},
  links: [],
  warnings: [],
})

describe('authors', () => {
  it('reads createdBy, else uploadedBy', () => {
    expect(authorOf({ createdBy: ' ann ', uploadedBy: 'bob' })).toBe('ann')
    expect(authorOf({ uploadedBy: 'bob' })).toBe('bob')
    expect(authorOf({ createdBy: '' })).toBeUndefined()
  })

  it('creates as the author who has a Dataverse user; warns for one who has none; leaves records without one', () => {
    const context = { authorObjectIdFor: (u: string) => (u === 'ann' ? 'oid-ann' : undefined) }
    const records = [{ createdBy: 'ann' }, { createdBy: 'bob' }, {}]
    const { transformed, authorOf: of } = authorsOfBatch(records, [ok(1), ok(2), ok(3)], context)
    expect(of('Quote:1')).toBe('oid-ann')
    expect(of('Quote:2')).toBeUndefined()
    expect(transformed[1]?.status === 'ok' && transformed[1].warnings).toEqual([
      'createdBy: X2CRM user "bob" has no enabled Dataverse user with an Entra ID to create it as; created by the application user (createdby), owned by the owner rule',
    ])
    expect(transformed[2]).toEqual(ok(3))
  })

  it('does nothing when impersonation is off (no lookup in the context)', () => {
    const { transformed, authorOf: of } = authorsOfBatch([{ createdBy: 'ann' }], [ok(1)], {})
    expect(transformed).toEqual([ok(1)])
    expect(of('Quote:1')).toBeUndefined()
  })
})
