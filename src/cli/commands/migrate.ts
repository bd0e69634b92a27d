import { describeMigration } from '../../report/migration-summary.ts'
import { exitCodeForRun } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { interruptible } from '../interrupt.ts'
import { runMigrate } from '../runs.ts'

export interface MigrateCommandOptions {
  config: string
  mapping?: string
  json?: boolean
  /** A rehearsal on this many root records plus everything they need. */
  sample?: number
}

export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  return interruptible({ command: 'migrate', json: options.json }, async (signal) => {
    const result = await runMigrate(config, { ...options, signal })
    if (!options.json)
      process.stdout.write(
        describeMigration(result, config.run.ledgerPath, { sample: options.sample !== undefined }),
      )
    return exitCodeForRun(result)
  })
}
