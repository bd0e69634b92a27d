import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { csvRow, parseCsv } from '../../src/csv.ts'
import {
  QUARANTINE_CSV_COLUMNS,
  quarantineCsv,
  quarantineCsvHeader,
} from '../../src/report/quarantine-csv.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { fixRecords } from '../../src/run/fix.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { withFixes } from '../../src/run/with-fixes.ts'
import { inProcessSimulators } from '../helpers/sims.ts'

const INSTANCE = 'fx'
const mapping = accountsContactsMapping()

function setUp() {
  // This seed and size give one account and one contact whose name Dataverse finds too long.
  const {
    generated,
    x2crm,
    dataverse,
    target,
    source: unfixedSource,
  } = inProcessSimulators({
    seed: 11,
    accounts: 150,
    contacts: 300,
  })
  const ledger = createSqliteLedger(':memory:')
  const events: RunEvent[] = []
  const emit = (event: RunEvent) => events.push(event)
  // As connect() wires it: every run reads X2CRM through the fixes in the ledger.
  const source = withFixes(unfixedSource, ledger.fixes, emit)
  const deps = { source, unfixedSource, target, ledger, emit, now: () => new Date() }
  const options = { instance: INSTANCE, mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  const row = (logicalName: 'account' | 'contact', sourceKey: string) => {
    const [entity = '', id = ''] = sourceKey.split(':')
    return dataverse
      .rows(logicalName)
      .find((r) => r[`${logicalName}id`] === targetIdFor(INSTANCE, entity, Number(id)))
  }
  return { generated, x2crm, dataverse, deps, options, events, row }
}

/** quarantine.csv of a run as `x2d365 report` writes it, one object per line. */
async function quarantineLines(deps: ReturnType<typeof setUp>['deps'], runId: string) {
  let text = quarantineCsvHeader()
  for await (const lines of quarantineCsv(deps.ledger.outcomes(runId), {
    mapping,
    readRecord: (entity, id) => deps.source.record(entity, id),
  }))
    text += lines
  const [header, ...rows] = parseCsv(text).rows
  return rows.map((r) =>
    Object.fromEntries((header?.fields ?? []).map((name, i) => [name, r.fields[i] ?? ''])),
  )
}

describe('fixing quarantined records, in process against both simulators', () => {
  it('loads the records a person fixed in quarantine.csv, links what waited for them, and verifies', async () => {
    const { generated, x2crm, deps, options, events, row } = setUp()
    const accounts = generated.dataset.records['Accounts'] ?? []
    const contacts = generated.dataset.records['Contacts'] ?? []
    const overlong = accounts.find((a) => String(a['name']).length > 160)
    if (overlong === undefined) throw new Error('the generator made no account with an overlong name')
    // A contact and an account that link to it: their links stay empty while it is quarantined.
    const child = contacts.find((c) => {
      const lastName = c['lastName']
      return typeof lastName === 'string' && lastName.length > 0 && lastName.length < 50
    })
    const sibling = accounts.find((a) => a !== overlong && String(a['name']).length <= 160)
    if (child === undefined || sibling === undefined) throw new Error('not enough generated records')
    const linkTo = `Overlong_${String(overlong['id'])}`
    x2crm.upsert('Contacts', { ...child, company: linkTo })
    x2crm.upsert('Accounts', { ...sibling, parentAccount: linkTo })

    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    const overlongKey = `Accounts:${String(overlong['id'])}`
    const childKey = `Contacts:${String(child['id'])}`
    const siblingKey = `Accounts:${String(sibling['id'])}`
    expect(row('account', overlongKey)).toBeUndefined()
    expect(row('contact', childKey)?.['_parentcustomerid_value']).toBeNull()

    // The report's CSV names the field of each refusal and its value; the person shortens each value.
    const lines = await quarantineLines(deps, migrated.runId)
    const quarantined = migrated.reconciliation.phases.reduce((n, p) => n + p.quarantined, 0)
    expect(lines).toHaveLength(quarantined)
    expect(lines.map((l) => [l['source_key'], l['field']])).toEqual(
      expect.arrayContaining([[overlongKey, 'name']]),
    )
    expect(lines.every((l) => l['field'] !== '' && (l['current_value'] ?? '').length > 50)).toBe(true)
    const filled = lines.map((l): Record<string, string> => ({
      ...l,
      fixed_value: `${(l['current_value'] ?? '').slice(0, 40).trim()}`,
    }))
    const edited =
      csvRow(QUARANTINE_CSV_COLUMNS) +
      filled.map((l) => csvRow(QUARANTINE_CSV_COLUMNS.map((c) => l[c] ?? ''))).join('')

    const fixed = await fixRecords(edited, { ...options, by: 'tester' }, deps)

    expect(fixed.problems).toEqual([])
    expect(fixed.stored).toHaveLength(quarantined)
    expect(fixed.stored.find((f) => f.entity === 'Accounts')).toMatchObject({
      id: Number(overlong['id']),
      field: 'name',
      original: overlong['name'],
      fixedBy: 'tester',
    })
    expect(fixed.relinked).toEqual(expect.arrayContaining([childKey, siblingKey]))
    const result = fixed.delta
    if (result === undefined) throw new Error('fix did not load')
    expect(result.reconciliation.balanced).toBe(true)
    // Every fixed record is in Dataverse now, with the fixed value.
    expect(fixed.fixedOutcomes.filter((o) => !o.phase.endsWith('.links')).map((o) => o.status)).toEqual(
      Array(quarantined).fill('created'),
    )
    for (const fix of fixed.stored) {
      const key = `${fix.entity}:${fix.id}`
      if (fix.entity === 'Accounts') expect(row('account', key)?.['name']).toBe(fix.value)
      else expect(row('contact', key)?.[fix.field.toLowerCase()]).toBe(fix.value)
    }
    // The links that waited for the fixed account are set.
    const accountId = targetIdFor(INSTANCE, 'Accounts', Number(overlong['id']))
    expect(row('contact', childKey)?.['_parentcustomerid_value']).toBe(accountId)
    expect(row('account', siblingKey)?.['_parentaccountid_value']).toBe(accountId)
    // X2CRM itself is unchanged.
    expect((await deps.unfixedSource.record('Accounts', Number(overlong['id'])))?.['name']).toBe(
      overlong['name'],
    )

    // A second delta finds nothing to do: the fixed records' hashes are those of their fixed values.
    const again = await delta(options, deps)
    for (const entity of again.entities) {
      expect(entity.found, entity.entity).toMatchObject({ new: 0, changed: 0, deleted: 0 })
    }
    expect(again.changes).toEqual([])

    // verify reads X2CRM through the fixes: the fixed rows match, and so does everything else.
    const checked = await verify({ instance: INSTANCE, mapping }, deps)
    for (const entity of checked.entities) {
      expect(entity.mismatches, entity.entity).toEqual([])
      expect(entity.missingKeys, entity.entity).toEqual([])
    }
    expect(checked.ok).toBe(true)
    expect(events.filter((e) => e.type === 'source.notice')).toEqual([])

    // X2CRM changes the fixed field: the fix still applies, and the person is told once.
    x2crm.upsert('Accounts', { ...overlong, name: `${String(overlong['name'])} (edited)` })
    const stale = await delta(options, deps)
    expect(row('account', overlongKey)?.['name']).toBe(
      fixed.stored.find((f) => f.entity === 'Accounts')?.value,
    )
    expect(stale.entities.find((e) => e.entity === 'Accounts')?.found.changed).toBe(0)
    const notices = events.filter((e) => e.type === 'source.notice' && e.kind === 'fix.stale')
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ entity: 'Accounts', id: Number(overlong['id']) })
  })

  it('stores nothing when a line is bad, and names the line', async () => {
    const { generated, deps, options } = setUp()
    const [account] = generated.dataset.records['Accounts'] ?? []
    if (account === undefined) throw new Error('no account')
    const text =
      'x2crm_class,x2crm_id,field,fixed_value\r\n' +
      `Accounts,${String(account['id'])},name,Acme\r\n` +
      `Accounts,${String(account['id'])},nmae,Acme\r\n` +
      'Accounts,999999,name,Acme\r\n' +
      'Opportunity,1,name,Acme\r\n'

    const result = await fixRecords(text, { ...options, by: 'tester' }, deps)

    expect(result.stored).toEqual([])
    expect(result.delta).toBeUndefined()
    expect(result.problems.map((p) => p.line)).toEqual([3, 4, 5])
    expect(result.problems[0]?.message).toMatch(/Accounts has no field "nmae" in X2CRM/)
    expect(result.problems[1]?.message).toMatch(/Accounts:999999 does not exist in X2CRM/)
    expect(result.problems[2]?.message).toMatch(
      /"Opportunity" is not a class the map loads \(Accounts, Contacts\)/,
    )
    expect(await deps.ledger.fixes.current()).toEqual([])

    // --skip-bad --no-load: the good line is stored, nothing is loaded.
    const skipped = await fixRecords(text, { ...options, by: 'tester', skipBad: true, load: false }, deps)
    expect(skipped.stored.map((f) => f.line)).toEqual([2])
    expect(skipped.delta).toBeUndefined()
    expect((await deps.ledger.fixes.current()).map((f) => [f.entity, f.id, f.field, f.value])).toEqual([
      ['Accounts', Number(account['id']), 'name', 'Acme'],
    ])
  })
})
