import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node'
import { Agent, fetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve, type Handler, type Served } from '../../serve.ts'
import { generateCertificate } from '../../tls.ts'
import { createDataverseSimulator, type DataverseSimulator } from '../index.ts'

/** MSAL's INetworkModule over undici, trusting only the simulator's certificate. */
function undiciNetwork(agent: Agent): INetworkModule {
  const send = async <T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      headers: options?.headers,
      body: options?.body,
      dispatcher: agent,
    })
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => (headers[name] = value))
    return { status: response.status, headers, body: (await response.json()) as T }
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  }
}

describe('msal-node against the simulator over real TLS', () => {
  let served: Served
  let sim: DataverseSimulator
  let agent: Agent

  beforeAll(async () => {
    const tls = await generateCertificate()
    let handler: Handler = async () => new Response('starting', { status: 503 })
    served = await serve((request) => handler(request), { tls })
    sim = createDataverseSimulator({ origin: served.origin })
    handler = sim.handle
    agent = new Agent({ connect: { ca: tls.cert } })
  })
  afterAll(async () => {
    await agent.close()
    await served.close()
  })

  it('acquires a token with certificate verification on and calls the Web API with it', async () => {
    const s = sim.settings()
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: s.clientId,
        clientSecret: s.clientSecret,
        authority: s.authority,
        knownAuthorities: [new URL(s.url).host],
      },
      system: { networkClient: undiciNetwork(agent) },
    })
    const token = await msal.acquireTokenByClientCredential({ scopes: [s.scope] })
    expect(token?.accessToken).toBeTruthy()

    const response = await fetch(`${s.apiUrl}WhoAmI`, {
      headers: { authorization: `Bearer ${token?.accessToken}`, accept: 'application/json' },
      dispatcher: agent,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ UserId: expect.any(String) as unknown })
  })

  it('cannot be reached by a client that does not trust the certificate', async () => {
    const error = await fetch(`${sim.settings().authority}/v2.0/.well-known/openid-configuration`).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect((error as { cause?: { code?: string } }).cause?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/)
  })
})
