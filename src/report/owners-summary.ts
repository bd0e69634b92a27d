import type { OwnerReconciliation } from '../mapping/reconcile-users.ts'

/** The owner reconciliation as lines a person reads: who matched how, and the queue still to resolve. Pure. */
export function describeOwners(result: OwnerReconciliation): string[] {
  const lines = result.matched.map(
    (m) => `  ${m.username} → ${m.systemuserid} (by ${m.by}, ${m.records} records)`,
  )
  lines.unshift(`Matched ${result.matched.length} X2CRM users:`)
  if (result.queue.length > 0) {
    lines.push(`Queue: ${result.queue.length} owners without a Dataverse user:`)
    for (const q of result.queue) {
      lines.push(
        `  ${q.username} (${q.fullName}, ${q.email ?? 'no e-mail'}${q.active ? '' : ', inactive'}): ${q.records} records; ${q.reason}`,
      )
    }
  }
  return lines
}
