import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeNetworkFailure } from './network-failure.ts'
import { createPooledFetch } from './pooled-fetch.ts'

/** What the pool must answer as fetch does: each route answers one way, and echoes what it received. */
function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const echo = JSON.stringify({
    method: req.method,
    url: req.url,
    body,
    contentType: req.headers['content-type'],
  })
  if (req.url?.startsWith('/elsewhere?to=') === true) {
    res.writeHead(307, { location: decodeURIComponent(req.url.slice('/elsewhere?to='.length)) }).end()
    return
  }
  switch (req.url) {
    case '/no-content':
      res.writeHead(204).end()
      return
    case '/see-other':
      res.writeHead(303, { location: '/echo?from=303' }).end('moved')
      return
    case '/moved-permanently':
      res.writeHead(308, { location: '/echo?from=308' }).end()
      return
    case '/auth':
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }))
      return
    case '/cookies':
      res.writeHead(200, [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['content-type', 'text/plain'],
      ])
      res.end('ok')
      return
    case '/slow':
      return // never answers: the caller's signal ends it
    default:
      res
        .writeHead(req.url?.startsWith('/teapot') === true ? 418 : 200, {
          'content-type': 'application/json',
        })
        .end(echo)
  }
}

describe('createPooledFetch answers as fetch does', () => {
  let server: Server
  let origin: string
  const fetch = createPooledFetch({ connections: 4 })

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => route(req, res, body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await fetch.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('sends the method, path, query, headers and body, and gives back status, headers and body', async () => {
    const response = await fetch(`${origin}/teapot?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(response.status).toBe(418)
    expect(response.ok).toBe(false)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({
      method: 'POST',
      url: '/teapot?x=1',
      body: '{"a":1}',
      contentType: 'application/json',
    })
  })

  it('gives a text body the Content-Type fetch gives it, and sends bytes as they are', async () => {
    const text = await (await fetch(`${origin}/echo`, { method: 'POST', body: 'hi' })).json()
    expect(text).toMatchObject({ body: 'hi', contentType: 'text/plain;charset=UTF-8' })
    const form = await (
      await fetch(`${origin}/echo`, { method: 'POST', body: new URLSearchParams({ a: 'b c' }) })
    ).json()
    expect(form).toMatchObject({
      body: 'a=b+c',
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    })
    const bytes = await (
      await fetch(`${origin}/echo`, { method: 'PUT', body: new TextEncoder().encode('é') })
    ).json()
    expect(bytes).toMatchObject({ method: 'PUT', body: 'é' })
  })

  it('has no body on 204, and HEAD has none', async () => {
    const none = await fetch(`${origin}/no-content`, { method: 'DELETE' })
    expect(none.status).toBe(204)
    expect(none.body).toBeNull()
    const head = await fetch(`${origin}/echo`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBeNull()
  })

  it('follows redirects: 303 as a GET without the body, 308 with the method and body', async () => {
    const seeOther = await (await fetch(`${origin}/see-other`, { method: 'POST', body: 'x' })).json()
    expect(seeOther).toMatchObject({ method: 'GET', url: '/echo?from=303', body: '' })
    const permanent = await (
      await fetch(`${origin}/moved-permanently`, { method: 'PATCH', body: 'y' })
    ).json()
    expect(permanent).toMatchObject({ method: 'PATCH', url: '/echo?from=308', body: 'y' })
  })

  it('drops the Authorization header on a redirect to another origin, and keeps it on the same origin', async () => {
    const other = createServer((req, res) =>
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null })),
    )
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherOrigin = `http://localhost:${(other.address() as AddressInfo).port}`
    try {
      const away = await fetch(`${origin}/elsewhere?to=${encodeURIComponent(`${otherOrigin}/x`)}`, {
        headers: { authorization: 'Bearer secret' },
      })
      expect(await away.json()).toEqual({ authorization: null })
      const home = await fetch(`${origin}/elsewhere?to=%2Fauth`, {
        headers: { authorization: 'Bearer secret' },
      })
      expect(await home.json()).toEqual({ authorization: 'Bearer secret' })
    } finally {
      other.closeAllConnections()
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('keeps every Set-Cookie header', async () => {
    const response = await fetch(`${origin}/cookies`)
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(await response.text()).toBe('ok')
  })

  it('takes a Request as fetch does', async () => {
    const request = new Request(`${origin}/echo`, { method: 'POST', body: 'from a Request' })
    expect(await (await fetch(request)).json()).toMatchObject({ method: 'POST', body: 'from a Request' })
  })

  it("throws an aborted signal's reason (a TimeoutError for AbortSignal.timeout), as fetch does", async () => {
    const error = await fetch(`${origin}/slow`, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DOMException)
    expect((error as DOMException).name).toBe('TimeoutError')
  })

  it('throws a network failure as fetch does: TypeError "fetch failed" with the cause the failure is told from', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('fetch failed')
    expect(describeNetworkFailure(error)?.kind).toBe('refused')
  })
})
