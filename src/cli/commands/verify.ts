import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { verify, type VerifyResult } from '../../run/verify.ts'
import { connect } from '../connect.ts'
import { EXIT, mappingFor, readConfig, rendererFor } from './migrate.ts'

export interface VerifyCommandOptions {
  config: string
  sample?: number
  all?: boolean
  json?: boolean
}

export function formatVerification(result: VerifyResult): string {
  const lines = ['entity     checked  matched  mismatched  missing  not migrated']
  for (const e of result.entities) {
    lines.push(
      `${e.entity.padEnd(9)} ${String(e.checked).padStart(8)} ${String(e.matched).padStart(8)} ${String(e.mismatched).padStart(11)} ${String(e.missing).padStart(8)} ${String(e.notMigrated).padStart(13)}`,
    )
    for (const [column, n] of Object.entries(e.byColumn)) lines.push(`    ${column}: ${n} rows differ`)
    for (const m of e.mismatches.slice(0, 10)) {
      lines.push(
        `    ${m.sourceKey} ${m.field} → ${m.column}: expected ${JSON.stringify(m.expected)}, Dataverse has ${JSON.stringify(m.actual)}`,
      )
    }
    if (e.missing > 0)
      lines.push(
        `    missing from Dataverse: ${e.missingKeys.slice(0, 10).join(', ')}${e.missing > 10 ? `, … (${e.missing} in all)` : ''}`,
      )
  }
  lines.push(
    result.ok ? 'Verified: every record checked matches its source.' : 'Differences found (see above).',
    `Recorded as run ${result.runId}${result.of === undefined ? '' : ` (it checked run ${result.of})`}; \`x2d365 report\` shows it with that run.`,
  )
  return `${lines.join('\n')}\n`
}

export async function verifyCommand(options: VerifyCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const renderer = rendererFor(options.json)
  const { source, target, ledger, close } = connect(config, renderer.event)
  try {
    const sample = options.all ? undefined : (options.sample ?? 200)
    const result = await verify(
      {
        instance: config.run.instance,
        mapping: mappingFor(config.run.mapping, 'verify').mapping,
        ...(sample !== undefined && { sample }),
      },
      { source, target, ledger, emit: renderer.event, now: () => new Date() },
    )
    renderer.flush()
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ type: 'verify.finished', ...result })}\n`
        : formatVerification(result),
    )
    return result.ok ? EXIT.ok : EXIT.unbalanced
  } finally {
    renderer.flush()
    await ledger.close()
    await close()
  }
}

export function registerVerify(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('verify')
    .summary('read migrated rows back and compare them field by field with the source')
    .description(
      'Read migrated rows back from Dataverse and compare them, field by field through the map, with X2CRM as it is ' +
        'now. Checks a random sample per object by default; --all checks every record. The result is recorded in ' +
        'the ledger as a run of kind verify: `x2d365 report` shows it with the migrate or delta run it checked, ' +
        'and `x2d365 report --run <id>` reports the verification itself. Progress goes to stderr (a bar with ' +
        'rate and ETA in a terminal); with --json, one JSON object per line on stdout, the last one the result.',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--sample <n>', 'records per object to check (default 200)', (v: string) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--sample must be a whole number ≥ 1')
      return n
    })
    .option('--all', 'check every record')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 everything matches, 4 differences or missing rows, 1 stopped, 2 configuration.',
    )
    .action(async (options: VerifyCommandOptions) => setExitCode(await verifyCommand(options)))
}
