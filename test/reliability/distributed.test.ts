import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunEvent } from '../../src/run/events.ts'
import { createPostgresLedger } from '../../src/ledger/postgres.ts'
import { runCli } from '../helpers/run-cli.ts'
import { dropSchema, ledgerUrl, postgresAnswers, scratchSchema } from '../helpers/postgres.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname
const available = await postgresAnswers()

interface Proc {
  child: ChildProcess
  events: RunEvent[]
  stderr: () => string
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the CLI with JSON events; `onEvent` sees each one (and may kill the process). */
function start(args: string[], env: Record<string, string>, onEvent?: (e: RunEvent, p: Proc) => void): Proc {
  const child = spawn(process.execPath, [cli, ...args, '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const proc: Proc = {
    child,
    events: [],
    stderr: () => stderr,
    done: new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) => resolve({ code, signal }))
    }),
  }
  if (child.stdout)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as RunEvent
      proc.events.push(event)
      onEvent?.(event, proc)
    })
  return proc
}

/** Every row's id and content, system columns (times, versions) left out, in id order: equal rows, equal hash. */
function tableContent(rows: Record<string, unknown>[], primaryId: string) {
  const lines = rows
    .map((row) => {
      const kept = Object.entries(row)
        .filter(
          ([k]) =>
            !/^(createdon|modifiedon|versionnumber|overriddencreatedon|_owningbusinessunit_value|@odata.*)$/.test(
              k,
            ),
        )
        .sort(([a], [b]) => (a < b ? -1 : 1))
      return JSON.stringify([row[primaryId], kept])
    })
    .sort()
  return { count: rows.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex') }
}

const SIZE = { accounts: 300, contacts: 900, batchSize: 25, seed: 11 }

describe.skipIf(!available)('a distributed migration: 3 workers, one killed with SIGKILL mid-slice', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('ends with the same Dataverse as a single-process run: row counts, per-row content, balanced, no duplicate', async () => {
    // The single-process run, for comparison.
    const singleDir = mkdtempSync(join(tmpdir(), 'x2d365-single-'))
    const single = await serveBothSimulators(singleDir, SIZE)
    cleanups.push(async () => {
      await single.close()
      rmSync(singleDir, { recursive: true, force: true })
    })
    const alone = start(['migrate', '--config', single.configPath], single.env)
    const aloneExit = await alone.done

    // The distributed run: a coordinator and three workers sharing a PostgreSQL ledger.
    const dir = mkdtempSync(join(tmpdir(), 'x2d365-distributed-'))
    const sims = await serveBothSimulators(dir, SIZE)
    const schema = scratchSchema('distributed')
    cleanups.push(async () => {
      await sims.close()
      await dropSchema(schema)
      await dropSchema(`${schema}_queue`)
      rmSync(dir, { recursive: true, force: true })
    })
    const config = readFileSync(sims.configPath, 'utf8').replace(
      'ledger: ledger.sqlite',
      `ledger: '${ledgerUrl(schema)}'`,
    )
    writeFileSync(sims.configPath, config)

    const coordinator = start(
      [
        'migrate',
        '--distributed',
        '--chunk-size',
        '100',
        '--lease',
        '2',
        '--poll',
        '100',
        '--config',
        sims.configPath,
      ],
      sims.env,
    )
    const workerArgs = (n: number) => [
      'worker',
      '--name',
      `w${n}`,
      '--wait',
      '30',
      '--lease',
      '2',
      '--poll',
      '100',
      '--config',
      sims.configPath,
    ]
    let killedAt: number | undefined
    const victim = start(workerArgs(1), sims.env, (e, p) => {
      // Mid-slice: after its first recorded batch of contacts, before the slice is complete.
      if (killedAt === undefined && e.type === 'batch.loaded' && e.phase === 'Contacts') {
        killedAt = e.lastSourceId
        p.child.kill('SIGKILL')
      }
    })
    const others = [start(workerArgs(2), sims.env), start(workerArgs(3), sims.env)]

    const victimExit = await victim.done
    expect(
      victimExit.signal,
      victim.stderr() + JSON.stringify(victim.events.slice(-3)) + coordinator.stderr(),
    ).toBe('SIGKILL')
    expect(killedAt).toBeDefined()
    const exits = await Promise.all(others.map((w) => w.done))
    const coordinatorExit = await coordinator.done
    expect(
      exits.map((e) => e.code),
      others.map((w) => w.stderr()).join('\n'),
    ).toEqual([0, 0])
    expect(coordinatorExit.code, coordinator.stderr()).toBe(aloneExit.code)

    const finished = coordinator.events.findLast((e) => e.type === 'run.finished')
    expect(finished?.type === 'run.finished' && finished.reconciliation.balanced).toBe(true)
    const aloneFinished = alone.events.findLast((e) => e.type === 'run.finished')
    if (finished?.type === 'run.finished' && aloneFinished?.type === 'run.finished') {
      expect(finished.reconciliation.phases).toEqual(aloneFinished.reconciliation.phases)
    }
    for (const [table, id] of [
      ['account', 'accountid'],
      ['contact', 'contactid'],
    ] as const) {
      const distributed = sims.dataverse.rows(table)
      // No duplicate: every id once.
      expect(new Set(distributed.map((r) => r[id])).size).toBe(distributed.length)
      expect(tableContent(distributed, id)).toEqual(tableContent(single.dataverse.rows(table), id))
    }

    // The slice the killed worker held was taken again, after its lease, by another worker.
    const ledger = await createPostgresLedger(ledgerUrl(schema))
    cleanups.unshift(() => ledger.close())
    const { rows } = await ledger.pool.query<{ phase: string; worker: string }>(
      'SELECT phase, worker FROM chunk_results ORDER BY chunk',
    )
    expect(rows.filter((r) => r.phase === 'Contacts').map((r) => r.worker)).not.toContain('w1')

    // From any machine: the whole run's progress, then a delta and verify over the shared ledger.
    const status = await runCli(['status', '--config', sims.configPath], { cwd: dir, env: sims.env })
    expect(status.stdout).toMatch(/\(migrate, distributed\): succeeded/)
    expect(status.stdout).toMatch(/Contacts: \d+ created.*slices 9\/9 done, 0 loading, 0 waiting/)
    const delta = await runCli(['delta', '--json', '--config', sims.configPath], { cwd: dir, env: sims.env })
    // 3: the records the migration quarantined are tried again and quarantined again, as after a single-process run.
    expect(delta.code, delta.stderr).toBe(aloneExit.code)
    expect(tableContent(sims.dataverse.rows('contact'), 'contactid')).toEqual(
      tableContent(single.dataverse.rows('contact'), 'contactid'),
    )
    const verify = await runCli(['verify', '--sample', '30', '--config', sims.configPath], {
      cwd: dir,
      env: sims.env,
    })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    // And the cutover called off: rollback undoes the distributed migration and the delta from the shared ledger.
    const rollback = await runCli(['rollback', '--yes', '--config', sims.configPath], {
      cwd: dir,
      env: sims.env,
    })
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0)
    expect(sims.dataverse.rows('contact')).toEqual([])
    expect(sims.dataverse.rows('account')).toEqual([])
  }, 120_000)
})
