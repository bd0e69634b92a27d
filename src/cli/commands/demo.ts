import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { applyCutoverChanges } from '../../../sim/seed/cutover-changes.ts'
import { generateDataset } from '../../../sim/seed/generate.ts'
import { serve } from '../../../sim/serve.ts'
import { createX2crmSimulator } from '../../../sim/x2crm/index.ts'
import type { RunConfig } from '../../config/config.ts'
import { describeDelta } from '../../report/delta-summary.ts'
import { describeUnderLimits } from '../../discover/limits-estimate.ts'
import { CHROMIUM } from '../../report/pdf.ts'
import { formatReconciliation } from '../../report/reconciliation.ts'
import { formatVerification } from '../../report/verify-summary.ts'
import type { MigrateResult } from '../../run/migrate.ts'
import { formatQuarantineReasons, quarantineReasons } from '../demo-quarantine.ts'
import { countTables, countTagged, formatTableCounts, formatTagged } from '../demo-tables.ts'
import { builtInMapping } from '../../mapping/built-in-map.ts'
import { DEMO_TAG_COLUMN, demoMapping } from '../../mapping/demo-map.ts'
import { openLedger } from '../../ledger/open-ledger.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../demo-users.ts'
import { exitCodeForDemo } from '../exit-codes.ts'
import { type NamedMap, runDelta, runMigrate, runRollback, runVerify } from '../runs.ts'
import { applyMapSchema } from '../apply-map-schema.ts'
import { startDataverseSimulator } from '../simulators.ts'
import { writeReport } from '../write-report.ts'

export interface DemoOptions {
  accounts: number
  contacts: number
  seed: number
  dir: string
  batchSize: number
  json?: boolean
}

