import { describe, expect, it } from 'vitest'
import { createDataverseSimulator, type DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { MigrationError } from '../../src/errors.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { loadRows } from '../../src/target/dataverse/bulk-load.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import type { TableRef } from '../../src/target/dataverse/types.ts'
import { ACCOUNT } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

function connect(options: DataverseSimOptions = {}, secret?: string) {
  let now = Date.parse('2026-11-26T00:00:00Z')
  const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443', clock: () => now, ...options })
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const waits: number[] = []
  const { getToken } = createMsalTokenProvider({
    authority: settings.authority,
    clientId: settings.clientId,
    clientSecret: secret ?? settings.clientSecret,
    scope: settings.scope,
    fetch,
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken,
    sleep: async (ms) => {
      waits.push(ms)
      now += ms
    },
  })
  return { sim, target, waits }
}

const accounts = (n: number, name = (i: number) => `Account ${i}`) =>
  Array.from({ length: n }, (_, i) => ({
    targetId: targetIdFor('test', 'Accounts', i + 1),
    values: { name: name(i + 1) },
  }))

describe('Dataverse client against the simulator', () => {
  it('authenticates through MSAL and upserts many rows in one call, without duplicating on a second call', async () => {
    const { sim, target } = connect()
    await target.upsertMultiple(ACCOUNT, accounts(50))
    await target.upsertMultiple(
      ACCOUNT,
      accounts(50, (i) => `Renamed ${i}`),
    )
    expect(sim.rows('account')).toHaveLength(50)
    expect(sim.stats().byOperation['UpsertMultiple']).toBe(2)
    const names: unknown[] = []
    for await (const row of target.query('accounts', {
      select: ['name'],
      filter: "startswith(name,'Renamed')",
      pageSize: 7,
    })) {
      names.push(row['name'])
    }
    expect(names).toHaveLength(50)
  })

  it('quarantines the one bad row of a bulk call with the server reason while its batch-mates load', async () => {
    const { sim, target } = connect()
    const rows = accounts(40, (i) => (i === 17 ? 'x'.repeat(161) : `Account ${i}`))
    const results = await loadRows(target, ACCOUNT, rows)
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected).toEqual([
      expect.objectContaining({
        targetId: rows[16]?.targetId,
        httpStatus: 400,
        code: '0x80044331',
        reason: expect.stringContaining("exceeded the maximum allowed length of '160'") as unknown,
      }),
    ])
    expect(sim.rows('account')).toHaveLength(39)
  })

  it('waits out 429s for exactly the Retry-After the server sends, then loads everything', async () => {
    const { sim, target, waits } = connect({ throttleEvery: 3, retryAfterSeconds: 4 })
    for (let i = 0; i < 6; i++)
      await target.upsertMultiple(
        ACCOUNT,
        accounts(10).map((r) => ({ ...r, targetId: targetIdFor('t', 'A', `${i}-${r.targetId}`) })),
      )
    expect(sim.rows('account')).toHaveLength(60)
    expect(sim.stats().throttled).toBeGreaterThan(0)
    expect(waits.length).toBe(sim.stats().throttled)
    expect(new Set(waits)).toEqual(new Set([4000]))
  })

  it('stops with a message that never contains the client secret when the secret is wrong', async () => {
    const { target } = connect({}, 'not-the-secret-42')
    const error = await target.upsertMultiple(ACCOUNT, accounts(1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain('not-the-secret-42')
  })

  it('rejects a bind to a row that does not exist, naming it', async () => {
    const { target } = connect()
    const contactTable: TableRef = { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' }
    const missing = targetIdFor('test', 'Accounts', 999999)
    const [result] = await loadRows(target, contactTable, [
      {
        targetId: targetIdFor('test', 'Contacts', 1),
        values: { lastname: 'Orphan', 'parentcustomerid_account@odata.bind': `/accounts(${missing})` },
      },
    ])
    expect(result).toMatchObject({ status: 'rejected', httpStatus: 404, code: '0x80040217' })
    expect(result?.status === 'rejected' && result.reason).toContain(missing)
  })
})
