import { describe, expect, it } from 'vitest'
import { MigrationError } from '../errors.ts'
import type { Fetch } from './fetch.ts'
import { type HttpRequest, RequestTimeoutError, type RetryInfo, sendWithRetry } from './send-with-retry.ts'

/** A fetch that answers from a script, one step per call, and records what it was sent. */
function scriptedFetch(steps: readonly (() => Response)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = []
  const fetch: Fetch = async (input, init) => {
    calls.push({ url: input instanceof Request ? input.url : input.toString(), init })
    const step = steps[calls.length - 1]
    if (!step) throw new Error('unexpected call')
    return step()
  }
  return { fetch, calls }
}

function recorder() {
  const waits: number[] = []
  const retries: RetryInfo[] = []
  return {
    waits,
    retries,
    options: {
      sleep: async (ms: number) => void waits.push(ms),
      random: () => 1,
      onRetry: (info: RetryInfo) => void retries.push(info),
    },
  }
}

const get: HttpRequest = { method: 'GET', url: 'https://example.test/x', repeatable: true }
const ok = () => new Response('{}', { status: 200 })
const status = (code: number, headers?: Record<string, string>) => () =>
  new Response('{}', { status: code, headers })
const reset = () => {
  throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
}

describe('sendWithRetry', () => {
  it('waits Retry-After on 429 and 503, then returns the success', async () => {
    const { fetch, calls } = scriptedFetch([
      status(429, { 'Retry-After': '3' }),
      status(503, { 'Retry-After': '1' }),
      ok,
    ])
    const { waits, retries, options } = recorder()
    const response = await sendWithRetry(fetch, get, options)
    expect(response.status).toBe(200)
    expect(calls).toHaveLength(3)
    expect(waits).toEqual([3000, 1000])
    expect(retries.map((r) => [r.attempt, r.status, r.reason])).toEqual([
      [1, 429, 'status 429'],
      [2, 503, 'status 503'],
    ])
    expect(retries.map((r) => r.waitMs)).toEqual([3000, 1000])
    expect(retries[0]).toMatchObject({ method: 'GET', url: 'https://example.test/x' })
  })

  it('backs off on other 5xx and network errors', async () => {
    const typeError = () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }),
      })
    }
    const { fetch } = scriptedFetch([status(500), reset, typeError, status(502), ok])
    const { waits, retries, options } = recorder()
    expect((await sendWithRetry(fetch, get, options)).status).toBe(200)
    expect(waits).toEqual([500, 1000, 2000, 4000])
    expect(retries.map((r) => r.status)).toEqual([500, 'network', 'network', 502])
    expect(retries.map((r) => r.reason)).toEqual([
      'status 500',
      'network error ECONNRESET',
      'network error UND_ERR_SOCKET',
      'status 502',
    ])
  })

  it('returns the last response after maxAttempts', async () => {
    const { fetch, calls } = scriptedFetch([status(429), status(429), status(429)])
    const { waits, options } = recorder()
    const response = await sendWithRetry(fetch, get, { ...options, maxAttempts: 3 })
    expect(response.status).toBe(429)
    expect(calls).toHaveLength(3)
    expect(waits).toHaveLength(2)
  })

  it('throws a MigrationError naming the code when the network keeps failing', async () => {
    const { fetch } = scriptedFetch([reset, reset])
    const { options } = recorder()
    const error = await sendWithRetry(fetch, get, { ...options, maxAttempts: 2 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    expect((error as Error).message).toBe(
      'GET https://example.test/x failed: the connection to example.test was lost (ECONNRESET): is the server ' +
        'still up and reachable? (2 attempts).',
    )
  })

  it('names the server and the cause, and does not retry what retrying cannot fix (DNS, TLS)', async () => {
    const failed =
      (code: string, extra: Record<string, unknown> = {}) =>
      () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code, ...extra }) })
      }
    const refused = scriptedFetch([failed('ECONNREFUSED', { address: '127.0.0.1', port: 9 })])
    const refusedError = await sendWithRetry(refused.fetch, get, {
      ...recorder().options,
      maxAttempts: 1,
      server: 'X2CRM',
    }).catch((e: unknown) => e)
    expect((refusedError as Error).message).toContain(
      'the connection to 127.0.0.1:9 was refused (ECONNREFUSED): is X2CRM running and reachable',
    )

    for (const code of ['ENOTFOUND', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
      const { fetch, calls } = scriptedFetch([failed(code, { hostname: 'example.test' }), ok])
      const { waits, options } = recorder()
      const error = await sendWithRetry(fetch, get, { ...options, server: 'Dataverse' }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(MigrationError)
      expect(calls).toHaveLength(1)
      expect(waits).toEqual([])
      expect((error as Error).message).toMatch(code === 'ENOTFOUND' ? /could not be resolved/ : /self-signed/)
    }
  })

  it('cuts a long URL in its message, saying how long it was', async () => {
    const { fetch } = scriptedFetch([reset])
    const url = `https://example.test/accounts?$filter=${'accountid eq 00000000-0000-0000-0000-000000000000 or '.repeat(50)}`
    const error = await sendWithRetry(
      fetch,
      { ...get, url },
      { ...recorder().options, maxAttempts: 1 },
    ).catch((e: unknown) => e)
    const message = (error as Error).message
    expect(message.length).toBeLessThan(400)
    expect(message).toMatch(/… \(\d{4} chars\) failed: the connection to example.test was lost/)
  })

  it('does not retry 4xx, 501, or requests that are not repeatable', async () => {
    for (const [request, code] of [
      [get, 400],
      [get, 501],
      [{ ...get, method: 'POST', repeatable: false }, 503],
    ] as const) {
      const { fetch, calls } = scriptedFetch([status(code), ok])
      const { waits, options } = recorder()
      expect((await sendWithRetry(fetch, request, options)).status).toBe(code)
      expect(calls).toHaveLength(1)
      expect(waits).toEqual([])
    }
  })

  it('rethrows errors that are not network failures', async () => {
    const { fetch } = scriptedFetch([
      () => {
        throw new RangeError('bug')
      },
    ])
    await expect(sendWithRetry(fetch, get, recorder().options)).rejects.toThrow(RangeError)
  })

  it('sends method, headers and body', async () => {
    const { fetch, calls } = scriptedFetch([ok])
    await sendWithRetry(
      fetch,
      { ...get, method: 'PATCH', headers: { A: '1' }, body: '{"x":1}' },
      recorder().options,
    )
    expect(calls[0]?.init).toEqual({ method: 'PATCH', headers: { A: '1' }, body: '{"x":1}' })
  })

  it('gives each attempt a timeout signal and turns a timeout into a RequestTimeoutError, not retried', async () => {
    const signals: (AbortSignal | null | undefined)[] = []
    const fetch: Fetch = async (_input, init) => {
      signals.push(init?.signal)
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    }
    const error = await sendWithRetry(
      fetch,
      {
        method: 'POST',
        url: 'https://org.test/api/data/v9.2/$batch?token=abc',
        repeatable: true,
        timeoutMs: 120_000,
      },
      { sleep: async () => undefined },
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestTimeoutError)
    expect((error as RequestTimeoutError).timeoutMs).toBe(120_000)
    expect((error as Error).message).not.toContain('abc')
    expect(signals).toHaveLength(1)
    expect(signals[0]).toBeInstanceOf(AbortSignal)
  })
})
