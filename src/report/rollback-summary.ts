import type { RollbackResult } from '../run/rollback.ts'

/** What a person reads after a rollback: each run undone, and whether the check after it passed. Pure. */
export function describeRollback(result: RollbackResult): string {
  const lines = result.chain.map(
    (step) =>
      `Rolled back ${step.kind} run ${step.of}: ${step.deleted} rows deleted, ${step.restored} restored to their before-images` +
      `${step.verified ? '' : ' (NOT verified)'}.\n`,
  )
  lines.push(
    result.verified
      ? 'Verified: no row these runs created remains, and every restored row equals its before-image.\n'
      : `NOT verified: ${result.remaining.length} created rows remain, ${result.mismatched.length} restored rows differ ` +
          `from their before-images (first: ${[...result.remaining, ...result.mismatched.map((m) => m.targetId)].slice(0, 5).join(', ')}).\n` +
          'Run the same command again to retry.\n',
  )
  return lines.join('')
}
