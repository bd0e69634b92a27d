import type { AssignmentValue } from './types.ts'

/**
 * The entries of an assignment field (api.md §2.1), in order: `", "`-separated usernames and group ids, without
 * `Anyone` and empty entries (both mean nobody).
 */
export function assigneesOf(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && entry !== 'Anyone')
}

/** An all-digit assignment entry is an X2CRM group id, not a username. */
export function isGroupId(entry: string): boolean {
  return /^\d+$/.test(entry)
}

/** An assignment field's usernames (each once) and group ids. Numbers arrive for a single group on PHP ≥ 8.1. */
export function parseAssignment(raw: unknown): AssignmentValue {
  const usernames: string[] = []
  const groupIds: number[] = []
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : ''
  for (const entry of assigneesOf(text)) {
    if (isGroupId(entry)) groupIds.push(Number(entry))
    else if (!usernames.includes(entry)) usernames.push(entry)
  }
  return { kind: 'assignment', usernames, groupIds }
}
