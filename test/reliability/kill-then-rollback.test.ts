import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createRandom } from '../../sim/seed/random.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { transformRecord } from '../../src/mapping/transform-record.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { type CliEvent, type CliRun, expectSameRows, runCli, snapshot } from './helpers.ts'

/**
 * Runs killed (kill -9, or Ctrl-C) at seeded points of a migration (extraction, load, link pass), of a delta after
 * it, and of the rollback itself, then rolled back (the rollback resumed when it was the one killed): Dataverse holds
 * exactly what it held before the runs — the org's own rows, those dedupe matched restored — row by row.
 */
const RECORDS = Number(process.env['RELIABILITY_ROLLBACK_RECORDS'] ?? 2_000)
const SEED = Number(process.env['RELIABILITY_SEED'] ?? 20_261_203)
const ACCOUNTS = Math.round(RECORDS / 4)
const CONTACTS = RECORDS - ACCOUNTS
/** Accounts the org has already: half of them match an X2CRM company by name and website (dedupe updates them). */
const ORG_ACCOUNTS = 40
const INSTANCE = 'e2e'

type Signal = 'SIGKILL' | 'SIGINT'
interface Kill {
  /** Where, in words. */
  at: string
  when: (event: CliEvent) => boolean
  signal: Signal
}
type Step = { command: 'migrate' | 'delta' | 'rollback'; kill?: Kill } | { command: 'change-x2crm' }

/** A batch of `phase` with at least `done` rows behind it (0: as the phase starts). */
const at = (phase: string, done: number, signal: Signal): Kill => ({
  at: `${phase} ${done}`,
  when: (e) =>
    e.phase === phase &&
    (done === 0 ? e.type === 'phase.started' : e.type === 'batch.loaded' && (e.done ?? 0) >= done),
  signal,
})

function scenarios(): { name: string; steps: Step[] }[] {
  const random = createRandom(SEED)
  const signal = (): Signal => (random.next() < 0.5 ? 'SIGKILL' : 'SIGINT')
  const within = (n: number) => 1 + Math.floor(random.next() * (n - 1))
  const migrateKilled = (phase: string, size: number, done = within(size)): Step => ({
    command: 'migrate',
    kill: at(phase, done, signal()),
  })
  return [
    { name: 'migrate killed while reading X2CRM', steps: [migrateKilled('Accounts', ACCOUNTS, 0)] },
    { name: 'migrate killed loading accounts', steps: [migrateKilled('Accounts', ACCOUNTS)] },
    { name: 'migrate killed loading contacts', steps: [migrateKilled('Contacts', CONTACTS)] },
    { name: 'migrate killed in the link pass', steps: [migrateKilled('Accounts.links', ACCOUNTS)] },
    {
      name: 'migrate killed, resumed and killed again',
      steps: [migrateKilled('Accounts', ACCOUNTS), migrateKilled('Contacts', CONTACTS)],
    },
    {
      name: 'rollback killed undoing contacts, then rolled back again',
      steps: [
        { command: 'migrate' },
        { command: 'rollback', kill: at('Contacts', within(CONTACTS), signal()) },
      ],
    },
    {
      name: 'rollback killed undoing accounts, then rolled back again',
      steps: [
        { command: 'migrate' },
        { command: 'rollback', kill: at('Accounts', within(ACCOUNTS), signal()) },
      ],
    },
    {
      name: 'delta killed comparing contacts, then rolled back (delta and migration)',
      steps: [
        { command: 'migrate' },
        { command: 'change-x2crm' },
        { command: 'delta', kill: at('Contacts delta', 0, signal()) },
      ],
    },
    {
      name: 'delta killed loading its changes, resumed, then rolled back',
      steps: [
        { command: 'migrate' },
        { command: 'change-x2crm' },
        {
          command: 'delta',
          kill: { at: 'its first loaded batch', when: (e) => e.type === 'batch.loaded', signal: signal() },
        },
        { command: 'delta' },
      ],
    },
  ]
}

