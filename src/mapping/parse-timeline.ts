import type { EntityMap, OpportunityCloseRule } from './types.ts'
import type { WrittenClose, WrittenParties } from './written-timeline.ts'

/** Tables whose rows have activity parties (`<table>_activity_parties`) the load can send with the row. */
const PARTY_TABLES = new Set(['email', 'phonecall', 'appointment', 'fax', 'letter'])

type Report = (path: readonly string[], message: string) => void

/**
 * The timeline keys of one written entity (`parties`, `close`, `attachments`), checked against its table: parties
 * belong to an activity with parties, a close to opportunities, a file to notes. Each misplaced key is an error at its
 * path; the others are returned as they go on the entity map. Pure.
 */
export function normalizeTimeline(
  written: {
    parties?: WrittenParties | undefined
    close?: WrittenClose | undefined
    attachments?: boolean | undefined
  },
  table: string,
  path: readonly string[],
  error: Report,
): Pick<EntityMap, 'parties' | 'close' | 'attachments'> {
  const out: Pick<EntityMap, 'parties' | 'close' | 'attachments'> = {}
  if (written.parties !== undefined) {
    if (PARTY_TABLES.has(table)) out.parties = { ...written.parties }
    else
      error(
        [...path, 'parties'],
        `${table} rows have no activity parties; \`parties\` belongs to ${[...PARTY_TABLES].join(', ')}: take it out`,
      )
  }
  if (written.close !== undefined) {
    if (table === 'opportunity') out.close = closeRule(written.close, [...path, 'close'], error)
    else
      error(
        [...path, 'close'],
        `only opportunities are closed by WinOpportunity/LoseOpportunity, not ${table}: take \`close\` out`,
      )
  }
  if (written.attachments === true) {
    if (table === 'annotation') out.attachments = true
    else
      error(
        [...path, 'attachments'],
        `files go into a note's documentbody: \`attachments: true\` needs \`table: annotation\`, not ${table}`,
      )
  }
  return out
}

function closeRule(written: WrittenClose, path: readonly string[], error: Report): OpportunityCloseRule {
  const norm = (value: string) => value.trim().toLowerCase()
  const won = new Set(written.won.map(norm))
  const both = written.lost.filter((value) => won.has(norm(value)))
  if (both.length > 0)
    error(
      [...path, 'lost'],
      `${both.map((v) => JSON.stringify(v)).join(', ')} is listed as won and as lost; keep it in one of them`,
    )
  return {
    field: written.field,
    won: [...written.won],
    lost: [...written.lost],
    ...(written.revenue !== undefined && { revenue: written.revenue }),
    ...(written.closeDate !== undefined && { closeDate: [...written.closeDate] }),
  }
}
