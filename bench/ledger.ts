/**
 * The ledger alone, as migrate calls it. For each batch of 100 records of a first pass, as prepare-batch.ts and
 * load-phase.ts do: `loaded` (the records and their parents), `intents.findBySource`, `intents.find`,
 * `intents.record` (one transaction, before the send), then `recordBatch` (outcomes, checkpoint and content hashes:
 * another); `counts` and `checkpoint` when a phase starts. No network, no simulators, so the CPU and wall seconds it
 * prints are the ledger's own and far less noisy than bench:scale's on a shared machine:
 *
 *   npx tsx bench/ledger.ts [--records 200000] [--dir /tmp] [--writes-only]
 *
 * `--writes-only` leaves out the reads (the intents and the batch transaction only, as this bench did before).
 * 100,000 records on a shared 2-core machine, 3 runs each (session 6): main 6.5-7.0 s CPU (65-69 µs a record, 1.95 s
 * of it system), multi-row INSERTs and statement journals in memory 6.1-6.3 s (60-63 µs, 1.5 s system); with
 * `strace -f -e pwrite64`, 20,000 records write 299 MB on main and 156 MB now.
 * Target ids are UUID v5 of the source key, as `targetIdFor` makes them: random, like the real ones. Each record of a
 * later phase links to a record of the phase before it (a contact to its account...), found by `loaded`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import type { RecordOutcome } from '../src/ledger/ledger.ts'
import { targetIdFor } from '../src/mapping/target-id.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    dir: { type: 'string', default: tmpdir() },
    'writes-only': { type: 'boolean', default: false },
  },
})
const records = Number(values.records)
const reads = !values['writes-only']
const BATCH = 100
const PHASES = [
  ['Accounts', 'accounts'],
  ['Contacts', 'contacts'],
  ['Opportunity', 'opportunities'],
  ['Actions→email', 'emails'],
  ['Actions→task', 'tasks'],
] as const

const dir = mkdtempSync(join(values.dir, 'x2d365-ledger-'))
const ledger = createSqliteLedger(join(dir, 'ledger.sqlite'))
const run = await ledger.startRun('migrate', {}, new Date())
const cpu = process.cpuUsage()
const started = performance.now()
let id = 0
let parentPhase: { name: string; first: number; last: number } | undefined
let found = 0
for (const [phase, entitySet] of PHASES) {
  const entity = phase.split('→')[0] ?? phase
  if (reads) {
    await ledger.counts(run.runId)
    await ledger.checkpoint(run.runId, phase)
  }
  const first = id + 1
  for (let done = 0; done < records / PHASES.length; done += BATCH) {
    const batch = Array.from({ length: BATCH }, () => {
      id += 1
      const sourceKey = `${entity}:${id}`
      return { id, sourceKey, targetId: targetIdFor('bench', entity, id) }
    })
    if (reads) {
      const parents =
        parentPhase === undefined
          ? []
          : batch.map(
              (r) => `${parentPhase?.name}:${(parentPhase?.first ?? 0) + (r.id % (parentPhase?.last ?? 1))}`,
            )
      const loaded = await ledger.loaded([...batch.map((r) => r.sourceKey), ...parents])
      found += loaded.size
      await ledger.intents.findBySource(
        run.runId,
        entitySet,
        batch.map((r) => r.sourceKey),
      )
      await ledger.intents.find(
        run.runId,
        entitySet,
        batch.map((r) => r.targetId),
      )
    }
    await ledger.intents.record(
      run.runId,
      phase,
      batch.map((r) => ({ entitySet, targetId: r.targetId, existed: false, sourceKey: r.sourceKey })),
    )
    const outcomes: RecordOutcome[] = batch.map((r) => ({
      runId: run.runId,
      phase,
      sourceKey: r.sourceKey,
      status: 'created',
      targetId: r.targetId,
    }))
    await ledger.recordBatch(
      run.runId,
      phase,
      outcomes,
      { lastSourceId: id },
      { entity, hashes: batch.map((r) => ({ id: r.id, hash: r.targetId.repeat(2) })) },
    )
  }
  parentPhase = { name: entity, first, last: id - first + 1 }
}
if (reads) await ledger.counts(run.runId)
const used = process.cpuUsage(cpu)
const seconds = (performance.now() - started) / 1000
await ledger.close()
rmSync(dir, { recursive: true, force: true })
console.log(
  `${id} records in batches of ${BATCH}${reads ? ` (with reads; ${found} found loaded)` : ' (writes only)'}: ` +
    `${((used.user + used.system) / 1e6).toFixed(2)} s CPU ` +
    `(user ${(used.user / 1e6).toFixed(2)}, system ${(used.system / 1e6).toFixed(2)}) ` +
    `(${(((used.user + used.system) / id) | 0).toString()} µs a record), ${seconds.toFixed(2)} s wall, ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
)
