import { CommanderError } from 'commander'
import { ConfigError, HttpError, InternalError, MigrationError } from '../errors.ts'
import { EXIT } from './exit-codes.ts'
import { buildProgram } from './program.ts'

/** Turns every failure into a message a person can act on and an exit code a script can test. */
export function exitCodeForError(error: unknown, write: (text: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.config
  if (error instanceof ConfigError) {
    write(`${error.message}\n`)
    return EXIT.config
  }
  if (error instanceof InternalError) {
    write(`Internal error (a bug in x2d365, please report it): ${error.message}\n`)
    return EXIT.internal
  }
  if (error instanceof HttpError || error instanceof MigrationError) {
    write(
      `${error.message}\nThe run stopped; what was recorded is kept. Fix the cause and run the same command to resume.\n`,
    )
    return EXIT.failed
  }
  write(
    `Internal error (a bug in x2d365, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  return EXIT.internal
}

async function main(): Promise<void> {
  let code = 0
  const program = buildProgram((c) => (code = c))
  try {
    await program.parseAsync(process.argv)
  } catch (error) {
    code = exitCodeForError(error, (text) => process.stderr.write(text))
  }
  // Exit explicitly: keep-alive connection pools would otherwise hold the process open after the work is done.
  process.exit(code)
}

await main()
