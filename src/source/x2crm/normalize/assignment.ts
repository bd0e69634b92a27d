import type { AssignmentValue } from './types.ts'

/**
 * Assignment fields (api.md §2.1): `", "`-separated usernames; all-digit entries are group ids; `Anyone` or empty
 * is nobody. Numbers arrive for a single group on PHP ≥ 8.1.
 */
export function parseAssignment(raw: unknown): AssignmentValue {
  const usernames: string[] = []
  const groupIds: number[] = []
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : ''
  for (const entry of text.split(',')) {
    const name = entry.trim()
    if (name === '' || name === 'Anyone') continue
    if (/^\d+$/.test(name)) groupIds.push(Number(name))
    else if (!usernames.includes(name)) usernames.push(name)
  }
  return { kind: 'assignment', usernames, groupIds }
}
