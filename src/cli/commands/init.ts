import { existsSync, writeFileSync } from 'node:fs'
import { CONFIG_TEMPLATE } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { EXIT } from '../exit-codes.ts'

export interface InitOptions {
  config: string
  force?: boolean
}

/** Writes the commented configuration to start from; refuses to overwrite one without --force. */
export function initCommand(options: InitOptions): number {
  if (existsSync(options.config) && !options.force) {
    throw new ConfigError([`${options.config} already exists (use --force to overwrite it)`])
  }
  writeFileSync(options.config, CONFIG_TEMPLATE)
  process.stdout.write(
    `Wrote ${options.config}. Fill in the URLs and ids, then export X2CRM_API_KEY and DATAVERSE_CLIENT_SECRET.\n`,
  )
  return EXIT.ok
}