/**
 * The whole job on embedded defaults: both simulators on free loopback ports (Dataverse over TLS with a certificate
 * made for the occasion), generated dirty data, a migration, the same migration again to show it duplicates
 * nothing, changes made in X2CRM meanwhile and the delta that loads them (twice: the second writes nothing), a
 * field-by-field verify and the run's report. Exit 0 when every step balances and checks out.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const dir = resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  for (const file of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm'])
    rmSync(join(dir, file), { force: true })
  const say = (text: string) => (options.json ? undefined : process.stdout.write(text))

  const data = generateDataset({
    seed: options.seed,
    accounts: options.accounts,
    contacts: options.contacts,
    sales: true,
    timeline: true,
  })
  const x2crm = createX2crmSimulator({ data })
  const x2crmServed = await serve(x2crm.handle)
  const dataverse = await startDataverseSimulator(0, join(dir, 'dataverse-sim-ca.pem'))
  dataverse.sim.seed('systemuser', demoSystemUsers(data.users))
  const settings = dataverse.sim.settings()
  say(
    `X2CRM simulator   ${x2crmServed.origin}/index.php/api2  (${options.accounts} accounts, ${options.contacts} contacts, seed ${options.seed}, with dirty data)\n` +
      `                  and their timeline: ${(['Opportunity', 'Actions', 'Media'] as const).map((c) => `${data.records[c]?.length ?? 0} ${c}`).join(', ')}\n` +
      `Dataverse simulator ${settings.apiUrl}  (TLS, OAuth via MSAL)\n\n`,
  )

  const config: RunConfig = {
    source: {
      x2crm: {
        url: `${x2crmServed.origin}/index.php/api2`,
        username: 'admin',
        apiKey: data.apiKeys['admin'] ?? '',
      },
      // Media files come from the X2CRM site's getFile, with each record's access key.
      uploads: { httpBase: x2crmServed.origin },
    },
    target: {
      url: settings.url,
      authority: settings.authority,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      caFile: dataverse.caFile,
    },
    run: {
      instance: 'demo',
      ledgerPath: join(dir, 'ledger.sqlite'),
      usersPath: join(dir, 'users.yaml'),
      batchSize: options.batchSize,
      defaultOwnerEmail: DEMO_DEFAULT_OWNER,
      deletions: 'deactivate',
    },
  }
  writeFileSync(join(dir, 'x2d365.yaml'), configYaml(config))

  // The demo's map moves tags as `map propose` proposes them: a multi-select column with an option per tag X2CRM has
  // on the classes it migrates (the built-in map keeps `none`: nobody ran schema apply for it).
  const classes = new Set(builtInMapping().entities.map((e) => e.entity))
  const taggedInSource = Object.entries(data.tags ?? {}).filter(([entity]) => classes.has(entity))
  const map: NamedMap = {
    mapping: demoMapping([
      ...new Set(taggedInSource.flatMap(([, ofClass]) => Object.values(ofClass).flat())),
    ]),
    name: `the built-in map, with X2CRM's tags in a multi-select column (${DEMO_TAG_COLUMN})`,
  }
  const sourceTagged = taggedInSource.reduce((n, [, ofClass]) => n + Object.keys(ofClass).length, 0)

  try {
    // What `x2d365 schema apply` does before the first migration: the X2CRM id columns and keys, the tag column.
    const planned: string[] = []
    const applied = await applyMapSchema(map.mapping, config, {
      license: 'enterprise',
      mapName: 'the demo map',
      out: (line) => planned.push(line),
    })
    const tagColumns = planned.filter((line) => line.includes(DEMO_TAG_COLUMN)).length
    say(
      `Schema apply (as \`x2d365 schema apply\` does it): ${applied} changes, the tag column ${DEMO_TAG_COLUMN} on ` +
        `${tagColumns} tables among them.\n`,
    )
    const first = await runMigrate(config, { json: options.json, mapping: map })
    const rowsAfterFirst = tableSizes(dataverse.sim)
    say(summary('First run', first, rowsAfterFirst))
    const tables = countTables(dataverse.sim)
    const tagged = countTagged(
      dataverse.sim,
      DEMO_TAG_COLUMN,
      map.mapping.entities.map((e) => e.table.logicalName),
    )
    say(
      `Rows per Dataverse table, with their states:\n${formatTableCounts(tables)}\n` +
        `${formatTagged(tagged, sourceTagged)}\n\n`,
    )
    const quarantine = await readQuarantineReasons(config.run.ledgerPath, first.runId)
    say(`${formatQuarantineReasons(quarantine)}\n`)
    say(
      describeUnderLimits(
        first.reconciliation.phases
          .filter((p) => !p.phase.endsWith('.links'))
          .reduce((n, p) => n + p.source, 0),
        first.seconds,
        1 + (config.target.additionalAppUsers?.length ?? 0),
        config.run.batchSize,
      ),
    )

    const second = await runMigrate(config, { json: options.json, mapping: map })
    const rowsAfterSecond = tableSizes(dataverse.sim)
    say(summary('Second run (same data again)', second, rowsAfterSecond))

    // The cutover: users kept working in X2CRM; a delta loads only what they changed, and a second one nothing.
    const changes = applyCutoverChanges(x2crm, data, Math.floor(Date.now() / 1000))
    say(
      `\nMeanwhile in X2CRM: ${changes.renamedAccounts.length} accounts renamed, ${changes.quietlyChangedContacts.length} contacts ` +
        `edited without a new lastUpdated, ${changes.deletedContacts.length} contacts and ${changes.deletedAccounts.length} account deleted, ` +
        `${changes.newAccounts.length} accounts and ${changes.newContacts.length} contacts added.\n`,
    )
    const cutover = await runDelta(config, { json: options.json, mapping: map })
    say(describeDelta(cutover, config.run.ledgerPath))
    const repeat = await runDelta(config, { json: options.json, mapping: map })
    const repeatWrites = repeat.reconciliation.phases.reduce(
      (n, p) => n + p.created + p.updated + p.deleted,
      0,
    )
    say(
      `Delta again: ${repeatWrites === 0 ? 'nothing to write' : `${repeatWrites} rows written (UNEXPECTED)`}.\n`,
    )

    const checked = await runVerify(config, { json: options.json, mapping: map })
    say(`\nVerify --all (every record, field by field):\n${formatVerification(checked)}`)

    // The way back: the cutover is called off. One rollback undoes both deltas, newest first (undoing the whole
    // migration works the same way; it is bound by Dataverse's per-row request limits, see the README).
    const rollbackStarted = Date.now()
    const undone = await runRollback(config, { json: options.json, runId: cutover.runId, mapping: map })
    const rollbackSeconds = (Date.now() - rollbackStarted) / 1000
    const rowsAfterRollback = tableSizes(dataverse.sim)
    const backToEmpty =
      undone.verified &&
      rowsAfterRollback.account === rowsAfterSecond.account &&
      rowsAfterRollback.contact === rowsAfterSecond.contact
    say(
      `\nRollback of the cutover: ${undone.chain.length} runs undone in ${rollbackSeconds.toFixed(1)}s, ${undone.deleted} rows deleted, ` +
        `${undone.restored} restored; Dataverse holds ${rowsAfterRollback.account} accounts and ${rowsAfterRollback.contact} contacts, as before the delta.\n`,
    )

    // The migration's report, last: the migration, both deltas, the verification and the rollback, in order. It
    // reads X2CRM with the demo's key (quarantine.csv's current values) and prints to PDF when Chromium is there.
    const reportDir = join(dir, 'report')
    rmSync(reportDir, { recursive: true, force: true })
    const pdf = existsSync(CHROMIUM)
    await writeReport({
      config: join(dir, 'x2d365.yaml'),
      ledger: config.run.ledgerPath,
      out: reportDir,
      runConfig: config,
      by: 'x2d365 demo',
      pdf,
      json: options.json,
    })
    if (!pdf)
      say(`No ${CHROMIUM}: report.pdf not written (install chromium, or print report.html from a browser).\n`)

    const noDuplicates =
      rowsAfterSecond.account === rowsAfterFirst.account && rowsAfterSecond.contact === rowsAfterFirst.contact
    const deltaOk = cutover.reconciliation.balanced && repeatWrites === 0
    const ok =
      first.reconciliation.balanced &&
      second.reconciliation.balanced &&
      noDuplicates &&
      deltaOk &&
      checked.ok &&
      backToEmpty
    const peakMb = process.resourceUsage().maxRSS / 1024
    // Records = source records of the first pass; the link pass re-touches some of them and is not counted again.
    const records = first.reconciliation.phases
      .filter((p) => !p.phase.endsWith('.links'))
      .reduce((sum, p) => sum + p.source, 0)
    const result = {
      ok,
      records,
      seconds: first.seconds,
      recordsPerSecond: Math.round(records / first.seconds),
      peakRssMb: Math.round(peakMb),
      rows: rowsAfterSecond,
      tables: Object.fromEntries(tables.map((t) => [t.table, { rows: t.rows, ...t.states }])),
      tagged: { ...tagged, inSource: sourceTagged },
      quarantine: {
        total: quarantine.total,
        reasons: quarantine.groups.map((g) => ({
          phase: g.phase,
          field: g.field,
          rule: g.rule,
          count: g.count,
        })),
      },
      noDuplicates,
      delta: {
        runId: cutover.runId,
        seconds: cutover.seconds,
        found: Object.fromEntries(cutover.entities.map((e) => [e.entity, e.found])),
        balanced: cutover.reconciliation.balanced,
        repeatWrites,
      },
      verified: checked.ok,
      verifiedRecords: checked.entities.reduce((n, e) => n + e.checked, 0),
      mismatched: checked.entities.reduce((n, e) => n + e.mismatched + e.missing, 0),
      quarantinedNotCompared: checked.entities.reduce((n, e) => n + e.quarantined, 0),
      rollback: { runs: undone.chain.length, deleted: undone.deleted, backToEmpty, seconds: rollbackSeconds },
      report: join(reportDir, 'report.html'),
      ...(pdf && { pdf: join(reportDir, 'report.pdf') }),
      ledger: config.run.ledgerPath,
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'demo.finished', ...result })}\n`)
    else {
      say(
        `\nFirst run: ${result.records} records in ${result.seconds.toFixed(1)}s = ${result.recordsPerSecond} records/s, links included ` +
          `(simulators in the same process; peak RSS ${result.peakRssMb} MB).\n` +
          `Second run: ${noDuplicates ? 'no duplicates, every row was an update' : 'DUPLICATES FOUND'}.\n` +
          `Delta: ${deltaOk ? 'the changes loaded in' : 'FAILED after'} ${cutover.seconds.toFixed(1)}s; the second delta wrote nothing.\n` +
          `Verify --all: ${result.verifiedRecords} records compared field by field, ${result.mismatched} mismatches` +
          `${result.quarantinedNotCompared > 0 ? ` (${result.quarantinedNotCompared} quarantined since their load, not compared)` : ''}: ` +
          `${checked.ok ? 'every checked record matches X2CRM' : 'DIFFERENCES FOUND'}.\n` +
          `Rollback: ${backToEmpty ? 'both deltas undone and checked; Dataverse is as it was before them' : 'FAILED: see above'}.\n` +
          `Report: ${result.report}${result.pdf === undefined ? '' : ` and ${result.pdf}`}\n` +
          `Ledger: ${result.ledger}\n` +
          `${ok ? 'Demo OK.' : 'Demo FAILED: see above.'}\n`,
      )
    }
    return exitCodeForDemo(result)
  } finally {
    await x2crmServed.close()
    await dataverse.served.close()
  }
}

/** The first run's quarantine by reason, read from the ledger the run closed. */
async function readQuarantineReasons(ledgerPath: string, runId: string) {
  const ledger = openLedger(ledgerPath, { readonly: true })
  try {
    return await quarantineReasons(ledger, runId)
  } finally {
    await ledger.close()
  }
}

