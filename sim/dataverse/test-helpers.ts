import { createDataverseSimulator, type DataverseSimOptions, type DataverseSimulator } from './index.ts'

export interface ApiResult {
  status: number
  headers: Headers
  body: unknown
}

export interface TestApi {
  sim: DataverseSimulator
  token: string
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult>
}

/** Requests a token the way MSAL does: a form POST to the tenant's v2.0 token endpoint. */
export async function requestToken(
  sim: DataverseSimulator,
  form: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const s = sim.settings()
  const response = await sim.handle(
    new Request(`${s.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: s.clientId,
        client_secret: s.clientSecret,
        scope: s.scope,
        ...form,
      }).toString(),
    }),
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A simulator plus a signed-in caller for Web API calls relative to `/api/data/v9.2/`. */
export async function connect(options: DataverseSimOptions = {}): Promise<TestApi> {
  const sim = createDataverseSimulator(options)
  const { body } = await requestToken(sim)
  const token = String(body.access_token)
  return {
    sim,
    token,
    async call(method, path, body, headers = {}) {
      const response = await sim.handle(
        new Request(`${sim.settings().apiUrl}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            'odata-version': '4.0',
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      )
      const text = await response.text()
      return {
        status: response.status,
        headers: response.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      }
    },
  }
}

/** The `error` member of a Dataverse error body. */
export function errorOf(result: ApiResult): { code: string; message: string } {
  const body = result.body as { error?: { code: string; message: string } } | undefined
  if (!body?.error)
    throw new Error(`expected an error body, got ${result.status} ${JSON.stringify(result.body)}`)
  return body.error
}

/** The GUID at the end of an OData-EntityId header. */
export function idFrom(result: ApiResult): string {
  const header = result.headers.get('odata-entityid') ?? ''
  const id = /\(([0-9a-f-]{36})\)$/.exec(header)?.[1]
  if (id === undefined)
    throw new Error(`no OData-EntityId in ${result.status} ${JSON.stringify(result.body)}`)
  return id
}
