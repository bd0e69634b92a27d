import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateDataset } from '../../../sim/seed/generate.ts'
import { serve } from '../../../sim/serve.ts'
import { createX2crmSimulator } from '../../../sim/x2crm/index.ts'
import type { RunConfig } from '../../config/config.ts'
import { formatReconciliation } from '../../report/reconciliation.ts'
import type { MigrateResult } from '../../run/migrate.ts'
import { runMigrate } from './migrate.ts'
import { startDataverseSimulator } from './sim.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from './demo-users.ts'

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
 * made for the occasion), generated dirty data, a migration, then the same migration again to show it changes
 * nothing. Exit 0 when both runs balance and the second created no duplicates.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const dir = resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  for (const file of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm'])
    rmSync(join(dir, file), { force: true })
  const say = (text: string) => (options.json ? undefined : process.stdout.write(text))

  const data = generateDataset({ seed: options.seed, accounts: options.accounts, contacts: options.contacts })
  const x2crm = createX2crmSimulator({ data })
  const x2crmServed = await serve(x2crm.handle)
  const dataverse = await startDataverseSimulator(0, join(dir, 'dataverse-sim-ca.pem'))
  dataverse.sim.seed('systemuser', demoSystemUsers(data.users))
  const settings = dataverse.sim.settings()
  say(
    `X2CRM simulator   ${x2crmServed.origin}/index.php/api2  (${options.accounts} accounts, ${options.contacts} contacts, seed ${options.seed}, with dirty data)\n` +
      `Dataverse simulator ${settings.apiUrl}  (TLS, OAuth via MSAL)\n\n`,
  )

  const config: RunConfig = {
    source: {
      x2crm: {
        url: `${x2crmServed.origin}/index.php/api2`,
        username: 'admin',
        apiKey: data.apiKeys['admin'] ?? '',
      },
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

  try {
    const first = await runMigrate(config, options.json)
    const rowsAfterFirst = tableSizes(dataverse.sim)
    say(summary('First run', first, rowsAfterFirst))

    const second = await runMigrate(config, options.json)
    const rowsAfterSecond = tableSizes(dataverse.sim)
    say(summary('Second run (same data again)', second, rowsAfterSecond))

    const noDuplicates =
      rowsAfterSecond.account === rowsAfterFirst.account && rowsAfterSecond.contact === rowsAfterFirst.contact
    const ok = first.reconciliation.balanced && second.reconciliation.balanced && noDuplicates
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
      noDuplicates,
      ledger: config.run.ledgerPath,
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'demo.finished', ...result })}\n`)
    else {
      say(
        `First run: ${result.records} records in ${result.seconds.toFixed(1)}s = ${result.recordsPerSecond} records/s, links included ` +
          `(simulators in the same process; peak RSS ${result.peakRssMb} MB).\n` +
          `Second run: ${noDuplicates ? 'no duplicates, every row was an update' : 'DUPLICATES FOUND'}.\n` +
          `Ledger: ${result.ledger}\n${ok ? 'Demo OK.' : 'Demo FAILED: see above.'}\n`,
      )
    }
    return ok ? 0 : 1
  } finally {
    await x2crmServed.close()
    await dataverse.served.close()
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
