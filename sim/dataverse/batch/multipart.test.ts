import { describe, expect, it } from 'vitest'
import { boundaryOf, buildBatchResponse, parseBatch } from './multipart.ts'

// Batch body format: webapi.md §3.1–§3.3 and
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
const body = [
  '--batch_AAA',
  'Content-Type: multipart/mixed; boundary="changeset_BBB"',
  '',
  '--changeset_BBB',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 1',
  '',
  'POST /api/data/v9.2/leads HTTP/1.1',
  'Content-Type: application/json',
  '',
  '{"firstname":"first","lastname":"last"}',
  '--changeset_BBB',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 2',
  '',
  'POST /api/data/v9.2/accounts HTTP/1.1',
  'Content-Type: application/json',
  '',
  '{"name":"IcM Account","originatingleadid@odata.bind":"$1"}',
  '--changeset_BBB--',
  '--batch_AAA',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  'GET /api/data/v9.2/accounts?$select=name HTTP/1.1',
  'Accept: application/json',
  '',
  '',
  '--batch_AAA--',
  '',
]

describe('parseBatch', () => {
  it.each([
    ['CRLF', '\r\n'],
    ['LF', '\n'],
  ])('reads change sets and requests with %s line ends', (_, eol) => {
    const items = parseBatch(body.join(eol), 'batch_AAA')
    expect(items).toHaveLength(2)
    const [changeset, get] = items
    expect(changeset?.type).toBe('changeset')
    if (changeset?.type !== 'changeset' || get?.type !== 'request') throw new Error('unexpected shape')
    expect(changeset.parts.map((p) => [p.method, p.url, p.contentId, p.body])).toEqual([
      ['POST', '/api/data/v9.2/leads', '1', '{"firstname":"first","lastname":"last"}'],
      ['POST', '/api/data/v9.2/accounts', '2', '{"name":"IcM Account","originatingleadid@odata.bind":"$1"}'],
    ])
    expect(changeset.parts[0]?.headers.get('content-type')).toBe('application/json')
    expect([get.part.method, get.part.url, get.part.body]).toEqual([
      'GET',
      '/api/data/v9.2/accounts?$select=name',
      '',
    ])
  })

  it('rejects a body without the closing boundary', () => {
    expect(() => parseBatch('--b\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n', 'b')).toThrow(
      "The multipart body has no closing boundary '--b--'.",
    )
  })

  it('reads quoted and unquoted boundaries', () => {
    expect(boundaryOf('multipart/mixed; boundary="batch_1"')).toBe('batch_1')
    expect(boundaryOf('multipart/mixed;boundary=batch_2')).toBe('batch_2')
    expect(boundaryOf('application/json')).toBeUndefined()
  })
})

describe('buildBatchResponse', () => {
  it('frames parts with new batchresponse_/changesetresponse_ boundaries, as documented', () => {
    const { boundary, body: text } = buildBatchResponse([
      {
        type: 'changeset',
        parts: [
          {
            status: 204,
            headers: new Headers({
              'odata-version': '4.0',
              'odata-entityid': 'https://x/api/data/v9.2/tasks(1)',
            }),
            body: '',
            contentId: '1',
          },
        ],
      },
      {
        type: 'request',
        part: { status: 200, headers: new Headers({ 'odata-version': '4.0' }), body: '{"value":[]}' },
      },
    ])
    expect(boundary).toMatch(/^batchresponse_[0-9a-f-]{36}$/)
    const changeset = /boundary=(changesetresponse_[0-9a-f-]{36})/.exec(text)?.[1]
    expect(changeset).toBeDefined()
    expect(text).toBe(
      [
        `--${boundary}`,
        `Content-Type: multipart/mixed; boundary=${changeset}`,
        '',
        `--${changeset}`,
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 1',
        '',
        'HTTP/1.1 204 No Content',
        'OData-EntityId: https://x/api/data/v9.2/tasks(1)',
        'OData-Version: 4.0',
        '',
        '',
        `--${changeset}--`,
        `--${boundary}`,
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        'HTTP/1.1 200 OK',
        'OData-Version: 4.0',
        '',
        '{"value":[]}',
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    )
  })
})
