import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateDataset } from '../../sim/seed/generate.ts'
import { builtInMapping } from '../../src/mapping/built-in-map.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'x2d365-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function x2d365(args: string[], env: Record<string, string> = {}) {
  const { X2CRM_API_KEY: _a, DATAVERSE_CLIENT_SECRET: _b, ...clean } = process.env
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: dir,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * The same, without blocking the test worker: the demo runs for a minute, and a worker blocked that long misses
 * vitest's own calls ("Timeout calling onTaskUpdate").
 */
function x2d365Async(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { X2CRM_API_KEY: _a, DATAVERSE_CLIENT_SECRET: _b, ...clean } = process.env
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: clean, timeout: DEMO_TIMEOUT })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The demo with tags read record by record takes about a minute on a loaded machine (and more under heavy load). */
const DEMO_TIMEOUT = 300_000

/** Records the generator tags in the classes the built-in map migrates (the demo's defaults: seed 42, sales, timeline). */
function generatorTagged(accounts: number, contacts: number): number {
  const data = generateDataset({ seed: 42, accounts, contacts, sales: true, timeline: true })
  const classes = new Set(builtInMapping().entities.map((e) => e.entity))
  return Object.entries(data.tags ?? {})
    .filter(([entity]) => classes.has(entity))
    .reduce((n, [, ofClass]) => n + Object.keys(ofClass).length, 0)
}

/** The demo's "Rows per Dataverse table" block: table → rows and the states it names (`open 69, won 28`). */
function tablesIn(stdout: string): Map<string, { rows: number; states: string }> {
  const block = stdout.split('Rows per Dataverse table, with their states:\n')[1]?.split('\n\n')[0] ?? ''
  const tables = new Map<string, { rows: number; states: string }>()
  for (const line of block.split('\n')) {
    const match = /^ {2}(\w+)\s+([\d,]+)(?: {3}(.*))?$/.exec(line)
    if (match?.[1] !== undefined)
      tables.set(match[1], { rows: Number(match[2]?.replace(/,/g, '')), states: match[3] ?? '' })
  }
  return tables
}

