import { describe, expect, it } from 'vitest'
import { HttpError, InternalError, MigrationError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { createDataverseClient, type DataverseClientOptions } from './client.ts'
import type { TableRef } from './types.ts'

const ORG = 'https://contoso.crm.dynamics.test'
const API = `${ORG}/api/data/v9.2/`
const account: TableRef = { logicalName: 'account', entitySet: 'accounts', primaryId: 'accountid' }
const ID1 = '00000000-0000-0000-0000-000000000001'
const ID2 = '00000000-0000-0000-0000-000000000002'

interface Sent {
  method: string
  url: string
  headers: Headers
  body: unknown
}

/** A fake Dataverse answering from `handler`, recording what it was sent. */
function fakeDataverse(handler: (sent: Sent, index: number) => Response) {
  const sent: Sent[] = []
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init)
    const text = await request.text()
    const entry = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    }
    sent.push(entry)
    return handler(entry, sent.length - 1)
  }
  return { fetch, sent }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
const noContent = () => new Response(null, { status: 204 })
const dataverseError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  json(status, { error: { code, message } }, headers)

function client(fetch: Fetch, extra: Partial<DataverseClientOptions> = {}) {
  const waits: number[] = []
  const tokenRequests: (boolean | undefined)[] = []
  let issued = 0
  const target = createDataverseClient({
    url: ORG,
    fetch,
    getToken: async (options) => {
      tokenRequests.push(options?.forceRefresh)
      return options?.forceRefresh ? `token-${++issued}` : 'token-0'
    },
    sleep: async (ms) => void waits.push(ms),
    ...extra,
  })
  return { target, waits, tokenRequests }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected a rejection')
  return error
}

