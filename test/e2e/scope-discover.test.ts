import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildProgram } from '../../src/cli/program.ts'
import type { ScopeReport } from '../../src/discover/scope-report.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-scope-'))
let sims: Awaited<ReturnType<typeof serveBothSimulators>>

beforeAll(async () => {
  sims = await serveBothSimulators(dir, { accounts: 40, contacts: 60 })
  // Three accounts changed an hour ago; the generated data is older than a week.
  const hourAgo = Math.floor(Date.now() / 1000) - 3600
  const visible = (sims.data.records['Accounts'] ?? []).filter((r) => Number(r['visibility']) === 1)
  for (const record of visible.slice(0, 3)) sims.x2crm.upsert('Accounts', { ...record, lastUpdated: hourAgo })
})
afterAll(async () => {
  await sims?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs `x2d365 discover …` in-process against the served simulators; returns its exit code and what it printed. */
async function discover(...args: string[]): Promise<{ code: number; output: string }> {
  for (const [name, value] of Object.entries(sims.env)) vi.stubEnv(name, value)
  let output = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    output += String(chunk)
    return true
  })
  let code = -1
  try {
    const program = buildProgram((c) => (code = c))
    await program.parseAsync(['discover', '-c', sims.configPath, ...args], { from: 'user' })
  } finally {
    write.mockRestore()
    vi.unstubAllEnvs()
  }
  return { code, output }
}

function readScope(folder: string): ScopeReport {
  return JSON.parse(readFileSync(join(folder, 'scope.json'), 'utf8')) as ScopeReport
}

describe('x2d365 discover writes the scope report', () => {
  it('next to discovery.json: modules, users, grade and a cutover estimate from the service protection limits', async () => {
    const run = await discover('-o', join(dir, 'discovery.json'))
    expect(run.code).toBe(0)
    const discovery = JSON.parse(readFileSync(join(dir, 'discovery.json'), 'utf8')) as {
      counts: Record<string, number>
    }
    const scope = readScope(dir)
    expect(scope.source).toBe('api')
    // The generator hides a private account from the API's lists and counts: the report says counts may be short.
    const accounts = scope.modules.find((m) => m.entity === 'Accounts')
    expect(accounts).toMatchObject({ table: 'account', records: discovery.counts['Accounts'] })
    expect(accounts?.records).toBeLessThan(40)
    expect(accounts?.caveat).toMatch(/omit private records/)
    expect(scope.users.total).toBe(sims.data.users.length)
    expect(scope.users.active + scope.users.inactive).toBe(scope.users.total)

    // Workflows and reports: the API cannot read them, and the report says why and what would.
    expect(scope.automation).toMatchObject({ unreadable: expect.stringMatching(/x2_flows/) as unknown })
    expect(scope.rebuild.find((r) => r.kind === 'reports')).toMatchObject({
      count: null,
      note: expect.stringMatching(
        /^not readable through the API: .*source\.mysql would read x2_reports_2/,
      ) as unknown,
    })

    // No migrate run yet: 1 application user × batches of 100 is bound by execution time, 4 s/s ÷ 20 ms = 200/s.
    expect(scope.cutover.throughput).toMatchObject({ basis: 'limits', recordsPerSecond: 200 })
    expect(scope.cutover.throughput.explanation).toContain('6,000 requests')
    const records = Object.values(discovery.counts).reduce((a, b) => a + b, 0)
    const files = 'unreadable' in scope.attachments ? 0 : scope.attachments.files
    expect(scope.cutover.full).toEqual({ records: records + files, seconds: (records + files) / 200 })
    if ('unknown' in scope.cutover.delta) throw new Error(`no delta: ${scope.cutover.delta.unknown}`)
    expect(scope.cutover.delta).toMatchObject({ records: 3, seconds: 3 / 200 })
    expect(scope.cutover.delta.basis).toContain('changed in the last 7 days')

    expect(scope.complexity.factors.map((f) => f.name)).toEqual([
      'transforms',
      'mapping clarity',
      'API constraints',
      'volume',
    ])
    expect(scope.complexity.grade).toMatch(/^[A-E]$/)
    expect(run.output).toContain(`Complexity ${scope.complexity.grade}: transforms `)
    expect(run.output).toMatch(
      /Cutover: full load \d+ s \(\d+ records\), delta .* estimated from the service/,
    )

    const markdown = readFileSync(join(dir, 'scope.md'), 'utf8')
    expect(markdown).toContain(`**Complexity: ${scope.complexity.grade}**`)
    expect(markdown).toMatch(/\| Accounts \| account \| 39 ¹ \| \d+ \| — \|/)
    expect(markdown).toContain('¹ API v2 lists and counts omit private records')
    expect(markdown).toContain('¹ API v2 lists and counts omit private records')
    expect(markdown).toContain('| Full load |')
    // It cites only what its reader has: no file of x2d365's own repository (api.md, webapi.md, docs/).
    expect(markdown).not.toMatch(/\b(?:web)?api\.md\b|docs\//)
  })

  it('uses the throughput of the newest succeeded migrate run in the ledger, and --scope moves the files', async () => {
    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    const started = new Date('2026-11-20T10:00:00Z')
    const rehearsal = await ledger.startRun('migrate', { instance: 'e2e' }, started)
    await ledger.finishRun(rehearsal.runId, 'succeeded', new Date('2026-11-20T10:00:40Z'), {
      processed: 2000,
      seconds: 40,
    })
    const failed = await ledger.startRun('migrate', { instance: 'e2e' }, new Date('2026-11-21T10:00:00Z'))
    await ledger.finishRun(failed.runId, 'failed', new Date('2026-11-21T10:00:05Z'))
    await ledger.close()

    const scopeDir = join(dir, 'scope')
    const run = await discover('-o', join(dir, 'discovery.json'), '--scope', scopeDir, '--json')
    expect(run.code).toBe(0)
    expect(existsSync(join(scopeDir, 'scope.md'))).toBe(true)
    const printed = JSON.parse(run.output) as { scope: ScopeReport }
    const scope = readScope(scopeDir)
    expect(printed.scope.cutover).toEqual(scope.cutover)
    expect(scope.cutover.throughput).toMatchObject({ basis: 'measured', recordsPerSecond: 50 })
    expect(scope.cutover.throughput.explanation).toContain(
      `migrate run ${rehearsal.runId} processed 2,000 records in 40 s`,
    )
    expect(scope.cutover.full.seconds).toBe(scope.cutover.full.records / 50)
  })

  it("names the fields X2CRM has that the config's map does not (new since it was confirmed)", async () => {
    writeFileSync(
      join(dir, 'mapping.yaml'),
      [
        'version: 1',
        'entities:',
        '  Contacts:',
        '    table: contact',
        '    fields:',
        '      lastName: { target: lastname, transform: text }',
        `      firstName: { skip: true }`,
      ].join('\n'),
    )
    const config = readFileSync(sims.configPath, 'utf8').replace('run: {', 'run: { mapping: mapping.yaml,')
    writeFileSync(sims.configPath, config)
    const run = await discover('-o', join(dir, 'discovery.json'), '--json')
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.output) as { newFields: { entity: string; field: string }[] }
    const names = printed.newFields.map((f) => `${f.entity}.${f.field}`)
    expect(names).toContain('Contacts.email')
    expect(names).not.toContain('Contacts.lastName')
    expect(names).not.toContain('Contacts.firstName')
  })
})