describe(`runs killed at seeded points of a ${RECORDS}-record migration, then rolled back (seed ${SEED})`, () => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  it('leave Dataverse as it was before the runs, row by row', async () => {
    const started = Date.now()
    const log: string[] = []
    let compared = 0
    let kills = 0
    for (const scenario of scenarios()) {
      const dir = mkdtempSync(join(tmpdir(), 'x2d365-rel-rollback-'))
      const sims = await serveBothSimulators(dir, {
        accounts: ACCOUNTS,
        contacts: CONTACTS,
        batchSize: 100,
        seed: 9,
      })
      cleanups.push(async () => {
        await sims.close()
        rmSync(dir, { recursive: true, force: true })
      })
      seedOrgAccounts(sims)
      const before = snapshot(sims.dataverse)
      const said: string[] = []

      for (const step of scenario.steps) {
        if (step.command === 'change-x2crm') {
          changeX2crm(sims)
          continue
        }
        const run = await runCli(
          step.command === 'rollback' ? ['rollback', '--yes'] : [step.command],
          sims,
          step.kill,
        )
        said.push(describeStep(step, run))
        if (step.kill !== undefined && run.killedAt !== undefined) kills++
        // 3: finished, with the generator's deliberately bad records quarantined.
        if (step.kill === undefined) expect([0, 3], `${step.command}: ${run.stderr}`).toContain(run.code)
      }
      // Then rollback; once more when the last step killed a rollback (it resumes), which must say it checked out.
      const undone = await runCli(['rollback', '--yes'], sims)
      said.push(describeStep({ command: 'rollback' }, undone))
      expect(undone.code, `${scenario.name}: rollback said ${undone.stderr}`).toBe(0)
      expect(undone.events.at(-1), scenario.name).toMatchObject({ type: 'rollback.finished', verified: true })
      compared += expectSameRows(before, snapshot(sims.dataverse), scenario.name)
      log.push(`  ${scenario.name}: ${said.join(' → ')}`)
      await ledgerSaysUndone(join(dir, 'ledger.sqlite'), scenario.name)
    }
    console.log(
      [
        `Kill then rollback: ${RECORDS} records (${ACCOUNTS} accounts, ${CONTACTS} contacts), ${ORG_ACCOUNTS} org accounts, seed ${SEED}`,
        `Scenarios (${log.length}, ${kills} kills):`,
        ...log,
        `Compared ${compared} rows (count, id and content hash per row) with Dataverse before the runs: equal`,
        `Run time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    )
  })
})

function describeStep(step: { command: string; kill?: Kill }, run: CliRun) {
  const how = run.killedAt
    ? `${step.kill?.signal ?? ''} at ${run.killedAt.type} ${run.killedAt.phase ?? ''} ${run.killedAt.done ?? ''}`.trim()
    : step.kill !== undefined
      ? `${step.kill.signal} planned at ${step.kill.at}: finished first, exit ${run.code ?? '?'}`
      : `exit ${run.code ?? '?'}`
  return `${step.command} (${how})`
}

type Sims = Awaited<ReturnType<typeof serveBothSimulators>>

/** The org's own accounts: half match an X2CRM company (dedupe writes onto them), half are unrelated. */
function seedOrgAccounts(sims: Sims) {
  const [accountsMap] = defaultMapping().entities
  if (accountsMap === undefined) throw new Error('the default map has no Accounts')
  const context = {
    targetIdFor: (entity: string, id: number) => targetIdFor(INSTANCE, entity, id),
    ownerFor: () => undefined,
  }
  const matching = (sims.data.records['Accounts'] ?? [])
    .map((record) => transformRecord(accountsMap, record, context))
    .flatMap((t) =>
      t.status === 'ok' && typeof t.values['name'] === 'string' && typeof t.values['websiteurl'] === 'string'
        ? [{ name: t.values['name'], websiteurl: t.values['websiteurl'] }]
        : [],
    )
  const rows = Array.from({ length: ORG_ACCOUNTS }, (_, i) => {
    const match = i % 2 === 0 ? matching[i * 7] : undefined
    return {
      accountid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: match?.name ?? `Org account ${i}`,
      websiteurl: match?.websiteurl ?? `https://org-${i}.example`,
      telephone1: `+1 555 01${String(i).padStart(2, '0')}`,
      description: 'The org’s own row, there before the migration',
    }
  })
  sims.dataverse.seed('account', rows)
}

/** What changes in X2CRM between the migration and the delta. */
function changeX2crm(sims: Sims) {
  const later = Math.floor(Date.now() / 1000) + 60
  const accounts = [...(sims.data.records['Accounts'] ?? [])]
  const contacts = [...(sims.data.records['Contacts'] ?? [])]
  for (const [i, account] of accounts.entries())
    if (i % 10 === 0)
      sims.x2crm.upsert('Accounts', { ...account, description: `Changed ${i}`, lastUpdated: later })
  for (const [i, contact] of contacts.entries())
    if (i % 10 === 0) sims.x2crm.upsert('Contacts', { ...contact, title: `Changed ${i}`, lastUpdated: later })
}

/** Every migrate and delta run the ledger holds has a rollback that checked out: nothing is left to roll back. */
async function ledgerSaysUndone(path: string, name: string) {
  const ledger = createSqliteLedger(path, { readonly: true })
  try {
    const runs = await ledger.runs()
    const rollbacks = runs.filter((r) => r.kind === 'rollback' && r.status === 'succeeded')
    const undone = new Set(rollbacks.map((r) => String(r.params['of'] ?? r.summary?.['of'])))
    for (const run of runs.filter((r) => r.kind === 'migrate' || r.kind === 'delta'))
      expect(undone.has(run.runId), `${name}: ${run.kind} ${run.runId} undone`).toBe(true)
  } finally {
    await ledger.close()
  }
}
