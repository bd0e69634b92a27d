import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { serveBothSimulators } from '../helpers/sims.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname

interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  events: RunEvent[]
  stderr: string
}

/** Runs `x2d365 migrate --json`; `killWhen` sees each event and may SIGKILL the process mid-run. */
function runMigrate(
  configPath: string,
  env: Record<string, string>,
  killWhen?: (event: RunEvent) => boolean,
  command = 'migrate',
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, command, '--json', '--config', configPath], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const events: RunEvent[] = []
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as RunEvent
      if (!('type' in event)) return
      events.push(event)
      if (killWhen?.(event)) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, events, stderr }))
  })
}

describe('kill -9 in the middle of a migration, then run again', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => cleanup?.())

  it('resumes the same run where it stopped and ends with nothing missing and nothing duplicated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x2d365-kill-'))
    const sims = await serveBothSimulators(dir, { accounts: 120, contacts: 400, batchSize: 20 })
    cleanup = async () => {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    }

    const killed = await runMigrate(
      sims.configPath,
      sims.env,
      (e) => e.type === 'batch.loaded' && e.phase === 'Contacts' && e.done >= 100,
    )
    expect(killed.signal).toBe('SIGKILL')
    const firstStart = killed.events.find((e) => e.type === 'run.started')
    expect(killed.events.some((e) => e.type === 'run.finished')).toBe(false)
    const contactsBeforeKill = sims.dataverse.rows('contact').length
    expect(contactsBeforeKill).toBeGreaterThan(0)

    const resumed = await runMigrate(sims.configPath, sims.env)
    expect(resumed.stderr).toBe('')
    const start = resumed.events.find((e) => e.type === 'run.started')
    expect(start).toMatchObject({
      resumed: true,
      runId: firstStart?.type === 'run.started' ? firstStart.runId : 'none',
    })
    const contactsPhase = resumed.events.find((e) => e.type === 'phase.started' && e.phase === 'Contacts')
    expect(contactsPhase).toMatchObject({ resumeAfterId: expect.any(Number) as unknown })
    expect(contactsPhase?.type === 'phase.started' && contactsPhase.resumeAfterId).toBeGreaterThan(0)

    const finished = resumed.events.at(-1)
    expect(finished?.type).toBe('run.finished')
    if (finished?.type !== 'run.finished') return
    expect(finished.reconciliation.balanced).toBe(true)
    expect(resumed.code).toBe(3) // finished; the generated dirty data leaves some records quarantined

    // Nothing duplicated: Dataverse holds exactly the rows the ledger says were created, once each.
    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    try {
      const keys = new Map<string, number>()
      const loadedTargets = new Set<string>()
      for await (const outcome of ledger.outcomes(finished.runId, 'Contacts')) {
        keys.set(outcome.sourceKey, (keys.get(outcome.sourceKey) ?? 0) + 1)
        if (outcome.status === 'created' || outcome.status === 'updated')
          loadedTargets.add(outcome.targetId ?? '')
      }
      expect([...keys.values()].every((n) => n === 1)).toBe(true)
      const contacts = sims.dataverse.rows('contact')
      expect(contacts).toHaveLength(loadedTargets.size)
      expect(new Set(contacts.map((c) => c['contactid']))).toEqual(loadedTargets)
      // Nothing missing: every listed contact has an outcome.
      const phase = finished.reconciliation.phases.find((p) => p.phase === 'Contacts')
      expect(phase?.accounted).toBe(keys.size)
      expect(phase?.source).toBe(keys.size)
    } finally {
      await ledger.close()
    }
  })

  it('a delta killed mid-way is closed as failed, and the next delta loads exactly what it had not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x2d365-kill-delta-'))
    const sims = await serveBothSimulators(dir, { accounts: 60, contacts: 300, batchSize: 20 })
    cleanup = async () => {
      await sims.close()
      rmSync(dir, { recursive: true, force: true })
    }
    const migrated = await runMigrate(sims.configPath, sims.env)
    expect(migrated.events.at(-1)?.type).toBe('run.finished')

    // Every loaded contact gets a new job title in X2CRM, without a new lastUpdated.
    const titles = new Map<string, string>()
    for (const contact of sims.data.records['Contacts'] ?? []) {
      const title = `Cutover ${String(contact['id'])}`
      sims.x2crm.upsert('Contacts', { ...contact, title })
      titles.set(String(contact['id']), title)
    }
    const killed = await runMigrate(
      sims.configPath,
      sims.env,
      (e) => e.type === 'batch.loaded' && e.phase === 'Contacts' && e.done >= 60,
      'delta',
    )
    expect(killed.signal).toBe('SIGKILL')
    const stoppedAt = sims.dataverse
      .rows('contact')
      .filter((c) => String(c['jobtitle']).startsWith('Cutover')).length
    expect(stoppedAt).toBeGreaterThanOrEqual(60)
    expect(stoppedAt).toBeLessThan(titles.size)

    const resumed = await runMigrate(sims.configPath, sims.env, undefined, 'delta')
    const finished = resumed.events.find((e) => e.type === 'run.finished')
    expect(finished?.type === 'run.finished' && finished.reconciliation.balanced).toBe(true)
    const rows = sims.dataverse.rows('contact')
    const stale = rows.filter((c) => !String(c['jobtitle']).startsWith('Cutover'))
    expect(stale).toEqual([])

    const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
    try {
      const deltas = (await ledger.runs()).filter((r) => r.kind === 'delta')
      expect(deltas.map((r) => r.status)).toEqual(['succeeded', 'failed'])
      expect(deltas[0]?.params['continues']).toBe(deltas[1]?.runId)
      // Each changed contact was recorded once, by one of the two runs: the second loaded exactly what the first had
      // not recorded (rows in flight when it died were written again, as upserts of the same values).
      const updatedBy = async (runId: string) => {
        const keys: string[] = []
        for await (const o of ledger.outcomes(runId, 'Contacts'))
          if (o.status === 'updated') keys.push(o.sourceKey)
        return keys
      }
      const [second, first] = [
        await updatedBy(deltas[0]?.runId ?? ''),
        await updatedBy(deltas[1]?.runId ?? ''),
      ]
      expect(first.length).toBeGreaterThan(0)
      expect(second.filter((key) => first.includes(key))).toEqual([])
      expect(first.length + second.length).toBe(rows.length)
    } finally {
      await ledger.close()
    }
  })
})
