import { describe, expect, it } from 'vitest'
import { ConfigError, HttpError, InternalError, MigrationError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { createX2crmClient, type X2crmClientOptions } from './client.ts'
import type { X2crmRecord } from './types.ts'

const API_KEY = 'k3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3'
const AUTH = `Basic ${Buffer.from(`admin:${API_KEY}`).toString('base64')}`
const BASE = 'https://crm.example.test/index.php/api2'

type Handler = (url: URL, request: Request) => Response | Promise<Response>

/** A fake X2CRM: checks Basic auth and the absence of Content-Type like the real one, then calls `handler`. */
function fakeX2crm(handler: Handler, { checkAuth = true } = {}) {
  const requests: Request[] = []
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init)
    requests.push(request)
    if (request.headers.has('Content-Type')) return json(415, envelope(415, 'Invalid content type', request))
    if (checkAuth && request.headers.get('Authorization') !== AUTH) {
      return json(401, envelope(401, 'Invalid user credentials.', request), { 'WWW-Authenticate': 'Basic' })
    }
    return handler(new URL(request.url), request)
  }
  return { fetch, requests }
}

/** X2CRM's error envelope, echoing the request headers (Authorization included) as the real one does. */
function envelope(status: number, message: string, request: Request) {
  return {
    httpHeaders: { 'Content-Type': 'application/json; charset=utf-8' },
    reqHeaders: Object.fromEntries(request.headers),
    message,
    error: true,
    status,
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** Keyset paging over `rows` the way X2CRM answers `_order=+id&_limit=n&id=>k`. */
function listPage(rows: readonly X2crmRecord[], url: URL): Response {
  const limit = Math.min(1000, Number(url.searchParams.get('_limit') ?? 1000))
  const after = Number((url.searchParams.get('id') ?? '>0').slice(1))
  return json(200, rows.filter((r) => Number(r.id) > after).slice(0, limit))
}

const contacts = (count: number): X2crmRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    id: i % 2 === 0 ? i + 1 : String(i + 1),
    name: `Contact ${i + 1}`,
  }))

