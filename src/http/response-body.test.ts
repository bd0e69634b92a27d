import { describe, expect, it } from 'vitest'
import { readBody, redactErrorBody } from './response-body.ts'

describe('readBody', () => {
  it('parses JSON, keeps other text, and gives undefined for an empty body', async () => {
    expect(await readBody(new Response('{"a":1}'))).toEqual({ a: 1 })
    expect(await readBody(new Response('63'))).toBe(63)
    expect(await readBody(new Response('<html>'))).toBe('<html>')
    expect(await readBody(new Response(null, { status: 204 }))).toBeUndefined()
  })
})

describe('redactErrorBody', () => {
  it('drops secret members and scrubs secrets from every string', () => {
    const body = {
      reqHeaders: { Authorization: 'Basic abc' },
      message: 'key s3cret rejected',
      nested: [{ note: 'Basic YWRtaW46czNjcmV0' }],
    }
    expect(redactErrorBody(body, ['s3cret', 'YWRtaW46czNjcmV0'])).toEqual({
      reqHeaders: '[redacted]',
      message: 'key [redacted] rejected',
      nested: [{ note: 'Basic [redacted]' }],
    })
  })

  it('cuts long text', () => {
    const text = redactErrorBody('x'.repeat(2000), [])
    expect(typeof text === 'string' && text.length).toBe(501)
  })
})
