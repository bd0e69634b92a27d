/**
 * The ledger alone, as migrate writes it: for each batch of 100 records the write intents (one transaction, before
 * the send) and then the outcomes, checkpoint and content hashes (another). No network, no simulators, so the CPU and
 * wall seconds it prints are the ledger's own and far less noisy than bench:scale's on a shared machine:
 *
 *   npx tsx bench/ledger.ts [--records 200000] [--dir /tmp]
 *
 * Target ids are UUID v5 of the source key, as `targetIdFor` makes them: random, like the real ones.
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
  },
})
const records = Number(values.records)
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
for (const [phase, entitySet] of PHASES) {
  for (let done = 0; done < records / PHASES.length; done += BATCH) {
    const batch = Array.from({ length: BATCH }, () => {
      id += 1
      const sourceKey = `${phase.split('→')[0]}:${id}`
      return { id, sourceKey, targetId: targetIdFor('bench', phase, id) }
    })
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
      { entity: phase, hashes: batch.map((r) => ({ id: r.id, hash: r.targetId.repeat(2) })) },
    )
  }
}
const used = process.cpuUsage(cpu)
const seconds = (performance.now() - started) / 1000
await ledger.close()
rmSync(dir, { recursive: true, force: true })
console.log(
  `${id} records in batches of ${BATCH}: ${((used.user + used.system) / 1e6).toFixed(2)} s CPU ` +
    `(${(((used.user + used.system) / id) | 0).toString()} µs a record), ${seconds.toFixed(2)} s wall, ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
)
