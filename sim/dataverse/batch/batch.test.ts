import { describe, expect, it } from 'vitest'
import { connect, errorOf, type TestApi } from '../test-helpers.ts'
import { boundaryOf, splitMultipart } from './multipart.ts'

// $batch: webapi.md §3 and
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api

interface Op {
  method: string
  url: string
  body?: unknown
  contentId?: string
  headers?: Record<string, string>
}

function httpPart(op: Op): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
  if (op.contentId !== undefined) lines.push(`Content-ID: ${op.contentId}`)
  lines.push('', `${op.method} ${op.url} HTTP/1.1`)
  for (const [name, value] of Object.entries(op.headers ?? {})) lines.push(`${name}: ${value}`)
  if (op.body !== undefined) lines.push('Content-Type: application/json; type=entry')
  lines.push('', op.body === undefined ? '' : JSON.stringify(op.body))
  return lines.join('\r\n')
}

/** Builds a batch body: an array is a change set, an object a top-level request. */
function batchBody(items: (Op | Op[])[]): string {
  const chunks = items.map((item, i) => {
    if (!Array.isArray(item)) return `--batch_T\r\n${httpPart(item)}`
    const cs = `changeset_${i}`
    return `--batch_T\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n${item.map((op) => `--${cs}\r\n${httpPart(op)}`).join('\r\n')}\r\n--${cs}--`
  })
  return `${chunks.join('\r\n')}\r\n--batch_T--\r\n`
}

interface Answer {
  status: number
  contentId?: string
  headers: Record<string, string>
  body: string
}

/** Parses a batch response into its answers; change-set answers are flattened with `changeset: n`. */
function readAnswers(contentType: string, text: string): (Answer & { changeset?: number })[] {
  const boundary = boundaryOf(contentType)
  if (!boundary) throw new Error(`not multipart: ${contentType}`)
  const answers: (Answer & { changeset?: number })[] = []
  splitMultipart(text, boundary).forEach((lines, index) => {
    const inner = /boundary=(\S+)/.exec(lines[0] ?? '')?.[1]
    const parts = inner ? splitMultipart(lines.slice(2).join('\r\n'), inner) : [lines]
    for (const part of parts) {
      const blank = part.indexOf('')
      const mime = part.slice(0, blank)
      const rest = part.slice(blank + 1)
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(rest[0] ?? '')?.[1])
      const headerEnd = rest.indexOf('', 1)
      const headers = Object.fromEntries(
        rest
          .slice(1, headerEnd)
          .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      )
      const contentId = mime
        .find((l) => l.startsWith('Content-ID:'))
        ?.slice(11)
        .trim()
      answers.push({
        status,
        headers,
        body: rest
          .slice(headerEnd + 1)
          .join('\n')
          .trim(),
        ...(contentId ? { contentId } : {}),
        ...(inner ? { changeset: index } : {}),
      })
    }
  })
  return answers
}

async function postBatch(api: TestApi, items: (Op | Op[])[], prefer?: string) {
  const response = await api.sim.handle(
    new Request(`${api.sim.settings().apiUrl}$batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.token}`,
        'content-type': 'multipart/mixed; boundary="batch_T"',
        'odata-version': '4.0',
        ...(prefer ? { prefer } : {}),
      },
      body: batchBody(items),
    }),
  )
  const text = await response.text()
  const contentType = response.headers.get('content-type') ?? ''
  return {
    status: response.status,
    headers: response.headers,
    text,
    answers: contentType.startsWith('multipart/mixed') ? readAnswers(contentType, text) : [],
  }
}

interface ErrorBody {
  error: { code: string; message: string }
}

const a = 'a0000000-0000-4000-8000-000000000001'
const missing = '0badf00d-0000-4000-8000-000000000001'

