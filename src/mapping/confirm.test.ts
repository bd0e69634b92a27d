import { describe, expect, it } from 'vitest'
import { checkConfirmed, confirmMapping, hashMapping, parseLock } from './confirm.ts'

const text =
  'version: 1\n# a comment\nentities:\n  Accounts: { table: account, fields: { name: { target: name, transform: text } } }\n'
const when = new Date('2026-11-20T10:00:00Z')

describe('confirm and lock', () => {
  it('locks the content with who and when, and lets an unchanged map through', () => {
    const lock = confirmMapping(text, 'dana@example.com', when)
    expect(lock).toEqual({
      hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown,
      who: 'dana@example.com',
      when: '2026-11-20T10:00:00.000Z',
    })
    expect(checkConfirmed(text, lock)).toEqual({ status: 'ok', lock })
    expect(parseLock(JSON.stringify(lock))).toEqual({ lock })
  })

  it('ignores comments and layout, not values', () => {
    const relaid =
      'version: 1\nentities:\n  Accounts:\n    table: account\n    fields:\n      name: { transform: text, target: name } # ok\n'
    expect(hashMapping(relaid)).toBe(hashMapping(text))
    expect(hashMapping(text.replace('target: name', 'target: accountnumber'))).not.toBe(hashMapping(text))
    // Which existing rows a record may be matched to is part of what is confirmed.
    const deduped = text.replace('} } }', '} }, dedupe: { columns: [name] } }')
    expect(hashMapping(deduped)).not.toBe(hashMapping(text))
    expect(hashMapping(deduped.replace('[name]', '[name, websiteurl]'))).not.toBe(hashMapping(deduped))
  })

  it('refuses an unconfirmed map, saying what to do', () => {
    const check = checkConfirmed(text, undefined, 'schema apply')
    expect(check).toEqual({
      status: 'refused',
      message: expect.stringContaining(
        '`x2d365 map confirm`, then run `x2d365 schema apply` again',
      ) as unknown,
    })
  })

  it('refuses a map changed since it was confirmed, naming who confirmed it and when', () => {
    const lock = confirmMapping(text, 'dana@example.com', when)
    const check = checkConfirmed(text.replace('transform: text', 'transform: email'), lock, 'delta')
    expect(check.status).toBe('refused')
    if (check.status === 'refused') {
      expect(check.message).toMatch(
        /^mapping\.yaml changed since dana@example\.com confirmed it on 2026-11-20T10:00:00\.000Z\. .*`x2d365 map confirm` again.*`x2d365 delta` again\.$/,
      )
    }
    expect(checkConfirmed('entities: [', lock).status).toBe('refused')
  })

  it('reports a damaged lock file instead of trusting it', () => {
    expect(parseLock('{')).toEqual({ error: 'is not JSON' })
    expect(parseLock('{"hash":"abc","who":"x","when":"y"}')).toEqual({
      error: expect.stringMatching(/^is not a mapping lock \(hash: /) as unknown,
    })
  })
})
