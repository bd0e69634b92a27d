import { describe, expect, it } from 'vitest'
import { candidatePaths } from './locate.ts'

describe('candidatePaths', () => {
  it('tries the current layout first, then the older flat one', () => {
    const paths = candidatePaths('admin', 'proposal_acme.pdf')
    expect(paths?.[0]).toBe('protected/media/admin/proposal_acme.pdf')
    expect(paths).toContain('protected/proposal_acme.pdf')
    expect(paths?.indexOf('protected/proposal_acme.pdf')).toBeGreaterThan(
      paths?.indexOf('admin/proposal_acme.pdf') ?? 99,
    )
  })

  it('tries a non-ASCII name composed and decomposed', () => {
    const paths = candidatePaths('admin', 'business_card_müller.txt') ?? []
    expect(paths).toContain('protected/media/admin/business_card_müller.txt'.normalize('NFD'))
    expect(paths).toContain('protected/media/admin/business_card_müller.txt'.normalize('NFC'))
  })

  it('refuses names that would leave the folder', () => {
    expect(candidatePaths('admin', '../../etc/passwd')).toBeUndefined()
    expect(candidatePaths('..', 'x.pdf')).toBeUndefined()
    expect(candidatePaths('admin', 'a\\b')).toBeUndefined()
  })
})
