import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createSqliteLedger, type SqliteLedgerOptions } from './sqlite.ts'

const at = new Date('2025-03-15T09:00:00Z')

/** The error createSqliteLedger throws, for its class and message. */
function openError(path: string, options?: SqliteLedgerOptions): Error {
  try {
    createSqliteLedger(path, options)
  } catch (error) {
    return error as Error
  }
  throw new Error(`createSqliteLedger(${path}) opened`)
}

describe('opening a ledger that is not what it should be', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'x2d365-ledger-open-'))
    path = join(dir, 'ledger.sqlite')
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** A ledger with one run and some outcomes, closed (so its WAL is checkpointed into the file). */
  async function aLedger(): Promise<void> {
    const ledger = createSqliteLedger(path)
    const run = await ledger.startRun('migrate', {}, at)
    const outcomes = Array.from({ length: 500 }, (_, i) => ({
      runId: run.runId,
      phase: 'Accounts',
      sourceKey: `Accounts:${i + 1}`,
      status: 'created' as const,
      targetId: `guid-${i + 1}-${'x'.repeat(40)}`,
    }))
    await ledger.recordBatch(run.runId, 'Accounts', outcomes, { lastSourceId: 500 })
    await ledger.close()
  }

  it('refuses random bytes as not a SQLite database, and leaves them as they were', () => {
    const bytes = randomBytes(8192)
    writeFileSync(path, bytes)

    const error = openError(path)

    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain(`ledger: ${path} is not a SQLite database`)
    expect(readFileSync(path).equals(bytes)).toBe(true)
    expect(existsSync(`${path}-wal`)).toBe(false)
  })

  it('refuses a truncated ledger as damaged, and writes nothing to it', async () => {
    await aLedger()
    const whole = readFileSync(path)
    const truncated = whole.subarray(0, Math.floor(whole.length / 2))
    writeFileSync(path, truncated)

    const error = openError(path)

    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/is damaged \(SQLite: .+\); nothing was written to it/)
    expect(readFileSync(path).equals(truncated)).toBe(true)
  })

  it('refuses a ledger whose pages were overwritten (quick_check finds it), and writes nothing to it', async () => {
    await aLedger()
    const bytes = readFileSync(path)
    const pageSize = bytes.readUInt16BE(16)
    // Scribble over the last page (an index or table page): the header stays valid, the b-tree does not.
    randomBytes(pageSize - 100).copy(bytes, bytes.length - pageSize + 50)
    writeFileSync(path, bytes)

    const error = openError(path)

    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/is damaged \(SQLite: /)
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  describe('after a clean shutdown (no WAL left, no run left running): a cheap check, the full one on request', () => {
    /** {@link aLedger} with its run finished: what a ledger looks like between runs. */
    async function aFinishedLedger(): Promise<void> {
      await aLedger()
      const ledger = createSqliteLedger(path)
      const [run] = await ledger.runs()
      await ledger.finishRun(run?.runId ?? '', 'succeeded', at)
      await ledger.close()
      expect(existsSync(`${path}-wal`)).toBe(false)
    }

    it('refuses a truncated copy from its header alone, and writes nothing to it', async () => {
      await aFinishedLedger()
      const truncated = readFileSync(path).subarray(0, 3 * 4096)
      writeFileSync(path, truncated)

      const error = openError(path)

      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toMatch(
        /is damaged \(SQLite: the file has 12288 bytes, its header says \d+: it was cut short\)/,
      )
      expect(readFileSync(path).equals(truncated)).toBe(true)
    })

    it('does not read every page unless asked: a scribbled page is found by integrityCheck full', async () => {
      await aFinishedLedger()
      const bytes = readFileSync(path)
      const pageSize = bytes.readUInt16BE(16)
      randomBytes(pageSize - 100).copy(bytes, bytes.length - pageSize + 50)
      writeFileSync(path, bytes)

      createSqliteLedger(path, { readonly: true })
        .close()
        .catch(() => undefined)
      const error = openError(path, { integrityCheck: 'full' })
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toMatch(/is damaged \(SQLite: /)
      expect(readFileSync(path).equals(bytes)).toBe(true)
    })

    it('checks every page when a WAL file was left beside the ledger (a killed writer)', async () => {
      await aFinishedLedger()
      const bytes = readFileSync(path)
      const pageSize = bytes.readUInt16BE(16)
      randomBytes(pageSize - 100).copy(bytes, bytes.length - pageSize + 50)
      writeFileSync(path, bytes)
      writeFileSync(`${path}-wal`, Buffer.alloc(0))
      await createSqliteLedger(path, { readonly: true }).close()
      // An empty WAL is what a clean close leaves on some systems; one with frames is a killed writer's.
      writeFileSync(`${path}-wal`, randomBytes(64))
      expect(openError(path, { readonly: true }).message).toMatch(/is damaged \(SQLite: /)
    })
  })

  it('refuses a ledger of a newer schema, and leaves it as it was', () => {
    const db = new Database(path)
    db.exec('CREATE TABLE runs (run_id TEXT PRIMARY KEY)')
    db.pragma('user_version = 99')
    db.close()
    const bytes = readFileSync(path)

    const error = openError(path)

    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/written by a newer x2d365 \(ledger schema 99, this one knows \d+\)/)
    expect(readFileSync(path).equals(bytes)).toBe(true)
    expect(openError(path, { readonly: true }).message).toMatch(/newer x2d365/)
  })

  it('refuses another program’s SQLite database', () => {
    const db = new Database(path)
    db.exec('CREATE TABLE songs (title TEXT)')
    db.close()
    const bytes = readFileSync(path)

    const error = openError(path)

    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain('is a SQLite database but not an x2d365 ledger (its tables: songs)')
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  it('refuses a folder, a path under a file, a device and /proc, naming each', () => {
    mkdirSync(join(dir, 'folder'))
    writeFileSync(join(dir, 'plain'), 'x')

    expect(openError(join(dir, 'folder')).message).toContain('is a folder; name a file inside it')
    expect(openError(join(dir, 'plain', 'ledger.sqlite')).message).toContain(
      `cannot be created: ${join(dir, 'plain')} is a file, not a folder`,
    )
    expect(openError('/dev/null').message).toContain('is a device or special file')
    expect(openError('/proc/x2d365/ledger.sqlite').message).toContain('kernel file system')
    expect(openError('/proc/self/status').message).toContain('kernel file system')
    expect(openError(join(dir, 'folder'))).toBeInstanceOf(ConfigError)
    expect(existsSync(join(dir, 'folder', '-wal'))).toBe(false)
  })

  it('starts a ledger in an empty file', async () => {
    writeFileSync(path, '')
    const ledger = createSqliteLedger(path)
    try {
      expect(await ledger.runs()).toEqual([])
    } finally {
      await ledger.close()
    }
  })
})

describe('opening a ledger read-only', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'x2d365-ledger-ro-'))
    path = join(dir, 'ledger.sqlite')
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads the runs and never writes the file: no schema upgrade, no new run', async () => {
    const written = createSqliteLedger(path)
    const run = await written.startRun('migrate', {}, at)
    await written.close()
    const db = new Database(path)
    db.exec('DROP INDEX outcomes_by_target')
    db.exec('DROP TABLE write_intents')
    db.pragma('user_version = 6')
    db.close()
    const bytes = readFileSync(path)
    const modified = statSync(path).mtimeMs

    const ledger = createSqliteLedger(path, { readonly: true })
    try {
      expect(await ledger.runs()).toEqual([run])
      expect(await ledger.fixes.current()).toEqual([])
      await expect(ledger.startRun('migrate', {}, at)).rejects.toThrow()
    } finally {
      await ledger.close()
    }

    expect(readFileSync(path).equals(bytes)).toBe(true)
    expect(statSync(path).mtimeMs).toBe(modified)
    const reopened = new Database(path, { readonly: true })
    expect(reopened.pragma('user_version', { simple: true })).toBe(6)
    reopened.close()
  })

  it('reads a ledger of the current schema without writing it', async () => {
    const written = createSqliteLedger(path)
    const run = await written.startRun('migrate', {}, at)
    await written.close()
    const bytes = readFileSync(path)

    const ledger = createSqliteLedger(path, { readonly: true })
    try {
      expect(await ledger.run(run.runId)).toEqual(run)
      await expect(ledger.startRun('migrate', {}, at)).rejects.toThrow(/readonly/)
    } finally {
      await ledger.close()
    }
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  it('refuses a ledger that does not exist instead of creating one', () => {
    expect(openError(path, { readonly: true }).message).toContain('does not exist')
    expect(existsSync(path)).toBe(false)
  })
})