function tableSizes(sim: { rows(logicalName: string): unknown[] }) {
  return { account: sim.rows('account').length, contact: sim.rows('contact').length }
}

function summary(title: string, result: MigrateResult, rows: { account: number; contact: number }): string {
  return (
    `\n${title}: run ${result.runId}\n${formatReconciliation(result.reconciliation)}\n` +
    `Dataverse now holds ${rows.account} accounts and ${rows.contact} contacts.\n\n`
  )
}

function configYaml(config: RunConfig): string {
  return `# Written by x2d365 demo. The simulators stop with the demo; start your own with \`x2d365 sim\`.
source:
  x2crm:
    url: ${config.source.x2crm?.url ?? ''}
    username: ${config.source.x2crm?.username ?? ''}
    apiKeyEnv: X2CRM_API_KEY
  uploads:
    httpBase: ${config.source.uploads?.httpBase ?? ''}
target:
  dataverse:
    url: ${config.target.url}
    authority: ${config.target.authority}
    clientId: ${config.target.clientId}
    clientSecretEnv: DATAVERSE_CLIENT_SECRET
    caFile: ${config.target.caFile ?? ''}
run:
  instance: ${config.run.instance}
  ledger: ${config.run.ledgerPath}
  batchSize: ${config.run.batchSize}
  defaultOwnerEmail: ${config.run.defaultOwnerEmail ?? ''}
`
}
