import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback, type RollbackTarget } from '../../src/run/rollback.ts'
import { inProcessSimulators } from '../helpers/sims.ts'

const mapping = defaultMapping()
/** The columns x2d365 writes, per table: what a rollback must put back exactly. */
const columnsOf = (logicalName: string) => {
  const map = mapping.entities.find((e) => e.table.logicalName === logicalName)
  return (map?.fields ?? [])
    .map((f) => (f.transform === 'link' || f.transform === 'owner' ? null : f.target))
    .filter((c): c is string => c !== null)
}
/** A content hash of a table: every row's id and written columns, in id order. */
function tableHash(
  rows: Record<string, unknown>[],
  primaryId: string,
  columns: string[],
  lookups: string[],
): string {
  const lines = rows
    .map((row) =>
      JSON.stringify([
        row[primaryId],
        ...columns.map((c) => row[c] ?? null),
        ...lookups.map((l) => row[l] ?? null),
      ]),
    )
    .sort()
  return createHash('sha256').update(lines.join('\n')).digest('hex')
}

function setUp() {
  const { generated, x2crm, dataverse, source, target } = inProcessSimulators({
    seed: 5,
    accounts: 80,
    contacts: 120,
  })
  return { generated, x2crm, dataverse, target, source }
}

describe('rollback', () => {
  it('returns Dataverse to exactly what it held before the migration, pre-existing rows included', async () => {
    const { generated, dataverse, target, source } = setUp()
    // A row already in Dataverse under the computed id of an X2CRM account (an earlier load): migrate updates it.
    const first = generated.dataset.records['Accounts']?.[0]
    const preexistingId = targetIdFor('rb', 'Accounts', Number(first?.['id']))
    dataverse.seed('account', [
      { accountid: preexistingId, name: 'Already here Ltd', telephone1: '+1 555 0100', websiteurl: null },
    ])
    const hashes = () => ({
      account: tableHash(dataverse.rows('account'), 'accountid', columnsOf('account'), [
        '_parentaccountid_value',
        '_primarycontactid_value',
      ]),
      contact: tableHash(dataverse.rows('contact'), 'contactid', columnsOf('contact'), [
        '_parentcustomerid_value',
      ]),
    })
    const before = hashes()

    const ledger = createSqliteLedger(':memory:')
    const deps = { ledger, emit: () => undefined, now: () => new Date() }
    const migrated = await migrate(
      { instance: 'rb', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      { ...deps, source, target },
    )
    expect(migrated.reconciliation.phases.find((p) => p.phase === 'Accounts')?.updated).toBe(1)
    expect(hashes()).not.toEqual(before)

    const undone = await rollback({ mapping }, { ...deps, target: target })
    expect(undone).toMatchObject({
      of: migrated.runId,
      restored: 1,
      verified: true,
      remaining: [],
      mismatched: [],
    })
    expect(undone.deleted).toBe(migrated.reconciliation.phases.reduce((n, p) => n + p.created, 0))
    expect(hashes()).toEqual(before)
    expect(dataverse.rows('account').find((a) => a['accountid'] === preexistingId)?.['name']).toBe(
      'Already here Ltd',
    )

    // The ledger no longer counts the deleted rows as loaded: a new migration creates them again.
    const again = await migrate(
      { instance: 'rb', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      { ...deps, source, target },
    )
    expect(again.reconciliation.phases.find((p) => p.phase === 'Contacts')?.created).toBe(
      migrated.reconciliation.phases.find((p) => p.phase === 'Contacts')?.created,
    )
  })

  it('resumes after being interrupted and still ends verified', async () => {
    const { target, source, dataverse } = setUp()
    const ledger = createSqliteLedger(':memory:')
    const deps = { ledger, emit: () => undefined, now: () => new Date() }
    await migrate(
      { instance: 'rb', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      { ...deps, source, target },
    )
    let deletes = 0
    const failing: RollbackTarget = {
      query: (set, options) => target.query(set, options),
      update: (table, row) => target.update(table, row),
      upsert: (table, row) => target.upsert(table, row),
      delete: async (table, id) => {
        if (++deletes > 60) throw new Error('connection reset')
        return target.delete(table, id)
      },
    }
    await expect(rollback({ mapping, batchSize: 20 }, { ...deps, target: failing })).rejects.toThrow(
      'connection reset',
    )
    const result = await rollback({ mapping, batchSize: 20 }, { ...deps, target: target })
    expect(result).toMatchObject({ resumed: true, verified: true })
    expect(dataverse.rows('account')).toHaveLength(0)
    expect(dataverse.rows('contact')).toHaveLength(0)
  })
})
