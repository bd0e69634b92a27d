import type { Reconciliation } from '../run/reconciliation.ts'
import type { FixResult } from '../run/fix.ts'
import type { RollbackResult } from '../run/rollback.ts'
import type { ValidationResult } from '../run/validate.ts'
import type { VerifyResult } from '../run/verify.ts'

/**
 * Exit codes a script can act on. Each command's result maps to one by a function below; `cli/main.ts` alone maps
 * thrown errors (ConfigError → 2, InternalError → 70, any other failure → 1). Types only are imported here: main.ts
 * loads this module before any command.
 */
export const EXIT = {
  ok: 0,
  /** stopped by a systemic failure (target down, auth): run the same command again to resume */
  failed: 1,
  /** a configuration problem, a bad input file, or a state a run refuses to start from */
  config: 2,
  /** finished, but some records are quarantined: see the reconciliation and the ledger */
  quarantined: 3,
  /** finished, but the reconciliation does not balance (records are unaccounted for), or a check found differences */
  unbalanced: 4,
  internal: 70,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** `migrate` and `delta`: 4 when records are unaccounted for, 3 when some are quarantined, else 0. */
export function exitCodeForRun(result: { reconciliation: Reconciliation }): ExitCode {
  if (!result.reconciliation.balanced) return EXIT.unbalanced
  return result.reconciliation.phases.some((p) => p.quarantined > 0) ? EXIT.quarantined : EXIT.ok
}

/** `verify`: 4 on any difference or missing row. */
export function exitCodeForVerify(result: Pick<VerifyResult, 'ok'>): ExitCode {
  return result.ok ? EXIT.ok : EXIT.unbalanced
}

/** `validate`: 2 when migrate would refuse to start (owners), 3 when records would be quarantined, else 0. */
export function exitCodeForValidation(result: Pick<ValidationResult, 'owners' | 'quarantine'>): ExitCode {
  if (result.owners.checked && result.owners.refusal !== undefined) return EXIT.config
  return result.quarantine.total > 0 ? EXIT.quarantined : EXIT.ok
}

/**
 * `rollback`: 4 when its check found rows left or restored rows that differ. Nothing left to undo is not a failure:
 * the state asked for is already there.
 */
export function exitCodeForRollback(result: Pick<RollbackResult, 'verified'> | 'nothing to undo'): ExitCode {
  if (result === 'nothing to undo') return EXIT.ok
  return result.verified ? EXIT.ok : EXIT.unbalanced
}

/** Whether `fix` stored nothing because a line is bad (without --skip-bad, one bad line refuses the file). */
export function fixRefused(result: Pick<FixResult, 'problems'>, skipBad: boolean): boolean {
  return result.problems.length > 0 && !skipBad
}

/**
 * `fix`: 2 when a bad line refused the file, 4 when its delta does not balance, 3 when a fixed record is still
 * quarantined or bad lines were skipped, else 0.
 */
export function exitCodeForFix(
  result: Pick<FixResult, 'problems' | 'delta' | 'fixedOutcomes'>,
  skipBad: boolean,
): ExitCode {
  if (fixRefused(result, skipBad)) return EXIT.config
  if (result.delta !== undefined && !result.delta.reconciliation.balanced) return EXIT.unbalanced
  const stillQuarantined = result.fixedOutcomes.some((o) => o.status === 'quarantined')
  return stillQuarantined || result.problems.length > 0 ? EXIT.quarantined : EXIT.ok
}

/** `users`: 2 while owners are left without a Dataverse user (migrate refuses to start), else 0. */
export function exitCodeForOwners(refusal: string | undefined): ExitCode {
  return refusal === undefined ? EXIT.ok : EXIT.config
}

/** `map validate`: 2 when the map has problems. */
export function exitCodeForMapCheck(result: { ok: boolean }): ExitCode {
  return result.ok ? EXIT.ok : EXIT.config
}

/** `demo`: 1 when a step did not balance or check out. */
export function exitCodeForDemo(result: { ok: boolean }): ExitCode {
  return result.ok ? EXIT.ok : EXIT.failed
}
