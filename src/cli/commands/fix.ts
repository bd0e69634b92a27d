import { userInfo } from 'node:os'
import { describeFix, describeFixRefusal } from '../../report/fix-summary.ts'
import { fixRecords } from '../../run/fix.ts'
import { connect } from '../connect.ts'
import { exitCodeForFix, fixRefused } from '../exit-codes.ts'
import { mappingFor, readConfig, readFixText, runSettingsOf } from '../inputs.ts'
import { rendererFor, withSession } from '../session.ts'

export interface FixCommandOptions {
  config: string
  mapping?: string
  by?: string
  /** `--no-load` sets it false. */
  load: boolean
  skipBad?: boolean
  json?: boolean
}

/** Stores the fixes of a filled-in quarantine CSV, loads the fixed records with a delta, and prints both. */
export async function fixCommand(file: string, options: FixCommandOptions): Promise<number> {
  const text = readFixText(file)
  const config = readConfig(options.config)
  const { mapping, source: mappingSource } = mappingFor(options.mapping ?? config.run.mapping, 'fix')
  const renderer = rendererFor(options.json)
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  const by = options.by ?? osUser()
  const skipBad = options.skipBad === true
  const result = await withSession(
    renderer,
    (emit) => connect(config, emit),
    ({ source, unfixedSource, related, target, writers, ledger }, emit) =>
      fixRecords(
        text,
        {
          ...runSettingsOf(config),
          mapping,
          deletions: config.run.deletions,
          by,
          load: options.load,
          skipBad,
        },
        { source, unfixedSource, related, target, writers, ledger, emit, now: () => new Date() },
      ),
  )
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({
        type: 'fix.finished',
        stored: result.stored,
        problems: result.problems,
        relinked: result.relinked,
        fixed: result.fixedOutcomes,
        ...(result.delta && { delta: result.delta }),
      })}\n`,
    )
  } else if (fixRefused(result, skipBad)) {
    process.stderr.write(describeFixRefusal(file, result))
  } else {
    process.stdout.write(describeFix(file, result, by, config.run.ledgerPath))
  }
  return exitCodeForFix(result, skipBad)
}

/** The OS account name; `USER`/`USERNAME` where the account database cannot say (some containers). */
function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown'
  }
}
