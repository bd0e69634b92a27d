import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'
import { expect } from 'vitest'

/** What the reliability tests share: running the CLI and killing it, and comparing Dataverse row by row. */

export const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname

export const TABLES = [
  { logicalName: 'account', entitySet: 'accounts', primaryId: 'accountid' },
  { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' },
] as const

/**
 * Columns the server sets on every write (they differ between any two runs): the times of the write (createdon holds
 * X2CRM's creation date, overriddencreatedon the load time), who wrote last (a rollback's restore is a write too) and
 * the simulator instance's business unit; with their annotations.
 */
const SERVER_STAMPS = new Set([
  'modifiedon',
  'overriddencreatedon',
  'versionnumber',
  '@odata.etag',
  '_owningbusinessunit_value',
  '_modifiedby_value',
  '_modifiedonbehalfby_value',
])

/** A column the server set: a stamp, or createdon of a record X2CRM gave no creation date (the load time then). */
export function stamped(row: Record<string, unknown>, column: string): boolean {
  const name = column.startsWith('@') ? column : column.replace(/@.*/, '')
  return SERVER_STAMPS.has(name) || (name === 'createdon' && row['overriddencreatedon'] == null)
}

export interface TableSnapshot {
  count: number
  hashes: Map<string, string>
  byId: Map<string, Record<string, unknown>>
}

/** Per table: each row's id and a hash of its content (every column but the server's stamps). */
export function snapshot(dataverse: {
  rows(logicalName: string): Record<string, unknown>[]
}): Record<string, TableSnapshot> {
  return Object.fromEntries(
    TABLES.map((t) => {
      const rows = dataverse.rows(t.logicalName)
      const hashes = new Map<string, string>()
      const byId = new Map<string, Record<string, unknown>>()
      for (const row of rows) {
        byId.set(String(row[t.primaryId]), row)
        const content = Object.keys(row)
          .filter((k) => !stamped(row, k))
          .sort()
          .map((k) => [k, row[k] ?? null])
        hashes.set(
          String(row[t.primaryId]),
          createHash('sha256').update(JSON.stringify(content)).digest('hex'),
        )
      }
      return [t.logicalName, { count: rows.length, hashes, byId }]
    }),
  )
}

/**
 * Expects `actual` to hold exactly `expected`'s rows: the same count per table, no id twice, each row's content hash
 * equal (the first differing rows are named with their columns). Returns how many rows were compared.
 */
export function expectSameRows(
  expected: Record<string, TableSnapshot>,
  actual: Record<string, TableSnapshot>,
  what: string,
): number {
  let compared = 0
  for (const t of TABLES) {
    const want = expected[t.logicalName]
    const got = actual[t.logicalName]
    expect(got?.count, `${what}: ${t.logicalName} rows`).toBe(want?.count)
    expect(got?.hashes.size, `${what}: ${t.logicalName} distinct ids`).toBe(got?.count)
    const differing = [...(want?.hashes ?? [])]
      .filter(([id, hash]) => got?.hashes.get(id) !== hash)
      .map(([id]) => {
        const [a, b] = [want?.byId.get(id) ?? {}, got?.byId.get(id) ?? {}]
        const columns = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
          (k) => !stamped(a, k) && JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null),
        )
        return { id, differs: columns.map((k) => `${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`) }
      })
    expect(differing.slice(0, 5), `${what}: ${t.logicalName} rows whose content differs`).toEqual([])
    compared += want?.count ?? 0
  }
  return compared
}

/** A JSON line of `--json` progress. */
export interface CliEvent {
  type: string
  phase?: string
  done?: number
  runId?: string
  reconciliation?: { balanced: boolean }
  verified?: boolean
}

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  events: CliEvent[]
  /** The event the kill came at. */
  killedAt?: CliEvent
  /** The last lines it wrote on stderr (what a failure said). */
  stderr: string
}

/**
 * `x2d365 <args> --json --config …`, killed with `kill.signal` at the first event `kill.when` accepts (or never).
 * Resolves when the process has ended, however it ended.
 */
export function runCli(
  args: readonly string[],
  sims: { configPath: string; env: Record<string, string> },
  kill?: { when: (event: CliEvent) => boolean; signal: 'SIGKILL' | 'SIGINT' },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--json', '--config', sims.configPath], {
      env: { ...process.env, ...sims.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const events: CliEvent[] = []
    let killedAt: CliEvent | undefined
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)))
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: CliEvent
      try {
        event = JSON.parse(line) as CliEvent
      } catch {
        return
      }
      events.push(event)
      if (killedAt === undefined && kill !== undefined && kill.when(event)) {
        killedAt = event
        child.kill(kill.signal)
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) =>
      resolve({ code, signal, events, stderr, ...(killedAt ? { killedAt } : {}) }),
    )
  })
}
