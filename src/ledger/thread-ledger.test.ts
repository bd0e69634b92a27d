import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, MigrationError } from '../errors.ts'
import type { Ledger } from './ledger.ts'
import { createSqliteLedger } from './sqlite.ts'
import { createThreadLedger } from './thread-ledger.ts'

const fresh = () => join(mkdtempSync(join(tmpdir(), 'x2d365-thread-ledger-')), 'ledger.sqlite')
const opened: Ledger[] = []
const open = (path = fresh()) => {
  const ledger = createThreadLedger(path)
  opened.push(ledger)
  return ledger
}
afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close()
})

describe('the SQLite ledger on its own thread', () => {
  it('writes the file the SQLite ledger reads: what it recorded is there after close', async () => {
    const path = fresh()
    const ledger = createThreadLedger(path)
    const run = await ledger.startRun('migrate', { map: 'built-in' }, new Date('2026-01-02T03:04:05Z'))
    await ledger.recordBatch(
      run.runId,
      'Contacts',
      [{ runId: run.runId, phase: 'Contacts', sourceKey: 'Contacts:1', status: 'created', targetId: 'a-1' }],
      { lastSourceId: 1 },
    )
    await ledger.close()
    const same = createSqliteLedger(path, { readonly: true })
    expect((await same.loaded(['Contacts:1'])).get('Contacts:1')?.targetId).toBe('a-1')
    expect((await same.run(run.runId))?.params).toEqual({ map: 'built-in' })
    await same.close()
  })

  it('answers in the order the calls were made: a read posted after a write sees it', async () => {
    const ledger = open()
    const run = await ledger.startRun('migrate', {}, new Date())
    const writes = Array.from({ length: 20 }, (_, i) =>
      ledger.recordBatch(
        run.runId,
        'Contacts',
        [
          {
            runId: run.runId,
            phase: 'Contacts',
            sourceKey: `Contacts:${i + 1}`,
            status: 'created',
            targetId: `t-${i}`,
          },
        ],
        { lastSourceId: i + 1 },
      ),
    )
    // Not awaited before: posted after the twenty writes, answered after them.
    const checkpoint = ledger.checkpoint(run.runId, 'Contacts')
    await Promise.all(writes)
    expect(await checkpoint).toEqual({ lastSourceId: 20 })
  })

  it("throws the ledger's own error classes, with their message", async () => {
    const ledger = open()
    const failure = ledger.fixes.add([
      {
        entity: 'Contacts',
        id: 1.5,
        field: 'email',
        value: 'x',
        original: null,
        fixedAt: 'now',
        fixedBy: 'me',
      },
    ])
    await expect(failure).rejects.toBeInstanceOf(MigrationError)
    await expect(failure).rejects.toThrow(/could not store 1 fix/)
    // The thread is still there for the next call.
    expect(await ledger.runs()).toEqual([])
  })

  it('refuses arguments that cannot cross to its thread, and goes on answering', async () => {
    const ledger = open()
    const params = { callback: () => 'not data' } as unknown as Record<string, unknown>
    await expect(ledger.startRun('migrate', params, new Date())).rejects.toThrow(/could not be cloned/)
    expect(await ledger.runs()).toEqual([])
  })

  it('refuses a file that is not a ledger when it is opened, synchronously, as the SQLite ledger does', () => {
    const path = fresh()
    writeFileSync(path, 'this is not a database, just some text a user pointed run.ledger at')
    expect(() => createThreadLedger(path)).toThrow(ConfigError)
  })

  it('streams a long iterable in chunks, and a consumer that stops early can go on writing', async () => {
    const ledger = open()
    const run = await ledger.startRun('migrate', {}, new Date())
    const outcomes = Array.from({ length: 2_345 }, (_, i) => ({
      runId: run.runId,
      phase: 'Contacts',
      sourceKey: `Contacts:${i + 1}`,
      status: 'created' as const,
      targetId: `t-${i + 1}`,
    }))
    await ledger.recordBatch(run.runId, 'Contacts', outcomes, { lastSourceId: outcomes.length })
    const keys: string[] = []
    for await (const outcome of ledger.outcomes(run.runId)) keys.push(outcome.sourceKey)
    expect(keys).toHaveLength(2_345)
    expect(keys.at(-1)).toBe('Contacts:2345')
    let seen = 0
    for await (const _ of ledger.outcomes(run.runId)) if (++seen === 3) break
    await ledger.recordBatch(run.runId, 'Accounts', [], { lastSourceId: 9 })
    expect(await ledger.checkpoint(run.runId, 'Accounts')).toEqual({ lastSourceId: 9 })
  })

  it('refuses calls after close, and close twice is harmless', async () => {
    const ledger = createThreadLedger(fresh())
    await ledger.close()
    await ledger.close()
    await expect(ledger.runs()).rejects.toThrow(/closed/)
  })

  it('does not keep the process alive: a command that never closes it still exits', () => {
    const path = fresh()
    const script = `
      import { createThreadLedger } from ${JSON.stringify(new URL('./thread-ledger.ts', import.meta.url).href)}
      const ledger = createThreadLedger(${JSON.stringify(path)})
      const run = await ledger.startRun('migrate', {}, new Date())
      console.log(run.status)
    `
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('running')
    expect(child.status).toBe(0)
  })
})