describe('the x2d365 command', () => {
  it(
    'runs the demo end to end: both simulators, a migration, one that duplicates nothing, a delta, verify, a report',
    async () => {
      const run = await x2d365Async(['demo', '--accounts', '120', '--contacts', '180', '--dir', 'demo'])
      expect(run.stderr).not.toMatch(/Internal error/)
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/phase\s+source\s+created\s+updated\s+quarantined\s+skipped\s+balanced/)
      expect(run.stdout).toContain('Second run: no duplicates, every row was an update.')
      expect(run.stdout).toMatch(/Accounts: 2 new, 5 changed, 1 deleted, \d+ unchanged/)
      expect(run.stdout).toContain('Delta again: nothing to write.')
      expect(run.stdout).toContain('Verified: every record checked matches its source.')
      // Every object of issue 13 with its states: what the built-in map loads, read back from the simulator.
      const tables = tablesIn(run.stdout)
      const loaded = [
        'account',
        'contact',
        'opportunity',
        'opportunityclose',
        'phonecall',
        'appointment',
        'email',
        'task',
        'activityparty',
        'annotation',
        'incident',
        'incidentresolution',
        'list',
        'product',
        'pricelevel',
        'productpricelevel',
        'quote',
        'quoteclose',
        'team',
        'connection',
      ]
      for (const table of loaded)
        expect({ table, rows: tables.get(table)?.rows ?? 0 }).not.toMatchObject({ rows: 0 })
      // Tags: the demo's map puts them in a multi-select column `schema apply` made first; every tagged record has them
      // (none of this seed's tagged records is quarantined), and verify --all compared them (0 mismatches below).
      expect(run.stdout).toMatch(
        /Schema apply \(as `x2d365 schema apply` does it\): \d+ changes, the tag column new_x2crmtags/,
      )
      const tagged =
        /Tagged records \(new_x2crmtags\): (\d+) of the (\d+) X2CRM tagged, account \d+, contact \d+/.exec(
          run.stdout,
        )
      const expected = generatorTagged(120, 180)
      expect(expected).toBeGreaterThan(0)
      expect(tagged?.slice(1, 3).map(Number)).toEqual([expected, expected])
      expect(tables.get('opportunity')?.states).toMatch(/(?=.*\bopen \d)(?=.*\bwon \d)(?=.*\blost \d)/)
      expect(tables.get('incident')?.states).toMatch(/(?=.*\bactive \d)(?=.*\bresolved \d)/)
      expect(tables.get('quote')?.states).toMatch(/(?=.*\bwon \d)(?=.*\bclosed \d)/)
      expect(tables.get('task')?.states).toMatch(/(?=.*\bcompleted \d)(?=.*\bopen \d)/)
      expect(tables.get('annotation')?.states).toMatch(/(?=.*\bnotes \d)(?=.*\bfiles \d)/)
      // API v2 serves no list members or quote lines: the demo says so instead of showing an unexplained 0.
      expect(tables.get('listmember')).toMatchObject({
        rows: 0,
        states: expect.stringContaining('source.mysql') as string,
      })
      expect(run.stdout).toMatch(/Quarantine: \d+ records, and why/)
      expect(run.stdout).toContain('Verify --all (every record, field by field):')
      expect(run.stdout).toMatch(/Verify --all: \d+ records compared field by field, 0 mismatches/)
      expect(run.stdout).toContain(
        'Rollback: both deltas undone and checked; Dataverse is as it was before them.',
      )
      expect(readFileSync(join(dir, 'demo', 'report', 'report.html'), 'utf8')).toContain('<html')
      expect(run.stdout).toContain('Demo OK.')
      expect(readFileSync(join(dir, 'demo', 'x2d365.yaml'), 'utf8')).toContain(
        'clientSecretEnv: DATAVERSE_CLIENT_SECRET',
      )
    },
    DEMO_TIMEOUT,
  )

  it(
    'prints the demo as JSON lines for scripts',
    async () => {
      const run = await x2d365Async([
        'demo',
        '--accounts',
        '30',
        '--contacts',
        '30',
        '--dir',
        'demo-json',
        '--json',
      ])
      expect(run.code).toBe(0)
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; ok?: boolean })
      expect(lines.at(-1)).toMatchObject({
        type: 'demo.finished',
        ok: true,
        noDuplicates: true,
        verified: true,
        mismatched: 0,
        tables: {
          incident: { rows: expect.any(Number) as number },
          list: { rows: expect.any(Number) as number },
        },
        tagged: {
          column: 'new_x2crmtags',
          records: generatorTagged(30, 30),
          inSource: generatorTagged(30, 30),
        },
        quarantine: { total: expect.any(Number) as number },
        delta: {
          balanced: true,
          repeatWrites: 0,
          found: { Accounts: { new: expect.any(Number) as number } },
        },
      })
      // Two migrations, the delta and the delta again.
      expect(lines.filter((l) => l.type === 'run.finished')).toHaveLength(4)
    },
    DEMO_TIMEOUT,
  )

  it('writes a starting config with init, then names the missing secrets (exit 2) instead of failing later', () => {
    expect(x2d365(['init']).code).toBe(0)
    expect(x2d365(['init']).code).toBe(2)
    const run = x2d365(['migrate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('environment variable X2CRM_API_KEY is not set')
    expect(run.stderr).toContain('environment variable DATAVERSE_CLIENT_SECRET is not set')
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/)
  })

  it('refuses to migrate with a map nobody confirmed, saying what to do', () => {
    expect(x2d365(['init', '--force']).code).toBe(0)
    writeFileSync(join(dir, 'mapping.yaml'), 'entities: {}\n')
    const run = x2d365(['migrate', '--mapping', 'mapping.yaml'], {
      X2CRM_API_KEY: 'k',
      DATAVERSE_CLIENT_SECRET: 's',
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/x2d365 map confirm/)
  })

  it('rejects a bad option value with exit 2 and a hint', () => {
    const run = x2d365(['demo', '--accounts', 'many'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--accounts must be a whole number')
  })
})