function client(fetch: Fetch, extra: Partial<X2crmClientOptions> = {}) {
  const waits: number[] = []
  const source = createX2crmClient({
    url: 'https://crm.example.test',
    username: 'admin',
    apiKey: API_KEY,
    fetch,
    sleep: async (ms) => void waits.push(ms),
    ...extra,
  })
  return { source, waits }
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

describe('createX2crmClient', () => {
  it.each([
    'https://crm.example.test',
    'https://crm.example.test/',
    'https://crm.example.test/index.php',
    'https://crm.example.test/index.php/',
    'https://crm.example.test/index.php/api2',
    'https://crm.example.test/index.php/api2/',
  ])('normalizes %s to the API base', async (url) => {
    const { fetch, requests } = fakeX2crm(() => json(200, 3))
    await client(fetch, { url }).source.count('Contacts')
    expect(requests[0]?.url).toBe(`${BASE}/Contacts/count`)
  })

  it('refuses an empty API key or a URL with credentials', () => {
    const { fetch } = fakeX2crm(() => json(200, 0))
    expect(() => client(fetch, { apiKey: '' })).toThrow(ConfigError)
    expect(() => client(fetch, { url: 'https://admin:pw@crm.example.test' })).toThrow(ConfigError)
  })

  it('sends Basic auth and Accept, and no Content-Type on GETs', async () => {
    const { fetch, requests } = fakeX2crm(() => json(200, 3))
    await client(fetch).source.count('Contacts')
    expect(requests[0]?.headers.get('Accept')).toBe('application/json')
    expect(requests[0]?.headers.get('Authorization')).toBe(AUTH)
    expect(requests[0]?.headers.has('Content-Type')).toBe(false)
  })

  describe('records', () => {
    it('pages by id and stops on a short page', async () => {
      const rows = contacts(5)
      const { fetch, requests } = fakeX2crm((url) => listPage(rows, url))
      const read = await collect(client(fetch).source.records('Contacts', { pageSize: 2 }))
      expect(read).toEqual(rows)
      expect(requests.map((r) => r.url.slice(BASE.length))).toEqual([
        '/Contacts?_order=%2Bid&_limit=2&id=%3E0',
        '/Contacts?_order=%2Bid&_limit=2&id=%3E2',
        '/Contacts?_order=%2Bid&_limit=2&id=%3E4',
      ])
    })

    it('asks once more after a full last page, and stops on the empty one', async () => {
      const { fetch, requests } = fakeX2crm((url) => listPage(contacts(4), url))
      expect(await collect(client(fetch).source.records('Contacts', { pageSize: 2 }))).toHaveLength(4)
      expect(requests).toHaveLength(3)
    })

    it('resumes after afterId, caps the page size at 1000 and encodes filters', async () => {
      const { fetch, requests } = fakeX2crm(() => json(200, []))
      const filters = { lastUpdated: '>1700000000', leadSource: 'Trade Show & Web', c_region: '<>EMEA' }
      await collect(client(fetch).source.records('Contacts', { afterId: 41, pageSize: 5000, filters }))
      expect(requests[0]?.url.slice(BASE.length)).toBe(
        '/Contacts?_order=%2Bid&_limit=1000&id=%3E41&lastUpdated=%3E1700000000&leadSource=Trade%20Show%20%26%20Web' +
          '&c_region=%3C%3EEMEA',
      )
    })

    it('streams: the first page is yielded before the second is asked for', async () => {
      const { fetch, requests } = fakeX2crm((url) => listPage(contacts(5), url))
      const iterator = client(fetch).source.records('Contacts', { pageSize: 2 })[Symbol.asyncIterator]()
      await iterator.next()
      expect(requests).toHaveLength(1)
      await iterator.return?.()
    })

    it('stops with an InternalError when the server ignores the id filter (page clamp)', async () => {
      // A server that repeats the last page for anything past the end, as `_page` does.
      const { fetch, requests } = fakeX2crm(() => json(200, contacts(2)))
      const error = await failure(collect(client(fetch).source.records('Contacts', { pageSize: 2 })))
      expect(error).toBeInstanceOf(InternalError)
      expect(error.message).toContain('ids above 2')
      expect(requests).toHaveLength(2)
    })

    it('refuses filters that would break keyset paging', async () => {
      const { fetch } = fakeX2crm(() => json(200, []))
      const error = await failure(
        collect(client(fetch).source.records('Contacts', { filters: { id: '>5' } })),
      )
      expect(error).toBeInstanceOf(InternalError)
    })

    it('rejects a body that is not a list', async () => {
      const { fetch } = fakeX2crm(() => json(200, { message: 'odd' }))
      expect(await failure(collect(client(fetch).source.records('Contacts')))).toBeInstanceOf(HttpError)
    })
  })

  describe('record', () => {
    it('reads one record by id with the .json suffix', async () => {
      const { fetch, requests } = fakeX2crm(() => json(200, { id: 50, visibility: 0 }))
      expect(await client(fetch).source.record('Contacts', 50)).toEqual({ id: 50, visibility: 0 })
      expect(requests[0]?.url).toBe(`${BASE}/Contacts/50.json`)
    })

    it('gives undefined on 404', async () => {
      const { fetch } = fakeX2crm((_, request) =>
        json(404, envelope(404, 'Record 999 of class "Contacts" not found.', request)),
      )
      expect(await client(fetch).source.record('Contacts', 999)).toBeUndefined()
    })
  })

  describe('count', () => {
    it('parses a bare number or a numeric string, and sends filters', async () => {
      for (const body of [63, '63']) {
        const { fetch, requests } = fakeX2crm(() => json(200, body))
        expect(await client(fetch).source.count('Contacts', { lastUpdated: '>=1700000000' })).toBe(63)
        expect(requests[0]?.url).toBe(`${BASE}/Contacts/count?lastUpdated=%3E%3D1700000000`)
      }
    })

    it('rejects anything else', async () => {
      const { fetch } = fakeX2crm(() => json(200, { count: 63 }))
      expect(await failure(client(fetch).source.count('Contacts'))).toBeInstanceOf(HttpError)
    })
  })

  describe('fields', () => {
    it('normalizes flags given as numbers or strings', async () => {
      const { fetch } = fakeX2crm(() =>
        json(200, [
          {
            fieldName: 'company',
            attributeLabel: 'Account',
            type: 'link',
            linkType: 'Accounts',
            custom: 0,
            required: 0,
            readOnly: 0,
          },
          {
            fieldName: 'c_region',
            attributeLabel: 'Region',
            type: 'dropdown',
            linkType: 1000,
            custom: '1',
            required: '1',
            readOnly: '0',
          },
          {
            fieldName: 'id',
            attributeLabel: null,
            type: 'int',
            linkType: null,
            custom: 0,
            required: 0,
            readOnly: 1,
          },
        ]),
      )
      expect(await client(fetch).source.fields('Contacts')).toEqual([
        {
          fieldName: 'company',
          attributeLabel: 'Account',
          type: 'link',
          linkType: 'Accounts',
          custom: false,
          required: false,
          readOnly: false,
        },
        {
          fieldName: 'c_region',
          attributeLabel: 'Region',
          type: 'dropdown',
          linkType: '1000',
          custom: true,
          required: true,
          readOnly: false,
        },
        {
          fieldName: 'id',
          attributeLabel: 'id',
          type: 'int',
          linkType: null,
          custom: false,
          required: false,
          readOnly: true,
        },
      ])
    })

    it('says which rows it could not read', async () => {
      const { fetch } = fakeX2crm(() => json(200, [{ fieldName: 'x', type: 'varchar', custom: 'yes' }]))
      const error = await failure(client(fetch).source.fields('Contacts'))
      expect(error).toBeInstanceOf(HttpError)
      expect(error.message).toContain('0.custom')
    })
  })

  describe('users', () => {
    it('reads users by keyset paging and maps them', async () => {
      const { fetch, requests } = fakeX2crm((url) =>
        listPage(
          [
            {
              id: 1,
              username: 'admin',
              emailAddress: 'admin@example.com',
              firstName: 'web',
              lastName: 'admin',
              status: 1,
              theme: {},
            },
            { id: '2', username: 'api', emailAddress: '', firstName: null, lastName: null, status: '0' },
          ],
          url,
        ),
      )
      expect(await client(fetch).source.users()).toEqual([
        {
          id: 1,
          username: 'admin',
          emailAddress: 'admin@example.com',
          firstName: 'web',
          lastName: 'admin',
          status: 1,
        },
        { id: 2, username: 'api', emailAddress: null, firstName: null, lastName: null, status: 0 },
      ])
      expect(requests[0]?.url).toBe(`${BASE}/users?_order=%2Bid&_limit=1000&id=%3E0`)
    })

    it('explains a missing status (a non-admin caller)', async () => {
      const { fetch } = fakeX2crm((url) => listPage([{ id: 1, username: 'admin' }], url))
      expect((await failure(client(fetch).source.users())).message).toContain('must be an administrator')
    })
  })

  describe('failures', () => {
    it('401 names the user and says to check the API key', async () => {
      const { fetch } = fakeX2crm(() => json(200, 0))
      const { source } = client(fetch, { apiKey: 'wrongkey' })
      const error = await failure(source.count('Contacts'))
      expect(error).toBeInstanceOf(MigrationError)
      expect(error.message).toContain('user "admin"')
      expect(error.message).toContain('Check the API key')
      expect(error.message).toContain('non-empty')
      expect(error.message).toContain('Invalid user credentials.')
    })

    it('403 names the user and asks for an administrator or a role', async () => {
      const { fetch } = fakeX2crm((_, request) =>
        json(403, envelope(403, 'You do not have permission to perform this action..', request)),
      )
      const error = await failure(collect(client(fetch).source.records('Opportunity')))
      expect(error.message).toContain('user "admin"')
      expect(error.message).toContain('administrator')
      expect(error.message).toContain('role with access to the Opportunity module')
    })

    it('never leaks the API key or its Base64 into a message or the serialized error', async () => {
      const base64 = Buffer.from(`admin:${API_KEY}`).toString('base64')
      const responses = [401, 403, 404, 422, 500].map(
        (status) => (_: URL, request: Request) =>
          json(status, {
            ...envelope(status, `echo ${API_KEY} ${base64}`, request),
            errors: { note: [AUTH] },
          }),
      )
      for (const respond of responses) {
        // The server echoes the key it got, whatever it answers: 401 included.
        const { fetch } = fakeX2crm(respond, { checkAuth: false })
        const { source } = client(fetch, { maxAttempts: 1 })
        for (const error of [
          await failure(source.count('Contacts')),
          await failure(collect(source.records('Contacts'))),
        ]) {
          const texts = [
            error.message,
            JSON.stringify(error),
            String(JSON.stringify(error.cause)),
            String(error.cause),
          ]
          for (const text of texts) {
            expect(text).not.toContain(API_KEY)
            expect(text).not.toContain(base64)
          }
        }
      }
    })

    it('keeps the redacted envelope in an HttpError', async () => {
      const { fetch } = fakeX2crm((_, request) => json(500, envelope(500, 'Class: Nope not found.', request)))
      const error = await failure(client(fetch, { maxAttempts: 1 }).source.count('Nope'))
      expect(error).toBeInstanceOf(HttpError)
      expect((error as HttpError).status).toBe(500)
      expect((error as HttpError).body).toMatchObject({
        reqHeaders: '[redacted]',
        message: 'Class: Nope not found.',
      })
      expect(error.message).toBe(`GET ${BASE}/Nope/count failed with status 500: Class: Nope not found.`)
    })

    it('waits Retry-After on 429 and retries 503', async () => {
      let calls = 0
      const { fetch } = fakeX2crm((_, request) => {
        calls++
        if (calls === 1) return json(429, envelope(429, 'Too many requests', request), { 'Retry-After': '2' })
        if (calls === 2)
          return json(503, envelope(503, 'API access has been disabled on this system.', request))
        return json(200, 7)
      })
      const { source, waits } = client(fetch)
      expect(await source.count('Contacts')).toBe(7)
      expect(waits[0]).toBe(2000)
      expect(waits).toHaveLength(2)
    })
  })
})
