import { describe, expect, it } from 'vitest'
import { createX2crmSimulator } from '../x2crm/index.ts'
import { generate } from './generate.ts'
import { timelineDirtKinds } from './timeline.ts'

describe('generate with the timeline', () => {
  const without = generate({ seed: 5, accounts: 300, contacts: 500 })
  const generated = generate({ seed: 5, accounts: 300, contacts: 500, timeline: true })
  const records = generated.dataset.records

  it('leaves the accounts and contacts as they are without it', () => {
    expect(records['Accounts']).toEqual(without.dataset.records['Accounts'])
    expect(records['Contacts']).toEqual(without.dataset.records['Contacts'])
    expect(without.dataset.records['Actions']).toEqual([])
    expect(without.timelineDirt).toBeUndefined()
  })

  it('makes opportunities won, lost and open, and every kind of action at realistic ratios', () => {
    const stages = count(records['Opportunity'] ?? [], (o) => String(o['salesStage']))
    expect(stages['Working']).toBeGreaterThan(stages['Won'] ?? 0)
    expect(stages['Won']).toBeGreaterThan(0)
    expect(stages['Lost']).toBeGreaterThan(0)
    const actions = records['Actions'] ?? []
    // Several per contact on average, a few times the accounts and contacts at most.
    expect(actions.length).toBeGreaterThan(800)
    expect(actions.length).toBeLessThan(3 * 800)
    const types = count(actions, (a) => String(a['type']))
    for (const type of ['call', '', 'note', 'event', 'email', 'emailFrom', 'time'])
      expect(types[type], `type '${type}'`).toBeGreaterThan(0)
    expect(types['call']).toBeGreaterThan(types['time'] ?? 0)
    const todos = actions.filter((a) => a['type'] === '')
    const done = todos.filter((a) => a['complete'] === 'Yes').length
    expect(done / todos.length).toBeGreaterThan(0.25)
    expect(done / todos.length).toBeLessThan(0.55)
    expect(actions.some((a) => a['eventStatus'] === 'Cancelled')).toBe(true)
    expect(actions.some((a) => a['associationType'] === 'opportunities')).toBe(true)
  })

  it('plants every kind of timeline dirt and lists it', () => {
    const kinds = new Set((generated.timelineDirt ?? []).map((d) => d.kind))
    expect([...kinds].sort()).toEqual([...timelineDirtKinds].sort())
    const actions = records['Actions'] ?? []
    const byId = (id: number) => actions.find((a) => a['id'] === id)
    for (const dirt of generated.timelineDirt ?? []) {
      if (dirt.entity !== 'Actions') continue
      const action = byId(dirt.id)
      if (dirt.kind === 'unknownActionType') expect(action?.['type']).toBe('webactivity')
      if (dirt.kind === 'parentNotMigrated') expect(action?.['associationType']).toBe('services')
      if (dirt.kind === 'noAssociation') expect(action?.['associationId']).toBe(0)
      if (dirt.kind === 'associationTypeCase')
        expect(['contacts', 'accounts', 'opportunities']).not.toContain(action?.['associationType'])
    }
  })

  it('serves each file through getFile with its access key, the login page without it, 404 when it is gone', async () => {
    const sim = createX2crmSimulator({ data: generated.dataset })
    const media = records['Media'] ?? []
    const missing = new Set(
      (generated.timelineDirt ?? []).filter((d) => d.kind === 'missingMediaFile').map((d) => d.id),
    )
    const present = media.find((m) => !missing.has(Number(m['id'])))
    const gone = media.find((m) => missing.has(Number(m['id'])))
    const get = (m: Record<string, unknown> | undefined, key: unknown) =>
      sim.handle(
        new Request(
          `http://127.0.0.1/index.php/media/media/getFile?id=${String(m?.['id'])}&key=${String(key)}`,
        ),
      )
    const ok = await get(present, present?.['accessKey'])
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe(present?.['mimetype'])
    expect(ok.headers.get('content-disposition')).toBeNull()
    const bytes = Buffer.from(await ok.arrayBuffer())
    expect(bytes.length).toBe(present?.['filesize'])
    expect(bytes.toString('base64')).toBe(generated.dataset.mediaFiles?.[String(present?.['id'])])
    const denied = await get(present, 'wrong')
    expect(denied.status).toBe(200)
    expect(denied.headers.get('content-type')).toMatch(/^text\/html/)
    expect((await get(gone, gone?.['accessKey'])).status).toBe(404)
  })
})

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}
