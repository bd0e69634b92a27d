import { describe, expect, it } from 'vitest'
import { simulatedClient } from '../helpers/simulated-client.ts'
import { HttpError } from '../../src/errors.ts'
import { ACCOUNT } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'

/**
 * Every Dataverse request the client sends is retried on a dropped connection (sendWithRetry, `repeatable: true`).
 * When the connection drops after Dataverse applied the write, the retry sends it a second time: each kind of write
 * x2d365 sends must then leave one row, never two.
 */
function connect() {
  const { sim, target, retries } = simulatedClient()
  /** The next write's answer is lost after Dataverse applied it. */
  const loseNextAnswer = () =>
    sim.injectFault({ kind: 'reset', afterApply: true, match: (r) => r.method !== 'GET' })
  return { sim, target, retries, loseNextAnswer }
}

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    targetId: targetIdFor('lost', 'Accounts', i + 1),
    values: { name: `Account ${i + 1}` },
  }))

describe('a write retried after its answer was lost', () => {
  it('UpsertMultiple on deterministic ids: applied twice, the rows are there once', async () => {
    const { sim, target, retries, loseNextAnswer } = connect()
    loseNextAnswer()
    await target.upsertMultiple(ACCOUNT, rows(20))
    expect(retries).toEqual(['network error ECONNRESET'])
    expect(sim.rows('account')).toHaveLength(20)
  })

  it('upserts and creates inside $batch carry the id: the second create is refused, not a second row', async () => {
    const { sim, target, retries, loseNextAnswer } = connect()
    loseNextAnswer()
    const upserted = await target.batch(ACCOUNT, rows(5))
    expect(upserted.every((r) => r.status === 'loaded')).toBe(true)
    const more = rows(8).slice(5)
    loseNextAnswer()
    const created = await target.batch(ACCOUNT, more, 'create')
    expect(retries).toHaveLength(2)
    expect(sim.rows('account')).toHaveLength(8)
    // The retried creates find their rows: refused as duplicates (the caller books them; no row is made twice).
    expect(created.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
  })

  it('CreateMultiple with ids: the retry is refused whole, the rows are there once', async () => {
    const { sim, target, loseNextAnswer } = connect()
    loseNextAnswer()
    await expect(target.createMultiple(ACCOUNT, rows(4))).rejects.toBeInstanceOf(HttpError)
    expect(sim.rows('account')).toHaveLength(4)
  })

  it('WinOpportunity: the retry is refused (already closed), one opportunityclose', async () => {
    const { sim, target, loseNextAnswer } = connect()
    const opportunityid = targetIdFor('lost', 'Opportunities', 1)
    sim.seed('opportunity', [{ opportunityid, name: 'Deal' }])
    loseNextAnswer()
    await expect(
      target.callAction?.('WinOpportunity', {
        Status: 3,
        OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${opportunityid})` },
      }),
    ).rejects.toThrow(/already closed/)
    expect(sim.rows('opportunityclose')).toHaveLength(1)
    expect(sim.rows('opportunity')[0]).toMatchObject({ statecode: 1 })
  })
})
