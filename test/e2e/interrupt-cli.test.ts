import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import type { DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname

interface CliRun {
  code: number | null
  lines: Record<string, unknown>[]
  stdout: string
  stderr: string
}

/**
 * Runs `x2d365 migrate`; `signalWhen` sees each stdout line and everything on stderr so far, and returns the signals to
 * send now (each of which it returns once).
 */
function runMigrate(
  sims: { configPath: string; env: Record<string, string> },
  options: { json: boolean; signalWhen?: (seen: { line?: string; stderr: string }) => NodeJS.Signals[] },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const args = [cli, 'migrate', '--config', sims.configPath, ...(options.json ? ['--json'] : [])]
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...sims.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: Record<string, unknown>[] = []
    let stdout = ''
    let stderr = ''
    const maybeSignal = (line?: string) => {
      for (const signal of options.signalWhen?.({ ...(line === undefined ? {} : { line }), stderr }) ?? [])
        child.kill(signal)
    }
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      maybeSignal()
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`
      if (options.json) lines.push(JSON.parse(line) as Record<string, unknown>)
      maybeSignal(options.json ? line : undefined)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, lines, stdout, stderr }))
  })
}

/** Sends `signals` once, the first time a JSON line says `n` contacts were loaded. */
const atContacts = (n: number, signals: NodeJS.Signals[]) => {
  let sent = false
  return ({ line }: { line?: string }): NodeJS.Signals[] => {
    if (sent || line === undefined) return []
    const event = JSON.parse(line) as { type?: string; phase?: string; done?: number }
    sent = event.type === 'batch.loaded' && event.phase === 'Contacts' && (event.done ?? 0) >= n
    return sent ? signals : []
  }
}

describe('Ctrl-C during x2d365 migrate', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => cleanup?.())

  async function simulators(prefix: string, dataverse?: DataverseSimOptions) {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    const sims = await serveBothSimulators(dir, {
      accounts: 60,
      contacts: 300,
      batchSize: 20,
      ...(dataverse && { dataverse }),
    })
    cleanup = async () => {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    }
    return { dir, sims }
  }

  it('stops after the requests in flight, says what was done and how to resume, exits 130; migrate again finishes', async () => {
    const { dir, sims } = await simulators('x2d365-sigint-')
    const stopped = await runMigrate(sims, {
      json: true,
      signalWhen: atContacts(60, ['SIGINT']),
    })
    expect(stopped.code).toBe(130)
    expect(stopped.stderr).toMatch(/SIGINT: no new batch starts/)
    expect(stopped.lines.some((l) => l['type'] === 'run.finished')).toBe(false)
    const interrupted = stopped.lines.at(-1)
    expect(interrupted).toMatchObject({ type: 'run.interrupted', kind: 'migrate' })
    expect(String(interrupted?.['resume'])).toMatch(
      /`x2d365 migrate` again resumes.*`x2d365 rollback` undoes/,
    )
    // Every contact in Dataverse is known to the ledger.
    const runId = String(interrupted?.['runId'])
    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    try {
      let created = 0
      for await (const o of ledger.outcomes(runId, 'Contacts')) if (o.status === 'created') created++
      const contacts = sims.dataverse.rows('contact')
      expect(created).toBeLessThanOrEqual(contacts.length)
      expect(contacts.length).toBeLessThan(300)
      // A batch the loader had begun when it stopped is not recorded, but its rows are in the write intents.
      const known = new Set<string>()
      for await (const intent of ledger.intents.all(runId)) known.add(intent.targetId)
      for (const row of contacts) expect(known).toContain(String(row['contactid']))
    } finally {
      await ledger.close()
    }

    const resumed = await runMigrate(sims, { json: true })
    expect(resumed.lines.find((l) => l['type'] === 'run.started')).toMatchObject({ runId, resumed: true })
    const finished = resumed.lines.find((l) => l['type'] === 'run.finished')
    expect(finished).toMatchObject({ reconciliation: { balanced: true } })
  })

  it('prints the resume hint in words, and a second Ctrl-C stops at once with 130', async () => {
    // Each write of contacts takes 300 ms more, so the requests in flight after the first Ctrl-C outlast the second
    // (they used to by chance: refused chunks sent again as $batch, gone since lengths are checked before sending).
    const slowContacts = (request: Request) => request.method === 'POST' && /\/contacts\b/.test(request.url)
    const { sims } = await simulators('x2d365-sigint-twice-', {
      faults: [{ kind: 'latency', ms: 300, match: slowContacts }],
    })
    let sent = false
    const human = await runMigrate(sims, {
      json: false,
      signalWhen: ({ stderr }) => (!sent && (sent = /Contacts: \d+ records/.test(stderr)) ? ['SIGINT'] : []),
    })
    expect(human.code).toBe(130)
    expect(human.stdout).toMatch(/Interrupted: the migrate run \S+ stopped before it was done/)
    expect(human.stdout).toMatch(/ {2}Accounts: \d+ created/)
    expect(human.stdout).toMatch(
      /`x2d365 migrate` again resumes this run where it stopped; `x2d365 rollback` undoes it/,
    )

    // The second once the first was taken (two signals sent at once can arrive as one).
    const first = atContacts(20, ['SIGINT'])
    let second = false
    const twice = await runMigrate(sims, {
      json: true,
      signalWhen: (seen) => {
        if (second || !/no new batch starts/.test(seen.stderr)) return first(seen)
        second = true
        return ['SIGINT']
      },
    })
    expect(twice.code).toBe(130)
    expect(twice.stderr).toMatch(/SIGINT again: stopping now/)
    expect(twice.lines.some((l) => l['type'] === 'run.interrupted')).toBe(false)
  })

  it('SIGTERM stops it the same way with exit 143', async () => {
    const { sims } = await simulators('x2d365-sigterm-')
    const stopped = await runMigrate(sims, {
      json: true,
      signalWhen: atContacts(20, ['SIGTERM']),
    })
    expect(stopped.code).toBe(143)
    expect(stopped.lines.at(-1)).toMatchObject({ type: 'run.interrupted' })
  })
})
