import { CommanderError } from 'commander'
import { describeFailure } from '../run/describe-failure.ts'
import { EXIT } from './exit-codes.ts'
import { buildProgram } from './program.ts'

/** Turns every failure into a message a person can act on and an exit code a script can test. */
export function exitCodeForError(error: unknown, write: (text: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.config
  const failure = describeFailure(error)
  write(failure.text)
  return EXIT[failure.exit]
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
