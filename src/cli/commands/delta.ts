import type { Command } from 'commander'
import type { RunConfig } from '../../config/config.ts'
import { formatReconciliation } from '../../report/reconciliation.ts'
import { delta, type DeltaResult } from '../../run/delta.ts'
import type { DeletionPolicy } from '../../run/retire.ts'
import { connect } from '../connect.ts'
import { interruptible } from '../interrupt.ts'
import { EXIT, mappingFor, readConfig, rendererFor } from './migrate.ts'
import { readOwnerDecisions } from './users.ts'

export interface DeltaCommandOptions {
  config: string
  mapping?: string
  deletions?: DeletionPolicy
  json?: boolean
}

/** Changes listed in a terminal; `--json` and `x2d365 report` have them all. */
const SHOWN = 20

export async function runDelta(
  config: RunConfig,
  options: { json?: boolean; mapping?: string; deletions?: DeletionPolicy },
  signal?: AbortSignal,
): Promise<DeltaResult> {
  const { mapping, source: mappingSource } = mappingFor(options.mapping ?? config.run.mapping, 'delta')
  const renderer = rendererFor(options.json)
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  const { source, target, writers, ledger, close } = connect(config, renderer.event)
  try {
    return await delta(
      {
        instance: config.run.instance,
        mapping,
        batchSize: config.run.batchSize,
        ownerDecisions: readOwnerDecisions(config.run.usersPath),
        deletions: options.deletions ?? config.run.deletions,
        ...(config.run.defaultOwnerEmail === undefined
          ? {}
          : { defaultOwnerEmail: config.run.defaultOwnerEmail }),
      },
      {
        source,
        target,
        writers,
        ledger,
        emit: renderer.event,
        now: () => new Date(),
        ...(signal === undefined ? {} : { signal }),
      },
    )
  } finally {
    renderer.flush()
    await ledger.close()
    await close()
  }
}

export function exitCodeForDelta(result: DeltaResult): number {
  if (!result.reconciliation.balanced) return EXIT.unbalanced
  return result.reconciliation.phases.some((p) => p.quarantined > 0) ? EXIT.quarantined : EXIT.ok
}

export async function deltaCommand(options: DeltaCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  return interruptible({ command: 'delta', json: options.json }, async (signal) => {
    const result = await runDelta(config, options, signal)
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'delta.finished', ...result })}\n`)
    else process.stdout.write(describeDelta(result, config.run.ledgerPath))
    return exitCodeForDelta(result)
  })
}

/** What a person reads after a delta: what X2CRM changed, what Dataverse got, the first changes one by one. */
export function describeDelta(result: DeltaResult, ledgerPath: string): string {
  const lines = [
    `\nDelta run ${result.runId} (since migration ${result.since}; deletions: ${result.deletions})`,
  ]
  for (const { entity, found, retried } of result.entities) {
    lines.push(
      `  ${entity}: ${found.new - retried} new, ${found.changed} changed, ${found.deleted} deleted, ${found.unchanged} unchanged` +
        (retried > 0 ? `; ${retried} quarantined before, tried again` : ''),
    )
  }
  const stillQuarantined = result.changes.filter((c) => c.change === 'retried' && c.outcome === 'quarantined')
  // Everything the delta found, but the records that were quarantined before and still are.
  const changed =
    result.entities.reduce((n, e) => n + e.found.new + e.found.changed + e.found.deleted, 0) -
    stillQuarantined.length
  if (changed <= 0 && stillQuarantined.length === 0) {
    lines.push('\nNothing changed in X2CRM since the last run: nothing was written.')
  } else {
    lines.push('', formatReconciliation(result.reconciliation), '')
    const shown = result.changes.filter((c) => !stillQuarantined.includes(c)).slice(0, SHOWN)
    for (const change of shown) {
      lines.push(
        `  ${change.change.padEnd(7)} ${change.sourceKey.padEnd(16)} → ${change.outcome}` +
          (change.detail === undefined ? '' : ` (${change.detail})`),
      )
    }
    if (changed > shown.length)
      lines.push(
        `  … and ${changed - shown.length} more: \`x2d365 report --run ${result.runId}\` lists every one`,
      )
    if (stillQuarantined.length > 0) {
      lines.push(
        `  ${stillQuarantined.length} records quarantined before are still quarantined (the same reasons): ` +
          `\`x2d365 report --run ${result.runId}\` lists them with a CSV to fix them`,
      )
    }
  }
  lines.push(
    '',
    result.reconciliation.balanced
      ? `Balanced: every change has an outcome (ledger: ${ledgerPath}). Run \`x2d365 delta\` again at cutover; \`x2d365 rollback\` undoes it.`
      : 'NOT balanced: some changes have no outcome. Run `x2d365 delta` again; if it persists, report a bug.',
    '',
  )
  return lines.join('\n')
}

export function registerDelta(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('delta')
    .summary('load what changed in X2CRM since the last run: new, changed, deleted records')
    .description(
      'Bring Dataverse up to date with X2CRM after `migrate`, for the cutover. Every mapped class is read whole ' +
        '(hidden records included) and each record hashed: a record whose content differs from when it was last ' +
        'loaded is changed, even when X2CRM did not move its lastUpdated (tags, relationships, direct SQL); a record ' +
        'never loaded is new (so quarantined records are tried again); a record gone from X2CRM is deleted. New and ' +
        'changed records are upserted in dependency order, keeping a before-image of every row they overwrite; ' +
        'deletions are applied last, as run.delta.deletions says. Safe to repeat: a second delta with no changes ' +
        'writes nothing. `x2d365 rollback --run <id>` undoes one delta.',
    )
    .addHelpText(
      'after',
      `
Deletions (run.delta.deletions in x2d365.yaml, or --deletions):
  deactivate  the row becomes inactive (accounts, contacts: Inactive; leads: Disqualified; activities: Canceled);
              rows of tables closed by an action (opportunities, cases, quotes) are left and listed as skipped
  delete      the row is deleted. Dataverse cascades some deletes (an account's contacts through the parental
              parentcustomerid relationship): prefer deactivate unless the children are gone too
  ignore      the row stays as it is

Exit codes:
  0  every change loaded      1  stopped (run it again)      2  configuration problem
  3  some changes quarantined (their reasons are in the ledger)      4  not balanced`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'the confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option(
      '--deletions <policy>',
      'deactivate, delete or ignore (default: run.delta.deletions, else deactivate)',
    )
    .option('--json', 'print events as JSON lines; the last one, delta.finished, lists the changes')
    .action(async (options: DeltaCommandOptions) => {
      if (
        options.deletions !== undefined &&
        !['deactivate', 'delete', 'ignore'].includes(options.deletions)
      ) {
        process.stderr.write(
          `--deletions must be deactivate, delete or ignore (got "${options.deletions}")\n`,
        )
        setExitCode(EXIT.config)
        return
      }
      setExitCode(await deltaCommand(options))
    })
}