describe('$batch', () => {
  it('runs top-level requests in order and answers each in its own application/http part', async () => {
    const api = await connect()
    const result = await postBatch(api, [
      { method: 'POST', url: '/api/data/v9.2/accounts', body: { name: 'One' } },
      { method: 'PATCH', url: `accounts(${a})`, body: { name: 'Two' } },
      { method: 'GET', url: `${api.sim.settings().apiUrl}accounts?$select=name&$orderby=name` },
    ])
    expect(result.status).toBe(200)
    expect(result.headers.get('content-type')).toMatch(
      /^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/,
    )
    expect(result.text).toContain(
      'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\n',
    )
    expect(result.answers.map((x) => x.status)).toEqual([204, 204, 200])
    // Creates inside a batch return Location and OData-EntityId (webapi.md §3.3).
    expect(result.answers[0]?.headers.location).toMatch(/\/api\/data\/v9\.2\/accounts\([0-9a-f-]{36}\)$/)
    expect(result.answers[0]?.headers['odata-entityid']).toBe(result.answers[0]?.headers.location)
    const page = JSON.parse(result.answers[2]?.body ?? '{}') as { value: { name: string }[] }
    expect(page.value.map((r) => r.name)).toEqual(['One', 'Two'])
    // The batch is one request for service protection (webapi.md §4.2, §5.1).
    expect(api.sim.stats().requests).toBe(1)
    expect(api.sim.stats().byOperation).toMatchObject({ Create: 1, Upsert: 1, RetrieveMultiple: 1 })
  })

  it('stops at the first failure without odata.continue-on-error and answers 400 with the parts so far', async () => {
    const api = await connect()
    const result = await postBatch(api, [
      { method: 'POST', url: 'accounts', body: { name: 'ok' } },
      { method: 'POST', url: 'accounts', body: { name: 'x'.repeat(161) } },
      { method: 'POST', url: 'accounts', body: { name: 'never' } },
    ])
    expect(result.status).toBe(400)
    expect(result.answers.map((x) => x.status)).toEqual([204, 400])
    expect(JSON.parse(result.answers[1]?.body ?? '{}')).toEqual({
      error: {
        code: '0x80044331',
        message:
          "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'.",
      },
    })
    expect(result.answers[1]?.headers.req_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(api.sim.rows('account').map((r) => r.name)).toEqual(['ok'])
  })

  it('with Prefer: odata.continue-on-error runs every part and answers 200', async () => {
    const api = await connect()
    const result = await postBatch(
      api,
      [
        { method: 'POST', url: 'accounts', body: { name: 'ok' } },
        { method: 'POST', url: 'accounts', body: { nope: 1 } },
        { method: 'POST', url: 'accounts', body: { name: 'after' } },
      ],
      'odata.continue-on-error',
    )
    expect(result.status).toBe(200)
    expect(result.answers.map((x) => x.status)).toEqual([204, 400, 204])
    expect((JSON.parse(result.answers[1]?.body ?? '{}') as ErrorBody).error.code).toBe('0x80048d19')
    expect(api.sim.rows('account').map((r) => r.name)).toEqual(['ok', 'after'])
  })

  it('runs a change set as one transaction: a failure rolls it back and only the failing part answers', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${a})`, { name: 'keep' })
    const result = await postBatch(
      api,
      [
        [
          { method: 'PATCH', url: `accounts(${a})`, body: { name: 'changed' }, contentId: '1' },
          { method: 'POST', url: 'accounts', body: { name: 'new' }, contentId: '2' },
          {
            method: 'POST',
            url: 'contacts',
            body: { lastname: 'x', 'parentcustomerid_account@odata.bind': `/accounts(${missing})` },
            contentId: '3',
          },
        ],
        [{ method: 'POST', url: 'accounts', body: { name: 'second set' }, contentId: '4' }],
      ],
      'odata.continue-on-error',
    )
    expect(result.status).toBe(200)
    expect(result.answers.map((x) => [x.changeset, x.contentId, x.status])).toEqual([
      [0, '3', 404],
      [1, '4', 204],
    ])
    expect((JSON.parse(result.answers[0]?.body ?? '{}') as ErrorBody).error).toEqual({
      code: '0x80040217',
      message: `account With Id = ${missing} Does Not Exist`,
    })
    expect(api.sim.rows('account').map((r) => r.name)).toEqual(['keep', 'second set'])
    expect(api.sim.rows('contact')).toEqual([])
  })

  it('resolves Content-ID references in URLs and @odata.bind values within the change set', async () => {
    const api = await connect()
    const result = await postBatch(api, [
      [
        {
          method: 'POST',
          url: '/api/data/v9.2/leads',
          body: { firstname: 'first', lastname: 'last' },
          contentId: '1',
        },
        {
          method: 'POST',
          url: 'accounts',
          body: { name: 'IcM', 'originatingleadid@odata.bind': '$1' },
          contentId: '2',
        },
        { method: 'PATCH', url: '$2', body: { telephone1: '555' }, contentId: '3' },
      ],
    ])
    expect(result.status).toBe(200)
    expect(result.answers.map((x) => [x.contentId, x.status])).toEqual([
      ['1', 204],
      ['2', 204],
      ['3', 204],
    ])
    const lead = api.sim.rows('lead')[0]
    expect(api.sim.rows('account')[0]).toMatchObject({
      name: 'IcM',
      telephone1: '555',
      _originatingleadid_value: lead?.leadid,
    })
  })

  it('rejects a reference to a Content-ID not declared before it', async () => {
    const api = await connect()
    const result = await postBatch(api, [
      [
        {
          method: 'POST',
          url: 'accounts',
          body: { name: 'x', 'parentaccountid@odata.bind': '$9' },
          contentId: '1',
        },
      ],
    ])
    expect(result.status).toBe(400)
    expect((JSON.parse(result.answers[0]?.body ?? '{}') as ErrorBody).error).toEqual({
      code: '0x80060888',
      message: "Content-ID Reference: '$9' does not exist in the batch context.",
    })
  })

  it('refuses more than 1000 requests with the documented message, before running any', async () => {
    const api = await connect()
    const ops = Array.from({ length: 1001 }, (): Op => ({
      method: 'POST',
      url: 'accounts',
      body: { name: 'x' },
    }))
    const response = await api.sim.handle(
      new Request(`${api.sim.settings().apiUrl}$batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${api.token}`,
          'content-type': 'multipart/mixed; boundary=batch_T',
        },
        body: batchBody(ops),
      }),
    )
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: unknown }).error).toEqual({
      code: '0x80060888',
      message:
        "The current batch message contains too many parts. Only batch messages with a maximum number of '1000' query operations, including changeset operations, are allowed.",
    })
    expect(api.sim.rows('account')).toEqual([])
    expect((await postBatch(api, ops.slice(0, 1000))).status).toBe(200)
    expect(api.sim.rows('account')).toHaveLength(1000)
  })

  it('requires Content-ID on change-set parts and refuses GET inside a change set', async () => {
    const api = await connect()
    const noId = await postBatch(api, [[{ method: 'POST', url: 'accounts', body: { name: 'x' } }]])
    expect(noId.status).toBe(400)
    expect((JSON.parse(noId.text) as ErrorBody).error.message).toBe('Content-ID header not present')
    const get = await postBatch(api, [[{ method: 'GET', url: 'accounts', contentId: '1' }]])
    expect(get.status).toBe(400)
    expect((JSON.parse(get.text) as ErrorBody).error.message).toBe(
      'GET requests are not allowed inside a change set.',
    )
  })

  it('sums the parts execution time against the execution-time limit', async () => {
    const api = await connect({ costModel: {} })
    await postBatch(
      api,
      Array.from({ length: 100 }, (): Op => ({ method: 'POST', url: 'accounts', body: { name: 'x' } })),
    )
    expect(api.sim.executionMs()).toBe(100 * 40)
    const status = await api.call('GET', 'WhoAmI')
    expect(Number(status.headers.get('x-ms-ratelimit-time-remaining-xrm-requests'))).toBeCloseTo(
      1200 - 4.02,
      2,
    )
  })

  it('needs a multipart/mixed Content-Type with a boundary', async () => {
    const api = await connect()
    const result = await api.call('POST', '$batch', {})
    expect(result.status).toBe(400)
    expect(errorOf(result).message).toBe(
      "The batch request must have a 'Content-Type' header of 'multipart/mixed' with a boundary parameter.",
    )
  })
})
