import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { csvRow, parseCsv } from '../../src/csv.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { runCli } from '../helpers/run-cli.ts'

const x2d365 = runCli

async function storedFixes(path: string) {
  const ledger = createSqliteLedger(path)
  try {
    return await ledger.fixes.current()
  } finally {
    await ledger.close()
  }
}

describe('x2d365 report and fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-fix-'))
  let sims: Awaited<ReturnType<typeof serveBothSimulators>>
  beforeAll(async () => {
    sims = await serveBothSimulators(dir, { accounts: 120, contacts: 240 })
  })
  afterAll(async () => {
    await sims.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const run = (args: string[]) => x2d365([...args, '--config', sims.configPath], { cwd: dir, env: sims.env })

  it('refuses a file with a bad line: exit 2, the line and what to do, nothing stored', async () => {
    const [account] = sims.data.records['Accounts'] ?? []
    writeFileSync(
      join(dir, 'bad.csv'),
      'x2crm_class,x2crm_id,field,fixed_value\r\n' +
        `Accounts,${String(account?.['id'])},name,Acme\r\n` +
        `Accounts,${String(account?.['id'])},Name,Acme\r\n` +
        `Accounts,${String(account?.['id'])},website,\r\n`,
    )

    const refused = await run(['fix', 'bad.csv'])

    expect(refused.stderr).not.toMatch(/Internal error/)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('bad.csv: 2 problems, so nothing was stored:')
    expect(refused.stderr).toMatch(/line 3: Accounts has no field "Name" in X2CRM; .*did you mean name\?/)
    expect(refused.stderr).toMatch(
      /line 4: fixed_value is empty; write the corrected value, or delete the line/,
    )
    expect(await storedFixes(join(dir, 'ledger.sqlite'))).toEqual([])

    const missing = await run(['fix', 'nothing-here.csv'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nothing-here.csv: cannot read it')
  })

  it('migrate, report, fill in fixed_value, fix: the fixed records load and the exit code is 0', async () => {
    const migrated = await run(['migrate'])
    expect(migrated.code).toBe(3)

    const reported = await run(['report', '--ledger', 'ledger.sqlite', '--out', 'report'])
    expect(reported.code).toBe(0)
    expect(reported.stdout).toContain('x2d365 fix quarantine.csv')
    const csv = readFileSync(join(dir, 'report', 'quarantine.csv'), 'utf8')
    const [header, ...all] = parseCsv(csv).rows.map((r) => r.fields)
    // A case whose contact is plain text in X2CRM (a deleted contact's name) has no customer, which Dataverse
    // requires: its row names the field to fix, contactId, and the name it holds. The length refusals are fixed here.
    const cases = all.filter((row) => row[0] === 'Services')
    for (const row of cases) {
      expect(row[4]).toMatch(/'customerid' on record of type 'incident' is required/)
      expect(row[6]).toBe('contactId')
    }
    const rows = all.filter((row) => row[0] !== 'Services')
    expect(header).toEqual([
      'phase',
      'source_key',
      'x2crm_class',
      'x2crm_id',
      'reason',
      'warnings',
      'field',
      'current_value',
      'fixed_value',
    ])
    expect(rows.length).toBeGreaterThan(0)
    // The field of each too-long value (checked against the column's MaxLength before sending, with the value's
    // length and the limit) and its current value, read from X2CRM.
    for (const row of rows) {
      expect(row[4]).toMatch(/^(name|firstName|lastName): \w+\.\w+ has \d+ characters, Dataverse allows \d+$/)
      expect(row[6]).toMatch(/^(name|firstName|lastName)$/)
      expect(row[7]?.length).toBeGreaterThan(50)
    }
    const filled = rows.map((row) =>
      row.map((value, i) => (i === 8 ? (row[7] ?? '').slice(0, 30).trim() : value)),
    )
    writeFileSync(join(dir, 'filled.csv'), [header ?? [], ...filled].map((r) => csvRow(r)).join(''))

    const fixed = await run(['fix', 'filled.csv', '--by', 'ana'])

    expect(fixed.stderr).not.toMatch(/Internal error/)
    expect(fixed.code).toBe(0)
    expect(fixed.stdout).toContain(`Stored ${rows.length} fix`)
    expect(fixed.stdout).toContain('by ana')
    expect(fixed.stdout).toMatch(/Balanced: every change has an outcome/)
    for (const row of rows) expect(fixed.stdout).toMatch(new RegExp(`${row[1] ?? ''}\\s+\\S+\\s+→ created`))
    const stored = await storedFixes(join(dir, 'ledger.sqlite'))
    expect(stored).toHaveLength(rows.length)
    expect(stored.every((f) => f.fixedBy === 'ana' && f.original !== null && f.original.length > 50)).toBe(
      true,
    )
    // The secret of neither side appears in what was written.
    for (const secret of Object.values(sims.env))
      expect(csv + fixed.stdout + fixed.stderr).not.toContain(secret)
  })
})
