import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Attachment, createUploadsReader } from './reader.ts'

const FIXTURE_UPLOADS = new URL('../../../../test/fixtures/x2crm/fixture/uploads', import.meta.url).pathname
const KEY = 'ce27bde85e9632b63c1f53eca084343f7441b03ea8919243f5705c28380a4187'

const media = (over: Record<string, unknown>) => ({
  id: 2004,
  associationType: 'contacts',
  uploadedBy: 'admin',
  fileName: 'business_card_müller.txt',
  mimetype: 'text/plain',
  filesize: 38,
  drive: 0,
  accessKey: KEY,
  ...over,
})

/** The reason of a `missing` result; fails the test for any other status. */
function reasonOf(result: Attachment | undefined): string {
  if (result?.status !== 'missing') throw new Error(`expected missing, got ${result?.status ?? 'nothing'}`)
  return result.reason
}

const temp = mkdtempSync(join(tmpdir(), 'x2d365-uploads-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

describe('uploads reader, from a copy of the uploads folder', () => {
  const reader = createUploadsReader({ dir: FIXTURE_UPLOADS })

  it('finds a file in protected/media/{uploadedBy}/ and records size and checksum', async () => {
    const result = await reader.read(media({}))
    expect(result).toMatchObject({
      status: 'found',
      mediaId: 2004,
      size: 38,
      from: { kind: 'file', path: 'protected/media/admin/business_card_müller.txt' },
    })
    if (result.status !== 'found') return
    expect(result.sha256).toBe(createHash('sha256').update(result.bytes).digest('hex'))
    expect(result.warning).toBeUndefined()
  })

  it('finds the older flat layout, and a name a macOS copy decomposed (NFD)', async () => {
    mkdirSync(join(temp, 'protected/media/admin'), { recursive: true })
    writeFileSync(join(temp, 'protected/old.pdf'), 'old layout')
    writeFileSync(join(temp, 'protected/media/admin', 'résumé.txt'.normalize('NFD')), 'decomposed')
    const old = createUploadsReader({ dir: temp })
    expect(await old.read(media({ fileName: 'old.pdf', filesize: 10 }))).toMatchObject({
      status: 'found',
      from: { kind: 'file', path: 'protected/old.pdf' },
    })
    expect(await old.read(media({ fileName: 'résumé.txt'.normalize('NFC'), filesize: 10 }))).toMatchObject({
      status: 'found',
      size: 10,
    })
  })

  it('reports a missing file, a Drive item, a system asset and an unsafe name per record, never throwing', async () => {
    const results = []
    for await (const r of reader.readAll(
      (async function* () {
        yield media({ id: 1, fileName: 'gone.pdf' })
        yield media({ id: 2, fileName: '1AbCdriveId', drive: 1 })
        yield media({ id: 3, associationType: 'loginSound', fileName: 'X2_Login.mp3' })
        yield media({ id: 4, fileName: '../../../etc/passwd' })
      })(),
    )) {
      results.push(r)
    }
    expect(results.map((r) => r.status)).toEqual(['missing', 'drive', 'skipped', 'missing'])
    expect(reasonOf(results[0])).toMatch(/not in .*protected\/media\/admin\/gone\.pdf/)
    expect(results[1]).toMatchObject({ url: 'https://drive.google.com/file/d/1AbCdriveId' })
    expect(reasonOf(results[3])).toMatch(/not a plain file name/)
  })

  it('warns when the bytes do not match the recorded size', async () => {
    expect(await reader.read(media({ filesize: 99 }))).toMatchObject({
      status: 'found',
      warning: 'size 38 bytes, but X2CRM recorded 99',
    })
  })
})

describe('uploads reader, over HTTP through getFile', () => {
  const calls: string[] = []
  const reader = createUploadsReader({
    httpBase: 'https://crm.example.com/index.php',
    sleep: async () => {},
    fetch: async (input) => {
      const url = new URL(input instanceof Request ? input.url : input)
      calls.push(url.pathname + url.search)
      if (url.searchParams.get('key') !== KEY)
        return new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } })
      if (url.searchParams.get('id') === '404') return new Response('no', { status: 404 })
      return new Response('bytes from the server', { headers: { 'content-type': 'text/plain' } })
    },
  })

  it('fetches with id and key, and never shows the key', async () => {
    const result = await reader.read(media({ filesize: 21 }))
    expect(calls.at(-1)).toBe(`/index.php/media/media/getFile?id=2004&key=${KEY}`)
    expect(result).toMatchObject({
      status: 'found',
      size: 21,
      from: { kind: 'http', url: 'https://crm.example.com/index.php/media/media/getFile?id=2004' },
    })
    expect(JSON.stringify({ ...result, bytes: undefined })).not.toContain(KEY)
  })

  it('reports a refused key (login page), a 404 and a missing key as missing, without the key', async () => {
    const refused = await reader.read(media({ accessKey: 'wrong-key' }))
    const gone = await reader.read(media({ id: 404 }))
    const keyless = await reader.read(media({ accessKey: null }))
    expect(reasonOf(refused)).toMatch(/HTML page/)
    expect(reasonOf(gone)).toMatch(/answered 404/)
    expect(reasonOf(keyless)).toMatch(/no accessKey/)
    expect(JSON.stringify([refused, gone])).not.toMatch(/wrong-key|ce27bde8/)
  })
})