describe('createDataverseClient', () => {
  it('posts UpsertMultiple with @odata.type and the primary id on each target', async () => {
    const { fetch, sent } = fakeDataverse(() => json(200, { Ids: [ID1, ID2] }))
    await client(fetch).target.upsertMultiple(account, [
      { targetId: ID1, values: { name: 'Acme', 'primarycontactid@odata.bind': `/contacts(${ID2})` } },
      { targetId: ID2, values: { name: 'Globex' } },
    ])
    expect(sent).toHaveLength(1)
    expect(sent[0]?.method).toBe('POST')
    expect(sent[0]?.url).toBe(`${API}accounts/Microsoft.Dynamics.CRM.UpsertMultiple`)
    expect(sent[0]?.body).toEqual({
      Targets: [
        {
          '@odata.type': 'Microsoft.Dynamics.CRM.account',
          accountid: ID1,
          name: 'Acme',
          'primarycontactid@odata.bind': `/contacts(${ID2})`,
        },
        { '@odata.type': 'Microsoft.Dynamics.CRM.account', accountid: ID2, name: 'Globex' },
      ],
    })
  })

  it('sends the OData headers; Content-Type only with a body, If-None-Match: null only on GETs', async () => {
    const { fetch, sent } = fakeDataverse((request) =>
      request.method === 'GET' ? json(200, { value: [] }) : noContent(),
    )
    const { target } = client(fetch)
    await target.upsert(account, { targetId: ID1, values: { name: 'Acme' } })
    await collect(target.query('accounts'))
    const [patch, get] = sent
    for (const request of [patch, get]) {
      expect(request?.headers.get('Accept')).toBe('application/json')
      expect(request?.headers.get('OData-MaxVersion')).toBe('4.0')
      expect(request?.headers.get('OData-Version')).toBe('4.0')
      expect(request?.headers.get('Authorization')).toBe('Bearer token-0')
    }
    expect(patch?.method).toBe('PATCH')
    expect(patch?.url).toBe(`${API}accounts(${ID1})`)
    expect(patch?.body).toEqual({ name: 'Acme' })
    expect(patch?.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(patch?.headers.has('If-None-Match')).toBe(false)
    expect(patch?.headers.has('If-Match')).toBe(false)
    expect(get?.headers.has('Content-Type')).toBe(false)
    expect(get?.headers.get('If-None-Match')).toBe('null')
    expect(get?.headers.get('Prefer')).toBe('odata.maxpagesize=5000')
  })

  it('accepts the URL with a trailing slash or the API path', async () => {
    for (const url of [`${ORG}/`, `${ORG}/api/data/v9.2`, `${ORG}/api/data/v9.2/`]) {
      const { fetch, sent } = fakeDataverse(() => noContent())
      await client(fetch, { url }).target.upsert(account, { targetId: ID1, values: {} })
      expect(sent[0]?.url).toBe(`${API}accounts(${ID1})`)
    }
  })

  it('refuses ids that are not GUIDs and odd entity set names', async () => {
    const { fetch, sent } = fakeDataverse(() => noContent())
    const { target } = client(fetch)
    expect(await failure(target.upsert(account, { targetId: "x') or (1", values: {} }))).toBeInstanceOf(
      InternalError,
    )
    expect(await failure(collect(target.query('accounts?$top=1')))).toBeInstanceOf(InternalError)
    expect(sent).toHaveLength(0)
  })

  it('follows @odata.nextLink and builds the query', async () => {
    const next = `${API}accounts?$select=accountid,name&$skiptoken=abc`
    const { fetch, sent } = fakeDataverse((_, index) =>
      index === 0
        ? json(200, { value: [{ accountid: ID1 }], '@odata.nextLink': next })
        : json(200, { value: [{ accountid: ID2 }] }),
    )
    const rows = await collect(
      client(fetch).target.query('accounts', {
        select: ['accountid', 'name'],
        filter: "name eq 'O''Brien & Co'",
        top: 10,
        pageSize: 1,
      }),
    )
    expect(rows).toEqual([{ accountid: ID1 }, { accountid: ID2 }])
    const first = new URL(sent[0]?.url ?? '')
    expect(first.pathname).toBe('/api/data/v9.2/accounts')
    expect(Object.fromEntries(first.searchParams)).toEqual({
      $select: 'accountid,name',
      $filter: "name eq 'O''Brien & Co'",
      $top: '10',
    })
    expect(sent[1]?.url).toBe(next)
    expect(sent.map((s) => s.headers.get('Prefer'))).toEqual(['odata.maxpagesize=1', 'odata.maxpagesize=1'])
  })

  it('does not follow a next link to another host', async () => {
    const { fetch, sent } = fakeDataverse(() =>
      json(200, { value: [], '@odata.nextLink': 'https://evil.test/api/data/v9.2/accounts?$skiptoken=1' }),
    )
    expect(await failure(collect(client(fetch).target.query('accounts')))).toBeInstanceOf(MigrationError)
    expect(sent).toHaveLength(1)
  })

  it('waits Retry-After on 429 and retries 503', async () => {
    const { fetch, sent } = fakeDataverse((_, index) =>
      index === 0
        ? dataverseError(429, '0x80072322', 'Number of requests exceeded the limit of 6000', {
            'Retry-After': '4',
          })
        : index === 1
          ? dataverseError(503, '0x0', 'Service unavailable')
          : noContent(),
    )
    const { target, waits } = client(fetch)
    await target.upsertMultiple(account, [{ targetId: ID1, values: {} }])
    expect(sent).toHaveLength(3)
    expect(waits[0]).toBe(4000)
    expect(waits).toHaveLength(2)
  })

  it('gets a fresh token once on 401', async () => {
    const { fetch, sent } = fakeDataverse((request) =>
      request.headers.get('Authorization') === 'Bearer token-0'
        ? dataverseError(401, '0x80040220', 'expired')
        : noContent(),
    )
    const { target, tokenRequests } = client(fetch)
    await target.upsert(account, { targetId: ID1, values: {} })
    expect(sent.map((s) => s.headers.get('Authorization'))).toEqual(['Bearer token-0', 'Bearer token-1'])
    expect(tokenRequests).toEqual([undefined, true])
  })

  it('stops after one refresh when 401 persists', async () => {
    const { fetch, sent } = fakeDataverse(() => dataverseError(401, '', 'Unauthorized'))
    const error = await failure(client(fetch).target.upsert(account, { targetId: ID1, values: {} }))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(401)
    expect(sent).toHaveLength(2)
  })

  it('throws an HttpError with the status, the Dataverse error body and message', async () => {
    const message =
      "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'."
    const { fetch } = fakeDataverse(() => dataverseError(400, '0x80044331', message))
    const error = await failure(client(fetch).target.upsertMultiple(account, [{ targetId: ID1, values: {} }]))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(400)
    expect((error as HttpError).body).toEqual({ error: { code: '0x80044331', message } })
    expect(error.message).toBe(
      `POST ${API}accounts/Microsoft.Dynamics.CRM.UpsertMultiple failed with status 400: ${message} (0x80044331)`,
    )
    expect(JSON.stringify(error)).not.toContain('token-0')
  })

  it('sends impersonation and bypass headers on writes only, when asked', async () => {
    const { fetch, sent } = fakeDataverse((request) =>
      request.method === 'GET' ? json(200, { value: [] }) : noContent(),
    )
    const { target } = client(fetch, {
      callerObjectId: '7d4a3c5e-0000-4000-8000-000000000001',
      bypassBusinessLogic: 'CustomSync,CustomAsync',
      suppressFlows: true,
    })
    await target.upsert(account, { targetId: ID1, values: {} })
    await target.createMultiple(account, [{ targetId: ID1, values: {} }])
    await collect(target.query('accounts'))
    for (const write of sent.slice(0, 2)) {
      expect(write.headers.get('CallerObjectId')).toBe('7d4a3c5e-0000-4000-8000-000000000001')
      expect(write.headers.get('MSCRM.BypassBusinessLogicExecution')).toBe('CustomSync,CustomAsync')
      expect(write.headers.get('MSCRM.SuppressCallbackRegistrationExpanderJob')).toBe('true')
    }
    expect(sent[1]?.url).toBe(`${API}accounts/Microsoft.Dynamics.CRM.CreateMultiple`)
    expect(sent[2]?.headers.has('CallerObjectId')).toBe(false)
    expect(() => client(fetch, { callerObjectId: 'someone' })).toThrow(/callerObjectId/)
  })

  it('updates only (If-Match: *) and deletes by key, telling a missing row from an unknown entity set', async () => {
    const { fetch, sent } = fakeDataverse((request) => {
      if (request.url.endsWith(`(${ID2})`)) {
        return dataverseError(404, '0x80040217', `account With Id = ${ID2} Does Not Exist`)
      }
      if (request.url.includes('/accountz(')) {
        return dataverseError(404, '0x80060888', "Resource not found for the segment 'accountz'.")
      }
      return noContent()
    })
    const { target } = client(fetch)
    expect(await target.update(account, { targetId: ID1, values: { name: 'Back' } })).toBe('updated')
    expect(await target.update(account, { targetId: ID2, values: {} })).toBe('missing')
    expect(await target.delete(account, ID1)).toBe('deleted')
    expect(await target.delete(account, ID2)).toBe('missing')
    expect(sent[0]?.headers.get('If-Match')).toBe('*')
    expect(sent[0]?.body).toEqual({ name: 'Back' })
    expect(sent[2]?.method).toBe('DELETE')
    const error = await failure(target.delete({ ...account, entitySet: 'accountz' }, ID1))
    expect((error as HttpError).status).toBe(404)
  })

  describe('batch', () => {
    /** Answers a $batch like Dataverse with continue-on-error: one change set response per request. */
    function fakeBatchServer(answer: (method: string, path: string, body: unknown) => Response | 'skip') {
      const received: { headers: Headers; parts: { method: string; path: string; body: unknown }[] }[] = []
      const fetch: Fetch = async (input, init) => {
        const request = new Request(input, init)
        const boundary = /boundary="?([^";]+)"?/.exec(request.headers.get('content-type') ?? '')?.[1] ?? ''
        const text = await request.text()
        const parts = text
          .split(`--${boundary}`)
          .slice(1, -1)
          .map((part) => {
            const line = /^(POST|PATCH|DELETE) (\S+) HTTP\/1\.1$/m.exec(part)
            const json = part.trim().split('\r\n').slice(-2, -1)[0] ?? ''
            return { method: line?.[1] ?? '', path: line?.[2] ?? '', body: JSON.parse(json) as unknown }
          })
        received.push({ headers: request.headers, parts })
        const out: string[] = []
        for (const [index, part] of parts.entries()) {
          const response = answer(part.method, part.path, part.body)
          if (response === 'skip') break
          const body = await response.text()
          out.push(
            '--batchresponse_r',
            'Content-Type: multipart/mixed; boundary=changesetresponse_' + index,
            '',
            '--changesetresponse_' + index,
            'Content-Type: application/http',
            'Content-Transfer-Encoding: binary',
            `Content-ID: ${index + 1}`,
            '',
            `HTTP/1.1 ${response.status} X`,
            'Content-Type: application/json',
            '',
            body,
            `--changesetresponse_${index}--`,
          )
        }
        out.push('--batchresponse_r--', '')
        return new Response(out.join('\r\n'), {
          status: 200,
          headers: { 'Content-Type': 'multipart/mixed; boundary=batchresponse_r' },
        })
      }
      return { fetch, received }
    }

    it('upserts each row in its own change set with continue-on-error, and quarantines the refused one', async () => {
      const message =
        "The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'."
      const { fetch, received } = fakeBatchServer((_method, _path, body) =>
        (body as { name?: string }).name === 'bad' ? dataverseError(400, '0x80044331', message) : noContent(),
      )
      const results = await client(fetch, { suppressFlows: true }).target.batch(account, [
        { targetId: ID1, values: { name: 'ok' } },
        { targetId: ID2, values: { name: 'bad' } },
      ])
      expect(results).toEqual([
        { status: 'loaded', targetId: ID1 },
        { status: 'rejected', targetId: ID2, httpStatus: 400, code: '0x80044331', reason: message },
      ])
      expect(received[0]?.headers.get('Prefer')).toBe('odata.continue-on-error')
      expect(received[0]?.parts).toEqual([
        { method: 'PATCH', path: `/api/data/v9.2/accounts(${ID1})`, body: { name: 'ok' } },
        { method: 'PATCH', path: `/api/data/v9.2/accounts(${ID2})`, body: { name: 'bad' } },
      ])
    })

    it('creates with POST and the primary id, and re-sends what a server that stopped early did not run', async () => {
      let stopped = false
      const { fetch, received } = fakeBatchServer((_method, _path, body) => {
        if ((body as { name?: string }).name === 'bad') return dataverseError(400, '0x80044331', 'too long')
        if (!stopped && received.length === 1 && (body as { name?: string }).name === 'after') {
          stopped = true
          return 'skip'
        }
        return noContent()
      })
      const results = await client(fetch).target.batch(
        account,
        [
          { targetId: ID1, values: { name: 'bad' } },
          { targetId: ID2, values: { name: 'after' } },
        ],
        'create',
      )
      expect(results.map((r) => r.status)).toEqual(['rejected', 'loaded'])
      expect(received).toHaveLength(2)
      expect(received[0]?.parts[0]).toEqual({
        method: 'POST',
        path: '/api/data/v9.2/accounts',
        body: { accountid: ID1, name: 'bad' },
      })
      expect(received[1]?.parts.map((p) => p.path)).toEqual(['/api/data/v9.2/accounts'])
    })

    it('sends actions as requests of their own (no change set, no Content-ID) and reads answers by position', async () => {
      // "These operations are performed sequentially in the order they're specified. The order of the responses match
      // the order of the requests in the batch operation." With continue-on-error a failed request answers in its slot
      // and later ones still run (Execute batch operations using the Web API,
      // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
      const received: string[] = []
      const fetch: Fetch = async (input, init) => {
        const request = new Request(input, init)
        const text = await request.text()
        received.push(text)
        const boundary = /boundary="?([^";]+)"?/.exec(request.headers.get('content-type') ?? '')?.[1] ?? ''
        const parts = text.split(`--${boundary}`).slice(1, -1)
        const out: string[] = []
        for (const part of parts) {
          const refused = part.includes('"Status":4')
          out.push(
            '--batchresponse_r',
            'Content-Type: application/http',
            'Content-Transfer-Encoding: binary',
            '',
            refused ? 'HTTP/1.1 400 Bad Request' : 'HTTP/1.1 204 No Content',
            ...(refused
              ? ['Content-Type: application/json', '', '{"error":{"code":"0x80040203","message":"closed"}}']
              : ['', '']),
          )
        }
        out.push('--batchresponse_r--', '')
        return new Response(out.join('\r\n'), {
          status: 200,
          headers: { 'Content-Type': 'multipart/mixed; boundary=batchresponse_r' },
        })
      }
      const { target } = client(fetch, { bypassBusinessLogic: 'CustomSync' })
      const outcomes = await target.callActions?.([
        { name: 'WinOpportunity', body: { Status: 3 } },
        { name: 'LoseOpportunity', body: { Status: 4 } },
        { name: 'WinOpportunity', body: { Status: 3 } },
      ])
      expect(outcomes).toEqual([
        { status: 'done' },
        { status: 'refused', httpStatus: 400, code: '0x80040203', reason: 'closed' },
        { status: 'done' },
      ])
      expect(received).toHaveLength(1)
      const body = received[0] ?? ''
      expect(body.match(/^POST \/api\/data\/v9\.2\/(Win|Lose)Opportunity HTTP\/1\.1$/gm)).toHaveLength(3)
      expect(body).not.toContain('changeset_')
      expect(body).not.toContain('Content-ID')
      // Write headers go on each request inside the batch, as on a request sent alone.
      expect(body.match(/^MSCRM\.BypassBusinessLogicExecution: CustomSync$/gm)).toHaveLength(3)
      await expect(target.callActions?.([{ name: 'Win/../x', body: {} }])).rejects.toBeInstanceOf(
        MigrationError,
      )
    })

    it('throws on a systemic failure inside the batch', async () => {
      const { fetch } = fakeBatchServer(() => dataverseError(403, '0x80040220', 'missing prvWriteAccount'))
      const error = await failure(client(fetch).target.batch(account, [{ targetId: ID1, values: {} }]))
      expect(error).toBeInstanceOf(HttpError)
      expect((error as HttpError).status).toBe(403)
      expect(error.message).toContain('missing prvWriteAccount')
      expect(error.message).toContain('give the application user of this app registration a security role')
    })
  })

  it('sends a 403 to the application user’s security role, and a 400 not', async () => {
    for (const [status, hinted] of [
      [403, true],
      [400, false],
    ] as const) {
      const { fetch } = fakeDataverse(() =>
        dataverseError(status, '0x80040220', 'Principal user is missing prvReadAccount'),
      )
      const error = await failure(
        (async () => {
          for await (const _ of client(fetch).target.query('accounts')) void _
        })(),
      )
      expect(error).toBeInstanceOf(HttpError)
      expect(error.message).toContain('missing prvReadAccount')
      expect(error.message.includes('security role')).toBe(hinted)
    }
  })
})
