import { rootCertificates } from 'node:tls'
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici'
import type { Fetch } from './fetch.ts'

export type { Fetch } from './fetch.ts'

export type ClosableFetch = Fetch & {
  /** Closes the kept-alive connections. */
  close(): Promise<void>
}

/**
 * A fetch that trusts `caPem` (e.g. the Dataverse simulator's self-signed certificate) besides Node's usual root
 * certificates. Certificate and host name verification stay on. Connections are kept alive between requests.
 */
export function createTrustingFetch(caPem: string): ClosableFetch {
  const dispatcher = new Agent({
    connect: { ca: [...rootCertificates, caPem], rejectUnauthorized: true },
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  })
  const trustingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // undici's fetch does not recognise the global Request class, so a Request is unpacked first.
    const [url, requestInit] =
      input instanceof Request ? [input.url, await requestInitOf(input, init)] : [input, init]
    // The global and undici's RequestInit types differ only in details we do not use.
    return undiciFetch(url, { ...(requestInit as UndiciRequestInit), dispatcher })
  }
  return Object.assign(trustingFetch, { close: () => dispatcher.close() })
}

async function requestInitOf(request: Request, init: RequestInit | undefined): Promise<RequestInit> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  return {
    method: request.method,
    headers: request.headers,
    ...(hasBody ? { body: await request.arrayBuffer() } : {}),
    signal: request.signal,
    ...init,
  }
}
