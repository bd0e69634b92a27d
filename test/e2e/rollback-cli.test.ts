import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { deltaCommand } from '../../src/cli/commands/delta.ts'
import { migrateCommand } from '../../src/cli/commands/migrate.ts'
import { rollbackCommand } from '../../src/cli/commands/rollback.ts'
import { buildProgram } from '../../src/cli/program.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-rollback-cli-'))
let sims: Awaited<ReturnType<typeof serveBothSimulators>>
let stdout: string[] = []

beforeAll(async () => {
  sims = await serveBothSimulators(dir, { accounts: 20, contacts: 30, batchSize: 20 })
  vi.stubEnv('TEST_X2CRM_KEY', sims.env.TEST_X2CRM_KEY)
  vi.stubEnv('TEST_DATAVERSE_SECRET', sims.env.TEST_DATAVERSE_SECRET)
})
afterAll(async () => {
  vi.unstubAllEnvs()
  await sims.close()
  rmSync(dir, { recursive: true, force: true })
})

async function quietly(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  stdout = []
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
    stdout.push(String(text))
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  try {
    return { code: await run(), out: stdout.join('') }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

describe('x2d365 rollback', () => {
  it('parses --yes, --dry-run and --method', () => {
    const program = buildProgram(() => undefined)
    const command = program.commands.find((c) => c.name() === 'rollback')
    command?.parseOptions(['--yes', '--dry-run', '--method', 'row'])
    expect(command?.opts()).toMatchObject({ yes: true, dryRun: true, method: 'row' })
    const fresh = buildProgram(() => undefined)
    expect(fresh.commands.find((c) => c.name() === 'rollback')?.opts()).toMatchObject({ method: 'bulk' })
    expect(() =>
      fresh.commands
        .find((c) => c.name() === 'rollback')
        ?.exitOverride()
        .configureOutput({ writeErr: () => undefined })
        .parseOptions(['--method', 'fast']),
    ).toThrow(/Allowed choices are bulk, row/)
  })

  it('--dry-run writes nothing; without a terminal it prints the span of runs and undoes them', async () => {
    const config = sims.configPath
    expect((await quietly(() => migrateCommand({ config }))).code).toBe(0)
    const record = sims.data.records['Accounts']?.find((a) => a['visibility'] !== 0)
    if (record === undefined) throw new Error('no account')
    sims.x2crm.upsert('Accounts', { ...record, name: 'Renamed at cutover' })
    expect((await quietly(() => deltaCommand({ config }))).code).toBe(0)

    const accounts = sims.dataverse.rows('account')
    const ledgerPath = join(dir, 'ledger.sqlite')
    const runsBefore = await runCount(ledgerPath)
    const dry = await quietly(() => rollbackCommand({ config, dryRun: true }))
    expect(dry.code).toBe(0)
    expect(dry.out).toContain('This rollback spans 2 runs')
    expect(dry.out).toMatch(/accounts \(Accounts\):\n {4}delete \d+: /)
    expect(dry.out).toContain('restore')
    expect(sims.dataverse.rows('account')).toEqual(accounts)
    expect(await runCount(ledgerPath)).toBe(runsBefore)

    // stdin is no terminal here: the span is printed and the rollback goes ahead.
    expect(process.stdin.isTTY).not.toBe(true)
    const done = await quietly(() => rollbackCommand({ config }))
    expect(done.out).toMatch(/This rollback spans 2 runs, undone newest first: delta .*, migrate /)
    expect(done.out).toContain('Verified in Dataverse')
    expect(done.code).toBe(0)
    expect(sims.dataverse.rows('account')).toHaveLength(0)
  })
})

async function runCount(path: string): Promise<number> {
  const ledger = createSqliteLedger(path)
  try {
    return (await ledger.runs()).length
  } finally {
    await ledger.close()
  }
}
