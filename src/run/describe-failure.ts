import { ConfigError, InternalError, MigrationError, runStoppedBy } from '../errors.ts'
import { describeNetworkFailure } from '../http/network-failure.ts'

/**
 * How a failure ends a command: `config` (exit 2: an input is not what it should be), `failed` (exit 1: something
 * outside x2d365 stopped it) or `internal` (exit 70: our bug).
 */
export interface FailureReport {
  exit: 'config' | 'failed' | 'internal'
  /** What to print, ending with a newline. */
  text: string
}

/**
 * Turns any error a command threw into what the person running it reads: the cause named (a network or TLS failure
 * found inside an error that does not say it, a ledger SQLite refused), and "run the same command to resume" only
 * when a run was left to resume ({@link markRunStopped}). `cli/main.ts` prints it and exits.
 */
export function describeFailure(error: unknown): FailureReport {
  if (error instanceof ConfigError) return { exit: 'config', text: `${error.message}\n` }
  if (error instanceof InternalError) return internal(error.message)
  const runId = runStoppedBy(error)
  const after =
    runId === undefined
      ? ''
      : `Run ${runId} stopped; what it recorded is kept. Fix the cause and run the same command to resume it.\n`
  if (error instanceof MigrationError) return { exit: 'failed', text: `${error.message}\n${after}` }
  const network = describeNetworkFailure(error)
  if (network !== undefined) {
    return { exit: 'failed', text: `A request failed: ${network.sentence}.\n${after}` }
  }
  const sqlite = sqliteCode(error)
  if (sqlite !== undefined) {
    return {
      exit: 'failed',
      text: `The ledger refused a read or write (SQLite ${sqlite}: ${(error as Error).message}).\n${after}`,
    }
  }
  return internal(error instanceof Error ? (error.stack ?? error.message) : String(error))
}

function internal(detail: string): FailureReport {
  return { exit: 'internal', text: `Internal error (a bug in x2d365, please report it): ${detail}\n` }
}

/**
 * SQLite's result code for failures of the disk or the file (full, read-only, I/O, locked, damaged): these come from
 * where the ledger lives, not from x2d365. Constraint and misuse errors stay bugs.
 */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return undefined
  return /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CORRUPT|NOTADB|CANTOPEN|PERM)/.test(code)
    ? code
    : undefined
}
